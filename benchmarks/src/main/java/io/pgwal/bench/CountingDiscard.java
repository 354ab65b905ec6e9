package io.pgwal.bench;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * The benchmarks' sink: counts records and discards them, noting when the first sink task started
 * and when the expected N-th record arrived. The figures are static because the local cluster runs
 * in the benchmark's JVM; one measured job at a time.
 */
final class CountingDiscard implements Sink<GenericRecord> {

    private static final AtomicLong SEEN = new AtomicLong();
    private static final AtomicLong TASK_START_NANOS = new AtomicLong();
    private static final AtomicLong LAST_NANOS = new AtomicLong();
    private static volatile long expected;

    /** Starts a measurement of a job that should deliver {@code records}. */
    static void reset(long records) {
        SEEN.set(0);
        TASK_START_NANOS.set(0);
        LAST_NANOS.set(0);
        expected = records;
    }

    /** Records seen since {@link #reset}. */
    static long seen() {
        return SEEN.get();
    }

    /** Nanoseconds from the first sink task's start to the expected N-th record. */
    static long nanos() {
        return LAST_NANOS.get() - TASK_START_NANOS.get();
    }

    @Override
    public SinkWriter<GenericRecord> createWriter(WriterInitContext context) {
        TASK_START_NANOS.compareAndSet(0, System.nanoTime());
        return new SinkWriter<>() {
            @Override
            public void write(GenericRecord element, Context ctx) {
                if (SEEN.incrementAndGet() == expected) {
                    LAST_NANOS.set(System.nanoTime());
                }
            }

            @Override
            public void flush(boolean endOfInput) {}

            @Override
            public void close() {}
        };
    }
}
