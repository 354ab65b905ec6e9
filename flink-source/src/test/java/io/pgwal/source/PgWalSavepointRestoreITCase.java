package io.pgwal.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwal.avro.Envelope.FieldName;
import io.pgwal.testing.CollectingSink;
import io.pgwal.testing.Envelopes;
import io.pgwal.testing.TestPostgres;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.replication.LogSequenceNumber;

/**
 * Stop-with-savepoint while a 100,000-row transaction is half emitted, then restore: the two runs
 * together emit every change exactly once, in commit order. This is where resuming from a bare LSN
 * loses or repeats rows.
 */
class PgWalSavepointRestoreITCase {

    private static final int BIG_TX_ROWS = 100_000;

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension();

    @RegisterExtension
    static final TestPostgres pg = TestPostgres.perClass();

    @BeforeAll
    static void startPostgres() {
        pg.execute("CREATE TABLE big (id int PRIMARY KEY, payload text)",
                "CREATE PUBLICATION big_pub FOR TABLE big",
                "SELECT pg_create_logical_replication_slot('big_slot', 'pgoutput')",
                "CREATE TABLE small (id int PRIMARY KEY, payload text)",
                "CREATE PUBLICATION small_pub FOR TABLE small",
                "SELECT pg_create_logical_replication_slot('small_slot', 'pgoutput')");
    }

    @Test
    void savepointInsideLargeTransactionRestoresExactlyOnce(@TempDir Path savepoints)
            throws Exception {
        List<String> expected = new ArrayList<>();
        pg.execute("INSERT INTO big SELECT i, 'small' FROM generate_series(1, 10) i");
        for (int i = 1; i <= 10; i++) {
            expected.add("INSERT " + i);
        }
        pg.execute("INSERT INTO big SELECT i, 'big' FROM generate_series(11, " + (10 + BIG_TX_ROWS) + ") i");
        for (int i = 11; i <= 10 + BIG_TX_ROWS; i++) {
            expected.add("INSERT " + i);
        }
        pg.execute("BEGIN; UPDATE big SET payload = 'updated' WHERE id <= 3;"
                + " DELETE FROM big WHERE id BETWEEN 4 AND 5; COMMIT");
        expected.addAll(List.of("UPDATE 1", "UPDATE 2", "UPDATE 3", "DELETE 4", "DELETE 5"));
        LogSequenceNumber stop = pg.currentInsertLsn();

        // Run 1, throttled, stopped with a savepoint once part of the big transaction is through.
        JobClient first = startJob(stop, true, "run1", null);
        awaitOutput("run1", 30_000);
        String savepoint = first.stopWithSavepoint(false, savepoints.toUri().toString(),
                SavepointFormatType.CANONICAL).get(2, TimeUnit.MINUTES);
        first.getJobExecutionResult().get(2, TimeUnit.MINUTES);
        List<String> run1 = new ArrayList<>(CollectingSink.output("run1"));
        long bigInRun1 = run1.stream().filter(s -> s.startsWith("INSERT")
                && Integer.parseInt(s.substring(7)) > 10).count();
        assertThat(bigInRun1).as("the savepoint must fall inside the big transaction")
                .isPositive().isLessThan(BIG_TX_ROWS);

        // Run 2, restored from the savepoint, unthrottled, to the end of the workload.
        JobClient second = startJob(stop, false, "run2", savepoint);
        second.getJobExecutionResult().get(5, TimeUnit.MINUTES);
        List<String> all = new ArrayList<>(run1);
        all.addAll(CollectingSink.output("run2"));

        assertThat(all).hasSize(expected.size());
        assertThat(all).isEqualTo(expected);
    }

    /**
     * A savepoint older than the slot's confirmed position cannot be restored exactly once
     * (PostgreSQL would silently start at the slot's position): the job fails, naming the slot,
     * both positions and the override.
     */
    @Test
    void restoringASavepointOlderThanTheSlotFailsLoudly(@TempDir Path savepoints) throws Exception {
        pg.execute("INSERT INTO small SELECT i, 'a' FROM generate_series(1, 10) i");
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(300));
        JobClient first = runSmall(conf, "old1");
        awaitOutput("old1", 10);
        String oldSavepoint = first.triggerSavepoint(savepoints.toUri().toString(),
                SavepointFormatType.CANONICAL).get(2, TimeUnit.MINUTES);
        pg.execute("INSERT INTO small SELECT i, 'b' FROM generate_series(11, 20) i");
        awaitOutput("old1", 20);
        String written = pg.currentInsertLsn().asString();
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (!"t".equals(pg.queryString("SELECT confirmed_flush_lsn >= '" + written
                + "'::pg_lsn FROM pg_replication_slots WHERE slot_name = 'small_slot'"))) {
            assertThat(System.nanoTime() - deadline).as("checkpoints never confirmed").isNegative();
            Thread.sleep(50);
        }
        first.cancel().get(1, TimeUnit.MINUTES);

        Configuration restore = new Configuration();
        restore.set(StateRecoveryOptions.SAVEPOINT_PATH, oldSavepoint);
        restore.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        JobClient second = runSmall(restore, "old2");
        assertThatThrownBy(() -> second.getJobExecutionResult().get(2, TimeUnit.MINUTES))
                .hasStackTraceContaining("'small_slot'")
                .hasStackTraceContaining("exactly-once")
                .hasStackTraceContaining("restore.allow-slot-ahead");
        assertThat(CollectingSink.output("old2")).isEmpty();
    }

    private static JobClient runSmall(Configuration conf, String sink) throws Exception {
        PgWalSource source = pg.sourceBuilder("small_slot", "small_pub")
                .build();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "pgwal").uid("pgwal-source")
                .map(new Describe(false)).uid("describe")
                .sinkTo(CollectingSink.named(sink)).uid("sink");
        return env.executeAsync("pgwal " + sink);
    }

    private static JobClient startJob(LogSequenceNumber stop, boolean throttled, String sink,
            String savepoint) throws Exception {
        PgWalSource source = pg.sourceBuilder("big_slot", "big_pub")
                .maxBatchSize(256)
                .stopAtLsn(stop)
                .build();
        Configuration conf = new Configuration();
        if (savepoint != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "pgwal").uid("pgwal-source")
                .map(new Describe(throttled)).uid("describe")
                .sinkTo(CollectingSink.named(sink)).uid("sink");
        return env.executeAsync("pgwal " + sink);
    }

    private static void awaitOutput(String sink, int records) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (CollectingSink.output(sink).size() < records) {
            assertThat(System.nanoTime() - deadline).as("timed out waiting for output").isNegative();
            Thread.sleep(20);
        }
    }

    /** "OP id", slowed down in run 1 so that a savepoint lands inside the big transaction. */
    private static final class Describe implements MapFunction<GenericRecord, String> {
        private final boolean throttled;
        private long seen;

        Describe(boolean throttled) {
            this.throttled = throttled;
        }

        @Override
        public String map(GenericRecord r) throws Exception {
            if (throttled && ++seen % 20 == 0) {
                Thread.sleep(1);
            }
            String image = r.get(FieldName.AFTER) != null ? "after" : "before";
            return Envelopes.op(r) + " " + Envelopes.value(r, image, "id");
        }
    }
}
