package io.pgwal.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.testing.ChangeLog;
import io.pgwal.testing.ChangeLog.Entry;
import io.pgwal.testing.CollectingSink;
import io.pgwal.testing.RowWriter;
import io.pgwal.testing.TestPostgres;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The initial snapshot under concurrent writers: while the snapshot runs, a writer inserts,
 * updates, deletes and moves keys across chunk boundaries. Replaying the output (strictly: a row
 * read twice, or a change to a row that is not there, fails) must give the table as JDBC reads it,
 * after a keyBy at the source's parallelism.
 */
class PgWalSnapshotITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(4)
                    .build());

    private static final int ROWS = 20_000;
    private static final List<String> KEY = List.of("id");
    private static final int MAX_PARALLELISM = 128;

    @RegisterExtension
    static final TestPostgres pg = TestPostgres.perClass();

    /**
     * @param existingSlot the slot is created by hand before the rows are written (its backlog
     *     then holds changes the snapshot holds too), instead of by pgwal when the job starts
     */
    @ParameterizedTest(name = "parallelism {0}, slot created before the rows: {1}")
    @CsvSource({"1, false", "2, false", "2, true"})
    void snapshotThenStreamIsExactUnderConcurrentWriters(int parallelism, boolean existingSlot)
            throws Exception {
        String table = "snap_orders_" + parallelism + (existingSlot ? "_old_slot" : "");
        pg.execute("CREATE TABLE " + table + " (id bigint PRIMARY KEY, grp int NOT NULL,"
                        + " amount numeric(12,2), note text)",
                "CREATE PUBLICATION " + table + "_pub FOR TABLE " + table);
        if (existingSlot) {
            pg.execute("SELECT pg_create_logical_replication_slot('" + table + "_slot',"
                    + " 'pgoutput')");
        }
        pg.execute("INSERT INTO " + table + " SELECT i, i % 7, i / 3.0, 'row ' || i"
                + " FROM generate_series(1, " + ROWS + ") i");
        PgWalSource source = pg.sourceBuilder(table + "_slot", table + "_pub")
                .startupMode(StartupMode.INITIAL)
                .snapshotChunkSize(1_000, MemorySize.parse("8mb"))
                .build();

        String sink = "snapshot-" + table;
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parallelism);
        env.setMaxParallelism(MAX_PARALLELISM);
        env.enableCheckpointing(300);
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "pgwal")
                .map(r -> ChangeLog.line(r, KEY)).returns(Types.STRING)
                .keyBy(line -> ChangeLog.parse(line).key(), Types.STRING)
                .map(new Throttle()).returns(Types.STRING)
                .sinkTo(CollectingSink.named(sink)).setParallelism(1);

        RowWriter writer = new RowWriter(pg, table, ROWS);
        writer.start();
        JobClient job = env.executeAsync("snapshot p" + parallelism);
        try {
            Thread.sleep(5_000);
            writer.stopAndJoin();
            List<String> sentinels = sentinelKeys(parallelism);
            for (String key : sentinels) {
                pg.execute("INSERT INTO " + table + " VALUES (" + key + ", 0, 0, 'sentinel')");
            }
            awaitSentinels(sink, sentinels);
        } finally {
            writer.stopAndJoin();
            job.cancel().get();
        }

        List<Entry> entries = ChangeLog.parse(CollectingSink.output(sink));
        // Every snapshot row reached the sink before any change (the checkpoint barrier that
        // confirmed the chunks separates them on every channel, also after the keyBy).
        int lastRead = -1;
        int firstChange = entries.size();
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i).snapshot()) {
                lastRead = i;
            } else {
                firstChange = Math.min(firstChange, i);
            }
        }
        assertThat(lastRead).as("last snapshot row before the first change").isLessThan(firstChange);
        List<String> problems = new ArrayList<>();
        Map<String, String> replayed = ChangeLog.replay(ChangeLog.inReplayOrder(entries), problems);
        if (!problems.isEmpty()) {
            // What the output holds for the keys in question, in arrival order.
            for (int i = 0; i < entries.size(); i++) {
                Entry e = entries.get(i);
                if (problems.stream().anyMatch(p -> p.contains("beforeKey=" + e.beforeKey() + ",")
                        || p.contains("afterKey=" + e.afterKey() + ","))) {
                    System.out.println("output[" + i + "] " + e);
                }
            }
            System.out.println("output: " + entries.size() + " records, "
                    + entries.stream().filter(Entry::snapshot).count() + " snapshot rows");
        }
        assertThat(problems).isEmpty();
        assertThat(ChangeLog.differences(ChangeLog.table(pg, table, KEY), replayed))
                .as("table vs replayed output").isEmpty();

        // One epoch: every snapshot row has its LSN, every streamed change committed after it.
        List<Long> snapshotLsns = entries.stream().filter(Entry::snapshot)
                .map(Entry::commitLsn).distinct().toList();
        assertThat(snapshotLsns).hasSize(1);
        long s = snapshotLsns.get(0);
        assertThat(entries.stream().filter(e -> !e.snapshot()))
                .allSatisfy(e -> assertThat(Long.compareUnsigned(e.commitLsn(), s)).isGreaterThanOrEqualTo(0));
        // The writer really ran across the snapshot point: some of its transactions are held by
        // the snapshot (committed before it), and some were streamed.
        Set<Long> streamedTxids = new java.util.HashSet<>();
        entries.stream().filter(e -> !e.snapshot()).forEach(e -> streamedTxids.add(e.txid()));
        long before = writer.txids().stream().filter(t -> !streamedTxids.contains(t)).count();
        long after = writer.txids().stream().filter(streamedTxids::contains).count();
        assertThat(before).as("writer transactions held by the snapshot").isPositive();
        assertThat(after).as("writer transactions streamed after the snapshot").isPositive();
        assertThat(entries.stream().filter(Entry::snapshot).count()).isGreaterThan(ROWS / 2);
    }

    /**
     * One sentinel key (negative ids) for each subtask after the keyBy. Each channel into the sink
     * is in order, so once every sentinel has arrived, every change committed before them has: a
     * single sentinel only proves that for its own channel, and the last records of another channel
     * may still wait in an output buffer (this test once failed that way, missing the writer's last
     * transactions).
     */
    private static List<String> sentinelKeys(int parallelism) {
        List<String> keys = new ArrayList<>();
        Set<Integer> covered = new java.util.HashSet<>();
        for (long id = -1; covered.size() < parallelism; id--) {
            String key = String.valueOf(id);
            if (covered.add(KeyGroupRangeAssignment.assignKeyToParallelOperator(
                    key, MAX_PARALLELISM, parallelism))) {
                keys.add(key);
            }
        }
        return keys;
    }

    private static void awaitSentinels(String sink, List<String> keys) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (true) {
            Set<String> arrived = new java.util.HashSet<>();
            for (String l : CollectingSink.output(sink)) {
                Entry e = ChangeLog.parse(l);
                if (e.op().equals("INSERT") && keys.contains(e.afterKey())) {
                    arrived.add(e.afterKey());
                }
            }
            if (arrived.size() == keys.size()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("sentinel rows " + keys + " never all arrived (got "
                        + arrived + "); " + CollectingSink.output(sink).size() + " records");
            }
            Thread.sleep(50);
        }
    }

    /** Slows the pipeline a little so that the writer's changes overlap the snapshot. */
    private static final class Throttle extends RichMapFunction<String, String> {
        private long count;

        @Override
        public String map(String value) throws Exception {
            if (++count % 250 == 0) {
                Thread.sleep(20);
            }
            return value;
        }
    }
}
