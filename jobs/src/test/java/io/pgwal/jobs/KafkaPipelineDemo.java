package io.pgwal.jobs;

import io.pgwal.source.PgWalSource;
import io.pgwal.testing.TestPostgres;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * PostgreSQL → Kafka, exactly once, in one process ({@code ./demo-kafka}): starts an embedded
 * PostgreSQL with the demo schema, a Kafka broker (Kafka's KRaft test cluster) and a local Flink
 * running {@link KafkaSinkJob}, writes the demo's transactions, and prints what a {@code
 * read_committed} consumer finds in the topics: topic, partition and offset, the key and the
 * decoded change envelope, one line each. Then stops everything.
 */
public final class KafkaPipelineDemo {

    private KafkaPipelineDemo() {}

    public static void main(String[] args) {
        try {
            run();
            System.exit(0);
        } catch (Throwable t) {
            t.printStackTrace();
            System.exit(1); // also ends the local Flink's threads
        }
    }

    private static void run() throws Exception {
        System.out.println("demo-kafka: starting an embedded PostgreSQL and a Kafka broker ...");
        try (TestPostgres pg = TestPostgres.start(); KafkaTestBroker kafka = KafkaTestBroker.start()) {
            pg.executeScript("demo-schema.sql");
            KafkaSinkJob.Settings settings = KafkaSinkJob.Settings.take(new HashMap<>(Map.of(
                    "kafka.bootstrap.servers", kafka.bootstrapServers(),
                    "kafka.transactional-id-prefix", "pgwal-demo")));
            KafkaSinkJob.createSchemasTopic(settings);
            KafkaTopics topics = settings.topics();
            List<String> names = List.of(topics.topicOf("demo", "customers"),
                    topics.topicOf("demo", "orders"), topics.messagesTopic());
            kafka.createTopics(2, names.toArray(String[]::new));
            System.out.println("demo-kafka: broker at " + kafka.bootstrapServers() + "; topics " + names);

            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(1);
            env.enableCheckpointing(1_000);
            PgWalSource source = PgWalSource.builder()
                    .hostname(pg.host()).port(pg.port()).database(pg.database())
                    .username(pg.user()).password(pg.password())
                    .slotName("pgwal_demo").publicationName("pgwal_demo")
                    .tables("demo.customers", "demo.orders")
                    .build(); // scan.startup.mode = initial: the 5 rows first, then the changes
            KafkaSinkJob.build(env, source, settings, r -> r);
            JobClient job = env.executeAsync("pgwal demo to Kafka");
            await(kafka, topics, names, 5, job);
            int changes;
            try (Connection c = pg.connect()) {
                changes = new DemoWorkload(c).runScripted();
            }
            System.out.println("demo-kafka: snapshot committed to Kafka; wrote " + changes
                    + " row changes and one message; each arrives when a checkpoint commits it");
            List<String> lines = await(kafka, topics, names, 5 + changes + 1, job);
            job.cancel().get();
            lines.forEach(System.out::println);
            System.out.println("demo-kafka: " + lines.size() + " records committed in Kafka, each"
                    + " once (read_committed); done");
        }
    }

    /** Waits (at most 2 minutes) until {@code count} records are committed; returns them as lines. */
    private static List<String> await(KafkaTestBroker kafka, KafkaTopics topics, List<String> names,
            int count, JobClient job) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        List<String> lines;
        while ((lines = read(kafka, topics, names)).size() < count) {
            if (System.nanoTime() > deadline || job.getJobStatus().get().isGloballyTerminalState()) {
                throw new IllegalStateException("demo-kafka: expected " + count + " records in Kafka,"
                        + " found " + lines.size() + " (job " + job.getJobStatus().get() + ")");
            }
            Thread.sleep(300);
        }
        return lines;
    }

    private static List<String> read(KafkaTestBroker kafka, KafkaTopics topics, List<String> names) {
        ChangeFormatter json = new ChangeFormatter();
        List<String> lines = new ArrayList<>();
        try (KafkaSchemas schemas = new KafkaSchemas(kafka.bootstrapServers(), topics.schemasTopic())) {
            kafka.readCommitted(names, (tp, r) -> {
                GenericRecord key = r.key() == null ? null : schemas.decode(r.key());
                lines.add(tp + "@" + r.offset() + " key=" + (key == null ? "null" : json.map(key))
                        + " " + json.map(schemas.decode(r.value())));
            });
        }
        return lines;
    }
}
