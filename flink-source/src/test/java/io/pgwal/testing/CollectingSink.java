package io.pgwal.testing;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * A sink that appends every value to a list shared within the JVM, for MiniCluster tests that need
 * to watch output while a job runs (MiniCluster tasks run in the test's JVM).
 */
public final class CollectingSink implements Sink<String> {

    private static final Map<String, List<String>> OUTPUTS = new ConcurrentHashMap<>();

    private final String name;

    private CollectingSink(String name) {
        this.name = name;
    }

    /** A sink writing to a fresh, empty list called {@code name}. */
    public static CollectingSink named(String name) {
        OUTPUTS.put(name, new CopyOnWriteArrayList<>());
        return new CollectingSink(name);
    }

    /** What the sink called {@code name} has received so far (a live view). */
    public static List<String> output(String name) {
        return OUTPUTS.get(name);
    }

    /** Waits until the sink called {@code name} holds at least {@code size} values. */
    public static void awaitSize(String name, int size, java.time.Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (OUTPUTS.get(name).size() < size) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting for " + size + " values in " + name
                        + ", have " + OUTPUTS.get(name).size());
            }
            Thread.sleep(20);
        }
    }

    @Override
    public SinkWriter<String> createWriter(WriterInitContext context) {
        List<String> out = OUTPUTS.get(name);
        return new SinkWriter<>() {
            @Override
            public void write(String element, Context ctx) {
                out.add(element);
            }

            @Override
            public void flush(boolean endOfInput) {}

            @Override
            public void close() {}
        };
    }
}
