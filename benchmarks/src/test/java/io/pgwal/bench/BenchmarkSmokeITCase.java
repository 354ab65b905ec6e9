package io.pgwal.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Checks the harness itself on a tiny backlog: every way must see exactly the changes written.
 * The throughput it prints is meaningless at this size; this test asserts counts, not speed.
 */
class BenchmarkSmokeITCase {

    @Test
    void everyWaySeesExactlyTheBacklogInsertMode() throws Exception {
        Map<String, List<Long>> seen = BenchmarkMain.run(2000, 1000, "insert", 1,
                List.of("raw", "decode", "avro", "flink", "flink-reuse", "kafka", "sql", "sql-agg",
                        "sql-rocksdb"), java.time.Duration.ofSeconds(1));
        assertThat(seen).containsOnlyKeys("raw", "decode", "avro", "flink", "flink-reuse", "kafka",
                "sql", "sql-agg", "sql-rocksdb");
        seen.values().forEach(counts -> assertThat(counts).containsExactly(2000L));
    }

    @Test
    void everyWaySeesExactlyTheBacklogMixedMode() throws Exception {
        Map<String, List<Long>> seen = BenchmarkMain.run(2001, 1000, "mixed", 1,
                List.of("raw", "decode", "avro", "flink", "sql", "sql-agg-rocksdb"),
                java.time.Duration.ofSeconds(1));
        assertThat(seen).containsOnlyKeys("raw", "decode", "avro", "flink", "sql", "sql-agg-rocksdb");
        seen.values().forEach(counts -> assertThat(counts).containsExactly(2001L));
    }

    @Test
    void everySnapshotWayReadsEveryRow() throws Exception {
        Map<String, List<Long>> seen = SnapshotBenchmark.run(5000, 1, List.of(1, 2),
                List.of("copy-binary", "copy-text", "copy-chunks", "snapshot"), 700);
        assertThat(seen).containsOnlyKeys("copy-binary", "copy-text", "copy-chunks", "snapshot-p1",
                "snapshot-p2");
        seen.values().forEach(counts -> assertThat(counts).containsExactly(5000L));
    }
}
