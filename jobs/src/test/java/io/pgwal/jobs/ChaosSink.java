package io.pgwal.jobs;

import io.pgwal.jobs.ExactlyOnceChaosITCase.Change;
import io.pgwal.source.PgWalSource;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Where the chaos test's job writes, and how the test reads back what was committed there: as
 * ordered runs of changes (a part file, or a Kafka partition) whose order must be commit order.
 */
interface ChaosSink {

    /** Adds the job writing into this sink, with {@code injector} between source and sink. */
    void build(StreamExecutionEnvironment env, PgWalSource source, FailureInjector injector);

    /** What is committed now, run by run (each in the order a reader sees it). */
    List<List<Change>> committed() throws Exception;

    /** What a run is called in the report ("part file", "partition"). */
    String runName();

    /** The Avro file job: committed part files under {@code out}. */
    static ChaosSink files(Path out) {
        return new ChaosSink() {
            @Override
            public void build(StreamExecutionEnvironment env, PgWalSource source, FailureInjector injector) {
                AvroFileSinkJob.build(env, source, out.toUri().toString(), injector);
            }

            @Override
            public List<List<Change>> committed() throws Exception {
                return CommittedAvroFiles.read(out, Change::of);
            }

            @Override
            public String runName() {
                return "part file";
            }
        };
    }

    /**
     * The Kafka job into {@code broker}: the table's topic with {@code partitions} partitions,
     * read by a {@code read_committed} consumer.
     */
    static ChaosSink kafka(KafkaTestBroker broker, int partitions) throws Exception {
        Map<String, String> options = new HashMap<>(Map.of(
                "kafka.bootstrap.servers", broker.bootstrapServers(),
                "kafka.transactional-id-prefix", "pgwal-chaos"));
        KafkaSinkJob.Settings settings = KafkaSinkJob.Settings.take(options);
        String topic = settings.topics().topicOf("public", "events");
        broker.createTopics(partitions, topic);
        KafkaSinkJob.createSchemasTopic(settings);
        return new ChaosSink() {
            @Override
            public void build(StreamExecutionEnvironment env, PgWalSource source, FailureInjector injector) {
                KafkaSinkJob.build(env, source, settings, injector);
            }

            @Override
            public List<List<Change>> committed() {
                return CommittedKafkaRecords.read(broker, settings.topics(), List.of(topic), Change::of);
            }

            @Override
            public String runName() {
                return "partition";
            }
        };
    }
}
