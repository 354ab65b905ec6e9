package io.pgwal.bench;

import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The end-to-end drain benchmark: writes one backlog and drains it several ways, each from its
 * own slot created before the backlog, so every run reads the identical WAL. Flags: --rows N,
 * --tx-size N, --mode insert|mixed, --repeat N, --ways
 * raw,recvlogical,decode,avro,flink,flink-reuse,kafka,sql,sql-agg,sql-rocksdb,sql-agg-rocksdb,
 * --checkpoint-interval 3s. Prints each run, then a summary with ratios to the raw drain and to
 * pg_recvlogical measured in the same run.
 */
public final class BenchmarkMain {

    private BenchmarkMain() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new LinkedHashMap<>(Map.of("rows", "1000000",
                "tx-size", "1000", "mode", "insert", "repeat", "3",
                "ways", "raw,recvlogical,decode,avro,flink,flink-reuse", "checkpoint-interval", "3s"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            opt.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        run(Long.parseLong(opt.get("rows")), Integer.parseInt(opt.get("tx-size")),
                opt.get("mode"), Integer.parseInt(opt.get("repeat")),
                Arrays.asList(opt.get("ways").split(",")),
                Duration.parse("PT" + opt.get("checkpoint-interval").toUpperCase(java.util.Locale.ROOT)));
    }

    /** One way's runs. */
    record WayResult(String way, List<Long> changes, double[] seconds, double[] walsenderCpu,
            double[] clientCpu, long peakHeapBytes, String note) {
        double median() {
            double[] s = seconds.clone();
            Arrays.sort(s);
            return s[s.length / 2];
        }

        double medianCpu() {
            return medianOf(walsenderCpu);
        }

        double medianClientCpu() {
            return medianOf(clientCpu);
        }

        private static double medianOf(double[] values) {
            double[] s = values.clone();
            Arrays.sort(s);
            return s[s.length / 2];
        }
    }

    /** Runs the benchmark; returns way -> changes seen in each run (for the smoke test). */
    public static Map<String, List<Long>> run(long rows, int txSize, String mode, int repeat,
            List<String> ways, Duration checkpointInterval) throws Exception {
        Map<String, List<Long>> seen = new LinkedHashMap<>();
        List<WayResult> results = new ArrayList<>();
        try (BenchPostgres pg = BenchPostgres.start(); Connection c = pg.connect()) {
            Backlog.createSchema(c);
            List<String> slots = new ArrayList<>();
            for (String w : ways) {
                for (int r = 0; r < repeat; r++) {
                    slots.add(slot(w, r));
                }
            }
            Backlog.createSlots(c, slots);
            long startLsn = Backlog.currentLsn(c);
            long t0 = System.nanoTime();
            long written = Backlog.write(c, rows, txSize, mode);
            double writeSec = (System.nanoTime() - t0) / 1e9;
            long endLsn = Backlog.currentLsn(c);
            long walBytes = endLsn - startLsn;
            System.out.printf("backlog: %d changes (%s, tx %d), %.1f MB WAL, written in %.1f s%n",
                    written, mode, txSize, walBytes / 1e6, writeSec);
            for (String way : ways) {
                String w = way.trim();
                WayResult result = runWay(pg, c, w, repeat, written, endLsn, checkpointInterval);
                if (result == null) {
                    continue;
                }
                results.add(result);
                seen.put(w, result.changes());
            }
            printSummary(results, written, walBytes);
        }
        return seen;
    }

    private static WayResult runWay(BenchPostgres pg, Connection c, String w, int repeat,
            long written, long endLsn, Duration checkpointInterval) throws Exception {
        String exe = null;
        if (w.equals("recvlogical")) {
            exe = RecvLogical.find();
            if (exe == null) {
                System.out.println("recvlogical skipped: pg_recvlogical not on the PATH");
                return null;
            }
        }
        List<Long> counts = new ArrayList<>();
        double[] secs = new double[repeat];
        double[] cpu = new double[repeat];
        double[] clientCpu = new double[repeat];
        long peak = 0;
        String note = "";
        for (int r = 0; r < repeat; r++) {
            Measure.resetHeapPeak();
            String slot = slot(w, r);
            long n;
            long cpuBefore = processCpuNanos();
            try (WalsenderCpu walsender = new WalsenderCpu(pg, slot)) {
                long s = System.nanoTime();
                switch (w) {
                    case "recvlogical" -> {
                        // It cannot count changes; --endpos and its exit code prove it got there.
                        peak = Math.max(peak, RecvLogical.run(exe, pg.port(), slot, endLsn));
                        n = written;
                        note = "peak RSS of pg_recvlogical";
                    }
                    case "flink", "flink-reuse" -> {
                        FlinkDrain.Result f = FlinkDrain.run(pg.port(), slot, written, endLsn,
                                checkpointInterval, w.equals("flink-reuse"));
                        n = f.changes();
                        note = String.format("local cluster start-up excluded (wall incl. start-up %.1f s)",
                                f.wallSecondsWithClusterStart());
                        s = System.nanoTime() - (long) (f.seconds() * 1e9);
                    }
                    case "sql", "sql-agg", "sql-rocksdb", "sql-agg-rocksdb" -> {
                        FlinkDrain.Result f = SqlDrain.run(pg.port(), slot, written, endLsn,
                                checkpointInterval, w.startsWith("sql-agg"),
                                w.endsWith("-rocksdb") ? "rocksdb" : "hashmap", c);
                        n = f.changes();
                        note = String.format("local cluster start-up excluded (wall incl. start-up %.1f s)",
                                f.wallSecondsWithClusterStart());
                        s = System.nanoTime() - (long) (f.seconds() * 1e9);
                    }
                    case "kafka" -> {
                        FlinkDrain.Result f = KafkaDrain.run(pg.port(), slot, written, endLsn,
                                checkpointInterval);
                        n = f.changes();
                        note = String.format("timed until the last transaction committed; broker"
                                + " start excluded (wall incl. local cluster start-up %.1f s)",
                                f.wallSecondsWithClusterStart());
                        s = System.nanoTime() - (long) (f.seconds() * 1e9);
                    }
                    default -> n = Drain.run(Drain.Work.valueOf(w.toUpperCase(java.util.Locale.ROOT)),
                            pg.port(), slot, written, c, 600_000);
                }
                secs[r] = (System.nanoTime() - s) / 1e9;
                cpu[r] = walsender.seconds();
            }
            clientCpu[r] = w.equals("recvlogical") ? Double.NaN : (processCpuNanos() - cpuBefore) / 1e9;
            if (!w.equals("recvlogical")) {
                peak = Math.max(peak, Measure.peakHeapBytes());
            }
            System.out.printf("  %-11s run %d: %6.2f s, %8.0f rows/s, walsender CPU %.2f s, client JVM CPU %.2f s %s%n",
                    w, r + 1, secs[r], written / secs[r], cpu[r], clientCpu[r], note);
            if (n != written) {
                throw new IllegalStateException(w + " saw " + n + " of " + written + " changes");
            }
            counts.add(n);
        }
        return new WayResult(w, counts, secs, cpu, clientCpu, peak, note);
    }

    private static void printSummary(List<WayResult> results, long written, long walBytes) {
        double raw = results.stream().filter(r -> r.way().equals("raw")).mapToDouble(WayResult::median)
                .findFirst().orElse(Double.NaN);
        double recv = results.stream().filter(r -> r.way().equals("recvlogical"))
                .mapToDouble(WayResult::median).findFirst().orElse(Double.NaN);
        double flink = results.stream().filter(r -> r.way().equals("flink"))
                .mapToDouble(WayResult::median).findFirst().orElse(Double.NaN);
        System.out.println();
        System.out.println("| way | rows/s (median) | min - max | WAL MB/s | x raw | x pg_recvlogical"
                + " | x flink | walsender CPU s | client JVM CPU s | peak memory MB |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (WayResult r : results) {
            double[] s = r.seconds().clone();
            Arrays.sort(s);
            System.out.printf("| %s | %.0f | %.0f - %.0f | %.1f | %.2f | %.2f | %.2f | %.2f | %s | %d |%n",
                    r.way(), written / r.median(), written / s[s.length - 1], written / s[0],
                    walBytes / 1e6 / r.median(), raw / r.median(), recv / r.median(), flink / r.median(),
                    r.medianCpu(), Double.isNaN(r.medianClientCpu()) ? "n/a"
                            : String.format("%.2f", r.medianClientCpu()), r.peakHeapBytes() >> 20);
        }
        System.out.println("(medians over the runs; x = time of the raw drain, of pg_recvlogical or of the"
                + " discarding Flink job / time of the way; CPU = user + system seconds during the drain, the client's being the whole"
                + " benchmark JVM incl. GC and JIT; peak memory: heap pools' peak for Java ways, VmHWM for"
                + " pg_recvlogical)");
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static String slot(String way, int run) {
        return "bench_" + way.trim().toLowerCase().replace('-', '_') + "_" + run;
    }
}
