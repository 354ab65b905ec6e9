package io.pgwal.testing;

import java.time.Duration;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * A fault test's job: the source's row ids, slowed down so a fault lands inside a large
 * transaction, into a {@link CollectingSink}, with Flink restarts disabled (the source itself must
 * cope).
 */
public final class ThrottledIdJob {

    private ThrottledIdJob() {}

    /** Starts the job; {@link CollectingSink#output(String)} of {@code sink} shows its output. */
    public static JobClient start(io.pgwal.source.PgWalSource source, String sink) throws Exception {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "pgwal")
                .map(new Ids())
                .sinkTo(CollectingSink.named(sink));
        return env.executeAsync("pgwal " + sink);
    }

    /** Waits until {@code sink} has at least {@code records} values (at most a minute). */
    public static List<String> awaitOutput(String sink, int records) throws InterruptedException {
        List<String> out = CollectingSink.output(sink);
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (out.size() < records) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting for " + records + " values in " + sink);
            }
            Thread.sleep(10);
        }
        return out;
    }

    /** The row id, with a 1 ms pause every 10 records. */
    private static final class Ids implements MapFunction<GenericRecord, String> {
        private long n;

        @Override
        public String map(GenericRecord r) throws Exception {
            if (++n % 10 == 0) {
                Thread.sleep(1);
            }
            return String.valueOf(Envelopes.value(r, "after", "id"));
        }
    }
}
