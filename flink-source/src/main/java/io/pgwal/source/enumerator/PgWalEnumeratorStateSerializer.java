package io.pgwal.source.enumerator;

import io.pgwal.snapshot.SnapshotChunk;
import io.pgwal.snapshot.SnapshotSerialization;
import io.pgwal.snapshot.SnapshotTable;
import io.pgwal.source.event.SnapshotEvents.FinishedChunk;
import io.pgwal.source.split.PgWalSourceSplit;
import io.pgwal.source.split.PgWalSplit;
import io.pgwal.source.split.PgWalSplitSerializer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * Serializes {@link PgWalEnumeratorState}.
 *
 * <ul>
 *   <li>Version 1 (before the initial snapshot; still read): a presence byte, then the stream
 *       split as a (version, length, bytes) of {@link PgWalSplitSerializer}.
 *   <li>Version 2: the same, then whether the stream split exists, whether a plan exists and if so
 *       the tables and chunks, the pending chunk ids, the finished chunks (id, epoch id, epoch
 *       LSN, rows) and the last epoch id.
 * </ul>
 */
public final class PgWalEnumeratorStateSerializer
        implements SimpleVersionedSerializer<PgWalEnumeratorState> {

    private static final int VERSION = 2;

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    public byte[] serialize(PgWalEnumeratorState state) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(256);
        PgWalSplit split = state.unassignedSplit();
        out.writeBoolean(split != null);
        if (split != null) {
            out.writeInt(PgWalSplitSerializer.INSTANCE.getVersion());
            byte[] bytes = PgWalSplitSerializer.INSTANCE.serialize(split);
            out.writeInt(bytes.length);
            out.write(bytes);
        }
        out.writeBoolean(state.streamCreated());
        out.writeBoolean(state.tables() != null);
        if (state.tables() != null) {
            out.writeInt(state.tables().size());
            for (SnapshotTable t : state.tables()) {
                SnapshotSerialization.writeTable(t, out);
            }
            out.writeInt(state.chunks().size());
            for (SnapshotChunk c : state.chunks()) {
                SnapshotSerialization.writeChunk(c, out);
            }
        }
        out.writeInt(state.pendingChunks().size());
        for (int id : state.pendingChunks()) {
            out.writeInt(id);
        }
        out.writeInt(state.finishedChunks().size());
        for (FinishedChunk f : state.finishedChunks().values()) {
            out.writeInt(f.chunkId());
            out.writeLong(f.epochId());
            out.writeLong(f.epochLsn());
            out.writeLong(f.rows());
        }
        out.writeLong(state.lastEpochId());
        return out.getCopyOfBuffer();
    }

    @Override
    public PgWalEnumeratorState deserialize(int version, byte[] bytes) throws IOException {
        if (version != 1 && version != VERSION) {
            throw new IOException("Unknown pgwal enumerator state version " + version
                    + " (this pgwal reads versions 1 and " + VERSION + ")");
        }
        DataInputDeserializer in = new DataInputDeserializer(bytes);
        PgWalSplit split = null;
        if (in.readBoolean()) {
            int splitVersion = in.readInt();
            byte[] splitBytes = new byte[in.readInt()];
            in.readFully(splitBytes);
            PgWalSourceSplit s = PgWalSplitSerializer.INSTANCE.deserialize(splitVersion, splitBytes);
            if (!(s instanceof PgWalSplit stream)) {
                throw new IOException("Corrupt pgwal enumerator state: unassigned split " + s);
            }
            split = stream;
        }
        if (version == 1) {
            return PgWalEnumeratorState.streamOnly(split);
        }
        boolean streamCreated = in.readBoolean();
        List<SnapshotTable> tables = null;
        List<SnapshotChunk> chunks = null;
        if (in.readBoolean()) {
            int n = in.readInt();
            tables = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                tables.add(SnapshotSerialization.readTable(in));
            }
            int c = in.readInt();
            chunks = new ArrayList<>(c);
            for (int i = 0; i < c; i++) {
                chunks.add(SnapshotSerialization.readChunk(in));
            }
        }
        int p = in.readInt();
        List<Integer> pending = new ArrayList<>(p);
        for (int i = 0; i < p; i++) {
            pending.add(in.readInt());
        }
        int f = in.readInt();
        Map<Integer, FinishedChunk> finished = new LinkedHashMap<>();
        for (int i = 0; i < f; i++) {
            FinishedChunk fc = new FinishedChunk(in.readInt(), in.readLong(), in.readLong(),
                    in.readLong());
            finished.put(fc.chunkId(), fc);
        }
        long lastEpochId = in.readLong();
        if (in.available() != 0) {
            throw new IOException("Corrupt pgwal enumerator state: " + in.available()
                    + " trailing bytes");
        }
        return new PgWalEnumeratorState(split, streamCreated, tables, chunks, pending, finished,
                lastEpochId);
    }
}
