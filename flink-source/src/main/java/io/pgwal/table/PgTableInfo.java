package io.pgwal.table;

import java.util.List;
import java.util.Optional;

/**
 * What validation learns about a captured table from the catalog.
 *
 * @param schema schema name
 * @param table table name
 * @param replicaIdentity {@code pg_class.relreplident}: {@code d} default (primary key), {@code
 *     i} index, {@code f} full, {@code n} nothing
 * @param columns the live columns in table order
 * @param identityColumns the columns an UPDATE/DELETE identifies the old row by under identity
 *     {@code d} or {@code i} (empty when there is no such key)
 */
public record PgTableInfo(String schema, String table, char replicaIdentity,
        List<PgColumn> columns, List<String> identityColumns) {

    public Optional<PgColumn> column(String name) {
        return columns.stream().filter(c -> c.name().equals(name)).findFirst();
    }

    public String qualifiedName() {
        return schema + "." + table;
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
