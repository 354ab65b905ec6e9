package io.pgwal.snapshot;

import java.io.IOException;
import java.io.Serializable;
import java.util.List;
import java.util.Objects;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * One chunk of a table's snapshot: a range of the table's chunk key, or of its blocks. Chunks of a
 * table are numbered in key (block) order, cover the table without overlap, and are fixed when the
 * table is planned, so a chunk means the same rows in every epoch.
 *
 * <ul>
 *   <li>Key ranges: {@code lower < key <= upper} (row comparison in the key's btree order), the
 *       bounds being the key columns' text values; a null bound is unbounded.
 *   <li>Block ranges: {@code lower <= block < upper}, each bound one block number as text; a
 *       null upper bound is unbounded.
 * </ul>
 *
 * @param id the chunk's number, unique in the source (across tables)
 * @param table index of the table in the plan
 */
public record SnapshotChunk(int id, int table, List<String> lower, List<String> upper)
        implements Serializable {

    private static final long serialVersionUID = 1L;

    public SnapshotChunk {
        lower = lower == null ? null : List.copyOf(lower);
        upper = upper == null ? null : List.copyOf(upper);
    }

    void write(DataOutputView out) throws IOException {
        out.writeInt(id);
        out.writeInt(table);
        SnapshotIo.writeStrings(out, lower);
        SnapshotIo.writeStrings(out, upper);
    }

    static SnapshotChunk read(DataInputView in) throws IOException {
        return new SnapshotChunk(in.readInt(), in.readInt(), SnapshotIo.readStrings(in),
                SnapshotIo.readStrings(in));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SnapshotChunk c && c.id == id && c.table == table
                && Objects.equals(c.lower, lower) && Objects.equals(c.upper, upper);
    }

    @Override
    public int hashCode() {
        return id;
    }

    @Override
    public String toString() {
        return "chunk " + id + " (" + (lower == null ? "start" : String.join(",", lower)) + " .. "
                + (upper == null ? "end" : String.join(",", upper)) + ")";
    }
}
