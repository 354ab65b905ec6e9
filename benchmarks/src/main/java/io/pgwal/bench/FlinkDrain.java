package io.pgwal.bench;

import io.pgwal.source.PgWalSource;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
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

    /** Sink-side figures, static because the local cluster runs in this JVM. */
    private static final AtomicLong SEEN = new AtomicLong();
    private static final AtomicLong TASK_START_NANOS = new AtomicLong();
    private static final AtomicLong LAST_CHANGE_NANOS = new AtomicLong();
    private static volatile long expected;

    /** One drain's figures. */
    record Result(long changes, double seconds, double wallSecondsWithClusterStart) {}

    private FlinkDrain() {}

    /**
     * @param objectReuse Flink's object reuse: off (the default) makes Flink deep-copy every record
     *     between chained operators (TypeSerializer.copy), on passes the instance along
     */
    static Result run(int port, String slot, long expectedChanges, long endLsn,
            Duration checkpointInterval, boolean objectReuse) throws Exception {
        SEEN.set(0);
        TASK_START_NANOS.set(0);
        LAST_CHANGE_NANOS.set(0);
        expected = expectedChanges;
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
        double seconds = (LAST_CHANGE_NANOS.get() - TASK_START_NANOS.get()) / 1e9;
        return new Result(SEEN.get(), seconds, wall);
    }

    /** Counts records, notes when the sink started and when the expected N-th record came. */
    private static final class CountingDiscard implements Sink<GenericRecord> {
        @Override
        public SinkWriter<GenericRecord> createWriter(WriterInitContext context) {
            TASK_START_NANOS.compareAndSet(0, System.nanoTime());
            return new SinkWriter<>() {
                @Override
                public void write(GenericRecord element, Context ctx) {
                    if (SEEN.incrementAndGet() == expected) {
                        LAST_CHANGE_NANOS.set(System.nanoTime());
                    }
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }
    }
}
