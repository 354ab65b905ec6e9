package io.pgwal.bench;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The end-to-end drain benchmark: writes one backlog and drains it several ways, each from its
 * own slot created before the backlog, so every run reads the identical WAL. Flags: --rows N,
 * --tx-size N, --mode insert|mixed, --repeat N, --ways raw,recvlogical,decode,avro.
 */
public final class BenchmarkMain {

    private BenchmarkMain() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new LinkedHashMap<>(Map.of("rows", "1000000",
                "tx-size", "1000", "mode", "insert", "repeat", "3", "ways", "raw,recvlogical,decode,avro"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            opt.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        run(Long.parseLong(opt.get("rows")), Integer.parseInt(opt.get("tx-size")),
                opt.get("mode"), Integer.parseInt(opt.get("repeat")),
                Arrays.asList(opt.get("ways").split(",")));
    }

    /** Runs the benchmark; returns way -> changes seen in each run (for the smoke test). */
    public static Map<String, List<Long>> run(long rows, int txSize, String mode, int repeat,
            List<String> ways) throws Exception {
        Map<String, List<Long>> seen = new LinkedHashMap<>();
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
            for (String w : ways) {
                if (w.trim().equals("recvlogical")) {
                    recvLogical(pg.port(), endLsn, written, walBytes, repeat);
                    continue;
                }
                Drain.Work work = Drain.Work.valueOf(w.trim().toUpperCase());
                List<Long> counts = new ArrayList<>();
                double[] secs = new double[repeat];
                long peakHeap = 0;
                for (int r = 0; r < repeat; r++) {
                    Measure.resetHeapPeak();
                    long s = System.nanoTime();
                    long n = Drain.run(work, pg.port(), slot(w, r), written, c, 600_000);
                    secs[r] = (System.nanoTime() - s) / 1e9;
                    peakHeap = Math.max(peakHeap, Measure.peakHeapBytes());
                    if (n != written) {
                        throw new IllegalStateException(w + " saw " + n + " of " + written);
                    }
                    counts.add(n);
                }
                seen.put(w, counts);
                Arrays.sort(secs);
                double med = secs[repeat / 2];
                System.out.printf("%-8s rows/s median %.0f (min %.0f, max %.0f), WAL MB/s %.1f,"
                        + " peak heap %d MB, process VmHWM so far %d MB%n", w, written / med,
                        written / secs[repeat - 1], written / secs[0], walBytes / 1e6 / med,
                        peakHeap >> 20, Measure.peakRssBytes("self") >> 20);
            }
        }
        return seen;
    }

    /** The pg_recvlogical baseline; its change count is not seen (output discarded). */
    private static void recvLogical(int port, long endLsn, long written, long walBytes,
            int repeat) throws Exception {
        String exe = RecvLogical.find();
        if (exe == null) {
            System.out.println("recvlogical skipped: pg_recvlogical not on the PATH");
            return;
        }
        double[] secs = new double[repeat];
        long peakRss = 0;
        for (int r = 0; r < repeat; r++) {
            long s = System.nanoTime();
            peakRss = Math.max(peakRss, RecvLogical.run(exe, port, slot("recvlogical", r), endLsn));
            secs[r] = (System.nanoTime() - s) / 1e9;
        }
        Arrays.sort(secs);
        double med = secs[repeat / 2];
        System.out.printf("%-8s rows/s median %.0f (min %.0f, max %.0f), WAL MB/s %.1f,"
                + " pg_recvlogical VmHWM %d MB (reached end LSN; changes not counted)%n",
                "recvlog", written / med, written / secs[repeat - 1], written / secs[0],
                walBytes / 1e6 / med, peakRss >> 20);
    }

    private static String slot(String way, int run) {
        return "bench_" + way.trim().toLowerCase() + "_" + run;
    }
}
