package io.pgwal.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.avro.Envelope.FieldName;
import io.pgwal.testing.Envelopes;
import io.pgwal.testing.TestPostgres;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded job jar on a real standalone Flink cluster ({@code local-cluster.sh}: a JobManager
 * and TaskManagers as separate JVMs): the TaskManager running the pgwal source is killed with
 * SIGKILL mid-stream, a replacement is started, and the committed Avro files still hold every
 * change exactly once. Runs in Maven's integration-test phase, after the job jar is built.
 */
class TaskManagerKillIT {

    @RegisterExtension
    static final TestPostgres pg = TestPostgres.perClass();
    private static StandaloneCluster cluster;
    /** The job under test (each test submits one to the same cluster). */
    private static String currentJob;

    @BeforeAll
    static void start() throws Exception {
        pg.execute("CREATE TABLE k (id int PRIMARY KEY, v text)",
                "CREATE PUBLICATION k_pub FOR TABLE k",
                "SELECT pg_create_logical_replication_slot('k_slot', 'pgoutput')");
        cluster = StandaloneCluster.start(1, false);
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void killedTaskManagersLoseAndRepeatNothing(@TempDir Path out) throws Exception {
        long seed = Long.getLong("pgwal.chaos.seed", System.nanoTime());
        int kills = Integer.getInteger("pgwal.chaos.tm-kills", 2);
        int rows = Integer.getInteger("pgwal.chaos.tm-rows", 200_000);
        System.out.println("TaskManagerKillIT seed=" + seed + " kills=" + kills + " rows=" + rows);
        Random random = new Random(seed);
        for (int tx = 0; tx < 20; tx++) {
            int from = tx * (rows / 20) + 1;
            pg.execute("INSERT INTO k SELECT i, md5(i::text) FROM generate_series(" + from + ", "
                    + (from + rows / 20 - 1) + ") i");
        }
        pg.execute("UPDATE k SET v = 'updated' WHERE id % 1000 = 0");
        // The changes are the subject here (the slot was created before them).
        submit(out, "k", "--scan.startup.mode", "committed-offset");

        // Each kill lands once a checkpoint has committed more files, i.e. mid-stream with state
        // to restore, after a seeded extra delay.
        int killed = killTaskManagers(() -> CommittedAvroFiles.list(out).size(), kills, random, 1_500, "");

        List<String> expected = new ArrayList<>();
        for (int id = 1; id <= rows; id++) {
            expected.add("INSERT " + id);
        }
        for (int id = 1000; id <= rows; id += 1000) {
            expected.add("UPDATE " + id);
        }
        Map<String, Integer> copies = new HashMap<>();
        for (List<String> file : CommittedAvroFiles.read(out,
                rec -> rec.get(FieldName.OP) + " " + ((GenericRecord) rec.get(FieldName.AFTER)).get("id"))) {
            file.forEach(change -> copies.merge(change, 1, Integer::sum));
        }
        long lost = expected.stream().filter(e -> !copies.containsKey(e)).count();
        long duplicated = copies.values().stream().mapToLong(n -> n - 1).sum();
        java.util.Set<String> expectedSet = new java.util.HashSet<>(expected);
        long unexpected = copies.keySet().stream().filter(k -> !expectedSet.contains(k)).count();
        System.out.printf("%nTaskManager kill run, seed %d%n"
                + "| TaskManager SIGKILL on a standalone cluster | %d | %d | %d | %d | %d |%n",
                seed, killed, expected.size(), copies.values().stream().mapToLong(n -> n).sum(),
                lost, duplicated);
        assertThat(killed).as("kills, seed " + seed).isPositive();
        assertThat(lost).as("lost, seed " + seed).isZero();
        assertThat(duplicated).as("duplicated, seed " + seed).isZero();
        assertThat(unexpected).as("unexpected, seed " + seed).isZero();
        assertThat(cluster.jobManagerLog())
                .as("the job really failed over").contains("RESTARTING");
    }

    /**
     * The Kafka job ({@link KafkaSinkJob}, exactly-once KafkaSink) on the standalone cluster, into
     * a broker in this JVM: TaskManagers killed mid-stream, and a {@code read_committed} consumer
     * still finds every change once, in commit order inside each partition.
     */
    @Test
    void killedTaskManagersLoseAndRepeatNothingIntoKafka() throws Exception {
        long seed = Long.getLong("pgwal.chaos.seed", System.nanoTime());
        int kills = Integer.getInteger("pgwal.chaos.tm-kills", 2);
        int rows = Integer.getInteger("pgwal.chaos.tm-kafka-rows", 200_000);
        System.out.println("TaskManagerKillIT (Kafka) seed=" + seed + " kills=" + kills + " rows=" + rows);
        Random random = new Random(seed);
        pg.execute("CREATE TABLE kq (id int PRIMARY KEY, v text)",
                "CREATE PUBLICATION kq_pub FOR TABLE kq",
                "SELECT pg_create_logical_replication_slot('kq_slot', 'pgoutput')");
        for (int tx = 0; tx < 20; tx++) {
            int from = tx * (rows / 20) + 1;
            pg.execute("INSERT INTO kq SELECT i, md5(i::text) FROM generate_series(" + from + ", "
                    + (from + rows / 20 - 1) + ") i");
        }
        pg.execute("UPDATE kq SET v = 'updated' WHERE id % 1000 = 0");
        try (KafkaTestBroker kafka = KafkaTestBroker.start()) {
            KafkaTopics topics = KafkaTopics.of("pgwal", null);
            String topic = topics.topicOf("public", "kq");
            kafka.createTopics(3, topic);
            submit(KafkaSinkJob.class, List.of("--kafka.bootstrap.servers", kafka.bootstrapServers(),
                    "--kafka.transactional-id-prefix", "pgwal-tm-kill"), "kq",
                    "--scan.startup.mode", "committed-offset");
            int killed = killTaskManagers(() -> kafka.committedEndOffset(topic), kills, random, 1_500, "");

            Map<String, Integer> copies = new HashMap<>();
            long outOfOrder = 0;
            for (List<ExactlyOnceChaosITCase.Change> partition : CommittedKafkaRecords.read(kafka, topics,
                    List.of(topic), r -> new ExactlyOnceChaosITCase.Change(Envelopes.commitLsn(r),
                            Envelopes.txIndex(r), r.get("op") + " " + ((GenericRecord) r.get("after")).get("id")))) {
                for (int i = 0; i < partition.size(); i++) {
                    ExactlyOnceChaosITCase.Change c = partition.get(i);
                    copies.merge(c.description(), 1, Integer::sum);
                    ExactlyOnceChaosITCase.Change previous = i == 0 ? null : partition.get(i - 1);
                    if (previous != null && (Long.compareUnsigned(previous.commitLsn(), c.commitLsn()) > 0
                            || previous.commitLsn() == c.commitLsn() && previous.txIndex() >= c.txIndex())) {
                        outOfOrder++;
                    }
                }
            }
            long lost = 0;
            for (int id = 1; id <= rows; id++) {
                lost += (copies.containsKey("INSERT " + id) ? 0 : 1)
                        + (id % 1000 == 0 && !copies.containsKey("UPDATE " + id) ? 1 : 0);
            }
            long duplicated = copies.values().stream().mapToLong(n -> n - 1).sum();
            System.out.printf("%nTaskManager kill run into Kafka, seed %d%n"
                    + "| TaskManager SIGKILL on a standalone cluster, into Kafka | %d | %d | %d | %d | %d |%n",
                    seed, killed, rows + rows / 1000, copies.values().stream().mapToLong(n -> n).sum(),
                    lost, duplicated);
            assertThat(killed).as("kills, seed " + seed).isPositive();
            assertThat(lost).as("lost, seed " + seed).isZero();
            assertThat(duplicated).as("duplicated, seed " + seed).isZero();
            assertThat(copies).as("unexpected, seed " + seed).hasSize(rows + rows / 1000);
            assertThat(outOfOrder).as("out of commit order in a partition, seed " + seed).isZero();
        }
    }

    /**
     * TaskManagers killed while the initial snapshot runs (the JobManager, which holds the
     * snapshot's session, survives): every row arrives exactly once as a READ record.
     */
    @Test
    void killedTaskManagersDuringTheSnapshotLoseAndRepeatNothing(@TempDir Path out)
            throws Exception {
        long seed = Long.getLong("pgwal.chaos.seed", System.nanoTime());
        int kills = Integer.getInteger("pgwal.chaos.tm-kills", 2);
        int rows = Integer.getInteger("pgwal.chaos.tm-snapshot-rows", 600_000);
        System.out.println("TaskManagerKillIT (snapshot) seed=" + seed + " kills=" + kills
                + " rows=" + rows);
        Random random = new Random(seed);
        pg.execute("CREATE TABLE s (id int PRIMARY KEY, v text)",
                "INSERT INTO s SELECT i, md5(i::text) FROM generate_series(1, " + rows + ") i",
                "CREATE PUBLICATION s_pub FOR TABLE s");
        // initial (the default): the rows first; the stop LSN lies before the snapshot, so the
        // job ends once the snapshot is done.
        submit(out, "s", "--scan.incremental.snapshot.chunk.size", "10000");
        int killed = killTaskManagers(() -> CommittedAvroFiles.list(out).size(), kills, random, 1_000,
                " during the snapshot");

        Map<String, Integer> copies = new HashMap<>();
        for (List<String> file : CommittedAvroFiles.read(out,
                rec -> rec.get(FieldName.OP) + " " + ((GenericRecord) rec.get(FieldName.AFTER)).get("id"))) {
            file.forEach(change -> copies.merge(change, 1, Integer::sum));
        }
        long lost = 0;
        for (int id = 1; id <= rows; id++) {
            lost += copies.containsKey("READ " + id) ? 0 : 1;
        }
        long duplicated = copies.values().stream().mapToLong(n -> n - 1).sum();
        long unexpected = copies.keySet().stream().filter(k -> !k.startsWith("READ ")).count();
        System.out.printf("%nTaskManager kill run during the snapshot, seed %d%n"
                + "| TaskManager SIGKILL during the snapshot | %d | %d | %d | %d | %d |%n",
                seed, killed, rows, copies.values().stream().mapToLong(n -> n).sum(), lost,
                duplicated);
        assertThat(killed).as("kills, seed " + seed).isPositive();
        assertThat(lost).as("lost, seed " + seed).isZero();
        assertThat(duplicated).as("duplicated, seed " + seed).isZero();
        assertThat(unexpected).as("unexpected, seed " + seed).isZero();
    }

    /**
     * Kills the TaskManager (and starts a new one) up to {@code kills} times, each once a
     * checkpoint has committed more files plus a seeded delay of up to {@code maxDelayMillis};
     * then waits for the bounded job to finish. Returns the kills made (fewer when the job ended
     * first).
     */
    private static int killTaskManagers(Committed committed, int kills, Random random,
            int maxDelayMillis, String when) throws Exception {
        int killed = 0;
        while (killed < kills) {
            long before = committed.count();
            StandaloneCluster.await(
                    () -> committed.count() > before || !"RUNNING".equals(jobState()),
                    "nothing new committed");
            Thread.sleep(random.nextInt(maxDelayMillis));
            if (!"RUNNING".equals(jobState())) {
                break; // the bounded job is done: fewer kills than asked, reported as such
            }
            cluster.killTaskManager();
            killed++;
            System.out.println("TaskManager kill " + killed + "/" + kills + when + ", after "
                    + committed.count() + " committed files or offsets");
        }
        StandaloneCluster.await(() -> "FINISHED".equals(jobState()) || "FAILED".equals(jobState()),
                "job did not end");
        assertThat(jobState()).isEqualTo("FINISHED");
        return killed;
    }

    /**
     * Submits the job jar's {@link AvroFileSinkJob} for table {@code name} (slot {@code
     * name_slot}, publication {@code name_pub}), bounded at the current WAL position, with extra
     * source options; it becomes the job under test.
     */
    private static void submit(Path out, String name, String... options) throws Exception {
        submit(AvroFileSinkJob.class, List.of("--output", out.toUri().toString()), name, options);
    }

    /** The same for {@code job} (a main class of the job jar) with its own sink arguments. */
    private static void submit(Class<?> job, List<String> sinkArgs, String name, String... options)
            throws Exception {
        List<String> args = new ArrayList<>(sinkArgs);
        args.addAll(List.of("--checkpoint-interval", "1s",
                "--stop-at-lsn", pg.currentInsertLsn().asString(),
                "--hostname", "localhost", "--port", Integer.toString(pg.port()),
                "--username", pg.user(), "--database-name", pg.database(),
                "--slot.name", name + "_slot", "--publication.name", name + "_pub"));
        args.addAll(List.of(options));
        currentJob = cluster.submit(job, args);
    }

    private static String jobState() throws Exception {
        return cluster.jobState(currentJob);
    }

    /** How much a sink has committed so far (files, offsets), to kill after progress. */
    private interface Committed {
        long count() throws Exception;
    }
}
