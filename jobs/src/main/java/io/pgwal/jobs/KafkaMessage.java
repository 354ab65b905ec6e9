package io.pgwal.jobs;

import java.util.Arrays;
import java.util.Objects;

/**
 * One record for Kafka, already serialized: the topic, the key (null for none) and the value.
 * A Flink POJO (public fields, no-argument constructor), so it crosses operators without Kryo.
 */
public class KafkaMessage {

    /** The topic the record goes to. */
    public String topic;
    /** The record key's bytes, or null. */
    public byte[] key;
    /** The record value's bytes. */
    public byte[] value;

    public KafkaMessage() {}

    public KafkaMessage(String topic, byte[] key, byte[] value) {
        this.topic = topic;
        this.key = key;
        this.value = value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KafkaMessage m && Objects.equals(topic, m.topic)
                && Arrays.equals(key, m.key) && Arrays.equals(value, m.value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(topic, Arrays.hashCode(key), Arrays.hashCode(value));
    }

    @Override
    public String toString() {
        return "KafkaMessage{topic=" + topic + ", key " + (key == null ? "null" : key.length + " bytes")
                + ", value " + value.length + " bytes}";
    }
}
