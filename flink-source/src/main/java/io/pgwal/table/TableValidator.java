package io.pgwal.table;

import io.pgwal.catalog.PgColumn;
import io.pgwal.catalog.PgTable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.catalog.UniqueConstraint;
import org.apache.flink.table.types.logical.LogicalType;

/**
 * Checks a {@code CREATE TABLE} against the PostgreSQL table it captures, and decides the
 * {@link ChangelogShape} from the table's REPLICA IDENTITY and option {@code changelog-mode}:
 *
 * <ul>
 *   <li>FULL → whole old rows are sent: {@code all} needs no primary key; {@code upsert} needs
 *       {@code PRIMARY KEY (...) NOT ENFORCED} naming exactly the table's primary key columns.
 *   <li>DEFAULT or USING INDEX → the old row is identified by its key only, so {@code PRIMARY KEY
 *       (...) NOT ENFORCED} is required and must name exactly the replica identity's columns;
 *       {@code all} keeps the last row per key, {@code upsert} keeps nothing.
 *   <li>NOTHING, or DEFAULT without a primary key → rejected: PostgreSQL cannot say which row an
 *       UPDATE or DELETE changed.
 * </ul>
 */
final class TableValidator {

    private TableValidator() {}

    /** The validated shape of the SQL table. */
    record Result(String[] columns, LogicalType[] types, int[] keyPositions, ChangelogShape shape,
            int[] typeOids, int[] typeModifiers) {}

    /**
     * @param sent the columns pgoutput sends of the table (its publication's column list, and no
     *     generated column before PostgreSQL 18): a declared column outside it would never get a
     *     value
     * @param upsert whether {@code changelog-mode} = upsert was chosen
     */
    static Result validate(PgTable info, ResolvedSchema declared, java.util.Set<String> sent,
            String publication, boolean upsert) {
        List<Column> physical = declared.getColumns().stream().filter(Column::isPhysical).toList();
        String[] names = new String[physical.size()];
        LogicalType[] types = new LogicalType[physical.size()];
        for (int i = 0; i < physical.size(); i++) {
            Column c = physical.get(i);
            names[i] = c.getName();
            types[i] = c.getDataType().getLogicalType();
            Optional<PgColumn> pg = info.column(c.getName());
            if (pg.isEmpty()) {
                throw new ValidationException("Column '" + c.getName() + "' is declared but table "
                        + info.qualifiedName() + " has no such column (it has "
                        + info.columns().stream().map(PgColumn::name).toList() + ").");
            }
            if (!sent.contains(c.getName())) {
                throw new ValidationException("Column '" + c.getName() + "' is declared, but"
                        + " publication '" + publication + "' never sends it ("
                        + (pg.get().generated() ? "a generated column, published only by"
                                + " PostgreSQL 18+ with publish_generated_columns = stored"
                                : "it is not in the publication's column list for "
                                        + info.qualifiedName())
                        + "): every row would have NULL there. Leave the column out of the SQL"
                        + " table, or publish it (ALTER PUBLICATION ... SET TABLE "
                        + info.qualifiedName() + " (...)).");
            }
            Optional<String> expected = PgTypeCompatibility.check(pg.get(), types[i]);
            if (expected.isPresent()) {
                throw new ValidationException("Column '" + c.getName() + "' is declared as "
                        + types[i].asSummaryString() + ", but " + info.qualifiedName() + "."
                        + c.getName() + " has PostgreSQL type " + pg.get().typeName()
                        + "; declare it as " + expected.get() + ".");
            }
        }
        int[] keyPositions = keyPositions(info, declared.getPrimaryKey(), List.of(names), upsert);
        int[] typeOids = new int[names.length];
        int[] typeModifiers = new int[names.length];
        for (int i = 0; i < names.length; i++) {
            PgColumn pg = info.column(names[i]).orElseThrow();
            typeOids[i] = pg.typeOid();
            typeModifiers[i] = pg.typeModifier();
        }
        ChangelogShape shape = ChangelogShape.of(info.replicaIdentity() == 'f', upsert);
        return new Result(names, types, keyPositions, shape, typeOids, typeModifiers);
    }

    private static int[] keyPositions(PgTable info, Optional<UniqueConstraint> primaryKey,
            List<String> names, boolean upsert) {
        String table = info.qualifiedName();
        List<String> declaredKey = primaryKey.map(UniqueConstraint::getColumns).orElse(List.of());
        switch (info.replicaIdentity()) {
            case 'f':
                if (!upsert) {
                    return new int[0];
                }
                // An upsert stream is only right on a key PostgreSQL keeps unique.
                if (info.identityColumns().isEmpty()
                        || !new HashSet<>(declaredKey).equals(new HashSet<>(info.identityColumns()))) {
                    throw new ValidationException("Option '" + PgWalTableOptions.CHANGELOG_MODE.key()
                            + "' = 'upsert' needs PRIMARY KEY (...) NOT ENFORCED on the primary key"
                            + " of table " + table + (info.identityColumns().isEmpty()
                                    ? ", which has none"
                                    : ": " + info.identityColumns())
                            + (declaredKey.isEmpty() ? "" : " (declared: " + declaredKey + ")")
                            + ". Use 'changelog-mode' = 'all' (the default) for this table.");
                }
                return positions(declaredKey, names);
            case 'n':
                throw new ValidationException("Table " + table + " has REPLICA IDENTITY NOTHING, so"
                        + " UPDATEs and DELETEs cannot be replicated. Run ALTER TABLE " + table
                        + " REPLICA IDENTITY FULL (or DEFAULT with a primary key).");
            default:
                break;
        }
        List<String> identity = info.identityColumns();
        if (identity.isEmpty()) {
            throw new ValidationException("Table " + table + " has REPLICA IDENTITY "
                    + info.replicaIdentityName() + " but no primary key or identity index, so"
                    + " UPDATEs and DELETEs cannot be replicated. Add a primary key or run"
                    + " ALTER TABLE " + table + " REPLICA IDENTITY FULL.");
        }
        if (!new HashSet<>(declaredKey).equals(new HashSet<>(identity))) {
            throw new ValidationException("Table " + table + " has REPLICA IDENTITY "
                    + info.replicaIdentityName() + ": UPDATEs and DELETEs identify rows by "
                    + identity + " only, so the pgwal table must declare"
                    + " PRIMARY KEY (" + String.join(", ", identity) + ") NOT ENFORCED"
                    + (declaredKey.isEmpty() ? "" : " (declared: " + declaredKey + ")")
                    + ". Alternatively run ALTER TABLE " + table + " REPLICA IDENTITY FULL for a"
                    + " changelog from full before-images.");
        }
        return positions(declaredKey, names);
    }

    private static int[] positions(List<String> declaredKey, List<String> names) {
        List<Integer> positions = new ArrayList<>();
        for (String k : declaredKey) {
            positions.add(names.indexOf(k));
        }
        return positions.stream().mapToInt(Integer::intValue).toArray();
    }
}
