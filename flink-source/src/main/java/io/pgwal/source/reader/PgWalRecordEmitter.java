package io.pgwal.source.reader;

import io.pgwal.PgWalException;
import io.pgwal.snapshot.ChunkRows;
import io.pgwal.snapshot.PairedChunkConverter;
import io.pgwal.snapshot.SnapshotEpoch;
import io.pgwal.source.split.PgWalSplitState;
import java.util.function.Consumer;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.connector.base.source.reader.RecordEmitter;

/**
 * Emits a change envelope with its commit time as the record timestamp, then moves the split
 * state to the position after it, so a checkpoint holds exactly what was emitted. A snapshot chunk
 * is converted from its rows' text (on the task thread and one helper) and emitted whole in one call (no checkpoint can fall inside
 * it), without timestamps; a row that cannot be converted ends the job once (it would fail the
 * same way after every restart).
 */
public final class PgWalRecordEmitter
        implements RecordEmitter<PgWalFetchedRecord, GenericRecord, PgWalSplitState> {

    private final Consumer<SnapshotEpoch> epochExpired;
    private final PairedChunkConverter chunkConverter;

    /**
     * @param epochExpired told (on the task thread) when a chunk's epoch can no longer be read
     * @param chunkConverter converts snapshot rows (on the task thread and its helper)
     */
    public PgWalRecordEmitter(
            Consumer<SnapshotEpoch> epochExpired, PairedChunkConverter chunkConverter) {
        this.epochExpired = epochExpired;
        this.chunkConverter = chunkConverter;
    }

    @Override
    public void emitRecord(
            PgWalFetchedRecord element, SourceOutput<GenericRecord> output, PgWalSplitState state) {
        if (element.isChunk()) {
            ChunkRows rows = element.chunkRows();
            try {
                chunkConverter.convert(rows, output::collect);
            } catch (PgWalException e) {
                throw PgWalException.failOnce(e);
            }
            state.chunkEmitted(element.epoch(), rows.size());
            return;
        }
        if (element.isEpochExpired()) {
            epochExpired.accept(element.epoch());
            return;
        }
        output.collect(element.record(), element.timestampMillis());
        state.emitted(element.positionAfter(), element.sequence());
    }
}
