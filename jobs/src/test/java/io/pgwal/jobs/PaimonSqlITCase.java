package io.pgwal.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.testing.TestPostgres;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lake route: {@code INSERT INTO} a Paimon primary-key table (a local warehouse directory)
 * from a pgwal table, through a failover; the Paimon table, read in batch mode, then equals
 * PostgreSQL's table, the initial snapshot's rows included.
 */
class PaimonSqlITCase {

    /** Two slots: the streaming job holds one, the batch queries that read the lake use the other. */
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberSlotsPerTaskManager(2).build());

    @RegisterExtension
    static final TestPostgres pg = TestPostgres.perClass();

    @Test
    void pgwalTableIntoPaimonEqualsPostgres(@TempDir Path warehouse) throws Exception {
        SqlPipelines.createTable(pg, "accounts", "paimon_pub");
        StreamTableEnvironment tEnv = SqlPipelines.tableEnv();
        tEnv.executeSql(SqlPipelines.pgwalTable(pg, "accounts", "accounts", "paimon_slot", "paimon_pub"));
        tEnv.executeSql(catalog(warehouse));
        tEnv.executeSql("CREATE TABLE lake.`default`.accounts (id INT, name STRING,"
                + " PRIMARY KEY (id) NOT ENFORCED) WITH ('bucket' = '2')");
        FailOnce.arm(450); // inside the changes below
        TableResult insert = tEnv.executeSql(
                "INSERT INTO lake.`default`.accounts SELECT id, name FROM accounts WHERE fail_once(id)");
        JobClient job = insert.getJobClient().orElseThrow();
        Map<Integer, String> seeded = SqlPipelines.postgresRows(pg, "accounts");
        assertThat(SqlPipelines.await(job, () -> lake(warehouse), seeded, "snapshot rows in Paimon"))
                .isEqualTo(seeded);
        SqlPipelines.writeChanges(pg, "accounts");
        Map<Integer, String> expected = SqlPipelines.postgresRows(pg, "accounts");
        Map<Integer, String> lake = SqlPipelines.await(job, () -> lake(warehouse), expected,
                "rows and changes in Paimon");
        job.cancel().get(1, TimeUnit.MINUTES);

        assertThat(FailOnce.failures()).as("the failover happened").isEqualTo(1);
        assertThat(lake).isEqualTo(expected);
    }

    static String catalog(Path warehouse) {
        return "CREATE CATALOG lake WITH ('type' = 'paimon', 'warehouse' = '" + warehouse.toUri() + "')";
    }

    /** The Paimon table's latest snapshot, read by a batch query: id -> name. */
    private static Map<Integer, String> lake(Path warehouse) {
        TableEnvironment batch = TableEnvironment.create(EnvironmentSettings.inBatchMode());
        batch.executeSql(catalog(warehouse));
        Map<Integer, String> rows = new TreeMap<>();
        try (CloseableIterator<Row> it = batch.executeSql(
                "SELECT id, name FROM lake.`default`.accounts").collect()) {
            it.forEachRemaining(r -> rows.put((Integer) r.getField(0), (String) r.getField(1)));
        } catch (Exception e) {
            throw new IllegalStateException("could not read the Paimon table", e);
        }
        return rows;
    }
}
