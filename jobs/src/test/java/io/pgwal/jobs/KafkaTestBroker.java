package io.pgwal.jobs;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A real Kafka broker in this JVM: Kafka's own KRaft test cluster ({@link KafkaClusterTestKit}),
 * one node that is broker and controller, on a free port, its logs in a temporary directory that
 * {@link #close()} deletes. Internal topics have one replica, so transactions work on one node.
 */
public final class KafkaTestBroker implements AutoCloseable {

    private final KafkaClusterTestKit cluster;

    private KafkaTestBroker(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    /** Starts the broker and waits until it serves. */
    public static KafkaTestBroker start() {
        try {
            KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                            .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("offsets.topic.num.partitions", "4")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("transaction.state.log.num.partitions", "4")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .setConfigProp("auto.create.topics.enable", "true")
                    .setConfigProp("num.partitions", "1")
                    .build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            return new KafkaTestBroker(cluster);
        } catch (Exception e) {
            throw new IllegalStateException("could not start the Kafka test broker", e);
        }
    }

    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    /** Creates {@code topics} with {@code partitions} partitions each. */
    public void createTopics(int partitions, String... topics) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers()))) {
            List<NewTopic> list = new ArrayList<>();
            for (String t : topics) {
                list.add(new NewTopic(t, partitions, (short) 1));
            }
            admin.createTopics(list).all().get();
        } catch (Exception e) {
            throw new IllegalStateException("could not create topics " + List.of(topics), e);
        }
    }

    /**
     * Reads every committed record of {@code topics} from the beginning up to their end offsets of
     * now ({@code read_committed}: the last stable offsets), partition by partition, in offset
     * order, and hands each to {@code each}.
     */
    public void readCommitted(Collection<String> topics,
            BiConsumer<TopicPartition, ConsumerRecord<byte[], byte[]>> each) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                consumer.partitionsFor(topic, Duration.ofSeconds(30))
                        .forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topics + " to " + end);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(r ->
                        each.accept(new TopicPartition(r.topic(), r.partition()), r));
            }
        }
    }

    /**
     * The committed end of {@code topic}: the sum over its partitions of the last stable offset
     * (what a {@code read_committed} consumer can read up to; transaction markers count too).
     */
    public long committedEndOffset(String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30))
                    .stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            return consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** Stops the broker and deletes its directory. */
    @Override
    public void close() {
        try {
            cluster.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping the Kafka test broker", e);
        } catch (Exception e) {
            throw new IllegalStateException("could not stop the Kafka test broker", e);
        }
    }
}
