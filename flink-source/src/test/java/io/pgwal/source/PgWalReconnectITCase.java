package io.pgwal.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.testing.TestPostgres;
import io.pgwal.testing.ThrottledIdJob;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The walsender is terminated (pg_terminate_backend) while a large transaction is half read: the
 * reader reconnects by itself (the job may not restart: its restart strategy is "none"), the
 * server replays the unconfirmed transaction, and what was already emitted is skipped.
 */
class PgWalReconnectITCase {

    private static final int ROWS = 20_000;

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension();

    @RegisterExtension
    static final TestPostgres pg = TestPostgres.perClass();

    @BeforeAll
    static void startPostgres() {
        pg.execute("CREATE TABLE r (id int PRIMARY KEY, pad text)",
                "CREATE PUBLICATION r_pub FOR TABLE r",
                "SELECT pg_create_logical_replication_slot('r_slot', 'pgoutput')");
    }

    @Test
    void reconnectsAfterTheWalsenderIsKilledWithoutLossOrDuplicates() throws Exception {
        String initial = pg.queryString("SELECT confirmed_flush_lsn::text FROM pg_replication_slots"
                + " WHERE slot_name = 'r_slot'");
        // A committed transaction first, so the reader's own position is past the slot's when it
        // reconnects: reconnecting must not confirm that position (no checkpoint covers it).
        pg.execute("INSERT INTO r VALUES (0, 'first')");
        // ~20 MB of changes in one transaction: far more than socket buffers hold, so the kill
        // lands while the server still has most of the transaction to send.
        pg.execute("INSERT INTO r SELECT i, repeat(md5(i::text), 32) FROM generate_series(1, "
                + ROWS + ") i", "INSERT INTO r VALUES (" + (ROWS + 1) + ", 'last')");
        PgWalSource source = pg.sourceBuilder("r_slot", "r_pub")
                .maxBatchSize(100)
                .reconnect(5, Duration.ofMillis(200))
                .statusInterval(Duration.ofMillis(100))
                .stopAtLsn(pg.currentInsertLsn())
                .build();
        JobClient job = ThrottledIdJob.start(source, "reconnect");

        List<String> out = ThrottledIdJob.awaitOutput("reconnect", 1_000);
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        String killed = pg.queryString("SELECT pg_terminate_backend(active_pid)::text"
                + " FROM pg_replication_slots WHERE slot_name = 'r_slot'");
        assertThat(killed).isEqualTo("true");
        int seenWhenKilled = out.size();
        String killedPid = pg.queryString("SELECT active_pid::text FROM pg_replication_slots"
                + " WHERE slot_name = 'r_slot'");
        // The reader must come back on a new walsender while the job is still running.
        String newPid = null;
        while (newPid == null || newPid.equals(killedPid)) {
            assertThat(System.nanoTime()).as("no reconnect seen").isLessThan(deadline);
            assertThat(out).as("finished without reconnecting").hasSizeLessThan(ROWS + 2);
            newPid = pg.queryString("SELECT active_pid::text FROM pg_replication_slots"
                    + " WHERE slot_name = 'r_slot'");
            Thread.sleep(20);
        }
        job.getJobExecutionResult().get(2, TimeUnit.MINUTES);

        assertThat(seenWhenKilled).isLessThan(ROWS);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i <= ROWS + 1; i++) {
            expected.add(Integer.toString(i));
        }
        assertThat(out).hasSize(ROWS + 2).isEqualTo(expected);
        // Checkpointing is off: nothing was ever covered by a checkpoint, so nothing is confirmed.
        assertThat(pg.queryString("SELECT confirmed_flush_lsn::text FROM pg_replication_slots"
                + " WHERE slot_name = 'r_slot'")).isEqualTo(initial);
    }

}
