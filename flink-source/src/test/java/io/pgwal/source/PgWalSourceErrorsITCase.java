package io.pgwal.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.testing.FailsOnce;
import io.pgwal.testing.TestPostgres;
import java.util.Map;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A job on a misconfigured source fails once (no restarts, although its restart strategy would
 * restart it for ever) with a message that names what to change.
 */
class PgWalSourceErrorsITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension();

    private static final String SECRET = "s3cret-Pa55";

    @RegisterExtension
    static final TestPostgres pg = TestPostgres.perClass();

    @BeforeAll
    static void startPostgres() {
        pg.execute("CREATE TABLE t (id int PRIMARY KEY)",
                "CREATE PUBLICATION err_pub FOR TABLE t",
                "CREATE ROLE pwuser LOGIN REPLICATION PASSWORD '" + SECRET + "'");
        pg.prependHba(
                "host all pwuser 127.0.0.1/32 scram-sha-256",
                "host all pwuser ::1/128 scram-sha-256",
                "host replication pwuser 127.0.0.1/32 scram-sha-256",
                "host replication pwuser ::1/128 scram-sha-256");
    }

    private static PgWalSourceBuilder valid(TestPostgres server) {
        return server.sourceBuilder("err_slot", "err_pub");
    }

    @Test
    void walLevelNotLogical() throws Exception {
        try (TestPostgres replica = TestPostgres.start(0, Map.of("wal_level", "replica"))) {
            assertThat(run(valid(replica).build()))
                    .contains("wal_level").contains("replica").contains("logical");
        }
    }

    @Test
    void missingPublication() throws Exception {
        assertThat(run(valid(pg).publicationName("no_such_pub").build()))
                .contains("no_such_pub").contains("publication.name").contains("publication.create");
    }

    @Test
    void missingPublicationBeforeASnapshot() throws Exception {
        // The initial snapshot checks the setup in the enumerator, not in the reader.
        assertThat(run(valid(pg).publicationName("no_such_pub")
                        .startupMode(StartupMode.INITIAL).build()))
                .contains("no_such_pub").contains("publication.name");
    }

    @Test
    void wrongPasswordIsNamedButNeverShown() throws Exception {
        String wrong = "wrong-" + SECRET;
        assertThat(run(valid(pg).username("pwuser").password(wrong).build()))
                .contains("password").contains("pwuser")
                .doesNotContain(wrong).doesNotContain(SECRET);
    }

    @Test
    void unknownSlotWhenCreationIsOff() throws Exception {
        assertThat(run(valid(pg).slotName("no_such_slot").createSlot(false).build()))
                .contains("no_such_slot").contains("slot.name").contains("slot.create");
    }

    @Test
    void tableMissingFromThePublication() throws Exception {
        pg.execute("CREATE TABLE IF NOT EXISTS not_published (id int PRIMARY KEY)");
        assertThat(run(valid(pg).tables("not_published").build()))
                .contains("not_published").contains("ALTER PUBLICATION");
    }

    @Test
    void slotOfAnotherPlugin() throws Exception {
        pg.execute("SELECT pg_create_logical_replication_slot('decoding_slot', 'test_decoding')");
        assertThat(run(valid(pg).slotName("decoding_slot").build()))
                .contains("decoding_slot").contains("test_decoding").contains("pgoutput");
    }

    /** Runs the source under a restart strategy that never gives up; it must fail once. */
    private static String run(PgWalSource source) throws Exception {
        return FailsOnce.run(source);
    }
}
