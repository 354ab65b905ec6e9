package io.pgwal.catalog;

import java.io.Serializable;
import java.util.List;
import java.util.Optional;

/**
 * A captured table as the PostgreSQL catalog describes it now.
 *
 * @param oid {@code pg_class.oid} (unsigned 32-bit, in an int)
 * @param schema schema name (exact, unquoted)
 * @param name table name (exact, unquoted)
 * @param replicaIdentity {@code pg_class.relreplident}: {@code d} default (primary key), {@code
 *     i} index, {@code f} full, {@code n} nothing
 * @param columns the live columns in table order, generated ones included
 * @param identityColumns the replica identity index's columns under identity {@code i}, else the
 *     primary key's (under {@code d} the columns an UPDATE/DELETE identifies the old row by), in
 *     index order; empty when there is no such index
 * @param partitions the OIDs of the leaf partitions of a partitioned table, else empty
 */
public record PgTable(int oid, String schema, String name, char replicaIdentity,
        List<PgColumn> columns, List<String> identityColumns, List<Integer> partitions)
        implements Serializable {

    private static final long serialVersionUID = 1L;

    public PgTable {
        columns = List.copyOf(columns);
        identityColumns = List.copyOf(identityColumns);
        partitions = List.copyOf(partitions);
    }

    public Optional<PgColumn> column(String columnName) {
        return columns.stream().filter(c -> c.name().equals(columnName)).findFirst();
    }

    /** {@code schema.name}, unquoted, for messages. */
    public String qualifiedName() {
        return schema + "." + name;
    }

    /** The identity as {@code ALTER TABLE ... REPLICA IDENTITY} spells it. */
    public String replicaIdentityName() {
        return switch (replicaIdentity) {
            case 'd' -> "DEFAULT";
            case 'i' -> "USING INDEX";
            case 'f' -> "FULL";
            case 'n' -> "NOTHING";
            default -> String.valueOf(replicaIdentity);
        };
    }
}
