package io.pgwal.source.reader;

import io.pgwal.source.split.PgWalSplitState;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.connector.base.source.reader.RecordEmitter;

/**
 * Emits a change envelope with its commit time as the record timestamp, then moves the split
 * state to the position after it, so a checkpoint holds exactly what was emitted.
 */
public final class PgWalRecordEmitter
        implements RecordEmitter<PgWalFetchedRecord, GenericRecord, PgWalSplitState> {

    @Override
    public void emitRecord(
            PgWalFetchedRecord element, SourceOutput<GenericRecord> output, PgWalSplitState state) {
        output.collect(element.record(), element.timestampMillis());
        state.emitted(element.positionAfter(), element.sequence());
    }
}
