package io.pgwal.source.reader;

import io.pgwal.snapshot.SnapshotEpoch;
import io.pgwal.source.split.PgWalSplitState;
import java.util.function.Consumer;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.connector.base.source.reader.RecordEmitter;

/**
 * Emits a change envelope with its commit time as the record timestamp, then moves the split
 * state to the position after it, so a checkpoint holds exactly what was emitted. A snapshot chunk
 * is emitted whole in one call (no checkpoint can fall inside it), without timestamps.
 */
public final class PgWalRecordEmitter
        implements RecordEmitter<PgWalFetchedRecord, GenericRecord, PgWalSplitState> {

    private final Consumer<SnapshotEpoch> epochExpired;

    /** @param epochExpired told (on the task thread) when a chunk's epoch can no longer be read */
    public PgWalRecordEmitter(Consumer<SnapshotEpoch> epochExpired) {
        this.epochExpired = epochExpired;
    }

    @Override
    public void emitRecord(
            PgWalFetchedRecord element, SourceOutput<GenericRecord> output, PgWalSplitState state) {
        if (element.isChunk()) {
            for (GenericRecord r : element.chunkRecords()) {
                output.collect(r);
            }
            state.chunkEmitted(element.epoch(), element.chunkRecords().size());
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
