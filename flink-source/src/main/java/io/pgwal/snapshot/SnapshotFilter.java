package io.pgwal.snapshot;

import io.pgwal.decoder.PgOutputMessage.Relation;
import io.pgwal.decoder.TupleData;
import io.pgwal.source.split.PgWalPosition;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * What the change stream must leave out after a snapshot: a change to a row of chunk {@code c}
 * is emitted only if its transaction's commit LSN is at or after the LSN of the epoch that chunk
 * was read in (the snapshot already holds every transaction that committed before it). The rule
 * is a pure function of the change, so a replay after a restore filters exactly as before and the
 * stream's {@code (commit_lsn, tx_index)} positions stay stable.
 *
 * <p>Per table: when every chunk was read in one epoch (the usual case), one LSN decides. When
 * chunks were read in different epochs (the session holding a snapshot was lost), a change whose
 * commit LSN lies between the smallest and the largest of them is placed in its chunk by its key,
 * compared in PostgreSQL's own order through a {@link KeyOrder}; a key change that moves a row
 * between chunks is judged per side. Tables that were not snapshotted pass unfiltered.
 *
 * <p>Once the stream's restart position reaches {@link #maxLsn()} the filter can no longer leave
 * anything out and is dropped from the split. Immutable.
 */
public final class SnapshotFilter implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Compares chunk-key values in the table's btree order, as PostgreSQL does. */
    public interface KeyOrder {
        /** Negative, zero or positive as {@code a} is before, equal to or after {@code b}. */
        int compare(List<String> types, List<String> a, List<String> b);
    }

    /**
     * One table: its chunk key, the chunks' upper bounds in key order (the last chunk has none),
     * and each chunk's epoch LSN.
     */
    public record TableFilter(List<String> keyColumns, List<String> keyTypes,
            List<List<String>> upperBounds, long[] chunkLsns) implements Serializable {

        private static final long serialVersionUID = 1L;

        long minLsn() {
            long m = chunkLsns[0];
            for (long l : chunkLsns) {
                m = Long.compareUnsigned(l, m) < 0 ? l : m;
            }
            return m;
        }

        long maxLsn() {
            long m = chunkLsns[0];
            for (long l : chunkLsns) {
                m = Long.compareUnsigned(l, m) > 0 ? l : m;
            }
            return m;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof TableFilter t && t.keyColumns.equals(keyColumns)
                    && t.keyTypes.equals(keyTypes) && t.upperBounds.equals(upperBounds)
                    && java.util.Arrays.equals(t.chunkLsns, chunkLsns);
        }

        @Override
        public int hashCode() {
            return Objects.hash(keyColumns, upperBounds);
        }
    }

    private final Map<Integer, TableFilter> tables;
    private final long maxLsn;

    public SnapshotFilter(Map<Integer, TableFilter> tables) {
        this.tables = Map.copyOf(tables);
        long max = 0L;
        for (TableFilter t : tables.values()) {
            max = Long.compareUnsigned(t.maxLsn(), max) > 0 ? t.maxLsn() : max;
        }
        this.maxLsn = max;
    }

    /** The largest epoch LSN: no change committed at or after it is left out. */
    public long maxLsn() {
        return maxLsn;
    }

    public Map<Integer, TableFilter> tables() {
        return tables;
    }

    /**
     * Whether the change to the row {@code tuple} (a new row, or an old key or row) of relation
     * {@code relation}, committed at {@code commitLsn}, is emitted.
     */
    public boolean admits(Relation relation, TupleData tuple, long commitLsn, KeyOrder order) {
        TableFilter t = tables.get(relation.relationId());
        if (t == null) {
            return true;
        }
        if (Long.compareUnsigned(commitLsn, t.maxLsn()) >= 0) {
            return true;
        }
        if (Long.compareUnsigned(commitLsn, t.minLsn()) < 0) {
            return false;
        }
        // Chunks of different epochs and a commit between them: find the row's chunk.
        return Long.compareUnsigned(commitLsn, t.chunkLsns[chunkOf(t, relation, tuple, order)]) >= 0;
    }

    /** Whether a change of the relation without a row (TRUNCATE) at {@code commitLsn} is emitted. */
    public boolean admitsTable(int relationId, long commitLsn) {
        TableFilter t = tables.get(relationId);
        return t == null || Long.compareUnsigned(commitLsn, t.maxLsn()) >= 0;
    }

    private static int chunkOf(TableFilter t, Relation relation, TupleData tuple, KeyOrder order) {
        List<String> key = new ArrayList<>(t.keyColumns().size());
        for (String column : t.keyColumns()) {
            int i = indexOf(relation, column);
            if (i < 0 || tuple.kind(i) != TupleData.TEXT) {
                throw new io.pgwal.PgWalException("Cannot place a change of " + relation.namespace()
                        + "." + relation.name() + " in its snapshot chunk: key column \"" + column
                        + "\" is " + (i < 0 ? "no longer in the table" : "not in the change")
                        + ". The table's snapshot was read in several epochs, and its key changed"
                        + " meanwhile; restart the job without state to snapshot it again");
            }
            key.add(tuple.text(i));
        }
        // Chunk i holds keys in (upper[i-1], upper[i]]: the first chunk whose upper bound is >= key.
        int lo = 0;
        int hi = t.upperBounds().size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (order.compare(t.keyTypes(), key, t.upperBounds().get(mid)) <= 0) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    private static int indexOf(Relation relation, String column) {
        for (int i = 0; i < relation.columns().size(); i++) {
            if (relation.columns().get(i).name().equals(column)) {
                return i;
            }
        }
        return -1;
    }

    public void write(DataOutputView out) throws IOException {
        out.writeInt(tables.size());
        for (Map.Entry<Integer, TableFilter> e : tables.entrySet()) {
            TableFilter t = e.getValue();
            out.writeInt(e.getKey());
            SnapshotIo.writeStrings(out, t.keyColumns());
            SnapshotIo.writeStrings(out, t.keyTypes());
            out.writeInt(t.upperBounds().size());
            for (List<String> b : t.upperBounds()) {
                SnapshotIo.writeStrings(out, b);
            }
            out.writeInt(t.chunkLsns().length);
            for (long l : t.chunkLsns()) {
                out.writeLong(l);
            }
        }
    }

    public static SnapshotFilter read(DataInputView in) throws IOException {
        int n = in.readInt();
        Map<Integer, TableFilter> tables = new HashMap<>();
        for (int i = 0; i < n; i++) {
            int oid = in.readInt();
            List<String> cols = SnapshotIo.readStrings(in);
            List<String> types = SnapshotIo.readStrings(in);
            int b = in.readInt();
            List<List<String>> bounds = new ArrayList<>(b);
            for (int j = 0; j < b; j++) {
                bounds.add(SnapshotIo.readStrings(in));
            }
            long[] lsns = new long[in.readInt()];
            for (int j = 0; j < lsns.length; j++) {
                lsns[j] = in.readLong();
            }
            tables.put(oid, new TableFilter(cols, types, bounds, lsns));
        }
        return new SnapshotFilter(tables);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SnapshotFilter f && f.tables.equals(tables);
    }

    @Override
    public int hashCode() {
        return tables.hashCode();
    }

    @Override
    public String toString() {
        return "SnapshotFilter{" + tables.size() + " tables, up to " + PgWalPosition.lsn(maxLsn) + "}";
    }
}
