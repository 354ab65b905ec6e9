package io.pgwal.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The SQL route to Kafka: {@code INSERT INTO} an {@code upsert-kafka} table (exactly-once, JSON)
 * from a pgwal table, through a failover. A {@code read_committed} consumer finds one record per
 * row and change (a tombstone per delete), and the topic replayed per key equals the table.
 */
class UpsertKafkaSqlITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension();

    @RegisterExtension
    static final TestPostgres pg = TestPostgres.perClass();
    private static KafkaTestBroker kafka;

    @BeforeAll
    static void start() {
        kafka = KafkaTestBroker.start();
    }

    @AfterAll
    static void stop() throws Exception {
        kafka.close();
    }

    @Test
    void pgwalTableIntoUpsertKafkaEqualsPostgres() throws Exception {
        SqlPipelines.createTable(pg, "accounts", "upsert_pub");
        kafka.createTopics(3, "accounts_upsert");
        StreamTableEnvironment tEnv = SqlPipelines.tableEnv();
        tEnv.executeSql(SqlPipelines.pgwalTable(pg, "accounts", "accounts", "upsert_slot", "upsert_pub"));
        tEnv.executeSql("CREATE TABLE accounts_kafka (id INT, name STRING, PRIMARY KEY (id) NOT ENFORCED)"
                + " WITH ('connector' = 'upsert-kafka', 'topic' = 'accounts_upsert',"
                + " 'properties.bootstrap.servers' = '" + kafka.bootstrapServers() + "',"
                + " 'key.format' = 'json', 'value.format' = 'json',"
                + " 'sink.delivery-guarantee' = 'exactly-once',"
                + " 'sink.transactional-id-prefix' = 'upsert-it',"
                // The connector's default (1 hour) is above the broker's transaction.max.timeout.ms.
                + " 'properties.transaction.timeout.ms' = '900000')");
        FailOnce.arm(450); // inside the changes below
        TableResult insert = tEnv.executeSql(
                "INSERT INTO accounts_kafka SELECT id, name FROM accounts WHERE fail_once(id)");
        JobClient job = insert.getJobClient().orElseThrow();
        SqlPipelines.await(job, () -> records().size(), 300, "snapshot rows in Kafka");
        int changes = SqlPipelines.writeChanges(pg, "accounts");
        Map<Integer, String> expected = SqlPipelines.postgresRows(pg, "accounts");
        SqlPipelines.await(job, () -> records().size(), 300 + changes, "rows and changes in Kafka");
        Thread.sleep(1_000); // more checkpoints: late duplicates would show now
        List<String[]> records = records();
        job.cancel().get(1, TimeUnit.MINUTES);

        assertThat(FailOnce.failures()).as("the failover happened").isEqualTo(1);
        assertThat(records).as("one record per row and change").hasSize(300 + changes);
        assertThat(replay(records)).isEqualTo(expected);
    }

    /** The committed records as [key JSON, value JSON or null], partition by partition. */
    private static List<String[]> records() {
        List<String[]> out = new ArrayList<>();
        kafka.readCommitted(List.of("accounts_upsert"), (tp, r) -> out.add(new String[] {
            new String(r.key(), StandardCharsets.UTF_8),
            r.value() == null ? null : new String(r.value(), StandardCharsets.UTF_8)}));
        return out;
    }

    /** Replays upserts and tombstones per key: id -> name. */
    private static Map<Integer, String> replay(List<String[]> records) {
        Map<Integer, String> state = new TreeMap<>();
        for (String[] r : records) {
            int id = Integer.parseInt(r[0].replaceAll("[^0-9]", ""));
            if (r[1] == null) {
                state.remove(id);
            } else {
                state.put(id, r[1].replaceAll(".*\"name\":\"([^\"]*)\".*", "$1"));
            }
        }
        return state;
    }
}
