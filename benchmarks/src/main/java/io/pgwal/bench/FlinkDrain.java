package io.pgwal.bench;

import io.pgwal.source.PgWalSource;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.postgresql.replication.LogSequenceNumber;

/**
 * The full job: pgwal source (bounded at the backlog's end LSN) into a sink that discards, with
 * parallelism 1 and checkpointing, on a local in-process Flink. Timed from the moment the sink's
 * task starts (the job's tasks are deployed; the local cluster's own start-up is excluded and
 * reported apart) until the N-th change arrives.
 */
final class FlinkDrain {

    /** One drain's figures. */
    record Result(long changes, double seconds, double wallSecondsWithClusterStart) {}

    private FlinkDrain() {}

    /**
     * @param objectReuse Flink's object reuse: off (the default) makes Flink deep-copy every record
     *     between chained operators (TypeSerializer.copy), on passes the instance along
     */
    static Result run(int port, String slot, long expectedChanges, long endLsn,
            Duration checkpointInterval, boolean objectReuse) throws Exception {
        CountingDiscard.reset(expectedChanges);
        PgWalSource source = BenchPostgres.sourceBuilder(port, slot, Backlog.PUBLICATION, "public.orders")
                .stopAtLsn(LogSequenceNumber.valueOf(endLsn))
                .build();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, new Configuration());
        env.enableCheckpointing(checkpointInterval.toMillis());
        if (objectReuse) {
            env.getConfig().enableObjectReuse();
        }
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "pgwal").sinkTo(new CountingDiscard());
        long wallStart = System.nanoTime();
        env.execute("pgwal benchmark");
        double wall = (System.nanoTime() - wallStart) / 1e9;
        return new Result(CountingDiscard.seen(), CountingDiscard.nanos() / 1e9, wall);
    }
}
