package io.pgwal.source.split;

import java.io.IOException;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * Serializes {@link PgWalSplit} for checkpoints and savepoints.
 *
 * <p>Version 1: restart LSN, commit LSN, records emitted, stop LSN.
 */
public final class PgWalSplitSerializer implements SimpleVersionedSerializer<PgWalSplit> {

    public static final PgWalSplitSerializer INSTANCE = new PgWalSplitSerializer();

    private static final int VERSION = 1;

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    public byte[] serialize(PgWalSplit split) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(32);
        write(split, out);
        return out.getCopyOfBuffer();
    }

    @Override
    public PgWalSplit deserialize(int version, byte[] bytes) throws IOException {
        if (version != VERSION) {
            throw new IOException("Unknown pgwal split serializer version " + version
                    + " (this pgwal reads version " + VERSION + ")");
        }
        DataInputDeserializer in = new DataInputDeserializer(bytes);
        PgWalSplit split = read(in);
        if (in.available() != 0) {
            throw new IOException("Corrupt pgwal split: " + in.available() + " trailing bytes");
        }
        return split;
    }

    static void write(PgWalSplit split, DataOutputSerializer out) throws IOException {
        PgWalPosition p = split.position();
        out.writeLong(p.restartLsn());
        out.writeLong(p.commitLsn());
        out.writeInt(p.recordsEmitted());
        out.writeLong(split.stopLsn());
    }

    static PgWalSplit read(DataInputDeserializer in) throws IOException {
        PgWalPosition p = new PgWalPosition(in.readLong(), in.readLong(), in.readInt());
        return new PgWalSplit(p, in.readLong());
    }
}
