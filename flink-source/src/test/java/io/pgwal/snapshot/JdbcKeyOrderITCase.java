package io.pgwal.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.replication.SqlIdentifiers.QualifiedName;
import io.pgwal.testing.TestPostgres;
import java.sql.Connection;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Chunk keys compare as PostgreSQL orders the key column: by its type (not as text) and its own
 * collation, which the planner carries into the chunk key's type.
 */
class JdbcKeyOrderITCase {

    @RegisterExtension
    static final TestPostgres pg = TestPostgres.perClass();

    @Test
    void comparesByTypeAndByTheColumnsCollation() throws Exception {
        boolean icu = "1".equals(pg.queryString(
                "SELECT count(*) FROM pg_collation WHERE collname = 'und-x-icu'"));
        pg.execute("CREATE TABLE coll_c (name text COLLATE \"C\" PRIMARY KEY, n int)");
        if (icu) {
            pg.execute("CREATE TABLE coll_icu (name text COLLATE \"und-x-icu\" PRIMARY KEY)");
        }
        try (Connection c = pg.connect()) {
            JdbcKeyOrder order = new JdbcKeyOrder(() -> c);
            assertThat(order.compare(List.of("integer"), List.of("9"), List.of("10"))).isNegative();
            assertThat(order.compare(List.of("integer"), List.of("10"), List.of("10"))).isZero();

            SnapshotTable byteOrder = SnapshotPlanner.describe(c, new QualifiedName("public", "coll_c"), "no_pub");
            assertThat(byteOrder.chunkKeyTypes()).containsExactly("text COLLATE pg_catalog.\"C\"");
            // In "C", upper case sorts before lower case.
            assertThat(order.compare(byteOrder.chunkKeyTypes(), List.of("B"), List.of("a"))).isNegative();
            if (icu) {
                SnapshotTable linguistic = SnapshotPlanner.describe(c,
                        new QualifiedName("public", "coll_icu"), "no_pub");
                assertThat(order.compare(linguistic.chunkKeyTypes(), List.of("B"), List.of("a")))
                        .isPositive();
            }
        }
    }
}
