package io.pgwal.bench;

import io.pgwal.jobs.KafkaSinkJob;
import io.pgwal.jobs.KafkaTestBroker;
import io.pgwal.source.PgWalSource;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.postgresql.replication.LogSequenceNumber;

/**
 * The {@code kafka} way: the exactly-once Kafka pipeline ({@link KafkaSinkJob}: pgwal source
 * bounded at the backlog's end LSN, Avro single-object encoding, transactional KafkaSink) into a
 * Kafka broker in this JVM (Kafka's KRaft test cluster; its start is not timed), parallelism 1,
 * checkpointing, on a local in-process Flink. Timed from the moment the job's tasks start until the
 * job has finished, that is until the last Kafka transaction is committed (which waits for the
 * final checkpoint: up to one checkpoint interval). Then a {@code read_committed} consumer counts
 * the committed records (not timed).
 */
final class KafkaDrain {

    private static final AtomicLong TASK_START_NANOS = new AtomicLong();

    private KafkaDrain() {}

    static FlinkDrain.Result run(int port, String slot, long expectedChanges, long endLsn,
            Duration checkpointInterval) throws Exception {
        try (KafkaTestBroker kafka = KafkaTestBroker.start()) {
            KafkaSinkJob.Settings settings = KafkaSinkJob.Settings.take(new HashMap<>(Map.of(
                    "kafka.bootstrap.servers", kafka.bootstrapServers(),
                    "kafka.transactional-id-prefix", "bench-" + slot)));
            String topic = settings.topics().topicOf("public", "orders");
            kafka.createTopics(1, topic);
            KafkaSinkJob.createSchemasTopic(settings);
            PgWalSource source = BenchPostgres.sourceBuilder(port, slot, Backlog.PUBLICATION, "public.orders")
                    .stopAtLsn(LogSequenceNumber.valueOf(endLsn))
                    .build();
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, new Configuration());
            env.enableCheckpointing(checkpointInterval.toMillis());
            TASK_START_NANOS.set(0);
            KafkaSinkJob.build(env, source, settings, new TaskStart());
            long wallStart = System.nanoTime();
            env.execute("pgwal benchmark to Kafka");
            long end = System.nanoTime();
            AtomicLong committed = new AtomicLong();
            kafka.readCommitted(List.of(topic), (tp, r) -> committed.incrementAndGet());
            return new FlinkDrain.Result(committed.get(), (end - TASK_START_NANOS.get()) / 1e9,
                    (end - wallStart) / 1e9);
        }
    }

    /** Passes records on; notes when the first task opened (the job's tasks are deployed). */
    private static final class TaskStart extends RichMapFunction<GenericRecord, GenericRecord> {
        @Override
        public void open(OpenContext context) {
            TASK_START_NANOS.compareAndSet(0, System.nanoTime());
        }

        @Override
        public GenericRecord map(GenericRecord r) {
            return r;
        }
    }
}
