package io.pgwal.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.postgresql.replication.LogSequenceNumber;

/**
 * The SQL ways: the {@code orders} backlog through the pgwal SQL table on a local in-process
 * Flink, parallelism 1, checkpoints every interval into a temporary directory (Flink's default
 * JobManager checkpoint storage refuses state over 5 MB), {@code scan.startup.mode} =
 * committed-offset and {@code scan.bounded.stop-lsn} at the backlog's end.
 *
 * <ul>
 *   <li>{@code sql}: {@code INSERT INTO sink SELECT * FROM orders}; timed from the sink task's
 *       start until the N-th change arrives (a change: every row but {@code -U}).
 *   <li>{@code sql-agg}: {@code INSERT INTO sink SELECT status, COUNT(*) FROM orders GROUP BY
 *       status}; timed until the aggregate's counts first add up to the table's row count for the
 *       last time; then the counts must equal PostgreSQL's {@code GROUP BY}.
 * </ul>
 *
 * The sink is {@link CountingTableSink} (a counting blackhole). {@code stateBackend} is Flink's
 * {@code state.backend.type}: {@code hashmap} (heap, full checkpoints) or {@code rocksdb}
 * (incremental checkpoints).
 */
final class SqlDrain {

    private SqlDrain() {}

    static FlinkDrain.Result run(int port, String slot, long expectedChanges, long endLsn,
            Duration checkpointInterval, boolean aggregate, String stateBackend, Connection pg)
            throws Exception {
        Map<String, Long> expectedCounts = aggregate ? statusCounts(pg) : Map.of();
        long tableRows = expectedCounts.values().stream().mapToLong(Long::longValue).sum();
        CountingTableSink.reset(aggregate ? tableRows : expectedChanges, aggregate);
        Path checkpoints = Files.createTempDirectory("pgwal-bench-sql");
        try {
            Configuration conf = new Configuration();
            conf.set(StateBackendOptions.STATE_BACKEND, stateBackend);
            conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
            conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
            // RocksDB as one would run it for a large state: each checkpoint uploads new files only.
            conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, stateBackend.equals("rocksdb"));
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.createLocalEnvironment(1, conf);
            env.enableCheckpointing(checkpointInterval.toMillis());
            StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);
            tEnv.executeSql("CREATE TABLE orders (id BIGINT, customer_id INT,"
                    + " amount DECIMAL(12, 2), status STRING, note STRING,"
                    + " created_at TIMESTAMP_LTZ(6), payload STRING, PRIMARY KEY (id) NOT ENFORCED)"
                    + " WITH ('connector' = 'pgwal', 'hostname' = 'localhost', 'port' = '" + port
                    + "', 'username' = 'postgres', 'password' = '', 'database-name' = 'postgres',"
                    + " 'table-name' = 'orders', 'slot.name' = '" + slot + "', 'slot.create' = 'false',"
                    + " 'publication.name' = '" + Backlog.PUBLICATION + "',"
                    + " 'scan.startup.mode' = 'committed-offset', 'scan.bounded.stop-lsn' = '"
                    + LogSequenceNumber.valueOf(endLsn).asString() + "')");
            long wallStart = System.nanoTime();
            if (aggregate) {
                tEnv.executeSql("CREATE TABLE sink (status STRING, n BIGINT)"
                        + " WITH ('connector' = 'bench-count')");
                tEnv.executeSql("INSERT INTO sink SELECT status, COUNT(*) FROM orders"
                        + " GROUP BY status").await();
            } else {
                tEnv.executeSql("CREATE TABLE sink (id BIGINT, customer_id INT,"
                        + " amount DECIMAL(12, 2), status STRING, note STRING,"
                        + " created_at TIMESTAMP_LTZ(6), payload STRING)"
                        + " WITH ('connector' = 'bench-count')");
                tEnv.executeSql("INSERT INTO sink SELECT * FROM orders").await();
            }
            double wall = (System.nanoTime() - wallStart) / 1e9;
            long changes = CountingTableSink.changes();
            if (aggregate) {
                Map<String, Long> seen = CountingTableSink.latest();
                if (!seen.equals(expectedCounts)) {
                    throw new IllegalStateException("sql-agg ended with counts " + seen
                            + ", PostgreSQL has " + expectedCounts);
                }
                // The aggregate equals the table: every change was applied once.
                changes = expectedChanges;
            }
            return new FlinkDrain.Result(changes, CountingTableSink.nanos() / 1e9, wall);
        } finally {
            deleteRecursively(checkpoints);
        }
    }

    private static Map<String, Long> statusCounts(Connection c) throws Exception {
        Map<String, Long> counts = new HashMap<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT status, count(*) FROM orders GROUP BY status")) {
            while (rs.next()) {
                counts.put(rs.getString(1), rs.getLong(2));
            }
        }
        return counts;
    }

    private static void deleteRecursively(Path dir) throws Exception {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
