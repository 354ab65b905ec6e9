package io.pgwal.source.enumerator;

import io.pgwal.source.split.PgWalSplit;
import io.pgwal.source.split.PgWalSplitSerializer;
import java.io.IOException;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * Serializes {@link PgWalEnumeratorState}. Version 1: a presence byte, then the split in the
 * format (and version) of {@link PgWalSplitSerializer}.
 */
public final class PgWalEnumeratorStateSerializer
        implements SimpleVersionedSerializer<PgWalEnumeratorState> {

    private static final int VERSION = 1;

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    public byte[] serialize(PgWalEnumeratorState state) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(40);
        PgWalSplit split = state.unassignedSplit().orElse(null);
        out.writeBoolean(split != null);
        if (split != null) {
            out.writeInt(PgWalSplitSerializer.INSTANCE.getVersion());
            byte[] bytes = PgWalSplitSerializer.INSTANCE.serialize(split);
            out.writeInt(bytes.length);
            out.write(bytes);
        }
        return out.getCopyOfBuffer();
    }

    @Override
    public PgWalEnumeratorState deserialize(int version, byte[] bytes) throws IOException {
        if (version != VERSION) {
            throw new IOException("Unknown pgwal enumerator state version " + version
                    + " (this pgwal reads version " + VERSION + ")");
        }
        DataInputDeserializer in = new DataInputDeserializer(bytes);
        if (!in.readBoolean()) {
            return new PgWalEnumeratorState(null);
        }
        int splitVersion = in.readInt();
        byte[] splitBytes = new byte[in.readInt()];
        in.readFully(splitBytes);
        return new PgWalEnumeratorState(
                PgWalSplitSerializer.INSTANCE.deserialize(splitVersion, splitBytes));
    }
}
