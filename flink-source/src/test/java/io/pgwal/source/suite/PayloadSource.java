package io.pgwal.source.suite;

import io.pgwal.avro.Envelope.FieldName;
import io.pgwal.source.PgWalSource;
import io.pgwal.source.enumerator.PgWalEnumeratorState;
import io.pgwal.source.split.PgWalSourceSplit;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * The pgwal source with each envelope reduced to its {@code after.payload} string, so Flink's
 * connector test suite can compare emitted records with the data it wrote (envelopes carry LSNs
 * and transaction ids no test can predict). Everything else is the real source, unchanged.
 */
final class PayloadSource
        implements Source<String, PgWalSourceSplit, PgWalEnumeratorState>, ResultTypeQueryable<String> {

    private final PgWalSource source;

    PayloadSource(PgWalSource source) {
        this.source = source;
    }

    static String payload(GenericRecord envelope) {
        return String.valueOf(((GenericRecord) envelope.get(FieldName.AFTER)).get("payload"));
    }

    @Override
    public Boundedness getBoundedness() {
        return source.getBoundedness();
    }

    @Override
    public SourceReader<String, PgWalSourceSplit> createReader(SourceReaderContext context)
            throws Exception {
        return new PayloadReader(source.createReader(context));
    }

    @Override
    public SplitEnumerator<PgWalSourceSplit, PgWalEnumeratorState> createEnumerator(
            SplitEnumeratorContext<PgWalSourceSplit> context) throws Exception {
        return source.createEnumerator(context);
    }

    @Override
    public SplitEnumerator<PgWalSourceSplit, PgWalEnumeratorState> restoreEnumerator(
            SplitEnumeratorContext<PgWalSourceSplit> context, PgWalEnumeratorState state) throws Exception {
        return source.restoreEnumerator(context, state);
    }

    @Override
    public SimpleVersionedSerializer<PgWalSourceSplit> getSplitSerializer() {
        return source.getSplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<PgWalEnumeratorState> getEnumeratorCheckpointSerializer() {
        return source.getEnumeratorCheckpointSerializer();
    }

    @Override
    public TypeInformation<String> getProducedType() {
        return Types.STRING;
    }

    private static final class PayloadReader implements SourceReader<String, PgWalSourceSplit> {
        private final SourceReader<GenericRecord, PgWalSourceSplit> reader;

        PayloadReader(SourceReader<GenericRecord, PgWalSourceSplit> reader) {
            this.reader = reader;
        }

        @Override
        public void start() {
            reader.start();
        }

        @Override
        public InputStatus pollNext(ReaderOutput<String> output) throws Exception {
            return reader.pollNext(new PayloadReaderOutput(output));
        }

        @Override
        public List<PgWalSourceSplit> snapshotState(long checkpointId) {
            return reader.snapshotState(checkpointId);
        }

        @Override
        public CompletableFuture<Void> isAvailable() {
            return reader.isAvailable();
        }

        @Override
        public void addSplits(List<PgWalSourceSplit> splits) {
            reader.addSplits(splits);
        }

        @Override
        public void notifyNoMoreSplits() {
            reader.notifyNoMoreSplits();
        }

        @Override
        public void handleSourceEvents(SourceEvent event) {
            reader.handleSourceEvents(event);
        }

        @Override
        public void pauseOrResumeSplits(Collection<String> pause, Collection<String> resume) {
            reader.pauseOrResumeSplits(pause, resume);
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) throws Exception {
            reader.notifyCheckpointComplete(checkpointId);
        }

        @Override
        public void notifyCheckpointAborted(long checkpointId) throws Exception {
            reader.notifyCheckpointAborted(checkpointId);
        }

        @Override
        public void close() throws Exception {
            reader.close();
        }
    }

    /** Maps envelopes to payloads on the way out; everything else passes through. */
    private static class PayloadOutput implements SourceOutput<GenericRecord> {
        private final SourceOutput<String> out;

        PayloadOutput(SourceOutput<String> out) {
            this.out = out;
        }

        @Override
        public void collect(GenericRecord record) {
            out.collect(payload(record));
        }

        @Override
        public void collect(GenericRecord record, long timestamp) {
            out.collect(payload(record), timestamp);
        }

        @Override
        public void emitWatermark(Watermark watermark) {
            out.emitWatermark(watermark);
        }

        @Override
        public void markIdle() {
            out.markIdle();
        }

        @Override
        public void markActive() {
            out.markActive();
        }
    }

    /** The reader-level output, whose per-split outputs map the same way. */
    private static final class PayloadReaderOutput extends PayloadOutput
            implements ReaderOutput<GenericRecord> {
        private final ReaderOutput<String> out;

        PayloadReaderOutput(ReaderOutput<String> out) {
            super(out);
            this.out = out;
        }

        @Override
        public SourceOutput<GenericRecord> createOutputForSplit(String splitId) {
            return new PayloadOutput(out.createOutputForSplit(splitId));
        }

        @Override
        public void releaseOutputForSplit(String splitId) {
            out.releaseOutputForSplit(splitId);
        }
    }
}
