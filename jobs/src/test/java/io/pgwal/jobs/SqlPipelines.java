package io.pgwal.jobs;

import io.pgwal.testing.TestPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;

/**
 * Shared steps of the SQL pipeline tests (pgwal table into upsert-kafka, into Paimon): the table
 * environment, the pgwal source table's DDL, the workload and PostgreSQL's side of the comparison.
 */
final class SqlPipelines {

    private SqlPipelines() {}

    /** A streaming table environment, parallelism 1, checkpoints every 300 ms, restarts on failure. */
    static StreamTableEnvironment tableEnv() {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 10);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        env.enableCheckpointing(300);
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);
        tEnv.createTemporarySystemFunction("fail_once", FailOnce.class);
        return tEnv;
    }

    /** DDL of a pgwal table {@code name} (id INT key, name STRING) reading {@code public.<pgTable>}. */
    static String pgwalTable(TestPostgres pg, String name, String pgTable, String slot, String publication) {
        return "CREATE TABLE " + name + " (id INT, name STRING, PRIMARY KEY (id) NOT ENFORCED) WITH ("
                + "'connector' = 'pgwal', 'hostname' = '" + pg.host() + "', 'port' = '" + pg.port()
                + "', 'username' = '" + pg.user() + "', 'password' = '" + pg.password()
                + "', 'database-name' = '" + pg.database() + "', 'slot.name' = '" + slot
                + "', 'publication.name' = '" + publication + "', 'table-name' = '" + pgTable
                + "', 'scan.startup.mode' = 'initial')";
    }

    /** Creates {@code table} with 300 rows and a publication {@code publication} for it. */
    static void createTable(TestPostgres pg, String table, String publication) {
        pg.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, name text)",
                "INSERT INTO " + table + " SELECT i, 'row ' || i FROM generate_series(1, 300) i",
                "CREATE PUBLICATION " + publication + " FOR TABLE " + table);
    }

    /** Inserts, updates and deletes in several transactions; returns the rows changed. */
    static int writeChanges(TestPostgres pg, String table) throws SQLException {
        int changes = 0;
        try (Connection c = pg.connect(); Statement st = c.createStatement()) {
            for (int round = 0; round < 3; round++) {
                int base = 1000 * (round + 1);
                changes += st.executeUpdate("INSERT INTO " + table + " SELECT i, 'new' FROM"
                        + " generate_series(" + base + ", " + (base + 99) + ") i");
                changes += st.executeUpdate("UPDATE " + table + " SET name = 'u" + round
                        + "' WHERE id % 7 = " + round);
                changes += st.executeUpdate("DELETE FROM " + table + " WHERE id % 11 = " + round);
            }
        }
        return changes;
    }

    /** PostgreSQL's {@code table} as id -> name. */
    static Map<Integer, String> postgresRows(TestPostgres pg, String table) {
        Map<Integer, String> rows = new TreeMap<>();
        String all = pg.queryString("SELECT string_agg(id || ',' || name, ';') FROM " + table);
        for (String row : all.split(";")) {
            String[] f = row.split(",", 2);
            rows.put(Integer.parseInt(f[0]), f[1]);
        }
        return rows;
    }

    /**
     * Polls {@code actual} (at most 2 minutes, while {@code job} runs) until it equals {@code
     * expected}; returns the last value.
     */
    static <T> T await(JobClient job, Supplier<T> actual, T expected, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        T last = actual.get();
        while (!last.equals(expected) && System.nanoTime() < deadline) {
            if (job.getJobStatus().get().isGloballyTerminalState()) {
                throw new AssertionError("the job ended (" + job.getJobStatus().get() + ") awaiting " + what);
            }
            Thread.sleep(500);
            last = actual.get();
        }
        return last;
    }
}
