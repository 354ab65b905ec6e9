package io.pgwal.bench;

import java.io.File;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@code pg_recvlogical} baseline: drains a slot to /dev/null up to the backlog's end LSN.
 * It cannot count changes (its output is discarded), so completion is checked by its exit code
 * with {@code --endpos}. Skipped when {@code pg_recvlogical} is not on the PATH.
 */
final class RecvLogical {

    private RecvLogical() {}

    /** The executable on the PATH, or null. */
    static String find() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            File f = new File(dir, "pg_recvlogical");
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        return null;
    }

    /** Runs it to endLsn; returns its peak RSS (VmHWM, bytes, sampled while it runs). */
    static long run(String exe, int port, String slot, long endLsn) throws Exception {
        String lsn = Long.toHexString(endLsn >>> 32).toUpperCase() + "/"
                + Long.toHexString(endLsn & 0xFFFFFFFFL).toUpperCase();
        List<String> cmd = new java.util.ArrayList<>(List.of(exe,
                "-d", "host=localhost port=" + port + " user=postgres dbname=postgres",
                "--slot", slot, "--start", "--endpos", lsn, "--no-loop",
                "-o", "proto_version=1", "-o", "publication_names=" + Backlog.PUBLICATION,
                "-f", "/dev/null"));
        for (String o : System.getProperty("bench.recvlogicalOptions", "").split(",")) {
            if (!o.isBlank()) {
                cmd.addAll(List.of("-o", o));
            }
        }
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        long peak = -1;
        try {
            // VmHWM is gone once the process exits: sample it while it runs.
            while (!p.waitFor(20, TimeUnit.MILLISECONDS)) {
                peak = Math.max(peak, Measure.peakRssBytes(Long.toString(p.pid())));
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("pg_recvlogical exited " + p.exitValue());
            }
        } finally {
            p.destroyForcibly();
        }
        return peak;
    }
}
