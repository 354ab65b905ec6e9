package io.pgwal.jobs;

import io.pgwal.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;

/**
 * PostgreSQL → Paimon in one process ({@code ./demo-paimon}): starts an embedded PostgreSQL with
 * the demo schema and a local Flink, runs the Flink SQL {@code INSERT INTO} a Paimon primary-key
 * table (warehouse: a local directory, {@code --warehouse DIR} or a temporary one) from a pgwal
 * table, writes the demo's transactions, waits until the Paimon table equals PostgreSQL's, and
 * prints both. The SQL it runs is printed first.
 */
public final class PaimonPipelineDemo {

    private PaimonPipelineDemo() {}

    public static void main(String[] args) {
        try {
            run(args);
            System.exit(0);
        } catch (Throwable t) {
            t.printStackTrace();
            System.exit(1); // also ends the local Flink's threads
        }
    }

    private static void run(String[] args) throws Exception {
        Path warehouse = args.length == 2 && args[0].equals("--warehouse") ? Path.of(args[1])
                : Files.createTempDirectory("pgwal-paimon-demo");
        System.out.println("demo-paimon: starting an embedded PostgreSQL; Paimon warehouse " + warehouse);
        try (TestPostgres pg = TestPostgres.start()) {
            pg.executeScript("demo-schema.sql");
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(1);
            env.enableCheckpointing(1_000); // Paimon commits a snapshot per checkpoint
            StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);
            List<String> sql = List.of(
                    "CREATE TABLE customers (id BIGINT, name STRING, email STRING, vip BOOLEAN,"
                            + " PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'pgwal',"
                            + " 'hostname' = '" + pg.host() + "', 'port' = '" + pg.port() + "',"
                            + " 'username' = '" + pg.user() + "', 'password' = '" + pg.password() + "',"
                            + " 'database-name' = '" + pg.database() + "', 'schema-name' = 'demo',"
                            + " 'table-name' = 'customers',"
                            + " 'slot.name' = 'pgwal_paimon_demo', 'publication.name' = 'pgwal_demo')",
                    "CREATE CATALOG lake WITH ('type' = 'paimon', 'warehouse' = '" + warehouse.toUri() + "')",
                    "CREATE DATABASE IF NOT EXISTS lake.demo",
                    "CREATE TABLE IF NOT EXISTS lake.demo.customers (id BIGINT, name STRING, email STRING,"
                            + " vip BOOLEAN, PRIMARY KEY (id) NOT ENFORCED)");
            for (String statement : sql) {
                System.out.println("demo-paimon: " + statement.replace(
                        "'password' = '" + pg.password() + "'", "'password' = '...'") + ";");
                tEnv.executeSql(statement);
            }
            String insert = "INSERT INTO lake.demo.customers SELECT * FROM customers";
            System.out.println("demo-paimon: " + insert + ";");
            JobClient job = tEnv.executeSql(insert).getJobClient().orElseThrow();
            String query = "SELECT id, name, email, vip FROM demo.customers ORDER BY id";
            await(warehouse, postgres(pg), job);
            int changes;
            try (Connection c = pg.connect()) {
                changes = new DemoWorkload(c).runScripted();
            }
            System.out.println("demo-paimon: snapshot in Paimon; wrote " + changes
                    + " row changes; waiting for the next checkpoints to commit them");
            List<String> lake = await(warehouse, postgres(pg), job);
            job.cancel().get();
            System.out.println("demo-paimon: PostgreSQL " + query + ":");
            postgres(pg).forEach(r -> System.out.println("  " + r));
            System.out.println("demo-paimon: Paimon SELECT * FROM lake.demo.customers (batch read):");
            lake.forEach(r -> System.out.println("  " + r));
            System.out.println("demo-paimon: equal; done");
        }
    }

    private static List<String> postgres(TestPostgres pg) {
        String rows = pg.queryString("SELECT string_agg(format('+I[%s, %s, %s, %s]', id, name,"
                + " coalesce(email, 'null'), vip::text), '|' ORDER BY id) FROM demo.customers");
        return List.of(rows.split("\\|"));
    }

    /** Waits (at most 2 minutes) until the Paimon table's rows equal {@code expected}. */
    private static List<String> await(Path warehouse, List<String> expected, JobClient job)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        List<String> lake;
        while (!(lake = lake(warehouse)).equals(expected)) {
            if (System.nanoTime() > deadline || job.getJobStatus().get().isGloballyTerminalState()) {
                throw new IllegalStateException("demo-paimon: the Paimon table " + lake
                        + " did not become " + expected + " (job " + job.getJobStatus().get() + ")");
            }
            Thread.sleep(500);
        }
        return lake;
    }

    private static List<String> lake(Path warehouse) throws Exception {
        TableEnvironment batch = TableEnvironment.create(EnvironmentSettings.inBatchMode());
        batch.executeSql("CREATE CATALOG lake WITH ('type' = 'paimon', 'warehouse' = '"
                + warehouse.toUri() + "')");
        List<String> rows = new ArrayList<>();
        try (CloseableIterator<Row> it = batch.executeSql(
                "SELECT * FROM lake.demo.customers ORDER BY id").collect()) {
            it.forEachRemaining(r -> rows.add(r.toString()));
        }
        return rows;
    }
}
