package io.pgwal.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwal.PgWalException;
import io.pgwal.testing.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every setup problem is reported with the option or server setting that fixes it. */
class ReplicationSetupITCase {

    private static final String SECRET = "pw-Secret-42";
    private static TestPostgres pg;

    @BeforeAll
    static void startPostgres() {
        pg = TestPostgres.start();
        pg.execute("CREATE TABLE orders (id int PRIMARY KEY)",
                "CREATE TABLE \"Order Items\" (id int PRIMARY KEY)",
                "CREATE TABLE other (id int PRIMARY KEY)",
                "CREATE PUBLICATION orders_pub FOR TABLE orders",
                "CREATE ROLE pwuser LOGIN REPLICATION PASSWORD '" + SECRET + "'",
                "CREATE ROLE norepl LOGIN");
        pg.prependHba("host all pwuser 127.0.0.1/32 scram-sha-256", "host all pwuser ::1/128 scram-sha-256");
    }

    @AfterAll
    static void stopPostgres() {
        pg.close();
    }

    private static PgWalConnectionConfig.Builder config() {
        return PgWalConnectionConfig.builder().hostname(pg.host()).port(pg.port())
                .database(pg.database()).username(pg.user()).password(pg.password())
                .slotName("setup_slot").publicationName("orders_pub");
    }

    @Test
    void walLevelMustBeLogical() {
        try (TestPostgres replica = TestPostgres.start(0, Map.of("wal_level", "replica"))) {
            assertThatThrownBy(() -> ReplicationSetup.prepare(config().port(replica.port()).build()))
                    .isInstanceOf(PgWalException.class)
                    .hasMessageContaining("wal_level is 'replica'")
                    .hasMessageContaining("wal_level = logical");
        }
    }

    @Test
    void connectionProblemsNameTheOption() {
        assertThatThrownBy(() -> ReplicationSetup.prepare(config().username("pwuser").password("wrong-" + SECRET).build()))
                .hasMessageContaining("'username' and 'password'").hasMessageNotContaining(SECRET);
        assertThatThrownBy(() -> ReplicationSetup.prepare(config().database("nodb").build()))
                .hasMessageContaining("database-name");
        assertThatThrownBy(() -> ReplicationSetup.prepare(config().port(1).build()))
                .hasMessageContaining("'hostname' and 'port'");
        assertThatThrownBy(() -> ReplicationSetup.prepare(config().username("norepl").build()))
                .hasMessageContaining("REPLICATION").hasMessageContaining("ALTER ROLE \"norepl\"");
    }

    @Test
    void publicationAndTables() throws Exception {
        assertThatThrownBy(() -> ReplicationSetup.prepare(config().publicationName("missing").build()))
                .hasMessageContaining("'missing'").hasMessageContaining("publication.create")
                .hasMessageContaining("CREATE PUBLICATION \"missing\" FOR ALL TABLES");
        assertThatThrownBy(() -> ReplicationSetup.prepare(config().tables(List.of("nope")).build()))
                .hasMessageContaining("public.nope").hasMessageContaining("table-name");
        assertThatThrownBy(() -> ReplicationSetup.prepare(config().tables(List.of("other")).build()))
                .hasMessageContaining("does not include").hasMessageContaining("ADD TABLE \"public\".\"other\"");
        ReplicationSetup.prepare(config().slotName("setup_pub_slot").publicationName("Items Pub")
                .tables(List.of("\"Order Items\"", "orders")).createPublication(true).build());
        assertThat(queryString("SELECT string_agg(tablename, ',' ORDER BY tablename)"
                + " FROM pg_publication_tables WHERE pubname = 'Items Pub'")).isEqualTo("Order Items,orders");
    }

    @Test
    void slotIsCheckedOrCreated() throws Exception {
        assertThatThrownBy(() -> ReplicationSetup.prepare(config().slotName("absent").createSlot(false).build()))
                .hasMessageContaining("'absent'").hasMessageContaining("slot.create");
        SlotInfo created = ReplicationSetup.prepare(config().slotName("created_slot").build());
        assertThat(created.created()).isTrue();
        assertThat(queryString("SELECT plugin FROM pg_replication_slots WHERE slot_name = 'created_slot'"))
                .isEqualTo("pgoutput");
        SlotInfo again = ReplicationSetup.prepare(config().slotName("created_slot").build());
        assertThat(again.created()).isFalse();
        assertThat(again.confirmedFlushLsn()).isEqualTo(created.confirmedFlushLsn());
        pg.execute("SELECT pg_create_logical_replication_slot('other_plugin', 'test_decoding')");
        assertThatThrownBy(() -> ReplicationSetup.prepare(config().slotName("other_plugin").build()))
                .hasMessageContaining("test_decoding");
    }

    private static String queryString(String sql) throws Exception {
        try (Connection c = pg.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
