package io.pgwal.table;

import io.pgwal.PgWalException;
import io.pgwal.avro.Envelope;
import io.pgwal.avro.Envelope.Op;
import io.pgwal.catalog.PgTypeInfo;
import io.pgwal.catalog.PgTypes;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the change envelopes of the captured tables (one, or several of one shape: option {@code
 * table-name} as a pattern) into Flink changelog rows (declared physical columns, then the
 * requested metadata columns). Envelopes of other tables and logical decoding messages are
 * dropped. Never a plausible wrong row: a TRUNCATE that cannot be retracted ends the
 * job unless {@code changelog.truncate} = ignore; so do a change of another relation under the
 * table's name (dropped and created again) and a column whose type changed beyond its declared
 * SQL type ({@link CapturedTable}).
 *
 * <p>Three ways, fixed at planning ({@link ChangelogShape}):
 *
 * <ul>
 *   <li>Full images (REPLICA IDENTITY FULL, no state): every UPDATE and DELETE carries the whole
 *       old row; unsent TOAST values are copied from it. {@code changelog-mode} = all emits
 *       {@code -U} old, {@code +U} new; upsert emits only {@code +U} (a key change: {@code -D},
 *       {@code +I}).
 *   <li>Kept rows (identity DEFAULT or USING INDEX, {@code changelog-mode} = all): the last row
 *       per key is in a {@link RowStore}; an UPDATE becomes {@code -U} stored row, {@code +U} new
 *       row (a key change: {@code -D} old row, {@code +I} new row), a DELETE {@code -D} stored
 *       row, a TRUNCATE {@code -D} of every stored row. Unsent TOAST values come from the stored
 *       row. A row this job never saw (written before the slot's start and not read by a
 *       snapshot) is not in the table: its UPDATE is an {@code +I}, its DELETE emits nothing.
 *   <li>Upsert (identity DEFAULT or USING INDEX, {@code changelog-mode} = upsert, no state): an
 *       UPDATE becomes {@code +U} (a key change: {@code -D} old key, {@code +I} new row), a DELETE
 *       a {@code -D} carrying only the key columns. An UPDATE that leaves a TOAST value unsent
 *       ends the job: nothing holds the value.
 * </ul>
 */
final class ChangelogConverter implements Serializable {

    private static final long serialVersionUID = 3L;
    private static final Logger LOG = LoggerFactory.getLogger(ChangelogConverter.class);

    private final String schema;
    /** The captured tables of {@link #schema} by name (one, or those {@code table-name} matched). */
    private final Map<String, CapturedTable> tables;
    private final String[] columns;
    private final LogicalType[] types;
    private final int[] keyPositions;
    private final PgWalMetadata[] metadata;
    private final ChangelogShape shape;

    /** The table of the change being converted, and what it was planned on. */
    private transient String table;
    private transient CapturedTable captured;

    private transient Map<Schema, RowLayout> layouts;
    private transient EnvelopeView view;
    /** The LSN of the change being converted, for messages. */
    private transient long currentLsn;
    private transient RowData.FieldGetter[] keyGetters;
    private transient RowData.FieldGetter[] getters;

    /**
     * @param keyPositions the primary key's positions among {@code columns}; empty for a table
     *     with full images and no declared key
     */
    ChangelogConverter(String schema, Map<String, CapturedTable> tables, String[] columns,
            LogicalType[] types, int[] keyPositions, List<PgWalMetadata> metadata,
            ChangelogShape shape) {
        this.tables = new HashMap<>(tables);
        this.schema = schema;
        this.columns = columns.clone();
        this.types = types.clone();
        this.keyPositions = keyPositions.clone();
        this.metadata = metadata.toArray(new PgWalMetadata[0]);
        this.shape = shape;
    }

    /**
     * Emits the rows of one envelope. {@code store} holds the last row per key with {@link
     * ChangelogShape#KEPT_ROWS} and is null otherwise.
     */
    void convert(GenericRecord envelope, RowStore store, Collector<RowData> out) throws Exception {
        try {
            convertChange(envelope, store, out);
        } catch (PgWalException e) {
            // The same change comes again after a restart: end the job once instead.
            throw PgWalException.failOnce(e);
        }
    }

    private void convertChange(GenericRecord envelope, RowStore store, Collector<RowData> out)
            throws Exception {
        EnvelopeView view = view();
        view.read(envelope);
        Op op = view.op();
        if (op == Op.MESSAGE) {
            return;
        }
        captured = schema.equals(view.schema()) ? tables.get(view.table()) : null;
        if (captured == null) {
            checkNotRenamed(view);
            return;
        }
        table = view.table();
        currentLsn = view.lsn();
        checkRelation(view.relationOid());
        GenericRecord source = view.source();
        GenericRecord before = view.before();
        GenericRecord after = view.after();
        switch (op) {
            case INSERT, READ -> {
                // READ: a row of the initial snapshot, an insert for the changelog.
                GenericRowData row = physical(after, false);
                if (store != null) {
                    store.put(storeKey(row), row);
                }
                out.collect(withMetadataOwned(RowKind.INSERT, row, source));
            }
            case UPDATE -> {
                if (shape == ChangelogShape.KEPT_ROWS) {
                    keptRowsUpdate(envelope, before, after, source, store, out);
                } else if (shape.fullImages()) {
                    fullImageUpdate(envelope, before, after, source, out);
                } else {
                    upsertUpdate(envelope, before, after, source, out);
                }
            }
            case DELETE -> {
                GenericRowData old = physical(requireOldRow(before, op), !shape.fullImages());
                if (store == null) {
                    out.collect(withMetadataOwned(RowKind.DELETE, old, source));
                } else {
                    String k = storeKey(old);
                    RowData last = store.get(k);
                    if (last != null) {
                        store.remove(k);
                        out.collect(withMetadata(RowKind.DELETE, last, source));
                    }
                    // else: a row this job never saw is not in the table; nothing to retract.
                }
            }
            case TRUNCATE -> truncate(envelope, source, store, out);
            case MESSAGE -> throw new IllegalStateException("handled above");
        }
    }

    private void fullImageUpdate(GenericRecord envelope, GenericRecord before, GenericRecord after,
            GenericRecord source, Collector<RowData> out) {
        GenericRowData old = physical(requireOldRow(before, Op.UPDATE), false);
        GenericRowData now = physical(after, false);
        boolean[] unsent = unsent(envelope, after);
        if (unsent != null) {
            fill(now, unsent, old);
        }
        if (!shape.upsert()) {
            out.collect(withMetadataOwned(RowKind.UPDATE_BEFORE, old, source));
            out.collect(withMetadataOwned(RowKind.UPDATE_AFTER, now, source));
        } else if (!key(old).equals(key(now))) {
            out.collect(withMetadataOwned(RowKind.DELETE, old, source));
            out.collect(withMetadataOwned(RowKind.INSERT, now, source));
        } else {
            out.collect(withMetadataOwned(RowKind.UPDATE_AFTER, now, source));
        }
    }

    /** Upsert mode without state: {@code +U}, or {@code -D} old key and {@code +I} on a key change. */
    private void upsertUpdate(GenericRecord envelope, GenericRecord before, GenericRecord after,
            GenericRecord source, Collector<RowData> out) {
        GenericRowData now = physical(after, false);
        boolean[] unsent = unsent(envelope, after);
        if (unsent != null) {
            throw new PgWalException("UPDATE of " + schema + "." + table + " at LSN "
                    + lsn(currentLsn) + " did not send the unchanged TOAST value of "
                    + unsentNames(unsent) + ", and with 'changelog-mode' = 'upsert' pgwal keeps no"
                    + " rows to take it from. Use 'changelog-mode' = 'all' (the default: pgwal"
                    + " keeps the last row per key and completes the UPDATE), or set REPLICA"
                    + " IDENTITY FULL on the table so that PostgreSQL sends the old value.");
        }
        // The old key is only sent when the UPDATE changed it.
        GenericRowData oldKeyRow = before == null ? null : physical(before, true);
        if (oldKeyRow != null && !key(oldKeyRow).equals(key(now))) {
            out.collect(withMetadataOwned(RowKind.DELETE, oldKeyRow, source));
            out.collect(withMetadataOwned(RowKind.INSERT, now, source));
        } else {
            out.collect(withMetadataOwned(RowKind.UPDATE_AFTER, now, source));
        }
    }

    /** Kept rows: {@code -U} the stored row, {@code +U} the new one (completed from it). */
    private void keptRowsUpdate(GenericRecord envelope, GenericRecord before, GenericRecord after,
            GenericRecord source, RowStore store, Collector<RowData> out) throws Exception {
        GenericRowData now = physical(after, false);
        String newKey = storeKey(now);
        // The old key is only sent when the UPDATE changed it.
        String oldKey = before == null ? newKey : storeKey(physical(before, true));
        RowData last = store.get(oldKey);
        boolean[] unsent = unsent(envelope, after);
        if (unsent != null) {
            if (last == null) {
                throw new PgWalException("UPDATE of " + schema + "." + table + " at LSN "
                        + lsn(currentLsn) + " did not send the unchanged TOAST value of "
                        + unsentNames(unsent) + ", and this job has not seen the row before (it was"
                        + " written before the slot's start). Use 'scan.startup.mode' = 'initial'"
                        + " (the snapshot puts every row in pgwal's state), or set REPLICA"
                        + " IDENTITY FULL on the table so that PostgreSQL sends the old value.");
            }
            fill(now, unsent, last);
        }
        if (last == null) {
            // Never seen: the row enters the table now.
            out.collect(withMetadata(RowKind.INSERT, now, source));
        } else if (!oldKey.equals(newKey)) {
            store.remove(oldKey);
            out.collect(withMetadata(RowKind.DELETE, last, source));
            out.collect(withMetadata(RowKind.INSERT, now, source));
        } else {
            out.collect(withMetadata(RowKind.UPDATE_BEFORE, last, source));
            out.collect(withMetadata(RowKind.UPDATE_AFTER, now, source));
        }
        store.put(newKey, now);
    }

    /**
     * A change of a captured relation under another name: the table (or its schema) was renamed
     * since planning. Its changes would silently stop reaching the SQL table, so the job ends.
     */
    private void checkNotRenamed(EnvelopeView view) {
        Long oid = view.relationOid();
        if (oid == null) {
            return;
        }
        for (Map.Entry<String, CapturedTable> e : tables.entrySet()) {
            if (e.getValue().relationOid() == oid) {
                throw new PgWalException("The change at LSN " + lsn(view.lsn()) + " is of "
                        + view.schema() + "." + view.table() + ", relation OID " + oid + ": the"
                        + " table the SQL table was planned on as " + schema + "." + e.getKey()
                        + " has been renamed, and its changes would no longer reach the SQL table."
                        + " Declare the SQL table on the new name (options 'schema-name' and"
                        + " 'table-name') and start the SQL job again without state, on a new slot"
                        + " ('slot.name'), so that it reads the table as it is now"
                        + " ('scan.startup.mode' = 'initial').");
            }
        }
    }

    /**
     * A change of another relation under the table's name: the table was dropped and created
     * again (or replaced) since planning. Its rows cannot be merged with the old table's.
     */
    private void checkRelation(Long oid) {
        if (oid != null && oid != captured.relationOid()) {
            throw new PgWalException("The change at LSN " + lsn(currentLsn) + " is of"
                    + " relation OID " + oid + ", but the SQL table " + schema + "." + table
                    + " was planned on relation OID " + captured.relationOid() + ": the table was"
                    + " dropped and created again (or replaced) under the same name, and the new"
                    + " table's rows cannot be merged with the old one's. Start the SQL job"
                    + " again without state, on a new slot ('slot.name'), so that it reads the"
                    + " new table from the start ('scan.startup.mode' = 'initial').");
        }
    }

    private void truncate(GenericRecord envelope, GenericRecord source, RowStore store,
            Collector<RowData> out) throws Exception {
        if (store != null) {
            // pgwal holds every row of the table as this job sees it: retract them all.
            store.removeAll(storePrefix(),
                    row -> out.collect(withMetadata(RowKind.DELETE, row, source)));
            return;
        }
        String what = "TRUNCATE of " + schema + "." + table + " at LSN "
                + lsn(Envelope.lsn(envelope));
        if (captured.truncate() == CapturedTable.TruncateHandling.IGNORE) {
            LOG.warn("{} is not in the SQL changelog: the truncated rows stay (option"
                    + " 'changelog.truncate' = 'ignore').", what);
            return;
        }
        throw new PgWalException(what + " cannot be expressed in the changelog: this SQL table"
                + " keeps no rows to retract (REPLICA IDENTITY FULL, or 'changelog-mode' ="
                + " 'upsert'), and going on would leave them in every result. Set"
                + " 'changelog.truncate' = 'ignore' to go on with the truncated rows left in"
                + " place, or start the SQL job again without state ('scan.startup.mode' ="
                + " 'initial' reads the table as it is now).");
    }

    private GenericRecord requireOldRow(GenericRecord before, Op op) {
        if (before == null) {
            throw new PgWalException(op + " of " + schema + "." + table + " at LSN "
                    + lsn(currentLsn) + " arrived without its old row: the table's REPLICA"
                    + " IDENTITY is NOTHING or was changed after the SQL table was planned.");
        }
        return before;
    }

    private void fill(GenericRowData now, boolean[] unsent, RowData from) {
        for (int i = 0; i < unsent.length; i++) {
            if (unsent[i]) {
                now.setField(i, getters()[i].getFieldOrNull(from));
            }
        }
    }

    /** The declared columns listed in {@code unchanged_toast}, or null when there are none. */
    private boolean[] unsent(GenericRecord envelope, GenericRecord after) {
        List<String> names = Envelope.unchangedToast(envelope);
        if (names.isEmpty()) {
            return null;
        }
        RowLayout layout = layout(after.getSchema());
        boolean[] unsent = new boolean[columns.length];
        boolean any = false;
        for (String name : names) {
            int i = layout.column(name);
            if (i >= 0) {
                unsent[i] = true;
                any = true;
            }
        }
        return any ? unsent : null;
    }

    private String unsentNames(boolean[] unsent) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < unsent.length; i++) {
            if (unsent[i]) {
                b.append(b.length() == 0 ? "" : ", ").append('\'').append(columns[i]).append('\'');
            }
        }
        return b.toString();
    }

    /** The declared columns of one image; a key-only image leaves the other columns null. */
    private GenericRowData physical(GenericRecord image, boolean keyOnlyAllowed) {
        RowLayout layout = layout(image.getSchema());
        GenericRowData row = new GenericRowData(columns.length);
        for (int i = 0; i < columns.length; i++) {
            int pos = layout.position(i);
            if (pos < 0) {
                if (keyOnlyAllowed) {
                    continue;
                }
                throw new PgWalException("Column '" + columns[i] + "' of " + schema + "." + table
                        + " is not in the replicated row " + image.getSchema().getName()
                        + " (dropped or renamed after the SQL table was created?)");
            }
            row.setField(i, AvroValues.toInternal(image.get(pos), layout.fieldSchema(i), types[i]));
        }
        return row;
    }

    private EnvelopeView view() {
        if (view == null) {
            view = new EnvelopeView();
        }
        return view;
    }

    private RowLayout layout(Schema rowSchema) {
        if (layouts == null) {
            layouts = new HashMap<>();
        }
        RowLayout layout = layouts.get(rowSchema);
        if (layout == null) {
            layout = new RowLayout(rowSchema, columns);
            checkTypes(rowSchema, layout);
            layouts.put(rowSchema, layout);
        }
        return layout;
    }

    /**
     * A declared column whose PostgreSQL type changed since planning (ALTER COLUMN ... TYPE) must
     * still fit its declared SQL type; otherwise the job ends rather than convert its values into
     * something else.
     */
    private void checkTypes(Schema rowSchema, RowLayout layout) {
        for (int i = 0; i < columns.length; i++) {
            int pos = layout.position(i);
            if (pos < 0) {
                continue;
            }
            Schema.Field f = rowSchema.getFields().get(pos);
            Object oidProp = f.getObjectProp("pg.type_oid");
            Object modProp = f.getObjectProp("pg.typmod");
            if (!(oidProp instanceof Number o) || !(modProp instanceof Number m)) {
                continue;
            }
            int oid = (int) o.longValue();
            int typmod = m.intValue();
            if (oid == captured.typeOids()[i] && typmod == captured.typeModifiers()[i]) {
                continue;
            }
            java.util.Optional<String> expected = PgTypes.isKnown(oid)
                    ? PgTypeCompatibility.check(PgTypeInfo.scalar(oid, typmod), types[i])
                    : java.util.Optional.of("the type it had when the SQL table was planned");
            if (expected.isPresent()) {
                throw new PgWalException("Column '" + columns[i] + "' of " + schema + "." + table
                        + " is " + f.getProp("pg.type") + " from the change at LSN "
                        + lsn(currentLsn) + " on, which its declared SQL type "
                        + types[i].asSummaryString() + " cannot hold (it would need "
                        + expected.get() + "). Declare the column to fit the new type and start the"
                        + " SQL job again without state on a new slot, or change the column back.");
            }
        }
    }

    /**
     * {@link #withMetadata} of a row built for this change and referenced nowhere else (kept rows
     * are stored as their own binary copies): without metadata columns it is emitted itself.
     */
    private RowData withMetadataOwned(RowKind kind, GenericRowData physical, GenericRecord source) {
        if (metadata.length == 0) {
            physical.setRowKind(kind);
            return physical;
        }
        return withMetadata(kind, physical, source);
    }

    private RowData withMetadata(RowKind kind, RowData physical, GenericRecord source) {
        GenericRowData row = new GenericRowData(kind, columns.length + metadata.length);
        for (int i = 0; i < columns.length; i++) {
            row.setField(i, getters()[i].getFieldOrNull(physical));
        }
        for (int i = 0; i < metadata.length; i++) {
            row.setField(columns.length + i, metadata[i].read(source, kind));
        }
        return row;
    }

    private RowData.FieldGetter[] getters() {
        if (getters == null) {
            getters = new RowData.FieldGetter[types.length];
            for (int i = 0; i < types.length; i++) {
                getters[i] = RowData.createFieldGetter(types[i], i);
            }
        }
        return getters;
    }

    /**
     * The kept row's key: {@link #key} of the row, after the table's name when the SQL table
     * captures several tables (their keys may be equal; one table's keys stay as they were).
     */
    private String storeKey(RowData row) {
        return storePrefix() + key(row);
    }

    private String storePrefix() {
        return tables.size() == 1 ? "" : table.length() + ":" + table + "|";
    }

    /** A string identifying the row's primary key, equal for equal keys in any RowData form. */
    String key(RowData row) {
        if (keyGetters == null) {
            keyGetters = Arrays.stream(keyPositions)
                    .mapToObj(p -> RowData.createFieldGetter(types[p], p))
                    .toArray(RowData.FieldGetter[]::new);
        }
        StringBuilder b = new StringBuilder();
        for (RowData.FieldGetter g : keyGetters) {
            Object v = g.getFieldOrNull(row);
            String s = v == null ? null : v instanceof byte[] bytes
                    ? Base64.getEncoder().encodeToString(bytes) : v.toString();
            // Length-prefixed, so that no value can imitate a separator.
            b.append(s == null ? "-" : s.length() + ":" + s).append('|');
        }
        return b.toString();
    }

    private static String lsn(long lsn) {
        return org.postgresql.replication.LogSequenceNumber.valueOf(lsn).asString();
    }
}
