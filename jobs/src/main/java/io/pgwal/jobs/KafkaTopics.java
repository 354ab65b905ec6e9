package io.pgwal.jobs;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Which Kafka topic each captured table's changes go to: {@code <prefix>.<schema>.<table>} by
 * default (characters Kafka does not allow in a topic name become {@code _}), or the topic named
 * for the table in {@code kafka.topic.mapping}. Logical decoding messages go to {@code
 * <prefix>._messages}; the schemas of keys and values go to {@code <prefix>._schemas}.
 */
public final class KafkaTopics implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    private final String prefix;
    private final Map<String, String> mapping;

    private KafkaTopics(String prefix, Map<String, String> mapping) {
        this.prefix = prefix;
        this.mapping = mapping;
    }

    /**
     * @param prefix the topic prefix (option {@code kafka.topic.prefix})
     * @param mapping {@code schema.table=topic} pairs separated by commas, or null or empty for
     *     none (option {@code kafka.topic.mapping})
     * @throws IllegalArgumentException naming the option, for a malformed pair or a topic name
     *     Kafka does not accept
     */
    public static KafkaTopics of(String prefix, String mapping) {
        check(prefix, "kafka.topic.prefix");
        Map<String, String> pairs = new LinkedHashMap<>();
        if (mapping != null && !mapping.isBlank()) {
            for (String pair : mapping.split(",")) {
                String[] p = pair.trim().split("=", -1);
                if (p.length != 2 || p[0].isBlank() || !p[0].contains(".")) {
                    throw new IllegalArgumentException("kafka.topic.mapping: expected schema.table=topic"
                            + " pairs separated by commas, found '" + pair.trim() + "'");
                }
                pairs.put(p[0].trim(), check(p[1].trim(), "kafka.topic.mapping"));
            }
        }
        return new KafkaTopics(prefix, Map.copyOf(pairs));
    }

    /** The topic of table {@code schema.table} (names as PostgreSQL spells them). */
    public String topicOf(String schema, String table) {
        String mapped = mapping.get(schema + "." + table);
        return mapped != null ? mapped : prefix + "." + legal(schema) + "." + legal(table);
    }

    /** The topic of transactional logical decoding messages. */
    public String messagesTopic() {
        return prefix + "._messages";
    }

    /**
     * The compacted topic that holds every key and value schema the job wrote: key = the
     * schema's CRC-64-AVRO fingerprint as 16 hex digits, value = the schema's JSON.
     */
    public String schemasTopic() {
        return prefix + "._schemas";
    }

    private static String legal(String name) {
        return name.replaceAll("[^a-zA-Z0-9._-]", "_");
    }

    private static String check(String topic, String option) {
        if (topic == null || !LEGAL.matcher(topic).matches()) {
            throw new IllegalArgumentException(option + ": '" + topic + "' is not a legal Kafka"
                    + " topic name (1 to 249 of the characters a-z A-Z 0-9 . _ -)");
        }
        return topic;
    }
}
