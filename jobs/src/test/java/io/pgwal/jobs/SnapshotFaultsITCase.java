package io.pgwal.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.avro.Envelope.FieldName;
import io.pgwal.avro.Envelope.SourceField;
import io.pgwal.source.StartupMode;
import io.pgwal.testing.ChangeLog;
import io.pgwal.testing.ChangeLog.Entry;
import io.pgwal.testing.RowWriter;
import io.pgwal.testing.TestPostgres;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults aimed at the snapshot phase, with a writer changing rows throughout: a job failover inside
 * the snapshot (a chunk half emitted), the loss of the session that holds the snapshot (its
 * walsender terminated), and a PostgreSQL restart. The committed Avro files, replayed, must equal
 * the table: nothing lost, nothing twice. The rows read from PostgreSQL (the readers' {@code
 * snapshotRowsRead}, across all attempts) show that finished chunks were not read again.
 */
class SnapshotFaultsITCase {

    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(4)
                    .setConfiguration(METRICS.addToConfiguration(new Configuration()))
                    .build());

    private static final int ROWS = 40_000;
    private static final int CHUNK_ROWS = 1_000;
    private static final int PARALLELISM = 2;
    private static final List<String> KEY = List.of("id");

    @RegisterExtension
    static final TestPostgres pg = TestPostgres.perClass();

    @BeforeAll
    static void startPostgres() {
        pg.execute("CREATE TABLE snap_faults (id int PRIMARY KEY, grp int NOT NULL,"
                        + " amount numeric(12,2), note text)",
                "INSERT INTO snap_faults SELECT i, i % 7, i / 3.0, 'row ' || i"
                        + " FROM generate_series(1, " + ROWS + ") i",
                "CREATE PUBLICATION snap_faults_pub FOR TABLE snap_faults");
    }

    @Test
    void faultsDuringTheSnapshotLoseAndRepeatNothing(@TempDir Path out) throws Exception {
        SlowStep.reset();
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 100);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.enableCheckpointing(200);
        AvroFileSinkJob.build(env, pg.sourceBuilder("snap_faults_slot", "snap_faults_pub")
                        .startupMode(StartupMode.INITIAL)
                        .snapshotChunkSize(CHUNK_ROWS, MemorySize.parse("8mb"))
                        .reconnect(30, Duration.ofMillis(100))
                        .build(),
                out.toUri().toString(), new SlowStep(), PARALLELISM);

        RowWriter writer = new RowWriter(pg, "snap_faults", ROWS);
        writer.start();
        JobClient job = env.executeAsync("pgwal snapshot faults");
        List<String> faults = new ArrayList<>();
        try {
            awaitSeen(ROWS / 5);
            faults.add("job failover at record " + SlowStep.seen());
            SlowStep.failNow();
            awaitSeen(SlowStep.seen() + ROWS / 5);
            faults.add("snapshot session terminated after " + SlowStep.seen() + " records: "
                    + pg.queryString("SELECT count(pg_terminate_backend(active_pid)) FROM"
                            + " pg_replication_slots WHERE slot_name LIKE 'pgwal_snapshot_%'"
                            + " AND active_pid IS NOT NULL") + " walsender");
            awaitSeen(SlowStep.seen() + ROWS / 5);
            faults.add("PostgreSQL restart after " + SlowStep.seen() + " records");
            pg.restart();
            Thread.sleep(2_000);
        } finally {
            writer.stopAndJoin();
        }
        pg.execute("INSERT INTO snap_faults VALUES (-1, 0, 0, 'sentinel')");
        List<Entry> entries = awaitSentinel(out);
        job.cancel().get(1, TimeUnit.MINUTES);
        System.out.println("SnapshotFaultsITCase faults: " + faults);

        assertThat(SlowStep.failures()).isEqualTo(1);
        List<String> problems = new ArrayList<>();
        Map<String, String> replayed = ChangeLog.replay(entries, problems);
        assertThat(problems).isEmpty();
        assertThat(ChangeLog.differences(ChangeLog.table(pg, "snap_faults", KEY), replayed))
                .as("table vs replayed output").isEmpty();
        // The lost session made a second epoch (and the restart maybe a third).
        List<Long> epochs = entries.stream().filter(Entry::snapshot).map(Entry::commitLsn)
                .distinct().toList();
        System.out.println("SnapshotFaultsITCase epochs (LSNs): " + epochs);
        assertThat(epochs).hasSizeGreaterThan(1);

        long snapshotRows = entries.stream().filter(Entry::snapshot).count();
        long rowsRead = 0;
        for (var e : METRICS.getMetricsByGroup().entrySet()) {
            for (var m : e.getValue().entrySet()) {
                if (m.getKey().equals("snapshotRowsRead") && m.getValue() instanceof Counter c) {
                    rowsRead += c.getCount();
                }
            }
        }
        System.out.println("SnapshotFaultsITCase: " + snapshotRows + " snapshot rows emitted, "
                + rowsRead + " rows read from PostgreSQL");
        // The enumerator's progress metrics (of its last instance: a failover may make a new one).
        Map<String, Long> progress = new java.util.HashMap<>();
        for (var e : METRICS.getMetricsByGroup().entrySet()) {
            for (var m : e.getValue().entrySet()) {
                if (List.of("chunksTotal", "chunksDone", "tablesDone", "slotRetainedWalBytes")
                                .contains(m.getKey())
                        && m.getValue() instanceof org.apache.flink.metrics.Gauge<?> g
                        && g.getValue() instanceof Number n) {
                    progress.merge(m.getKey(), n.longValue(), Math::max);
                }
            }
        }
        System.out.println("SnapshotFaultsITCase snapshot metrics: " + progress);
        assertThat(progress.get("chunksTotal")).isPositive();
        assertThat(progress.get("chunksDone")).isEqualTo(progress.get("chunksTotal"));
        assertThat(progress.get("tablesDone")).isEqualTo(1L);
        assertThat(progress.get("slotRetainedWalBytes")).as("WAL retained while the snapshot ran")
                .isPositive();
        // A re-read is at most the chunks in flight per reader (being read, queued, emitting).
        assertThat(rowsRead).isGreaterThanOrEqualTo(snapshotRows)
                .isLessThanOrEqualTo(snapshotRows + 3L * PARALLELISM * 3 * CHUNK_ROWS);
    }

    private static void awaitSeen(long records) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (SlowStep.seen() < records) {
            assertThat(System.nanoTime() - deadline).as("waiting for " + records + " records")
                    .isNegative();
            Thread.sleep(20);
        }
    }

    /** Reads the committed files until the sentinel is there: snapshot rows, then changes in order. */
    private static List<Entry> awaitSentinel(Path out) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (true) {
            List<Entry> entries = committed(out);
            if (entries.stream().anyMatch(e -> e.op().equals("INSERT") && "-1".equals(e.afterKey()))) {
                return entries;
            }
            assertThat(System.nanoTime() - deadline).as("sentinel row in the committed files")
                    .isNegative();
            Thread.sleep(200);
        }
    }

    private static List<Entry> committed(Path out) throws IOException {
        List<Entry> snapshot = new ArrayList<>();
        List<GenericRecord> changes = new ArrayList<>();
        for (Path f : CommittedAvroFiles.list(out)) {
            try (DataFileReader<GenericRecord> reader =
                    new DataFileReader<>(f.toFile(), new GenericDatumReader<>())) {
                for (GenericRecord r : reader) {
                    if (Boolean.TRUE.equals(((GenericRecord) r.get(FieldName.SOURCE)).get(SourceField.SNAPSHOT))) {
                        snapshot.add(ChangeLog.parse(ChangeLog.line(r, KEY)));
                    } else {
                        changes.add(r);
                    }
                }
            }
        }
        // Every snapshot row precedes every change; changes are ordered by their position.
        changes.sort(Comparator.comparingLong((GenericRecord r) -> (Long) src(r).get(SourceField.COMMIT_LSN))
                .thenComparingInt(r -> (Integer) src(r).get(SourceField.TX_INDEX)));
        Set<String> positions = new HashSet<>();
        List<Entry> entries = new ArrayList<>(snapshot);
        for (GenericRecord r : changes) {
            String position = src(r).get(SourceField.COMMIT_LSN) + "#" + src(r).get(SourceField.TX_INDEX);
            assertThat(positions.add(position)).as("change at " + position + " committed once").isTrue();
            entries.add(ChangeLog.parse(ChangeLog.line(r, KEY)));
        }
        return entries;
    }

    private static GenericRecord src(GenericRecord r) {
        return (GenericRecord) r.get(FieldName.SOURCE);
    }

    /**
     * Slows the pipeline (so the faults land inside the snapshot), counts the records across
     * attempts, and throws once when told to.
     */
    private static final class SlowStep implements MapFunction<GenericRecord, GenericRecord> {
        private static final AtomicLong SEEN = new AtomicLong();
        private static final AtomicLong FAIL = new AtomicLong();
        private static final AtomicLong FAILURES = new AtomicLong();

        static void reset() {
            SEEN.set(0);
            FAIL.set(0);
            FAILURES.set(0);
        }

        static long seen() {
            return SEEN.get();
        }

        static void failNow() {
            FAIL.set(1);
        }

        static long failures() {
            return FAILURES.get();
        }

        @Override
        public GenericRecord map(GenericRecord r) throws Exception {
            if (SEEN.incrementAndGet() % 200 == 0) {
                Thread.sleep(10);
            }
            if (FAIL.compareAndSet(1, 0)) {
                FAILURES.incrementAndGet();
                throw new IllegalStateException("injected failure inside the snapshot");
            }
            return r;
        }
    }
}
