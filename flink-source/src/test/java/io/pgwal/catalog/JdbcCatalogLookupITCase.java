package io.pgwal.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwal.PgWalException;
import io.pgwal.testing.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The catalog facts read from a real PostgreSQL 17. */
class JdbcCatalogLookupITCase {

    @RegisterExtension
    static final TestPostgres pg = TestPostgres.perClass();

    @BeforeAll
    static void start() {
        pg.execute(
                "CREATE TYPE mood AS ENUM ('sad', 'happy')",
                "CREATE DOMAIN money2 AS numeric(12,2) CHECK (VALUE >= 0)",
                "CREATE DOMAIN price AS money2 NOT NULL",
                "CREATE TABLE t (id int PRIMARY KEY, name text NOT NULL, note varchar(10),"
                        + " plain_text text NOT NULL, gone int, amount money2, p price,"
                        + " m mood NOT NULL, tags int[], \"Weird Name\" bigint)",
                "ALTER TABLE t ALTER COLUMN plain_text SET STORAGE PLAIN",
                "ALTER TABLE t DROP COLUMN gone");
    }

    private static int oid(String relation) throws SQLException {
        try (Connection c = pg.connect();
                ResultSet rs = c.createStatement()
                        .executeQuery("SELECT '" + relation + "'::regclass::oid::int8")) {
            rs.next();
            return (int) rs.getLong(1);
        }
    }

    @Test
    void readsNotNullStorageDomainsAndEnums() throws SQLException {
        int numericTypmod = ((12 << 16) | 2) + 4;
        try (Connection c = pg.connect(); JdbcCatalogLookup lookup = new JdbcCatalogLookup(c)) {
            Map<String, PgColumn> cols = lookup.columns(oid("t"));

            assertThat(cols.keySet()).containsExactly("id", "name", "note", "plain_text",
                    "amount", "p", "m", "tags", "Weird Name");
            assertThat(cols.get("id")).isEqualTo(
                    new PgColumn("id", true, false, 23, 'b', -1, "integer"));
            assertThat(cols.get("name")).isEqualTo(
                    new PgColumn("name", true, true, 25, 'b', -1, "text"));
            assertThat(cols.get("note")).isEqualTo(new PgColumn(
                    "note", false, true, 1043, 'b', 14, "character varying(10)"));
            assertThat(cols.get("plain_text").toastable()).isFalse();
            assertThat(cols.get("plain_text").notNull()).isTrue();
            // Domains resolve to the innermost base type and its modifier.
            // The column's own type stays the domain's, without a modifier.
            assertThat(cols.get("amount")).isEqualTo(new PgColumn(
                    "amount", false, true, 1700, 'd', numericTypmod, "money2",
                    typeOid("money2"), -1));
            assertThat(cols.get("p")).isEqualTo(new PgColumn(
                    "p", false, true, 1700, 'd', numericTypmod, "price", typeOid("price"), -1));
            assertThat(cols.get("m").typeType()).isEqualTo('e');
            assertThat(cols.get("m").notNull()).isTrue();
            assertThat(cols.get("m").toastable()).isFalse();
            assertThat(cols.get("tags").baseTypeOid()).isEqualTo(1007);
            assertThat(cols.get("Weird Name").baseTypeOid()).isEqualTo(20);
            // Same statement, second relation and unknown OIDs.
            pg.execute("CREATE TABLE IF NOT EXISTS u (x timestamptz)");
            assertThat(lookup.columns(oid("u"))).containsOnlyKeys("x");
            assertThat(lookup.columns(0)).isEmpty();
            assertThat(lookup.columns(-5)).isEmpty(); // OID 4294967291 as an unsigned int
        }
    }

    @Test
    void seesSchemaChangesAndOwnsSuppliedConnections() throws SQLException {
        pg.execute("CREATE TABLE v (a int NOT NULL, b text)");
        int oid = oid("v");
        Connection[] opened = new Connection[1];
        JdbcCatalogLookup lookup = new JdbcCatalogLookup(() -> {
            try {
                opened[0] = pg.connect();
                return opened[0];
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        try (lookup) {
            assertThat(lookup.columns(oid)).containsOnlyKeys("a", "b");
            pg.execute("ALTER TABLE v DROP COLUMN b, ADD COLUMN c date",
                    "ALTER TABLE v ALTER COLUMN a DROP NOT NULL");
            Map<String, PgColumn> after = lookup.columns(oid);
            assertThat(after).containsOnlyKeys("a", "c");
            assertThat(after.get("a").notNull()).isFalse();
            assertThat(after.get("c").baseTypeOid()).isEqualTo(1082);
        }
        assertThat(opened[0].isClosed()).isTrue();
    }

    @Test
    void failsClearlyWhenTheConnectionIsGone() throws SQLException {
        Connection c = pg.connect();
        c.close();
        try (JdbcCatalogLookup lookup = new JdbcCatalogLookup(c)) {
            assertThatThrownBy(() -> lookup.columns(1259))
                    .isInstanceOf(PgWalException.class)
                    .hasMessageContaining("relation OID 1259");
        }
    }

    private static int typeOid(String type) {
        return (int) Long.parseLong(pg.queryString("SELECT '" + type + "'::regtype::oid::text"));
    }
}
