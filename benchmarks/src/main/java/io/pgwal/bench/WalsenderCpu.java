package io.pgwal.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Samples the CPU time (user + system) of the walsender serving a slot while a drain runs, from
 * {@code /proc/<pid>/stat}: how much server work a client's way of reading costs. The walsender
 * exits with its connection, so the last sample taken while it ran is the figure (sampled every
 * 20 ms: at most 20 ms of CPU are missed).
 */
final class WalsenderCpu implements AutoCloseable {

    private static final double TICKS_PER_SECOND = 100.0; // USER_HZ on Linux

    private final Thread thread;
    private volatile boolean stopping;
    private volatile long lastTicks = -1;

    /** Starts sampling the walsender of {@code slot}, on its own JDBC connection. */
    WalsenderCpu(BenchPostgres pg, String slot) {
        thread = new Thread(() -> sample(pg, slot), "walsender-cpu-" + slot);
        thread.setDaemon(true);
        thread.start();
    }

    private void sample(BenchPostgres pg, String slot) {
        try (Connection c = pg.connect();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT active_pid FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            long pid = 0;
            while (!stopping) {
                if (pid == 0) {
                    try (ResultSet rs = ps.executeQuery()) {
                        pid = rs.next() ? rs.getLong(1) : 0;
                    }
                }
                if (pid != 0) {
                    long ticks = ticks(pid);
                    if (ticks >= 0) {
                        lastTicks = ticks;
                    }
                }
                Thread.sleep(20);
            }
        } catch (SQLException | InterruptedException e) {
            lastTicks = -1;
        }
    }

    private static long ticks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** CPU seconds of the walsender at the last sample, or NaN if it was never seen. */
    double seconds() {
        return lastTicks < 0 ? Double.NaN : lastTicks / TICKS_PER_SECOND;
    }

    @Override
    public void close() throws InterruptedException {
        stopping = true;
        thread.join();
    }
}
