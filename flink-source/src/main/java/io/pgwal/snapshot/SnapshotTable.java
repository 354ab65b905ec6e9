package io.pgwal.snapshot;

import io.pgwal.decoder.PgOutputMessage.Relation;
import io.pgwal.decoder.PgOutputMessage.RelationColumn;
import io.pgwal.replication.SqlIdentifiers;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * One captured table as the snapshot reads it: its relation (the columns pgoutput sends, in
 * attribute order, with the replica identity flags pgoutput would set) and the columns chunks are
 * cut on. Immutable.
 *
 * @param oid the table's OID, which is pgoutput's relation id
 * @param partitionOids OIDs of the leaf partitions of a partitioned table (whose changes pgoutput
 *     reports under their own relation id unless the publication publishes via the root); empty
 *     otherwise
 * @param chunkKey the key columns chunks are key ranges of (the replica identity index, else the
 *     primary key), in index order; empty for a table without one (REPLICA IDENTITY FULL), whose
 *     chunks are block ranges ({@code ctid})
 * @param chunkKeyTypes each chunk key column's type as {@code format_type} prints it, followed by
 *     {@code COLLATE schema.name} when the column's collation is not the database default; used
 *     to cast bound literals so that they compare in the column's order
 */
public record SnapshotTable(
        int oid,
        String schema,
        String name,
        char replicaIdentity,
        List<RelationColumn> columns,
        List<String> columnTypes,
        List<String> chunkKey,
        List<String> chunkKeyTypes,
        List<Integer> partitionOids)
        implements Serializable {

    private static final long serialVersionUID = 1L;

    public SnapshotTable {
        columns = List.copyOf(columns);
        columnTypes = List.copyOf(columnTypes);
        chunkKey = List.copyOf(chunkKey);
        chunkKeyTypes = List.copyOf(chunkKeyTypes);
        partitionOids = List.copyOf(partitionOids);
    }

    /** True when chunks are block ranges ({@code ctid}) because the table has no key. */
    public boolean byBlocks() {
        return chunkKey.isEmpty();
    }

    /** The relation as a pgoutput Relation message would describe it. */
    public Relation relation() {
        return new Relation(0L, oid, schema, name, replicaIdentity, columns);
    }

    /** {@code "schema"."name"}. */
    public String quotedName() {
        return SqlIdentifiers.quoteIdentifier(schema) + "." + SqlIdentifiers.quoteIdentifier(name);
    }

    /** The column list, quoted, in attribute order. */
    String quotedColumns() {
        List<String> q = new ArrayList<>(columns.size());
        columns.forEach(c -> q.add(SqlIdentifiers.quoteIdentifier(c.name())));
        return String.join(", ", q);
    }

    @Override
    public String toString() {
        return schema + "." + name;
    }

    void write(DataOutputView out) throws IOException {
        out.writeInt(oid);
        out.writeUTF(schema);
        out.writeUTF(name);
        out.writeChar(replicaIdentity);
        out.writeInt(columns.size());
        for (int i = 0; i < columns.size(); i++) {
            RelationColumn c = columns.get(i);
            out.writeBoolean(c.key());
            out.writeUTF(c.name());
            out.writeInt(c.typeOid());
            out.writeInt(c.typeModifier());
            out.writeUTF(columnTypes.get(i));
        }
        SnapshotIo.writeStrings(out, chunkKey);
        SnapshotIo.writeStrings(out, chunkKeyTypes);
        out.writeInt(partitionOids.size());
        for (int p : partitionOids) {
            out.writeInt(p);
        }
    }

    static SnapshotTable read(DataInputView in) throws IOException {
        int oid = in.readInt();
        String schema = in.readUTF();
        String name = in.readUTF();
        char identity = in.readChar();
        int n = in.readInt();
        List<RelationColumn> columns = new ArrayList<>(n);
        List<String> types = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            boolean key = in.readBoolean();
            columns.add(new RelationColumn(key, in.readUTF(), in.readInt(), in.readInt()));
            types.add(in.readUTF());
        }
        List<String> chunkKey = SnapshotIo.readStrings(in);
        List<String> chunkKeyTypes = SnapshotIo.readStrings(in);
        int p = in.readInt();
        List<Integer> partitions = new ArrayList<>(p);
        for (int i = 0; i < p; i++) {
            partitions.add(in.readInt());
        }
        return new SnapshotTable(oid, schema, name, identity, columns, types, chunkKey,
                chunkKeyTypes, partitions);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SnapshotTable t && t.oid == oid && t.schema.equals(schema)
                && t.name.equals(name) && t.replicaIdentity == replicaIdentity
                && t.columns.equals(columns) && t.columnTypes.equals(columnTypes)
                && t.chunkKey.equals(chunkKey) && t.chunkKeyTypes.equals(chunkKeyTypes)
                && t.partitionOids.equals(partitionOids);
    }

    @Override
    public int hashCode() {
        return Objects.hash(oid, schema, name);
    }
}
