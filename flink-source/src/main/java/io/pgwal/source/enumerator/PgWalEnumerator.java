package io.pgwal.source.enumerator;

import io.pgwal.source.split.PgWalSplit;
import java.util.List;
import java.util.TreeSet;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands the single split to one reader. A slot can only be streamed by one connection, so however
 * many readers run, exactly one reads; the others stay idle (unbounded) or finish (bounded).
 *
 * <p>Runs in the JobManager's coordinator thread.
 */
public final class PgWalEnumerator implements SplitEnumerator<PgWalSplit, PgWalEnumeratorState> {

    private static final Logger LOG = LoggerFactory.getLogger(PgWalEnumerator.class);

    private final SplitEnumeratorContext<PgWalSplit> context;
    private final boolean bounded;
    private PgWalSplit unassigned;

    /**
     * @param unassignedSplit the split no reader holds yet, or null when a reader's restored
     *     state holds it
     * @param bounded whether readers without the split may finish
     */
    public PgWalEnumerator(
            SplitEnumeratorContext<PgWalSplit> context, PgWalSplit unassignedSplit, boolean bounded) {
        this.context = context;
        this.unassigned = unassignedSplit;
        this.bounded = bounded;
    }

    @Override
    public void start() {
        LOG.info("pgwal enumerator started; split {}", unassigned == null ? "held by a reader" : unassigned);
    }

    @Override
    public void handleSplitRequest(int subtaskId, String requesterHostname) {
        assignIfPossible();
    }

    @Override
    public void addSplitsBack(List<PgWalSplit> splits, int subtaskId) {
        // The reader failed before checkpointing the split elsewhere: the split (at the position of
        // the last completed checkpoint) goes to the next reader that registers.
        if (!splits.isEmpty()) {
            unassigned = splits.get(0);
            LOG.info("Split returned by failed reader {}: {}", subtaskId, unassigned);
        }
    }

    @Override
    public void addReader(int subtaskId) {
        assignIfPossible();
        if (bounded && unassigned == null) {
            context.signalNoMoreSplits(subtaskId);
        }
    }

    private void assignIfPossible() {
        if (unassigned == null || context.registeredReaders().isEmpty()) {
            return;
        }
        int reader = new TreeSet<>(context.registeredReaders().keySet()).first();
        LOG.info("Assigning {} to reader {}", unassigned, reader);
        context.assignSplit(unassigned, reader);
        unassigned = null;
        if (bounded) {
            context.registeredReaders().keySet().forEach(context::signalNoMoreSplits);
        }
    }

    @Override
    public PgWalEnumeratorState snapshotState(long checkpointId) {
        return new PgWalEnumeratorState(unassigned);
    }

    @Override
    public void close() {}
}
