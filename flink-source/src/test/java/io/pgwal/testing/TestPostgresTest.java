package io.pgwal.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The test servers start with logical decoding on, in each PostgreSQL major the build ships. */
class TestPostgresTest {

    @ParameterizedTest
    @ValueSource(ints = {0, 14, 16, 18})
    void startsWithLogicalWalLevel(int major) throws Exception {
        try (TestPostgres pg = TestPostgres.start(major, Map.of());
                Connection c = pg.connect();
                ResultSet rs = c.createStatement().executeQuery("SHOW wal_level")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("logical");
            if (major != 0) {
                assertThat(pg.majorVersion()).isEqualTo(major);
            }
        }
    }
}
