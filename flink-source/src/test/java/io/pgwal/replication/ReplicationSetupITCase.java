package io.pgwal.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwal.PgWalException;
import io.pgwal.testing.TestPostgres;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every setup problem is reported with the option or server setting that fixes it (never with the
 * password), and the publication and slot are created when asked to.
 */
class ReplicationSetupITCase {

    private static final String SECRET = "pw-Secret-42";
    @RegisterExtension
    static final TestPostgres pg = TestPostgres.perClass();

    @BeforeAll
    static void startPostgres() {
        pg.execute("CREATE TABLE orders (id int PRIMARY KEY)",
                "CREATE TABLE \"Order Items\" (id int PRIMARY KEY)",
                "CREATE TABLE other (id int PRIMARY KEY)",
                "CREATE PUBLICATION orders_pub FOR TABLE orders",
                "CREATE ROLE pwuser LOGIN REPLICATION PASSWORD '" + SECRET + "'",
                "CREATE ROLE norepl LOGIN");
        pg.prependHba("host all pwuser 127.0.0.1/32 scram-sha-256", "host all pwuser ::1/128 scram-sha-256",
                "host replication pwuser 127.0.0.1/32 scram-sha-256",
                "host replication pwuser ::1/128 scram-sha-256");
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
                    .hasMessageContaining("set wal_level = logical in postgresql.conf")
                    .hasMessageContaining("restart PostgreSQL");
        }
    }

    @Test
    void connectionProblemsNameTheOption() throws Exception {
        String wrong = "wrong-" + SECRET;
        for (boolean replication : new boolean[] {false, true}) {
            PgWalConnectionConfig bad = config().username("pwuser").password(wrong).build();
            assertThatThrownBy(() -> ReplicationSetup.connect(bad, replication))
                    .isInstanceOf(PgWalException.class)
                    .hasMessageContaining("'username' and 'password'")
                    .satisfies(e -> assertThat(stackTrace(e)).doesNotContain(wrong).doesNotContain(SECRET));
        }
        assertThatThrownBy(() -> ReplicationSetup.prepare(config().username("pwuser").password(wrong).build()))
                .hasMessageContaining("'username' and 'password'")
                .satisfies(e -> assertThat(stackTrace(e)).doesNotContain(wrong));
        // The right password works, for plain and replication connections alike.
        PgWalConnectionConfig good = config().username("pwuser").password(SECRET).slotName("pw_slot").build();
        ReplicationSetup.prepare(good);
        ReplicationSetup.connect(good, true).close();
        assertThatThrownBy(() -> ReplicationSetup.prepare(config().database("nodb").build()))
                .hasMessageContaining("database 'nodb' does not exist").hasMessageContaining("'database-name'");
        assertThatThrownBy(() -> ReplicationSetup.prepare(config().port(closedPort()).build()))
                .hasMessageContaining("'hostname' and 'port'");
        assertThatThrownBy(() -> ReplicationSetup.prepare(config().hostname("no-such-host.invalid").build()))
                .hasMessageContaining("no-such-host.invalid").hasMessageContaining("'hostname' and 'port'");
    }

    @Test
    void userNeedsTheReplicationAttribute() {
        assertThatThrownBy(() -> ReplicationSetup.prepare(config().username("norepl").build()))
                .isInstanceOf(PgWalException.class)
                .hasMessageContaining("REPLICATION").hasMessageContaining("ALTER ROLE \"norepl\" WITH REPLICATION");
    }

    @Test
    void publicationAndTables() throws Exception {
        assertThatThrownBy(() -> ReplicationSetup.prepare(config().publicationName("missing").build()))
                .hasMessageContaining("'missing'").hasMessageContaining("'publication.name'")
                .hasMessageContaining("'publication.create'")
                .hasMessageContaining("CREATE PUBLICATION \"missing\" FOR ALL TABLES");
        assertThatThrownBy(() -> ReplicationSetup.prepare(config().tables(List.of("nope")).build()))
                .hasMessageContaining("public.nope").hasMessageContaining("table-name");
        assertThatThrownBy(() -> ReplicationSetup.prepare(config().tables(List.of("other")).build()))
                .hasMessageContaining("does not include [public.other]")
                .hasMessageContaining("ADD TABLE \"public\".\"other\"");
        ReplicationSetup.prepare(config().slotName("setup_pub_slot").publicationName("Items Pub")
                .tables(List.of("\"Order Items\"", "orders")).createPublication(true).build());
        assertThat(queryString("SELECT string_agg(tablename, ',' ORDER BY tablename)"
                + " FROM pg_publication_tables WHERE pubname = 'Items Pub'")).isEqualTo("Order Items,orders");
    }

    @Test
    void slotIsCheckedOrCreated() throws Exception {
        assertThatThrownBy(() -> ReplicationSetup.prepare(config().slotName("absent").createSlot(false).build()))
                .hasMessageContaining("'absent'").hasMessageContaining("'slot.name'")
                .hasMessageContaining("'slot.create'");
        assertThat(queryString("SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'absent'")).isEqualTo("0");
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

    @Test
    void slotActiveElsewhereNamesThePid() throws Exception {
        PgWalConnectionConfig cfg = config().slotName("busy_slot").build();
        try (ReplicationSession session = ReplicationSession.open(cfg, null)) {
            session.readPending();
            String pid = queryString("SELECT active_pid FROM pg_replication_slots WHERE slot_name = 'busy_slot'");
            assertThat(pid).isNotNull();
            assertThatThrownBy(() -> ReplicationSetup.prepare(cfg, Duration.ZERO))
                    .isInstanceOf(PgWalException.class)
                    .hasMessageContaining("'busy_slot'").hasMessageContaining("pid " + pid)
                    .hasMessageContaining("'slot.name'");
        }
        // Released on close: the same slot can be prepared again (waiting for the walsender to exit).
        assertThat(ReplicationSetup.prepare(cfg).slotName()).isEqualTo("busy_slot");
    }

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String stackTrace(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString();
    }

    private static String queryString(String sql) throws Exception {
        try (Connection c = pg.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
