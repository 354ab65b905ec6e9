package io.pgwal.jobs;

import io.pgwal.testing.TcpProxy;
import io.pgwal.testing.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Random;

/** The faults of {@link ExactlyOnceChaosITCase}, each injected at a seeded moment. */
enum ChaosFault {

    /** The job fails from an exception at a seeded record (inside or between transactions). */
    JOB_FAILOVER_AT_RECORD("job failover: exception at a record", true, false) {
        @Override
        void inject(Context c) {
            FailureInjector.failAtRecord(FailureInjector.seen() + 1 + c.random().nextInt(5_000));
        }
    },
    /** The job fails from an exception while taking a checkpoint. */
    JOB_FAILOVER_IN_CHECKPOINT("job failover: exception during a checkpoint", true, false) {
        @Override
        void inject(Context c) {
            FailureInjector.failNextCheckpoint();
        }
    },
    /** The walsender serving the slot is terminated (pg_terminate_backend). */
    WALSENDER_TERMINATED("walsender terminated", false, true) {
        @Override
        void inject(Context c) throws Exception {
            long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
            try (Connection conn = c.pg().connect(); PreparedStatement ps = conn.prepareStatement(
                    "SELECT coalesce(pg_terminate_backend(active_pid), false)"
                            + " FROM pg_replication_slots WHERE slot_name = ?")) {
                ps.setString(1, c.slot());
                while (!terminated(ps)) {
                    if (System.nanoTime() - deadline > 0) {
                        throw new AssertionError("the slot never had an active walsender to terminate");
                    }
                    Thread.sleep(20);
                }
            }
        }

        private boolean terminated(PreparedStatement ps) throws SQLException {
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    },
    /** Every connection through the proxy is reset (TCP RST to both ends). */
    NETWORK_RESET("network: connections reset", false, true) {
        @Override
        void inject(Context c) {
            c.proxy().resetAll();
        }
    },
    /** The network holds all traffic for 0.5 to 3 s, then the held connections are reset. */
    NETWORK_PARTITION("network: partition 0.5-3 s, then reset", false, true) {
        @Override
        void inject(Context c) throws InterruptedException {
            c.proxy().stall(true);
            try {
                Thread.sleep(500 + c.random().nextInt(2_500));
                c.proxy().resetAll();
            } finally {
                c.proxy().stall(false);
            }
        }
    },
    /** PostgreSQL crashes (immediate shutdown) and restarts with crash recovery. */
    POSTGRES_CRASH("PostgreSQL crash + restart", false, true) {
        @Override
        void inject(Context c) {
            c.pg().crashAndRestart();
        }
    },
    /** PostgreSQL stops cleanly (fast shutdown) and starts again on the same data directory. */
    POSTGRES_RESTART("PostgreSQL clean stop + start", false, true) {
        @Override
        void inject(Context c) {
            c.pg().restart();
        }
    };

    private final String label;
    private final boolean failsTheJob;
    private final boolean hitsTheConnection;

    ChaosFault(String label, boolean failsTheJob, boolean hitsTheConnection) {
        this.label = label;
        this.failsTheJob = failsTheJob;
        this.hitsTheConnection = hitsTheConnection;
    }

    /** Whether this fault breaks the replication connection (the reader reconnects by itself). */
    boolean hitsTheConnection() {
        return hitsTheConnection;
    }

    String label() {
        return label;
    }

    /** Whether this fault is a job failure thrown by {@link FailureInjector}. */
    boolean failsTheJob() {
        return failsTheJob;
    }

    abstract void inject(Context c) throws Exception;

    /** What a fault acts on. */
    record Context(TestPostgres pg, TcpProxy proxy, Random random, String slot) {}
}
