package io.pgwal.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.avro.Envelope;
import io.pgwal.testing.CollectingSink;
import io.pgwal.testing.TestPostgres;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A fast shutdown of PostgreSQL ({@code pg_ctl stop -m fast}, a planned switchover or minor
 * upgrade) under an idle, caught-up job. The walsender exits only once its client confirmed all
 * WAL it sent; pgwal confirms only what a completed checkpoint covers, so once the walsender has
 * sent WAL past the last confirmed position (changes, or just WAL the publication does not cover),
 * the stop waits for the job's next checkpoint. Confirming earlier cannot be made safe:
 * a restore from the last completed checkpoint would then find the slot ahead of it, and pgwal
 * could not tell that gap (only the shutdown checkpoint) from one that held changes. The bound is
 * the checkpoint interval: measured here with 1 s (the stop takes seconds) and with 10 minutes
 * (it still waits after 8 s, until the job goes away). After the restart nothing is lost or
 * repeated and no "slot ahead" error comes.
 */
class PgWalShutdownITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension();

    @RegisterExtension
    static final TestPostgres pg = TestPostgres.perClass();

    @BeforeAll
    static void startPostgres() {
        pg.execute("CREATE TABLE sd (id int PRIMARY KEY)",
                "CREATE PUBLICATION sd_pub FOR TABLE sd",
                "SELECT pg_create_logical_replication_slot('sd_slot', 'pgoutput')",
                "SELECT pg_create_logical_replication_slot('sd_slow_slot', 'pgoutput')");
    }

    @Test
    void aFastStopCompletesWithinTheCheckpointIntervalAndTheStreamGoesOnExactly() throws Exception {
        JobClient job = start("sd_slot", "shutdown-fast", Duration.ofSeconds(1));
        try {
            pg.execute("INSERT INTO sd VALUES (1)");
            CollectingSink.awaitSize("shutdown-fast", 1, Duration.ofSeconds(60));
            awaitConfirmedPastInsert("sd_slot");

            long started = System.nanoTime();
            boolean stopped = pg.fastStop(Duration.ofSeconds(30));
            Duration took = Duration.ofNanos(System.nanoTime() - started);

            System.out.println("pgwal: fast stop with 1 s checkpoints took " + took.toMillis()
                    + " ms");
            assertThat(stopped).as("fast stop done within 30 s").isTrue();
            assertThat(took).isLessThan(Duration.ofSeconds(10));
            pg.startAgain();
            pg.execute("INSERT INTO sd VALUES (2)");
            CollectingSink.awaitSize("shutdown-fast", 2, Duration.ofSeconds(60));
            Thread.sleep(2_000);
            assertThat(CollectingSink.output("shutdown-fast")).containsExactly("1", "2");
        } finally {
            job.cancel().get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void withTenMinuteCheckpointsTheStopWaitsForTheJob() throws Exception {
        JobClient job = start("sd_slow_slot", "shutdown-slow", Duration.ofMinutes(10));
        boolean stopped;
        try {
            // Streaming and idle: the walsender of this slot is active. The database is not:
            // WAL of a table the publication does not cover (like the running-xacts records a
            // server writes by itself) moves the walsender's sent position past the confirmed one,
            // with nothing emitted.
            awaitActive("sd_slow_slot");
            pg.execute("CREATE TABLE IF NOT EXISTS elsewhere (id int)",
                    "INSERT INTO elsewhere SELECT generate_series(1, 100)");
            awaitSentPast("sd_slow_slot", pg.queryString("SELECT pg_current_wal_insert_lsn()::text"));
            stopped = pg.fastStop(Duration.ofSeconds(8));
        } finally {
            job.cancel().get(30, TimeUnit.SECONDS);
        }
        assertThat(stopped).as("fast stop done within 8 s with 10-minute checkpoints").isFalse();
        // Without its client the walsender exits and the shutdown ends.
        pg.startAgain();
        assertThat(pg.queryString("SELECT 1")).isEqualTo("1");
    }

    private static JobClient start(String slot, String sink, Duration checkpoints)
            throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.enableCheckpointing(checkpoints.toMillis());
        env.fromSource(pg.sourceBuilder(slot, "sd_pub").reconnect(20, Duration.ofMillis(500))
                                .build(), WatermarkStrategy.noWatermarks(), "pgwal")
                .map((GenericRecord r) -> String.valueOf(Envelope.after(r).get("id")))
                .returns(Types.STRING)
                .sinkTo(CollectingSink.named(sink));
        return env.executeAsync("pgwal shutdown " + sink);
    }

    private static void awaitConfirmedPastInsert(String slot) throws InterruptedException {
        String insertEnd = pg.queryString("SELECT pg_current_wal_insert_lsn()::text");
        for (int i = 0; i < 300; i++) {
            String ok = pg.queryString("SELECT confirmed_flush_lsn >= '" + insertEnd + "'::pg_lsn"
                    + " FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
            if ("t".equals(ok)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("slot " + slot + " not confirmed past " + insertEnd);
    }

    private static void awaitSentPast(String slot, String lsn) throws InterruptedException {
        for (int i = 0; i < 300; i++) {
            if ("t".equals(pg.queryString("SELECT r.sent_lsn >= '" + lsn + "'::pg_lsn"
                    + " FROM pg_stat_replication r JOIN pg_replication_slots s"
                    + " ON s.active_pid = r.pid WHERE s.slot_name = '" + slot + "'"))) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the walsender of " + slot + " never sent past " + lsn);
    }

    private static void awaitActive(String slot) throws InterruptedException {
        for (int i = 0; i < 300; i++) {
            if ("t".equals(pg.queryString("SELECT active FROM pg_replication_slots"
                    + " WHERE slot_name = '" + slot + "'"))) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("slot " + slot + " never became active");
    }
}
