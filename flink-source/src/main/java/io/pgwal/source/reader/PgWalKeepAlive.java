package io.pgwal.source.reader;

import io.pgwal.replication.ReplicationSession;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a replication session alive while the fetcher thread cannot poll it. Flink's split
 * fetcher blocks when the task has not taken the previous batches yet (backpressure); pgjdbc only
 * answers the server from inside its read calls, so a long enough stall ends the connection after
 * the server's {@code wal_sender_timeout}, and the reader then replays the open transaction.
 *
 * <p>A timer thread checks every {@code period} whether the fetcher has polled since the last
 * check, and if not sends a status update ({@link ReplicationSession#keepAlive()}), which reports
 * only the acknowledged position: nothing is confirmed that a checkpoint does not cover. The
 * period is a quarter of {@code wal_sender_timeout} (at most the status interval, at least 100
 * ms), so a stalled fetcher still answers well within the timeout.
 */
final class PgWalKeepAlive implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PgWalKeepAlive.class);

    private final ScheduledExecutorService timer;
    private final AtomicLong polls = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private volatile ReplicationSession session;
    /** Timer thread only (initialised before the first check is scheduled). */
    private long pollsAtLastCheck;
    /** Fetcher thread only. */
    private boolean scheduled;

    PgWalKeepAlive() {
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pgwal-keepalive");
            t.setDaemon(true);
            return t;
        });
    }

    /** The period for a server with this {@code wal_sender_timeout} (0: none). */
    static Duration period(long walSenderTimeoutMillis, Duration statusInterval) {
        long millis = statusInterval.toMillis();
        if (walSenderTimeoutMillis > 0) {
            millis = Math.min(millis, walSenderTimeoutMillis / 4);
        }
        return Duration.ofMillis(Math.max(100, millis));
    }

    /** Starts watching {@code s} (the fetcher just opened it), checking every {@code period}. */
    void watch(ReplicationSession s, Duration period) {
        session = s;
        if (!scheduled) {
            scheduled = true;
            long ms = period.toMillis();
            timer.scheduleWithFixedDelay(this::check, ms, ms, TimeUnit.MILLISECONDS);
        }
    }

    /** Stops watching (the fetcher closes the session). */
    void unwatch() {
        session = null;
    }

    /** The fetcher polled the session. Cheap: one atomic increment. */
    void polled() {
        polls.incrementAndGet();
    }

    /** Status updates sent because the fetcher did not poll in time. */
    long sent() {
        return sent.get();
    }

    private void check() {
        long now = polls.get();
        ReplicationSession s = session;
        if (s != null && now == pollsAtLastCheck) {
            try {
                s.keepAlive();
                sent.incrementAndGet();
            } catch (SQLException | RuntimeException e) {
                // The fetcher sees a broken connection itself on its next read.
                LOG.debug("Keepalive status update failed", e);
            }
        }
        pollsAtLastCheck = now;
    }

    @Override
    public void close() {
        session = null;
        timer.shutdownNow();
    }
}
