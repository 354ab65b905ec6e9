package io.pgwal.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.avro.Envelope;
import io.pgwal.testing.CollectingSink;
import io.pgwal.testing.TestPostgres;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The reader's operational metrics, read from a running MiniCluster through a metric reporter:
 * Flink's standard lag and backlog metrics and pgwal's slot and connection metrics hold the values
 * the server and the stream say.
 */
class PgWalMetricsITCase {

    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setConfiguration(METRICS.addToConfiguration(new Configuration()))
                    .build());

    private static TestPostgres pg;

    @BeforeAll
    static void startPostgres() {
        pg = TestPostgres.start(0, Map.of("max_slot_wal_keep_size", "64MB"));
        pg.execute("CREATE TABLE m (id int PRIMARY KEY)", "CREATE PUBLICATION m_pub FOR TABLE m",
                "SELECT pg_create_logical_replication_slot('m_slot', 'pgoutput')");
    }

    @AfterAll
    static void stopPostgres() {
        pg.close();
    }

    @Test
    void lagBacklogSlotAndConnectionMetrics() throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.enableCheckpointing(300);
        env.fromSource(pg.sourceBuilder("m_slot", "m_pub").statusInterval(Duration.ofMillis(300))
                                .build(), WatermarkStrategy.noWatermarks(), "pgwal")
                .map((GenericRecord r) -> String.valueOf(Envelope.after(r).get("id")))
                .returns(Types.STRING)
                .sinkTo(CollectingSink.named("metrics"));
        JobClient job = env.executeAsync("pgwal metrics");
        try {
            pg.execute("INSERT INTO m SELECT generate_series(1, 100)");
            CollectingSink.awaitSize("metrics", 100, Duration.ofSeconds(60));
            String insertEnd = pg.queryString("SELECT pg_current_wal_insert_lsn()::text");
            Map<String, Object> values = awaitMetrics(m ->
                    number(m, "acknowledgedLsn") >= lsn(insertEnd)
                            && number(m, "slotRetainedWalBytes") >= 0
                            && number(m, "pendingBytes") >= 0);

            assertThat(number(values, "currentFetchEventTimeLag")).isBetween(0L, 60_000L);
            assertThat(number(values, "currentEmitEventTimeLag")).isBetween(0L, 60_000L);
            assertThat(number(values, "pendingBytes")).isBetween(0L, 16L << 20);
            assertThat(number(values, "slotRetainedWalBytes")).isPositive();
            assertThat(number(values, "slotConfirmedLagBytes")).isBetween(0L, 16L << 20);
            assertThat(values.get("slotWalStatus")).isIn("reserved", "extended");
            assertThat(number(values, "slotSafeWalSize")).isPositive();
            assertThat(number(values, "reconnects")).isZero();
            assertThat(number(values, "keepAlivesWhileBlocked")).isNotNegative();
            assertThat(number(values, "millisSinceReceive")).isBetween(0L, 60_000L);
            assertThat(number(values, "receivedLsn")).isGreaterThanOrEqualTo(lsn(insertEnd) - 64);
        } finally {
            job.cancel().get(30, TimeUnit.SECONDS);
        }
    }

    /** Polls the reporter until {@code ready} holds for the latest values (or 60 s pass). */
    private static Map<String, Object> awaitMetrics(
            java.util.function.Predicate<Map<String, Object>> ready) throws InterruptedException {
        Map<String, Object> values = Map.of();
        for (int i = 0; i < 600; i++) {
            values = snapshot();
            if (values.keySet().containsAll(java.util.List.of("acknowledgedLsn",
                    "slotRetainedWalBytes", "pendingBytes")) && ready.test(values)) {
                return values;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("metrics never got ready: " + values);
    }

    private static Map<String, Object> snapshot() {
        Map<String, Object> values = new HashMap<>();
        for (var entry : METRICS.getMetricsByGroup().entrySet()) {
            // The enumerator's snapshot group has metrics of the same names.
            String prefix = java.util.List.of(entry.getKey().getScopeComponents())
                    .contains("snapshot") ? "snapshot." : "";
            entry.getValue().forEach((metricName, metric) -> {
                String name = prefix + metricName;
                if (metric instanceof Gauge<?> g) {
                    Object v = g.getValue();
                    if (v != null) {
                        values.put(name, v);
                    }
                } else if (metric instanceof Counter c) {
                    values.put(name, c.getCount());
                }
            });
        }
        return values;
    }

    private static long number(Map<String, Object> values, String name) {
        Object v = values.get(name);
        assertThat(v).as("metric %s", name).isInstanceOf(Number.class);
        return ((Number) v).longValue();
    }

    private static long lsn(String text) {
        return org.postgresql.replication.LogSequenceNumber.valueOf(text).asLong();
    }
}
