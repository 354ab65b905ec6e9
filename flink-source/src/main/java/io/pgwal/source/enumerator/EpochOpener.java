package io.pgwal.source.enumerator;

import io.pgwal.PgWalException;
import io.pgwal.replication.PgWalConnectionConfig;
import io.pgwal.replication.ReplicationSetup;
import io.pgwal.snapshot.EpochHolder;
import io.pgwal.snapshot.SnapshotPlanner;
import java.sql.SQLException;
import java.util.function.BiConsumer;
import javax.annotation.Nullable;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the snapshot's epochs for the enumerator, off its thread ({@link
 * SplitEnumeratorContext#callAsync}): for the first one it checks the tables, makes sure the slot
 * exists (so that it streams from at or before the epoch's LSN) and plans the chunks inside the
 * epoch. Transient failures (connection lost or refused, server shutting down, out of connections)
 * are retried with backoff, 10 times; a definite one ({@link PgWalException}: a refused table, bad
 * settings) ends the job without restarts, as a restart would fail the same way. Coordinator
 * thread only.
 */
final class EpochOpener {

    private static final Logger LOG = LoggerFactory.getLogger(EpochOpener.class);
    private static final int MAX_ATTEMPTS = 10;

    private final SplitEnumeratorContext<?> context;
    private final PgWalConnectionConfig config;
    private final boolean prepareSlot;
    private final int chunkRows;
    private final long chunkBytes;
    private long lastEpochId;
    private boolean opening;
    private int failures;

    /**
     * @param prepareSlot whether the slot is checked (and created) before the first epoch
     * @param lastEpochId the last epoch id used (restored), so that ids keep increasing
     */
    EpochOpener(SplitEnumeratorContext<?> context, PgWalConnectionConfig config,
            boolean prepareSlot, int chunkRows, long chunkBytes, long lastEpochId) {
        this.context = context;
        this.config = config;
        this.prepareSlot = prepareSlot;
        this.chunkRows = chunkRows;
        this.chunkBytes = chunkBytes;
        this.lastEpochId = lastEpochId;
    }

    long lastEpochId() {
        return lastEpochId;
    }

    boolean opening() {
        return opening;
    }

    /**
     * Opens the next epoch, planning the snapshot in it when {@code plan}, then hands the epoch and
     * the plan (or null) to {@code opened} on the coordinator thread. Nothing when one is opening.
     */
    void open(boolean plan, BiConsumer<EpochHolder, SnapshotPlanner.Plan> opened) {
        if (opening) {
            return;
        }
        opening = true;
        long id = ++lastEpochId;
        long backoffMillis = failures == 0 ? 0L : Math.min(30_000L, 500L << Math.min(failures, 6));
        context.callAsync(() -> {
            if (backoffMillis > 0) {
                Thread.sleep(backoffMillis);
            }
            if (plan) {
                SnapshotPlanner.check(config);
                if (prepareSlot) {
                    ReplicationSetup.prepare(config);
                }
            }
            EpochHolder holder = EpochHolder.open(config, id);
            try {
                return new Opened(holder, plan ? SnapshotPlanner.plan(config, holder.epoch(),
                        chunkRows, chunkBytes) : null);
            } catch (RuntimeException e) {
                holder.close();
                throw e;
            }
        }, (result, error) -> {
            opening = false;
            if (error == null) {
                failures = 0;
                opened.accept(result.holder(), result.plan());
                return;
            }
            lastEpochId--;
            if (isTransient(error) && ++failures <= MAX_ATTEMPTS) {
                LOG.warn("Opening a snapshot failed ({}); retrying (attempt {} of {})",
                        error.getMessage(), failures, MAX_ATTEMPTS);
                open(plan, opened);
                return;
            }
            if (error instanceof PgWalException p) {
                throw PgWalException.failOnce(p);
            }
            throw new PgWalException("Opening the snapshot failed: " + error.getMessage(), error);
        });
    }

    private record Opened(EpochHolder holder, @Nullable SnapshotPlanner.Plan plan) {}

    /** A lost or refused connection, a server shutting down or out of connections. */
    private static boolean isTransient(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof PgWalException p) {
                return !p.isDefinite();
            }
            if (t instanceof SQLException e && PgWalException.isTransientSqlState(e.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
