package io.pgwal.source.split;

import io.pgwal.snapshot.SnapshotFilter;
import io.pgwal.snapshot.SnapshotSerialization;
import java.io.IOException;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * Serializes {@link PgWalSourceSplit}s for checkpoints and savepoints.
 *
 * <ul>
 *   <li>Version 1 (pgwal before the initial snapshot; still read): the stream split as restart
 *       LSN, commit LSN, records emitted, stop LSN.
 *   <li>Version 2: a kind byte; 0 = the stream split as in version 1, then a presence byte and
 *       the snapshot filter; 1 = a snapshot split (table, chunk, epoch, finished rows or -1).
 * </ul>
 */
public final class PgWalSplitSerializer implements SimpleVersionedSerializer<PgWalSourceSplit> {

    public static final PgWalSplitSerializer INSTANCE = new PgWalSplitSerializer();

    private static final int VERSION = 2;
    private static final byte STREAM = 0;
    private static final byte SNAPSHOT = 1;

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    public byte[] serialize(PgWalSourceSplit split) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        write(split, out);
        return out.getCopyOfBuffer();
    }

    @Override
    public PgWalSourceSplit deserialize(int version, byte[] bytes) throws IOException {
        if (version != 1 && version != VERSION) {
            throw new IOException("Unknown pgwal split serializer version " + version
                    + " (this pgwal reads versions 1 and " + VERSION + ")");
        }
        DataInputDeserializer in = new DataInputDeserializer(bytes);
        PgWalSourceSplit split = version == 1 ? readStream(in, false) : read(in);
        if (in.available() != 0) {
            throw new IOException("Corrupt pgwal split: " + in.available() + " trailing bytes");
        }
        return split;
    }

    static void write(PgWalSourceSplit split, DataOutputSerializer out) throws IOException {
        if (split instanceof PgWalSplit s) {
            out.writeByte(STREAM);
            PgWalPosition p = s.position();
            out.writeLong(p.restartLsn());
            out.writeLong(p.commitLsn());
            out.writeInt(p.recordsEmitted());
            out.writeLong(s.stopLsn());
            out.writeBoolean(s.snapshotFilter() != null);
            if (s.snapshotFilter() != null) {
                s.snapshotFilter().write(out);
            }
        } else {
            PgWalSnapshotSplit s = (PgWalSnapshotSplit) split;
            out.writeByte(SNAPSHOT);
            SnapshotSerialization.write(s.table(), s.chunk(), s.epoch(), out);
            out.writeLong(s.finishedRows());
        }
    }

    static PgWalSourceSplit read(DataInputDeserializer in) throws IOException {
        byte kind = in.readByte();
        if (kind == STREAM) {
            return readStream(in, true);
        }
        if (kind != SNAPSHOT) {
            throw new IOException("Corrupt pgwal split: unknown kind " + kind);
        }
        SnapshotSerialization.Chunk c = SnapshotSerialization.read(in);
        return new PgWalSnapshotSplit(c.table(), c.chunk(), c.epoch(), in.readLong());
    }

    private static PgWalSplit readStream(DataInputDeserializer in, boolean withFilter)
            throws IOException {
        PgWalPosition p = new PgWalPosition(in.readLong(), in.readLong(), in.readInt());
        long stop = in.readLong();
        SnapshotFilter filter = withFilter && in.readBoolean() ? SnapshotFilter.read(in) : null;
        return new PgWalSplit(p, stop, filter);
    }
}
