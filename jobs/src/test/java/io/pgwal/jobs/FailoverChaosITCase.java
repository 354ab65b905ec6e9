package io.pgwal.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.testing.TestPostgres;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly-once under job failovers: a seeded workload (transactions of random size, inserts,
 * updates and deletes carrying a global sequence number) streams into committed Avro files while
 * the job is failed at seeded record counts, inside and between transactions and during
 * checkpoints. The files must hold every change exactly once, in commit order. The seed is
 * printed; {@code -Dpgwal.chaos.seed=...} replays a run and {@code -Dpgwal.chaos.faults=N} (default
 * 6) sets how many failures are injected.
 */
class FailoverChaosITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension();

    private static TestPostgres pg;

    @BeforeAll
    static void startPostgres() {
        pg = TestPostgres.start();
        pg.execute("CREATE TABLE events (id int PRIMARY KEY, seq bigint NOT NULL, v text)",
                "CREATE PUBLICATION chaos_pub FOR TABLE events",
                "SELECT pg_create_logical_replication_slot('chaos_slot', 'pgoutput')");
    }

    @AfterAll
    static void stopPostgres() {
        pg.close();
    }

    @Test
    void failoversLoseAndRepeatNothing(@TempDir Path out) throws Exception {
        long seed = Long.getLong("pgwal.chaos.seed", System.nanoTime());
        int faults = Integer.getInteger("pgwal.chaos.faults", 6);
        System.out.println("FailoverChaosITCase seed=" + seed + " faults=" + faults);
        Random random = new Random(seed);
        List<String> expected = writeHistory(random, 40, 2_000);

        FailureInjector.arm(random, faults, expected.size());
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, faults + 5);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(50));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.enableCheckpointing(100);
        AvroFileSinkJob.build(env, pg.sourceBuilder("chaos_slot", "chaos_pub")
                        .stopAtLsn(pg.currentInsertLsn()).build(), out.toUri().toString(),
                new FailureInjector());
        env.execute("pgwal chaos");

        assertThat(FailureInjector.injected()).as("seed " + seed).isEqualTo(faults);
        List<GenericRecord> records = readCommitted(out);
        List<String> actual = records.stream()
                .sorted(Comparator.comparing((GenericRecord r) -> (Long) source(r).get("commit_lsn"),
                        Long::compareUnsigned).thenComparing(r -> (Integer) source(r).get("tx_index")))
                .map(FailoverChaosITCase::describe).toList();
        assertThat(actual).as("seed " + seed).hasSize(expected.size()).isEqualTo(expected);
    }

    /** Transactions of 1..maxTx changes: inserts of new ids, updates and deletes of live ones. */
    private static List<String> writeHistory(Random random, int transactions, int maxTx) throws Exception {
        List<String> history = new ArrayList<>();
        List<Integer> live = new ArrayList<>();
        int nextId = 1;
        long seq = 0;
        try (Connection c = pg.connect();
                PreparedStatement ins = c.prepareStatement("INSERT INTO events VALUES (?, ?, 'i')");
                PreparedStatement upd = c.prepareStatement("UPDATE events SET seq = ?, v = 'u' WHERE id = ?");
                PreparedStatement del = c.prepareStatement("DELETE FROM events WHERE id = ?")) {
            c.setAutoCommit(false);
            for (int t = 0; t < transactions; t++) {
                int size = 1 + random.nextInt(random.nextInt(4) == 0 ? maxTx : 20);
                for (int i = 0; i < size; i++) {
                    int dice = live.size() < 10 ? 0 : random.nextInt(10);
                    seq++;
                    if (dice < 6) {
                        ins.setInt(1, nextId);
                        ins.setLong(2, seq);
                        ins.executeUpdate();
                        history.add("INSERT " + nextId + " " + seq);
                        live.add(nextId++);
                    } else if (dice < 9) {
                        int id = live.get(random.nextInt(live.size()));
                        upd.setLong(1, seq);
                        upd.setInt(2, id);
                        upd.executeUpdate();
                        history.add("UPDATE " + id + " " + seq);
                    } else {
                        int id = live.remove(random.nextInt(live.size()));
                        del.setInt(1, id);
                        del.executeUpdate();
                        history.add("DELETE " + id);
                    }
                }
                c.commit();
            }
        }
        return history;
    }

    private static GenericRecord source(GenericRecord r) {
        return (GenericRecord) r.get("source");
    }

    private static String describe(GenericRecord r) {
        if (r.get("after") == null) {
            return r.get("op") + " " + ((GenericRecord) r.get("before")).get("id");
        }
        GenericRecord after = (GenericRecord) r.get("after");
        return r.get("op") + " " + after.get("id") + " " + after.get("seq");
    }

    private static List<GenericRecord> readCommitted(Path out) throws Exception {
        List<GenericRecord> records = new ArrayList<>();
        try (Stream<Path> files = Files.walk(out)) {
            for (Path p : files.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().startsWith(".")).toList()) {
                File f = p.toFile();
                try (DataFileReader<GenericRecord> reader = new DataFileReader<>(f, new GenericDatumReader<>())) {
                    reader.forEach(records::add);
                }
            }
        }
        return records;
    }

    /** Counts records across attempts (the MiniCluster shares this JVM) and fails at armed counts. */
    static final class FailureInjector
            implements org.apache.flink.api.common.functions.MapFunction<GenericRecord, GenericRecord>,
                    org.apache.flink.streaming.api.checkpoint.CheckpointedFunction {
        private static final AtomicLong SEEN = new AtomicLong();
        private static final List<Long> AT_RECORD = new java.util.concurrent.CopyOnWriteArrayList<>();
        private static final List<Long> AT_CHECKPOINT = new java.util.concurrent.CopyOnWriteArrayList<>();
        private static final AtomicLong INJECTED = new AtomicLong();

        /** Half the faults at records, half while checkpointing, at seeded points of the stream. */
        static void arm(Random random, int faults, int records) {
            SEEN.set(0);
            INJECTED.set(0);
            AT_RECORD.clear();
            AT_CHECKPOINT.clear();
            for (int i = 0; i < faults; i++) {
                long at = 1 + (long) (random.nextDouble() * records * (i + 1) / faults);
                (i % 2 == 0 ? AT_RECORD : AT_CHECKPOINT).add(at);
            }
        }

        static long injected() {
            return INJECTED.get();
        }

        @Override
        public GenericRecord map(GenericRecord r) {
            long n = SEEN.incrementAndGet();
            if (AT_RECORD.remove(Long.valueOf(n))) {
                INJECTED.incrementAndGet();
                throw new IllegalStateException("injected failure at record " + n);
            }
            return r;
        }

        @Override
        public void snapshotState(org.apache.flink.runtime.state.FunctionSnapshotContext ctx) {
            for (Long at : AT_CHECKPOINT) {
                if (SEEN.get() >= at && AT_CHECKPOINT.remove(at)) {
                    INJECTED.incrementAndGet();
                    throw new IllegalStateException("injected failure in checkpoint " + ctx.getCheckpointId());
                }
            }
        }

        @Override
        public void initializeState(org.apache.flink.runtime.state.FunctionInitializationContext ctx) {}
    }
}
