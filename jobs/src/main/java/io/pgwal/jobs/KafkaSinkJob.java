package io.pgwal.jobs;

import io.pgwal.source.PgWalSource;
import io.pgwal.source.PgWalSourceBuilder;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.postgresql.replication.LogSequenceNumber;

/**
 * The exactly-once Kafka pipeline: a pgwal source streams the captured tables into Kafka through
 * Flink's transactional {@link KafkaSink} ({@link DeliveryGuarantee#EXACTLY_ONCE}): the records of
 * a checkpoint are committed in a Kafka transaction when that checkpoint completes, when the slot
 * is confirmed too, so a {@code read_committed} consumer sees every change once, in commit order
 * per key. One topic per table ({@link KafkaTopics}), keys and values in Avro single-object
 * encoding ({@link ChangeToKafka}), schemas in a compacted schemas topic ({@link KafkaSchemas}
 * reads them back).
 *
 * <p>Arguments: {@code --kafka.bootstrap.servers HOST:PORT} (required), optionally {@code
 * --kafka.topic.prefix pgwal}, {@code --kafka.topic.mapping schema.table=topic,...}, {@code
 * --kafka.transactional-id-prefix} (default {@code pgwal-<slot.name>}; unique per job), {@code
 * --kafka.transaction.timeout 15min} (at most the broker's {@code transaction.max.timeout.ms}),
 * {@code --checkpoint-interval 10s}, {@code --stop-at-lsn X/Y} (a bounded run), plus pgwal source options as {@code --key value} or {@code
 * --config file.properties}.
 */
public final class KafkaSinkJob {

    private KafkaSinkJob() {}

    /** The Kafka side of the job: where to write and how. */
    public record Settings(String bootstrapServers, KafkaTopics topics, String transactionalIdPrefix,
            Duration transactionTimeout) {

        /**
         * Takes the {@code kafka.*} options out of {@code options} (what remains is for the source).
         *
         * @throws IllegalArgumentException naming the option that is missing or malformed
         */
        public static Settings take(Map<String, String> options) {
            String servers = options.remove("kafka.bootstrap.servers");
            if (servers == null || servers.isBlank()) {
                throw new IllegalArgumentException("--kafka.bootstrap.servers HOST:PORT is required");
            }
            KafkaTopics topics = KafkaTopics.of(options.getOrDefault("kafka.topic.prefix", "pgwal"),
                    options.get("kafka.topic.mapping"));
            options.remove("kafka.topic.prefix");
            options.remove("kafka.topic.mapping");
            String prefix = options.remove("kafka.transactional-id-prefix");
            if (prefix == null) {
                prefix = "pgwal-" + options.getOrDefault("slot.name", "job");
            }
            Duration timeout = duration(options.remove("kafka.transaction.timeout"), "15min",
                    "kafka.transaction.timeout");
            options.keySet().stream().filter(k -> k.startsWith("kafka.")).findFirst().ifPresent(k -> {
                throw new IllegalArgumentException("Unknown option --" + k + "; the Kafka options are"
                        + " kafka.bootstrap.servers, kafka.topic.prefix, kafka.topic.mapping,"
                        + " kafka.transactional-id-prefix and kafka.transaction.timeout");
            });
            return new Settings(servers, topics, prefix, timeout);
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>(DemoArguments.parse(args).options());
        Settings kafka = Settings.take(options);
        Duration interval = duration(options.remove("checkpoint-interval"), "10s", "checkpoint-interval");
        String stop = options.remove("stop-at-lsn");
        PgWalSourceBuilder source = PgWalSource.builder().options(Configuration.fromMap(options));
        if (stop != null) {
            source.stopAtLsn(LogSequenceNumber.valueOf(stop));
        }
        createSchemasTopic(kafka);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.enableCheckpointing(interval.toMillis());
        build(env, source.build(), kafka, r -> r);
        env.execute("pgwal to Kafka");
    }

    /**
     * Adds the pipeline to {@code env}, with a step between source and conversion (tests inject
     * failures there). Source, step, conversion and sink run at parallelism 1: the stream is one
     * split, and one producer keeps the commit order of every key.
     */
    public static void build(StreamExecutionEnvironment env, PgWalSource source, Settings kafka,
            MapFunction<GenericRecord, GenericRecord> between) {
        Properties producer = new Properties();
        producer.setProperty(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                Long.toString(kafka.transactionTimeout().toMillis()));
        KafkaSink<KafkaMessage> sink = KafkaSink.<KafkaMessage>builder()
                .setBootstrapServers(kafka.bootstrapServers())
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(kafka.transactionalIdPrefix())
                .setKafkaProducerConfig(producer)
                .setRecordSerializer(new KafkaMessageSerializer())
                .build();
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "pgwal").uid("pgwal-source")
                .setParallelism(1)
                .map(between).returns(source.getProducedType()).uid("between").setParallelism(1)
                .flatMap(new ChangeToKafka(kafka.topics())).uid("to-kafka").setParallelism(1)
                .sinkTo(sink).uid("kafka").setParallelism(1);
    }

    /**
     * Creates the schemas topic (one partition, {@code cleanup.policy=compact}) unless it exists.
     * Table topics are not created here: create them with the partitions you want, or let the
     * broker create them ({@code auto.create.topics.enable}).
     */
    public static void createSchemasTopic(Settings kafka) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            admin.createTopics(java.util.List.of(new NewTopic(kafka.topics().schemasTopic(), 1, (short) -1)
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))))
                    .all().get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
    }

    private static Duration duration(String value, String fallback, String option) {
        String v = (value == null ? fallback : value).trim().toLowerCase(Locale.ROOT);
        try {
            return org.apache.flink.util.TimeUtils.parseDuration(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": '" + v + "' is not a duration (e.g. 10s, 15min)");
        }
    }
}
