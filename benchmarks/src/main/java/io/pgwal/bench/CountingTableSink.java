package io.pgwal.bench;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.connector.sink.SinkV2Provider;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.factories.DynamicTableSinkFactory;
import org.apache.flink.types.RowKind;

/**
 * The SQL ways' sink, {@code 'connector' = 'bench-count'}: like Flink's {@code blackhole} it
 * accepts any changelog and discards it, but it counts. It counts the changes a changelog carries
 * (every row but {@code -U}, which only accompanies its {@code +U}) and, for a {@code (key STRING,
 * n BIGINT)} aggregate, keeps the latest {@code n} per key and their total. It notes when its task
 * started and when the count (or total) last reached the expected figure. Static figures: the
 * local cluster runs in the benchmark's JVM, one measured job at a time.
 */
public final class CountingTableSink implements DynamicTableSinkFactory {

    private static final AtomicLong TASK_START_NANOS = new AtomicLong();
    private static final AtomicLong REACHED_NANOS = new AtomicLong();
    private static final AtomicLong CHANGES = new AtomicLong();
    private static final Map<String, Long> LATEST = new HashMap<>();
    private static long total;
    private static volatile long expected;
    private static volatile boolean aggregate;

    /**
     * Starts a measurement: {@code aggregate} false counts changes up to {@code expectedFigure};
     * true follows the total of an aggregate's {@code n} column up to it.
     */
    static synchronized void reset(long expectedFigure, boolean aggregateRows) {
        TASK_START_NANOS.set(0);
        REACHED_NANOS.set(0);
        CHANGES.set(0);
        LATEST.clear();
        total = 0;
        expected = expectedFigure;
        aggregate = aggregateRows;
    }

    static long changes() {
        return CHANGES.get();
    }

    /** The aggregate's latest {@code n} per key. */
    static synchronized Map<String, Long> latest() {
        return new HashMap<>(LATEST);
    }

    /** Nanoseconds from the sink task's start to the last time the figure reached its target. */
    static long nanos() {
        return REACHED_NANOS.get() - TASK_START_NANOS.get();
    }

    @Override
    public String factoryIdentifier() {
        return "bench-count";
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        return Set.of();
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        return Set.of();
    }

    @Override
    public DynamicTableSink createDynamicTableSink(Context context) {
        return new Table();
    }

    private static final class Table implements DynamicTableSink {
        @Override
        public ChangelogMode getChangelogMode(ChangelogMode requestedMode) {
            return requestedMode;
        }

        @Override
        public SinkRuntimeProvider getSinkRuntimeProvider(Context context) {
            return SinkV2Provider.of(new Counting());
        }

        @Override
        public DynamicTableSink copy() {
            return new Table();
        }

        @Override
        public String asSummaryString() {
            return "bench-count";
        }
    }

    private static final class Counting implements Sink<RowData> {
        @Override
        public SinkWriter<RowData> createWriter(WriterInitContext context) {
            TASK_START_NANOS.compareAndSet(0, System.nanoTime());
            return new SinkWriter<>() {
                @Override
                public void write(RowData row, Context ctx) {
                    if (aggregate) {
                        follow(row);
                    } else if (row.getRowKind() != RowKind.UPDATE_BEFORE
                            && CHANGES.incrementAndGet() == expected) {
                        REACHED_NANOS.set(System.nanoTime());
                    }
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }

        private static void follow(RowData row) {
            synchronized (CountingTableSink.class) {
                String key = row.isNullAt(0) ? null : row.getString(0).toString();
                Long before = LATEST.remove(key);
                total -= before == null ? 0 : before;
                if (row.getRowKind() == RowKind.INSERT || row.getRowKind() == RowKind.UPDATE_AFTER) {
                    LATEST.put(key, row.getLong(1));
                    total += row.getLong(1);
                }
                if (total == expected) {
                    REACHED_NANOS.set(System.nanoTime());
                }
            }
        }
    }
}
