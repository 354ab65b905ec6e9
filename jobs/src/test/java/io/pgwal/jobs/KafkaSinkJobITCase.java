package io.pgwal.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.source.StartupMode;
import io.pgwal.testing.Envelopes;
import io.pgwal.testing.TestPostgres;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Kafka pipeline end to end on a real broker: a table's rows (initial snapshot) and its
 * changes, through a job failover, reach Kafka exactly once: a {@code read_committed} consumer
 * finds every row and change once, each partition in commit order, the keys and both schema
 * versions resolvable from the schemas topic, and replaying the topic per key gives PostgreSQL's
 * table.
 */
class KafkaSinkJobITCase {

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
    void rowsAndChangesReachKafkaOnceThroughAFailover() throws Exception {
        pg.execute("CREATE TABLE items (id int PRIMARY KEY, name text)",
                "INSERT INTO items SELECT i, 'row ' || i FROM generate_series(1, 300) i",
                "CREATE PUBLICATION kafka_pub FOR TABLE items");
        KafkaSinkJob.Settings settings = KafkaSinkJob.Settings.take(new HashMap<>(Map.of(
                "kafka.bootstrap.servers", kafka.bootstrapServers(),
                "kafka.transactional-id-prefix", "kafka-it")));
        String topic = settings.topics().topicOf("public", "items");
        kafka.createTopics(3, topic);
        KafkaSinkJob.createSchemasTopic(settings);

        FailureInjector.reset();
        FailureInjector.failAtRecord(300 + 150); // inside the changes below
        JobClient job = startJob(settings);
        awaitCommitted(settings, topic, 300);
        int changes = 0;
        for (int round = 0; round < 3; round++) {
            int base = 1000 * (round + 1);
            changes += update("INSERT INTO items SELECT i, 'new' FROM generate_series(" + base + ", "
                    + (base + 99) + ") i");
            changes += update("UPDATE items SET name = 'u" + round + "' WHERE id % 7 = " + round);
            changes += update("DELETE FROM items WHERE id % 11 = " + round);
        }
        pg.execute("ALTER TABLE items ADD COLUMN price numeric(8,2)");
        changes += update("UPDATE items SET price = id / 4.0 WHERE id % 5 = 0");
        int expectedRecords = 300 + changes;
        List<List<Row>> partitions = awaitCommitted(settings, topic, expectedRecords);
        job.cancel().get(1, TimeUnit.MINUTES);

        assertThat(FailureInjector.injected()).as("the failover happened").isEqualTo(1);
        List<Row> all = partitions.stream().flatMap(List::stream).toList();
        assertThat(all).hasSize(expectedRecords);
        assertThat(all.stream().filter(r -> r.op().equals("READ")).map(Row::id))
                .hasSize(300).doesNotHaveDuplicates();
        assertThat(all.stream().filter(r -> !r.op().equals("READ")).map(Row::position))
                .as("every change once").doesNotHaveDuplicates();
        for (List<Row> partition : partitions) {
            List<Row> streamed = partition.stream().filter(r -> !r.op().equals("READ")).toList();
            for (int i = 1; i < streamed.size(); i++) {
                assertThat(Long.compareUnsigned(streamed.get(i - 1).commitLsn(), streamed.get(i).commitLsn()) < 0
                        || streamed.get(i - 1).commitLsn() == streamed.get(i).commitLsn()
                                && streamed.get(i - 1).txIndex() < streamed.get(i).txIndex())
                        .as("commit order in a partition at " + streamed.get(i)).isTrue();
            }
        }
        assertThat(all).as("both schema versions").anyMatch(r -> !r.price().equals("null"));
        assertThat(replay(partitions)).isEqualTo(table());
    }

    /** Runs one statement in its own transaction; returns the rows it changed. */
    private static int update(String sql) throws java.sql.SQLException {
        try (java.sql.Connection c = pg.connect(); java.sql.Statement st = c.createStatement()) {
            return st.executeUpdate(sql);
        }
    }

    private static JobClient startJob(KafkaSinkJob.Settings settings) throws Exception {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 10);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.enableCheckpointing(300);
        KafkaSinkJob.build(env, pg.sourceBuilder("kafka_slot", "kafka_pub")
                        .startupMode(StartupMode.INITIAL).build(), settings,
                new FailureInjector());
        return env.executeAsync("pgwal to kafka");
    }

    /** Waits (at most 2 minutes) until {@code expected} records are committed, then a little more. */
    private static List<List<Row>> awaitCommitted(KafkaSinkJob.Settings settings, String topic,
            int expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        List<List<Row>> partitions;
        int committed;
        while ((committed = (partitions = read(settings, topic)).stream().mapToInt(List::size).sum())
                < expected) {
            assertThat(System.nanoTime()).as(committed + " of " + expected + " records committed, "
                    + FailureInjector.seen() + " seen").isLessThan(deadline);
            Thread.sleep(500);
        }
        Thread.sleep(1_000); // more checkpoints: late duplicates would show now
        return read(settings, topic);
    }

    private static List<List<Row>> read(KafkaSinkJob.Settings settings, String topic) {
        return CommittedKafkaRecords.read(kafka, settings.topics(), List.of(topic), Row::of);
    }

    /** The table as replaying the topic's records per partition gives it: id -> "name|price". */
    private static Map<Integer, String> replay(List<List<Row>> partitions) {
        Map<Integer, String> state = new TreeMap<>();
        for (List<Row> partition : partitions) {
            for (Row r : partition) {
                if (r.op().equals("DELETE")) {
                    state.remove(r.id());
                } else {
                    state.put(r.id(), r.name() + "|" + r.price());
                }
            }
        }
        return state;
    }

    private static Map<Integer, String> table() {
        Map<Integer, String> state = new TreeMap<>();
        String rows = pg.queryString("SELECT string_agg(id || ',' || name || '|' || coalesce(price::text, 'null'),"
                + " ';') FROM items");
        for (String row : rows.split(";")) {
            String[] f = row.split(",", 2);
            state.put(Integer.parseInt(f[0]), f[1]);
        }
        return state;
    }

    /** A committed record: op, key, name and price (null before the column existed), position. */
    record Row(String op, int id, String name, String price, long commitLsn, int txIndex) {
        static Row of(GenericRecord r) {
            String image = r.get("after") != null ? "after" : "before";
            GenericRecord row = (GenericRecord) r.get(image);
            Object price = row.getSchema().getField("price") == null ? null
                    : Envelopes.value(r, image, "price");
            Object name = row.getSchema().getField("name") == null ? null : Envelopes.value(r, image, "name");
            return new Row(Envelopes.op(r), (Integer) Envelopes.value(r, image, "id"),
                    name == null ? null : name.toString(), price == null ? "null" : price.toString(),
                    Envelopes.commitLsn(r), Envelopes.txIndex(r));
        }

        String position() {
            return Long.toUnsignedString(commitLsn) + "#" + txIndex;
        }
    }
}
