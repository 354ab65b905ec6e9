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
 * changelog mode from the table's REPLICA IDENTITY:
 *
 * <ul>
 *   <li>FULL → retract mode ({@code +I -U +U -D}); a primary key is optional.
 *   <li>DEFAULT or USING INDEX → upsert mode ({@code +I +U -D}, key-only deletes): the old row is
 *       identified by its key only, so {@code PRIMARY KEY (...) NOT ENFORCED} is required and must
 *       name exactly the replica identity's columns.
 *   <li>NOTHING, or DEFAULT without a primary key → rejected: PostgreSQL cannot say which row an
 *       UPDATE or DELETE changed.
 * </ul>
 */
final class TableValidator {

    private TableValidator() {}

    /** The validated shape of the SQL table. */
    record Result(String[] columns, LogicalType[] types, int[] keyPositions, boolean keepRows,
            int[] typeOids, int[] typeModifiers) {}

    /**
     * @param sent the columns pgoutput sends of the table (its publication's column list, and no
     *     generated column before PostgreSQL 18): a declared column outside it would never get a
     *     value
     */
    static Result validate(PgTable info, ResolvedSchema declared, java.util.Set<String> sent,
            String publication) {
        List<Column> physical = declared.getColumns().stream().filter(Column::isPhysical).toList();
        String[] names = new String[physical.size()];
        LogicalType[] types = new LogicalType[physical.size()];
        boolean toastable = false;
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
            toastable |= pg.get().toastable();
        }
        int[] keyPositions = keyPositions(info, declared.getPrimaryKey(), List.of(names));
        int[] typeOids = new int[names.length];
        int[] typeModifiers = new int[names.length];
        for (int i = 0; i < names.length; i++) {
            PgColumn pg = info.column(names[i]).orElseThrow();
            typeOids[i] = pg.typeOid();
            typeModifiers[i] = pg.typeModifier();
        }
        return new Result(names, types, keyPositions, keyPositions.length > 0 && toastable,
                typeOids, typeModifiers);
    }

    private static int[] keyPositions(PgTable info, Optional<UniqueConstraint> primaryKey,
            List<String> names) {
        String table = info.qualifiedName();
        switch (info.replicaIdentity()) {
            case 'f':
                return new int[0];
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
        List<String> declaredKey = primaryKey.map(UniqueConstraint::getColumns).orElse(List.of());
        if (!new HashSet<>(declaredKey).equals(new HashSet<>(identity))) {
            throw new ValidationException("Table " + table + " has REPLICA IDENTITY "
                    + info.replicaIdentityName() + ": UPDATEs and DELETEs identify rows by "
                    + identity + " only, so the pgwal table is an upsert table and must declare"
                    + " PRIMARY KEY (" + String.join(", ", identity) + ") NOT ENFORCED"
                    + (declaredKey.isEmpty() ? "" : " (declared: " + declaredKey + ")")
                    + ". Alternatively run ALTER TABLE " + table + " REPLICA IDENTITY FULL for a"
                    + " retract changelog with full before-images.");
        }
        List<Integer> positions = new ArrayList<>();
        for (String k : declaredKey) {
            positions.add(names.indexOf(k));
        }
        return positions.stream().mapToInt(Integer::intValue).toArray();
    }
}
