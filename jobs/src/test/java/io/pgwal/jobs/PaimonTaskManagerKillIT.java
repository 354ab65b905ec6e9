package io.pgwal.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lake pipeline on a real standalone cluster ({@code local-cluster.sh start --sql}): the job
 * jar's {@link SqlJob} runs {@code INSERT INTO} a Paimon primary-key table (local warehouse) from
 * a pgwal table with {@code scan.startup.mode = initial}, while a writer changes the table. The
 * TaskManager is SIGKILLed once during the initial snapshot and then during the stream. In the
 * end the Paimon table equals PostgreSQL's (pre-existing rows included), and its changelog
 * ({@code 'changelog-producer' = 'input'}: what the sink wrote, snapshot by snapshot) holds every
 * version of every row once: none lost, none twice.
 */
class PaimonTaskManagerKillIT {

    /** Logged by the enumerator on the JobManager when every chunk is in a completed checkpoint. */
    private static final String SNAPSHOT_FINISHED = "Snapshot finished:";

    @Test
    void killedTaskManagersLoseAndRepeatNothingInPaimon(@TempDir Path dir) throws Exception {
        long seed = Long.getLong("pgwal.chaos.seed", System.nanoTime());
        int kills = Integer.getInteger("pgwal.chaos.paimon-kills", 2);
        int snapshotKills = Integer.getInteger("pgwal.chaos.paimon-snapshot-kills", 1);
        int rows = Integer.getInteger("pgwal.chaos.paimon-rows", 50_000);
        System.out.println("PaimonTaskManagerKillIT seed=" + seed + " kills=" + kills + " (aimed "
                + snapshotKills + " at the snapshot) rows=" + rows);
        Random random = new Random(seed);
        Path warehouse = dir.resolve("warehouse");
        PaimonLake lake = new PaimonLake(warehouse, "default", "acct");
        try (TestPostgres pg = TestPostgres.start();
                StandaloneCluster cluster = StandaloneCluster.start(1, true)) {
            pg.execute("CREATE TABLE acct (id int PRIMARY KEY, version int NOT NULL, name text)",
                    "INSERT INTO acct SELECT i, 0, md5(i::text) FROM generate_series(1, " + rows + ") i",
                    "CREATE PUBLICATION acct_pub FOR TABLE acct");
            Path script = Files.writeString(dir.resolve("pipeline.sql"), pipeline(pg, warehouse));
            long writes;
            List<String> phases = new ArrayList<>();
            String job;
            try (VersionedWriter writer = new VersionedWriter(pg, "acct", rows + 1, random.nextLong())) {
                job = cluster.submit(SqlJob.class, List.of("--sql-file", script.toString()));
                // The first kill once Paimon holds a first commit of snapshot rows; the next ones
                // (snapshotKills in all) each after one more commit; the others in the stream,
                // each after one more commit and a seeded delay.
                awaitWhileRunning(cluster, job, () -> lake.latestSnapshotId() > 0, "a first Paimon commit");
                while (phases.size() < kills) {
                    if (!phases.isEmpty()) {
                        long before = lake.latestSnapshotId();
                        boolean inStream = phases.size() >= snapshotKills;
                        awaitWhileRunning(cluster, job, () -> lake.latestSnapshotId() > before
                                && (!inStream || cluster.jobManagerLog().contains(SNAPSHOT_FINISHED)),
                                "a Paimon commit after kill " + phases.size());
                        Thread.sleep(random.nextInt(inStream ? 1_500 : 300));
                    }
                    phases.add(cluster.jobManagerLog().contains(SNAPSHOT_FINISHED) ? "stream" : "snapshot");
                    cluster.killTaskManager();
                    System.out.println(java.time.Instant.now() + " TaskManager kill " + phases.size() + "/"
                            + kills + " during the " + phases.get(phases.size() - 1) + " (as the JobManager's log"
                            + " told just before), Paimon snapshot " + lake.latestSnapshotId());
                }
                // The writer goes on until the stream carried changes after the last kill.
                long before = lake.latestSnapshotId();
                awaitWhileRunning(cluster, job, () -> lake.latestSnapshotId() > before + 1
                        && cluster.jobManagerLog().contains(SNAPSHOT_FINISHED), "commits after the last kill");
                writes = writer.changes();
            }
            // The last change: once Paimon holds it, it holds every change before it.
            pg.execute("INSERT INTO acct VALUES (0, 0, 'the end')");
            awaitWhileRunning(cluster, job, () -> lake.rows().containsKey(0), "the last change in Paimon");
            cluster.cancel(job);

            Map<Integer, String> expected = postgres(pg);
            Map<Integer, String> actual = new TreeMap<>();
            lake.rows().forEach((id, r) -> actual.put(id, r.version() + " " + r.name()));
            VersionedChangelog tally = VersionedChangelog.check(lake.changelog(), expected);
            System.out.printf("%nPaimon TaskManager kill run, seed %d, kills during %s%n"
                    + "| pipeline | faults | pre-existing rows | changes written | changelog records | lost | duplicated |%n"
                    + "| TaskManager SIGKILL on a standalone cluster, into Paimon | %d | %d | %d | %d | %d | %d |%n",
                    seed, phases, kills, rows, writes, tally.records(), tally.lost(), tally.duplicated());
            assertThat(phases).as("kills, seed " + seed).hasSize(kills).startsWith("snapshot");
            if (kills > snapshotKills) {
                assertThat(phases).as("kills, seed " + seed).endsWith("stream");
            }
            assertThat(cluster.jobManagerLog()).as("the job really failed over").contains("RESTARTING");
            assertThat(writes).as("the writer wrote").isPositive();
            assertThat(tally.problems()).as("per-row changelog problems, seed " + seed).isEmpty();
            assertThat(tally.lost()).as("lost, seed " + seed).isZero();
            assertThat(tally.duplicated()).as("duplicated, seed " + seed).isZero();
            assertThat(actual).as("the Paimon table equals PostgreSQL's, seed " + seed).isEqualTo(expected);
        }
    }

    private static String pipeline(TestPostgres pg, Path warehouse) {
        return String.join("\n",
                "SET 'parallelism.default' = '2';",
                "SET 'execution.checkpointing.interval' = '1s';",
                "CREATE TABLE acct (id INT, version INT, name STRING, PRIMARY KEY (id) NOT ENFORCED) WITH (",
                "  'connector' = 'pgwal', 'hostname' = '" + pg.host() + "', 'port' = '" + pg.port() + "',",
                "  'username' = '" + pg.user() + "', 'password' = '" + pg.password() + "',",
                "  'database-name' = '" + pg.database() + "', 'table-name' = 'acct',",
                "  'slot.name' = 'acct_slot', 'publication.name' = 'acct_pub',",
                "  'scan.startup.mode' = 'initial', 'scan.incremental.snapshot.chunk.size' = '5000');",
                "CREATE CATALOG lake WITH ('type' = 'paimon', 'warehouse' = '" + warehouse.toUri() + "');",
                "CREATE TABLE lake.`default`.acct (id INT, version INT, name STRING, PRIMARY KEY (id) NOT ENFORCED)",
                "  WITH ('bucket' = '2', 'changelog-producer' = 'input', 'write-buffer-size' = '16 mb',",
                "        'snapshot.time-retained' = '1 d');",
                "INSERT INTO lake.`default`.acct SELECT id, version, name FROM acct;",
                "");
    }

    /** PostgreSQL's table as id -> "version name". */
    private static Map<Integer, String> postgres(TestPostgres pg) throws Exception {
        Map<Integer, String> rows = new TreeMap<>();
        try (Connection c = pg.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT id, version, name FROM acct")) {
            while (rs.next()) {
                rows.put(rs.getInt(1), rs.getInt(2) + " " + rs.getString(3));
            }
        }
        return rows;
    }

    /** Polls {@code check}; fails at once if the job ends, after 3 minutes otherwise. */
    private static void awaitWhileRunning(StandaloneCluster cluster, String job, StandaloneCluster.Check check,
            String what) throws Exception {
        StandaloneCluster.await(() -> {
            String state = cluster.jobState(job);
            assertThat(state).as("job state awaiting " + what).isIn("CREATED", "INITIALIZING", "RUNNING",
                    "RESTARTING", "NONE");
            return check.ok();
        }, what);
    }
}
