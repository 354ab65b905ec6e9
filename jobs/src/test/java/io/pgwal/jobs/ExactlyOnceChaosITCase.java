package io.pgwal.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.avro.Envelope.FieldName;
import io.pgwal.testing.Envelopes;
import io.pgwal.testing.TcpProxy;
import io.pgwal.testing.TestPostgres;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The randomized exactly-once check: the Avro file job ({@link AvroFileSinkJob}) streams a live,
 * seeded workload ({@link ChaosWorkload}: transactions of 1 to 50,000 inserts, updates and deletes
 * carrying a global sequence number) while a driver injects faults of every {@link ChaosFault}
 * kind at seeded moments, waiting for the pipeline to make progress after each. At the end the
 * committed Avro files must hold exactly the committed history: nothing lost, nothing duplicated,
 * every file in commit order, and the whole in commit order (hence per-key order).
 *
 * <p>{@code -Dpgwal.chaos.faults=N} (default: two of each kind) and {@code -Dpgwal.chaos.seed=S}
 * (default: random, printed). The seed fixes the workload's sizes and choices, the fault kinds,
 * their order and the waits between them; where a fault lands in the stream also depends on
 * timing, so a replay hits similar, not identical, points. {@code ./chaos.sh} runs the long
 * version and prints the table.
 */
class ExactlyOnceChaosITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension();

    private static TestPostgres pg;
    private static TcpProxy proxy;

    @BeforeEach
    void start() {
        // synchronous_commit on: with it off, a crash loses transactions whose COMMIT already
        // returned (PostgreSQL's documented trade-off); the history would list changes that no
        // longer exist. The replication stream never carries them either way.
        pg = TestPostgres.start(0, Map.of("synchronous_commit", "on"));
        pg.execute(ChaosWorkload.SCHEMA);
        pg.execute("CREATE PUBLICATION chaos_pub FOR TABLE events",
                "SELECT pg_create_logical_replication_slot('chaos_slot', 'pgoutput')");
        proxy = TcpProxy.start("localhost", pg.port());
    }

    @AfterEach
    void stop() {
        try {
            proxy.close();
        } finally {
            pg.close();
        }
    }

    @Test
    void everyFaultKindLosesAndRepeatsNothing(@TempDir Path out) throws Exception {
        run(ChaosSink.files(out), Integer.getInteger("pgwal.chaos.faults", 2 * ChaosFault.values().length));
    }

    /**
     * The same into Kafka ({@link KafkaSinkJob}, exactly-once KafkaSink) on a real broker, the
     * events topic in 3 partitions, read by a {@code read_committed} consumer: every committed
     * change once, each partition in commit order. {@code -Dpgwal.chaos.kafka.faults=N} (default:
     * one of each kind).
     */
    @Test
    void everyFaultKindLosesAndRepeatsNothingIntoKafka() throws Exception {
        try (KafkaTestBroker kafka = KafkaTestBroker.start()) {
            run(ChaosSink.kafka(kafka, 3),
                    Integer.getInteger("pgwal.chaos.kafka.faults", ChaosFault.values().length));
        }
    }

    private void run(ChaosSink sink, int faults) throws Exception {
        long seed = Long.getLong("pgwal.chaos.seed", System.nanoTime());
        int rate = Integer.getInteger("pgwal.chaos.rate", 4_000);
        System.out.println("ExactlyOnceChaosITCase (" + sink.runName() + "s) seed=" + seed + " faults=" + faults);
        Random random = new Random(seed);
        List<ChaosFault> plan = plan(random, faults);

        FailureInjector.reset();
        JobClient job = startJob(sink);
        ChaosFault.Context ctx = new ChaosFault.Context(pg, proxy, random, "chaos_slot");
        Map<String, Integer> history;
        try (ChaosWorkload workload = new ChaosWorkload(pg, random.nextLong(), rate)) {
            awaitProgress(job, 0, "first records");
            int aimed = 0;
            for (int i = 0; i < plan.size(); i++) {
                Thread.sleep(200 + random.nextInt(1_500));
                // Half the connection faults aim inside a large transaction: while the records
                // passing the job have 15,000+ changes of their transaction still to come (the
                // source runs at most a few fetch batches ahead, so it is inside it too).
                if (plan.get(i).hitsTheConnection() && random.nextBoolean()
                        && awaitDeepInsideTransaction(workload, 15_000)) {
                    aimed++;
                }
                workload.segment(i + 1);
                long seenBefore = FailureInjector.seen();
                System.out.println("chaos fault " + (i + 1) + "/" + plan.size() + ": " + plan.get(i)
                        + " after " + seenBefore + " records");
                plan.get(i).inject(ctx);
                awaitInjected(plan.subList(0, i + 1).stream().filter(ChaosFault::failsTheJob).count());
                awaitProgress(job, FailureInjector.seen(), "recovery from " + plan.get(i));
            }
            System.out.println("chaos: " + aimed + " connection faults aimed inside a transaction"
                    + " (15,000+ of its changes still to come)");
            Thread.sleep(1_000);
            history = workload.stop();
            System.out.println("chaos writer: " + history.size() + " changes committed, "
                    + workload.uncertainCommits() + " commits failed and were resolved");
            workload.assertModelMatchesServer();
        }
        List<List<Change>> files = awaitCommitted(sink, history.size());
        job.cancel().get(1, TimeUnit.MINUTES);

        ChaosReport report = ChaosReport.of(plan, history, files);
        System.out.println(report.table(seed, sink.runName()));
        System.out.println(report.failuresInsideTransactions(FailureInjector.failedAt()));
        assertThat(FailureInjector.injected()).as("injected job failures, seed " + seed)
                .isEqualTo(plan.stream().filter(ChaosFault::failsTheJob).count());
        report.assertExactlyOnce(seed);
    }

    /** {@code faults} faults, cycling through every kind in seeded order. */
    private static List<ChaosFault> plan(Random random, int faults) {
        List<ChaosFault> plan = new ArrayList<>();
        while (plan.size() < faults) {
            List<ChaosFault> round = new ArrayList<>(List.of(ChaosFault.values()));
            Collections.shuffle(round, random);
            plan.addAll(round.subList(0, Math.min(round.size(), faults - plan.size())));
        }
        return plan;
    }

    private static JobClient startJob(ChaosSink sink) throws Exception {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 10_000);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.enableCheckpointing(300);
        // Through the proxy, so the network can fail; reconnects patient enough for a restart.
        sink.build(env, pg.sourceBuilder("chaos_slot", "chaos_pub")
                        .port(proxy.port())
                        .connectTimeout(Duration.ofSeconds(5))
                        .reconnect(30, Duration.ofMillis(100))
                        .statusInterval(Duration.ofMillis(500))
                        .build(),
                new FailureInjector());
        return env.executeAsync("pgwal chaos");
    }

    /** Waits until more than {@code seen} records passed the injector step. */
    private static void awaitProgress(JobClient job, long seen, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (FailureInjector.seen() <= seen) {
            JobStatus status = job.getJobStatus().get();
            assertThat(status.isGloballyTerminalState()).as("job ended (" + status + ") awaiting " + what)
                    .isFalse();
            assertThat(System.nanoTime() - deadline).as("no progress: " + what).isNegative();
            Thread.sleep(20);
        }
    }

    /** Waits (at most 20 s) until the job is inside a large transaction with {@code remaining} changes to come. */
    private static boolean awaitDeepInsideTransaction(ChaosWorkload workload, int remaining)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (workload.remainingAfterInsert(FailureInjector.lastInsertId()) < remaining) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(1);
        }
        return true;
    }

    /** Waits until the armed job failures happened (the writer keeps records coming). */
    private static void awaitInjected(long failures) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (FailureInjector.injected() < failures) {
            assertThat(System.nanoTime() - deadline).as("armed failure never happened").isNegative();
            Thread.sleep(20);
        }
    }

    /** Waits (at most 3 minutes) until the committed files hold {@code expected} records, plus a while. */
    private static List<List<Change>> awaitCommitted(ChaosSink sink, int expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        int committed;
        while ((committed = count(sink.committed())) < expected
                && System.nanoTime() < deadline) {
            System.out.println("chaos: " + committed + " of " + expected + " changes committed, "
                    + FailureInjector.seen() + " records seen");
            Thread.sleep(1_000);
        }
        Thread.sleep(1_500); // a few more checkpoints: late duplicates would show up now
        return sink.committed();
    }

    private static int count(List<? extends List<?>> files) {
        return files.stream().mapToInt(List::size).sum();
    }

    /** One committed change: its position and {@link ChaosReport#describe its description}. */
    record Change(long commitLsn, int txIndex, String description) {
        static Change of(GenericRecord r) {
            return new Change(Envelopes.commitLsn(r), Envelopes.txIndex(r), ChaosReport.describe(r));
        }
    }

    /** What the committed files hold against the committed history, per fault kind. */
    record ChaosReport(List<ChaosFault> plan, Map<String, Integer> history, List<Change> inCommitOrder,
            Map<String, Integer> copies, int filesOutOfOrder) {

        static ChaosReport of(List<ChaosFault> plan, Map<String, Integer> history,
                List<List<Change>> files) {
            Comparator<Change> byPosition = Comparator.comparing(Change::commitLsn, Long::compareUnsigned)
                    .thenComparingInt(Change::txIndex);
            int outOfOrder = 0;
            List<Change> all = new ArrayList<>();
            for (List<Change> file : files) {
                for (int i = 1; i < file.size(); i++) {
                    if (byPosition.compare(file.get(i - 1), file.get(i)) >= 0) {
                        outOfOrder++;
                    }
                }
                all.addAll(file);
            }
            all.sort(byPosition);
            Map<String, Integer> copies = new HashMap<>();
            all.forEach(c -> copies.merge(c.description(), 1, Integer::sum));
            return new ChaosReport(plan, history, all, copies, outOfOrder);
        }

        static String describe(GenericRecord r) {
            if (r.get(FieldName.AFTER) == null) {
                return r.get(FieldName.OP) + " " + Envelopes.value(r, "before", "id");
            }
            return r.get(FieldName.OP) + " " + Envelopes.value(r, "after", "id") + " "
                    + Envelopes.value(r, "after", "seq");
        }

        long lost(ChaosFault kind) {
            return history.entrySet().stream().filter(e -> inKind(e.getValue(), kind))
                    .filter(e -> !copies.containsKey(e.getKey())).count();
        }

        long duplicated(ChaosFault kind) {
            return history.entrySet().stream().filter(e -> inKind(e.getValue(), kind))
                    .mapToLong(e -> Math.max(0, copies.getOrDefault(e.getKey(), 0) - 1)).sum();
        }

        long streamed(ChaosFault kind) {
            return history.entrySet().stream().filter(e -> inKind(e.getValue(), kind))
                    .mapToLong(e -> copies.getOrDefault(e.getKey(), 0)).sum();
        }

        /** Of the records at which the job failed, how many were not the last of their transaction. */
        String failuresInsideTransactions(List<String> failedAt) {
            Map<Long, Integer> lastIndexOfTx = new HashMap<>();
            Map<String, Change> byDescription = new HashMap<>();
            for (Change c : inCommitOrder) {
                lastIndexOfTx.merge(c.commitLsn(), c.txIndex(), Math::max);
                byDescription.put(c.description(), c);
            }
            long inside = failedAt.stream().map(byDescription::get).filter(java.util.Objects::nonNull)
                    .filter(c -> c.txIndex() < lastIndexOfTx.get(c.commitLsn())).count();
            return "job failovers at a record: " + inside + " of " + failedAt.size()
                    + " thrown at a record that was not the last of its transaction";
        }

        long unexpected() {
            return copies.keySet().stream().filter(k -> !history.containsKey(k)).count();
        }

        /** Segment 0 is the warm-up before the first fault; segment i follows fault i. */
        private boolean inKind(int segment, ChaosFault kind) {
            return kind == null ? segment == 0 : segment > 0 && plan.get(segment - 1) == kind;
        }

        String table(long seed, String runName) {
            Map<ChaosFault, Integer> counts = new EnumMap<>(ChaosFault.class);
            plan.forEach(f -> counts.merge(f, 1, Integer::sum));
            StringBuilder t = new StringBuilder("\nExactly-once chaos run (into "
                    + runName + "s), seed " + seed + "\n"
                    + "| fault kind | faults | changes written after it | streamed | lost | duplicated |\n"
                    + "|---|---:|---:|---:|---:|---:|\n");
            List<ChaosFault> kinds = new ArrayList<>(counts.keySet());
            kinds.add(0, null);
            for (ChaosFault k : kinds) {
                long written = history.values().stream().filter(s -> inKind(s, k)).count();
                t.append(String.format("| %s | %d | %d | %d | %d | %d |%n",
                        k == null ? "(none: before the first fault)" : k.label(),
                        k == null ? 0 : counts.get(k), written, streamed(k), lost(k), duplicated(k)));
            }
            t.append(String.format("| **total** | %d | %d | %d | %d | %d |%n", plan.size(),
                    history.size(), inCommitOrder.size(),
                    kinds.stream().mapToLong(this::lost).sum(),
                    kinds.stream().mapToLong(this::duplicated).sum()));
            t.append("unexpected changes: ").append(unexpected())
                    .append("; records out of commit order inside a ").append(runName).append(": ")
                    .append(filesOutOfOrder).append('\n');
            return t.toString();
        }

        void assertExactlyOnce(long seed) {
            String as = "seed " + seed;
            assertThat(unexpected()).as("changes that were never committed, " + as).isZero();
            assertThat(filesOutOfOrder).as("records out of commit order inside a part file or partition, "
                    + as).isZero();
            assertThat(inCommitOrder.stream().map(Change::description).toList())
                    .as("what was committed against the committed history, " + as)
                    .hasSize(history.size())
                    .isEqualTo(new ArrayList<>(history.keySet()));
        }
    }
}
