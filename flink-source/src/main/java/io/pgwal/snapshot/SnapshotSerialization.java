package io.pgwal.snapshot;

import java.io.IOException;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/** The checkpoint format of a table, a chunk and an epoch, for the split and enumerator state. */
public final class SnapshotSerialization {

    /** A chunk with its table and epoch, as read back. */
    public record Chunk(SnapshotTable table, SnapshotChunk chunk, SnapshotEpoch epoch) {}

    private SnapshotSerialization() {}

    public static void write(SnapshotTable table, SnapshotChunk chunk, SnapshotEpoch epoch,
            DataOutputView out) throws IOException {
        table.write(out);
        chunk.write(out);
        epoch.write(out);
    }

    public static Chunk read(DataInputView in) throws IOException {
        return new Chunk(SnapshotTable.read(in), SnapshotChunk.read(in), SnapshotEpoch.read(in));
    }

    public static void writeTable(SnapshotTable table, DataOutputView out) throws IOException {
        table.write(out);
    }

    public static SnapshotTable readTable(DataInputView in) throws IOException {
        return SnapshotTable.read(in);
    }

    public static void writeChunk(SnapshotChunk chunk, DataOutputView out) throws IOException {
        chunk.write(out);
    }

    public static SnapshotChunk readChunk(DataInputView in) throws IOException {
        return SnapshotChunk.read(in);
    }
}
