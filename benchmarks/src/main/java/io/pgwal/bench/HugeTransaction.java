package io.pgwal.bench;

import io.pgwal.source.PgWalSource;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.sql.Connection;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
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
 * Memory on a huge transaction: ONE transaction of N rows (default 10,000,000) streams through the
 * full job (pgwal source, parallelism 1, checkpointing) in a JVM started with a small heap
 * ({@code benchmarks/memory.sh} passes -Xmx256m). For the first {@code --slow-seconds} after the
 * first record the sink is
 * slow (1 ms pause every 10 records, at most ~10,000 records/s), so backpressure reaches the source;
 * then it runs at full speed. Heap use is sampled every 50 ms; the heap's live size is the old
 * generation after each GC. Fails if any record is missing or extra.
 */
public final class HugeTransaction {

    private static final AtomicLong SEEN = new AtomicLong();
    private static final AtomicLong SLOW_UNTIL_NANOS = new AtomicLong();
    private static volatile long slowNanos;

    private HugeTransaction() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new LinkedHashMap<>(Map.of("rows", "10000000", "slow-seconds", "30"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            opt.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        long rows = Long.parseLong(opt.get("rows"));
        long slowSeconds = Long.parseLong(opt.get("slow-seconds"));
        System.out.printf("max heap (-Xmx): %d MB%n", Runtime.getRuntime().maxMemory() >> 20);
        try (BenchPostgres pg = BenchPostgres.start(); Connection c = pg.connect();
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE big (id bigint PRIMARY KEY, v text)");
            s.execute("CREATE PUBLICATION big_pub FOR TABLE big");
            s.execute("SELECT pg_create_logical_replication_slot('big_slot', 'pgoutput')");
            long t0 = System.nanoTime();
            s.execute("INSERT INTO big SELECT g, md5(g::text) FROM generate_series(1, " + rows + ") g");
            long endLsn = Backlog.currentLsn(c);
            System.out.printf("one transaction of %d rows written in %.1f s, WAL end %s%n", rows,
                    (System.nanoTime() - t0) / 1e9, LogSequenceNumber.valueOf(endLsn).asString());

            PgWalSource source = BenchPostgres.sourceBuilder(pg.port(), "big_slot", "big_pub", "public.big")
                    .stopAtLsn(LogSequenceNumber.valueOf(endLsn))
                    .build();
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, new Configuration());
            env.enableCheckpointing(3_000);
            env.fromSource(source, WatermarkStrategy.noWatermarks(), "pgwal").sinkTo(new SlowThenFastSink());
            HeapSampler sampler = new HeapSampler();
            slowNanos = slowSeconds * 1_000_000_000L; // the slow phase starts with the first record
            long start = System.nanoTime();
            sampler.start();
            env.execute("pgwal huge transaction");
            double secs = (System.nanoTime() - start) / 1e9;
            sampler.stop();
            System.out.printf("streamed %d of %d rows in %.1f s (%.0f rows/s overall, slow sink for the first %d s)%n",
                    SEEN.get(), rows, secs, SEEN.get() / secs, slowSeconds);
            System.out.printf("heap used, peak sampled: %d MB (during the slow phase: %d MB);"
                    + " live heap after GC, max: %d MB; records seen in the slow phase: %d%n",
                    sampler.peakUsed >> 20, sampler.peakUsedSlow >> 20, maxAfterGc() >> 20, sampler.seenSlow);
            if (SEEN.get() != rows) {
                throw new IllegalStateException("saw " + SEEN.get() + " records, expected " + rows);
            }
        }
    }

    /** The largest heap occupancy left after a collection, over all heap pools' collection peaks. */
    private static long maxAfterGc() {
        long max = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && p.getCollectionUsage() != null
                    && p.getName().contains("Old")) {
                max = Math.max(max, p.getCollectionUsage().getUsed());
            }
        }
        return max;
    }

    /** Samples the heap's used size every 50 ms. */
    private static final class HeapSampler {
        private final Thread thread = new Thread(this::loop, "heap-sampler");
        private volatile boolean stopping;
        private volatile long peakUsed;
        private volatile long peakUsedSlow;
        private volatile long seenSlow;

        void start() {
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            stopping = true;
            thread.join();
        }

        private void loop() {
            while (!stopping) {
                long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                peakUsed = Math.max(peakUsed, used);
                if (SEEN.get() > 0 && System.nanoTime() < SLOW_UNTIL_NANOS.get()) {
                    peakUsedSlow = Math.max(peakUsedSlow, used);
                    seenSlow = SEEN.get();
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** Pauses 1 ms every 10 records while the slow phase lasts, then just counts. */
    private static final class SlowThenFastSink implements Sink<GenericRecord> {
        @Override
        public SinkWriter<GenericRecord> createWriter(WriterInitContext context) {
            return new SinkWriter<>() {
                @Override
                public void write(GenericRecord element, Context ctx) throws InterruptedException {
                    long n = SEEN.incrementAndGet();
                    if (n == 1) {
                        SLOW_UNTIL_NANOS.set(System.nanoTime() + slowNanos);
                    }
                    if (n % 10 == 0 && System.nanoTime() < SLOW_UNTIL_NANOS.get()) {
                        Thread.sleep(1);
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
