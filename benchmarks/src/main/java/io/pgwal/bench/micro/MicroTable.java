package io.pgwal.bench.micro;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Prints the micro-benchmark table from JMH's JSON result and the capture statistics the forks
 * recorded (see {@link CaptureStats}): messages/s as JMH measured it (score ± 99.9% error) and
 * MB/s = messages/s × mean message size of that benchmark's messages.
 *
 * <p>Usage: {@code MicroTable jmh.json capture-stats.properties}
 */
public final class MicroTable {

    private MicroTable() {}

    public static void main(String[] args) throws Exception {
        JsonNode results = new ObjectMapper().readTree(Path.of(args[0]).toFile());
        Properties stats = CaptureStats.load(Path.of(args[1]));
        System.out.printf("%-40s %28s %9s %11s%n", "benchmark (1 thread)", "messages/s",
                "MB/s", "bytes/msg");
        for (JsonNode r : results) {
            String name = r.get("benchmark").asText();
            JsonNode metric = r.get("primaryMetric");
            if (!"ops/s".equals(metric.get("scoreUnit").asText())) {
                throw new IllegalArgumentException(name + ": expected ops/s (throughput mode), got "
                        + metric.get("scoreUnit").asText());
            }
            double score = metric.get("score").asDouble();
            double error = metric.get("scoreError").asDouble();
            String messages = stats.getProperty(name + ".messages");
            String bytes = stats.getProperty(name + ".bytes");
            String shortName = name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1);
            String rate = Double.isNaN(error) ? String.format("%.0f", score)
                    : String.format("%.0f ± %.0f", score, error);
            if (messages == null || bytes == null) {
                System.out.printf("%-40s %28s %9s %11s%n", shortName, rate, "?", "?");
                continue;
            }
            double meanSize = Double.parseDouble(bytes) / Double.parseDouble(messages);
            System.out.printf("%-40s %28s %9.1f %11.1f%n", shortName, rate,
                    score * meanSize / 1e6, meanSize);
        }
    }
}
