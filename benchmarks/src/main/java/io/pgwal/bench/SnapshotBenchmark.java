package io.pgwal.bench;

import io.pgwal.source.PgWalSource;
import io.pgwal.source.PgWalSourceOptions;
import io.pgwal.source.StartupMode;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.postgresql.PGConnection;

/**
 * The snapshot benchmark: loads the drain benchmark's {@code orders} table with N rows, then reads
 * it whole, several ways, in the same run:
 *
 * <ul>
 *   <li>{@code copy-binary}: a raw {@code COPY orders TO STDOUT (FORMAT binary)} drained in Java
 *       (pgjdbc's CopyManager into a byte counter): the ceiling, no decoding at all.
 *   <li>{@code copy-text}: the same in text format, which is what pgwal's chunks read.
 *   <li>{@code copy-chunks}: the snapshot's own chunk queries (key ranges of 50,000 rows, text)
 *       drained the same way, without pgwal: the server's part of a snapshot at parallelism 1.
 *       {@code copy-chunks-binary} (not run by default): the same in binary format.
 *   <li>{@code snapshot-pN}: the pgwal source with {@code scan.startup.mode = snapshot} at source
 *       parallelism N on a local Flink, into a counting discard; timed from the first sink task's
 *       start to the N-th row (the planning of chunks included, the cluster's start-up not).
 *   <li>{@code snapshot-reuse-pN}: the same with Flink's object reuse on, so Flink does not
 *       deep-copy each record between the chained source and sink.
 * </ul>
 *
 * <p>Flags: --rows N (default 10,000,000), --repeat N (3), --parallelism 1,2,
 * --chunk-rows N (the source's default), --ways copy-binary,copy-text,copy-chunks,snapshot,snapshot-reuse
 * (and copy-chunks-binary). Prints each run
 * and a table with rows/s, MB/s (of the table's heap size), the ratio to {@code copy-binary} in
 * the same run, and the peak heap.
 */
public final class SnapshotBenchmark {

    private SnapshotBenchmark() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new LinkedHashMap<>(Map.of("rows", "10000000", "repeat", "3",
                "parallelism", "1,2", "ways",
                "copy-binary,copy-text,copy-chunks,snapshot,snapshot-reuse", "chunk-rows", "0",
                "warmup", "1"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            opt.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        List<Integer> parallelism = Arrays.stream(opt.get("parallelism").split(","))
                .map(String::trim).map(Integer::parseInt).toList();
        run(Long.parseLong(opt.get("rows")), Integer.parseInt(opt.get("repeat")), parallelism,
                Arrays.asList(opt.get("ways").split(",")), Integer.parseInt(opt.get("chunk-rows")),
                Integer.parseInt(opt.get("warmup")));
    }

    /**
     * One way's runs: rows seen and seconds per run, peak heap over them, and the CPU time of this
     * whole JVM (every thread: reading, converting, Flink, garbage collection) per row, median.
     */
    record Result(String way, List<Long> rows, double[] seconds, long peakHeapBytes,
            double cpuNanosPerRow) {
        double median() {
            double[] s = seconds.clone();
            Arrays.sort(s);
            return s[s.length / 2];
        }
    }

    /** Runs the benchmark; returns way -> rows seen per run (for the smoke test). */
    public static Map<String, List<Long>> run(long rows, int repeat, List<Integer> parallelism,
            List<String> ways, int chunkRows) throws Exception {
        return run(rows, repeat, parallelism, ways, chunkRows, 0);
    }

    /**
     * Runs the benchmark after {@code warmup} untimed snapshot runs (parallelism 1, object reuse
     * off), so that the first measured way does not also pay for loading and compiling the code
     * every snapshot way shares.
     */
    public static Map<String, List<Long>> run(long rows, int repeat, List<Integer> parallelism,
            List<String> ways, int chunkRows, int warmup) throws Exception {
        Map<String, List<Long>> seen = new LinkedHashMap<>();
        List<Result> results = new ArrayList<>();
        try (BenchPostgres pg = BenchPostgres.start(); Connection c = pg.connect()) {
            Backlog.createSchema(c);
            long t0 = System.nanoTime();
            Backlog.write(c, rows, 1_000_000, "insert");
            try (Statement s = c.createStatement()) {
                s.execute("VACUUM ANALYZE orders");
            }
            long tableBytes = queryLong(c, "SELECT pg_table_size('orders')");
            System.out.printf("table: %d rows, %.1f MB (pg_table_size), loaded in %.1f s%n", rows,
                    tableBytes / 1e6, (System.nanoTime() - t0) / 1e9);
            for (int i = 0; i < warmup; i++) {
                long[] rn = snapshot(pg.port(), rows, 1, chunkRows, false);
                System.out.printf("warm-up %d: %d rows in %.2f s (not counted)%n", i + 1, rn[0],
                        rn[1] / 1e9);
            }
            for (String way : ways) {
                String w = way.trim();
                if (w.equals("snapshot") || w.equals("snapshot-reuse")) {
                    boolean reuse = w.equals("snapshot-reuse");
                    for (int p : parallelism) {
                        results.add(measure(w + "-p" + p, repeat,
                                () -> snapshot(pg.port(), rows, p, chunkRows, reuse)));
                    }
                } else if (w.startsWith("copy-chunks")) {
                    String format = w.equals("copy-chunks-binary") ? " (FORMAT binary)" : "";
                    int chunk = chunkRows > 0 ? chunkRows
                            : PgWalSourceOptions.SCAN_SNAPSHOT_CHUNK_SIZE.defaultValue();
                    results.add(measure(w, repeat, () -> copyChunks(c, rows, chunk, format)));
                } else {
                    String format = w.equals("copy-binary") ? " (FORMAT binary)" : "";
                    results.add(measure(w, repeat, () -> copy(c, format)));
                }
            }
            results.forEach(r -> seen.put(r.way(), r.rows()));
            printSummary(results, tableBytes);
        }
        return seen;
    }

    private interface Run {
        long[] rowsAndNanos() throws Exception;
    }

    private static Result measure(String way, int repeat, Run run) throws Exception {
        List<Long> counts = new ArrayList<>();
        double[] secs = new double[repeat];
        double[] cpu = new double[repeat];
        Measure.resetHeapPeak();
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        for (int r = 0; r < repeat; r++) {
            long cpu0 = os.getProcessCpuTime();
            long[] rn = run.rowsAndNanos();
            cpu[r] = (os.getProcessCpuTime() - cpu0) / (double) Math.max(1, rn[0]);
            counts.add(rn[0]);
            secs[r] = rn[1] / 1e9;
            System.out.printf("%-12s run %d: %d rows in %.2f s (%.0f rows/s), client CPU %.0f ns"
                    + "/row%n", way, r + 1, rn[0], secs[r], rn[0] / secs[r], cpu[r]);
        }
        Arrays.sort(cpu);
        return new Result(way, counts, secs, Measure.peakHeapBytes(), cpu[repeat / 2]);
    }

    /** COPY the whole table to a byte counter; rows are COPY's own row count. */
    private static long[] copy(Connection c, String format) throws Exception {
        long start = System.nanoTime();
        long n = c.unwrap(PGConnection.class).getCopyAPI()
                .copyOut("COPY orders TO STDOUT" + format, OutputStream.nullOutputStream());
        return new long[] {n, System.nanoTime() - start};
    }

    /**
     * The snapshot's own queries without pgwal: key-range {@code COPY (SELECT ...) TO STDOUT} of
     * {@code chunkRows} each (the orders table's keys are 1..rows), one after the other on one connection, drained into a
     * byte counter: what the server can send at parallelism 1 for pgwal's chunk queries (an index
     * range scan each). {@code format} is empty (text, what pgwal reads) or binary.
     */
    private static long[] copyChunks(Connection c, long rows, int chunkRows, String format)
            throws Exception {
        long start = System.nanoTime();
        long n = 0;
        var copy = c.unwrap(PGConnection.class).getCopyAPI();
        for (long low = 0; low < rows; low += chunkRows) {
            n += copy.copyOut("COPY (SELECT id, customer_id, amount, status, note, created_at,"
                    + " payload FROM orders WHERE (id) > (" + low + "::int8) AND (id) <= ("
                    + (low + chunkRows) + "::int8)) TO STDOUT" + format,
                    OutputStream.nullOutputStream());
        }
        return new long[] {n, System.nanoTime() - start};
    }

    private static long[] snapshot(int port, long rows, int parallelism, int chunkRows,
            boolean objectReuse) throws Exception {
        CountingDiscard.reset(rows);
        var builder = BenchPostgres.sourceBuilder(port, "snapshot_slot", Backlog.PUBLICATION,
                "public.orders").startupMode(StartupMode.SNAPSHOT);
        if (chunkRows > 0) {
            builder.snapshotChunkSize(chunkRows, MemorySize.parse("64mb"));
        }
        PgWalSource source = builder.build();
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(parallelism, new Configuration());
        if (objectReuse) {
            env.getConfig().enableObjectReuse();
        }
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "pgwal").sinkTo(new CountingDiscard());
        env.execute("pgwal snapshot benchmark");
        return new long[] {CountingDiscard.seen(), CountingDiscard.nanos()};
    }

    private static void printSummary(List<Result> results, long tableBytes) {
        double ceiling = results.stream().filter(r -> r.way().equals("copy-binary"))
                .mapToDouble(Result::median).findFirst().orElse(Double.NaN);
        System.out.println();
        System.out.println("| way | rows/s (median) | MB/s | x copy-binary | peak heap MB"
                + " | client CPU ns/row |");
        System.out.println("|---|---:|---:|---:|---:|---:|");
        for (Result r : results) {
            double sec = r.median();
            System.out.printf("| %s | %.0f | %.1f | %.2f | %d | %.0f |%n", r.way(),
                    r.rows().get(0) / sec, tableBytes / 1e6 / sec, ceiling / sec,
                    r.peakHeapBytes() / 1_000_000, r.cpuNanosPerRow());
        }
    }

    private static long queryLong(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
