package io.pgwal.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.catalog.PgTypes.PgType;
import io.pgwal.testing.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The type table agrees with a real server's pg_type: OIDs, names and fixed lengths. */
class PgTypesITCase {

    @RegisterExtension
    static final TestPostgres pg = TestPostgres.perClass();

    @Test
    void everyRowIsThePgTypeOfItsOid() throws Exception {
        try (Connection c = pg.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT typname, typlen, pg_catalog.format_type(oid, NULL) FROM pg_catalog.pg_type"
                        + " WHERE oid = ?")) {
            for (PgType t : PgTypes.all()) {
                ps.setLong(1, t.oid());
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).as("pg_type has OID %s", t.oid()).isTrue();
                    assertThat(rs.getString(1)).isEqualTo(t.name());
                    assertThat(rs.getInt(2) > 0).as("%s is of fixed length", t.name())
                            .isEqualTo(t.fixedLength());
                    // The docs' name is how PostgreSQL itself prints the type.
                    assertThat(rs.getString(3).replace("character varying", "varchar")
                            .replace("character", "char")
                            .replace("timestamp without time zone", "timestamp")
                            .replace("timestamp with time zone", "timestamptz")
                            .replace("time without time zone", "time")
                            .replace("numeric", "numeric(p,s)"))
                            .isEqualTo(t.docName());
                }
            }
        }
    }
}
