package io.pgwal.avro;

import io.pgwal.catalog.CatalogLookup;
import io.pgwal.catalog.PgColumn;
import io.pgwal.catalog.PgTypes;
import io.pgwal.PgWalException;
import io.pgwal.decoder.PgOutputMessage.Delete;
import io.pgwal.decoder.PgOutputMessage.Insert;
import io.pgwal.decoder.PgOutputMessage.LogicalMessage;
import io.pgwal.decoder.PgOutputMessage.Relation;
import io.pgwal.decoder.PgOutputMessage.Update;
import io.pgwal.decoder.TupleData;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;
import org.postgresql.replication.LogSequenceNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns decoded pgoutput changes into Avro change envelopes (see {@link TableSchema}) and logical
 * decoding messages into {@code pgwal.Message} records.
 *
 * <p>One instance per replication stream; not thread-safe. Each Relation message is passed to
 * {@link #onRelation}, which reads the catalog once for it (pgoutput sends one per table and
 * session, and again after the table's definition changed; never per row) and derives a new
 * {@link TableSchema} only if the relation or the catalog's facts differ from the cached version,
 * so records keep sharing the same Schema objects.
 * After a schema change (columns added, dropped or retyped), the next Relation message switches
 * the relation to the new schema for all following records.
 *
 * <p>The catalog is read when the Relation message arrives, i.e. it describes the table now; the
 * Relation message itself describes the table as it was when the change was written. Only facts
 * that cannot have changed in between are taken from the catalog (see {@link TableSchema}), so a
 * value that was legal when it was written always converts. A value the Avro type cannot hold is
 * handled as {@link UnrepresentableValues} says; any other conversion failure is a {@link
 * PgWalException} naming the table, column and LSN.
 */
public final class AvroChangeConverter {

    private static final Logger LOG = LoggerFactory.getLogger(AvroChangeConverter.class);

    private final String database;
    private final CatalogLookup catalog;
    private final Map<Integer, TableSchema> tables = new HashMap<>();
    private final UnrepresentableValues unrepresentable;
    /** Values turned into NULL so far, by "table.column", for the log and the metric. */
    private final Map<String, Long> nulledValues = new HashMap<>();
    private long nulledTotal;

    /** A converter that turns unrepresentable values into NULL (the default). */
    public AvroChangeConverter(String database, CatalogLookup catalog) {
        this(database, catalog, UnrepresentableValues.NULL);
    }

    public AvroChangeConverter(
            String database, CatalogLookup catalog, UnrepresentableValues unrepresentable) {
        this.database = Objects.requireNonNull(database, "database");
        this.catalog = Objects.requireNonNull(catalog, "catalog");
        this.unrepresentable = Objects.requireNonNull(unrepresentable, "unrepresentable");
    }

    /**
     * A converter of rows whose {@link TableSchema} is given ({@link #read(TableSchema, TupleData,
     * ChangeSource)}): it has no catalog, so {@link #onRelation} fails on it.
     */
    public static AvroChangeConverter forGivenSchemas(
            String database, UnrepresentableValues unrepresentable) {
        return new AvroChangeConverter(database, relationOid -> {
            throw new IllegalStateException("This converter reads no catalog; it converts rows"
                    + " with a given TableSchema");
        }, unrepresentable);
    }

    /** How many values this converter turned into NULL because Avro cannot hold them. */
    public long unrepresentableValuesNulled() {
        return nulledTotal;
    }

    /** Registers a relation version; keeps the cached TableSchema when nothing changed. */
    public void onRelation(Relation r) {
        Map<String, PgColumn> columns = catalog.columns(r.relationId());
        TableSchema cached = tables.get(r.relationId());
        if (cached == null || !cached.describes(r, columns)) {
            tables.put(r.relationId(), TableSchema.derive(database, r, columns));
        }
    }

    /** The current schema of a relation; a PgWalException if no Relation message came yet. */
    public TableSchema tableSchema(int relationId) {
        TableSchema t = tables.get(relationId);
        if (t == null) {
            throw new PgWalException("Got a change for relation OID "
                    + Integer.toUnsignedString(relationId) + " before its Relation message. "
                    + "pgoutput always describes a table before its first change in a session; "
                    + "pass every Relation message to onRelation() before the changes.");
        }
        return t;
    }

    public GenericRecord insert(Insert m, ChangeSource s) {
        TableSchema t = tableSchema(m.relationId());
        GenericData.Record env = envelope(t, PgWalSchemas.INSERT, s);
        env.put(TableSchema.ENV_AFTER, row(t, m.newTuple(), s, env));
        return env;
    }

    /**
     * A row of the initial snapshot: op READ, {@code after} = the row, no {@code before}. The row
     * holds every column in the relation's order, never unchanged TOAST.
     */
    public GenericRecord read(int relationId, TupleData row, ChangeSource s) {
        return read(tableSchema(relationId), row, s);
    }

    /**
     * A row of the initial snapshot of the table {@code t} describes (a schema this or another
     * converter derived, maybe on another thread: TableSchema is immutable).
     */
    public GenericRecord read(TableSchema t, TupleData row, ChangeSource s) {
        GenericData.Record env = envelope(t, PgWalSchemas.READ, s);
        env.put(TableSchema.ENV_AFTER, row(t, row, s, env));
        return env;
    }

    /** An UPDATE; {@code before} is null when pgoutput sent no old tuple (key unchanged). */
    public GenericRecord update(Update m, ChangeSource s) {
        TableSchema t = tableSchema(m.relationId());
        GenericData.Record env = envelopeWithBefore(t, PgWalSchemas.UPDATE, m.oldKind(),
                m.oldTuple(), s);
        env.put(TableSchema.ENV_AFTER, row(t, m.newTuple(), s, env));
        return env;
    }

    public GenericRecord delete(Delete m, ChangeSource s) {
        return envelopeWithBefore(tableSchema(m.relationId()), PgWalSchemas.DELETE, m.oldKind(),
                m.oldTuple(), s);
    }

    /** One truncated relation (a Truncate message yields one record per relation). */
    public GenericRecord truncate(int relationId, ChangeSource s) {
        return envelope(tableSchema(relationId), PgWalSchemas.TRUNCATE, s);
    }

    public GenericRecord message(LogicalMessage m, ChangeSource s) {
        GenericData.Record r = new GenericData.Record(PgWalSchemas.MESSAGE_ENVELOPE);
        r.put(PgWalSchemas.MSG_OP, PgWalSchemas.MESSAGE);
        r.put(PgWalSchemas.MSG_SOURCE, PgWalSchemas.source(s, database, null, null, null));
        r.put(PgWalSchemas.MSG_PREFIX, new Utf8(m.prefix()));
        r.put(PgWalSchemas.MSG_CONTENT, ByteBuffer.wrap(m.content()));
        r.put(PgWalSchemas.MSG_TRANSACTIONAL, m.transactional());
        return r;
    }

    private static GenericData.Record envelope(
            TableSchema t, GenericData.EnumSymbol op, ChangeSource s) {
        GenericData.Record env = new GenericData.Record(t.envelopeSchema());
        env.put(TableSchema.ENV_OP, op);
        env.put(TableSchema.ENV_UNCHANGED_TOAST, List.of());
        env.put(TableSchema.ENV_SOURCE,
                PgWalSchemas.source(s, t.database(), t.schemaName(), t.tableName(),
                        t.relationOid()));
        return env;
    }

    private GenericData.Record envelopeWithBefore(TableSchema t,
            GenericData.EnumSymbol op, char oldKind, TupleData old, ChangeSource s) {
        GenericData.Record env = envelope(t, op, s);
        if (old != null) {
            env.put(TableSchema.ENV_BEFORE, before(t, oldKind, old, s));
        }
        return env;
    }

    /** The {@code before} value: the whole old row (identity FULL) or the key record. */
    private GenericData.Record before(
            TableSchema t, char oldKind, TupleData old, ChangeSource s) {
        if (t.isFullIdentity()) {
            if (oldKind != 'O') {
                throw new PgWalException("Table " + t.qualifiedName() + " has REPLICA IDENTITY "
                        + "FULL but the change at LSN " + lsn(s) + " carries old tuple kind '"
                        + oldKind + "' instead of the whole old row ('O').");
            }
            return row(t, old, s, null);
        }
        checkWidth(t, old, s);
        int[] keys = t.keyColumns();
        GenericData.Record key = new GenericData.Record(t.keySchema());
        for (int k = 0; k < keys.length; k++) {
            Object v = value(t, old, keys[k], s);
            if (v == null) {
                throw nullInNonNullable(t, keys[k], s, "it is a replica identity column, which "
                        + "PostgreSQL always sends in the old key");
            }
            key.put(k, v);
        }
        return key;
    }

    /**
     * A row record. Unchanged TOAST values become null in the row; with {@code envelope} given,
     * their column names are listed in its {@code unchanged_toast} field.
     */
    private GenericData.Record row(
            TableSchema t, TupleData tuple, ChangeSource s, GenericData.Record envelope) {
        checkWidth(t, tuple, s);
        GenericData.Record row = new GenericData.Record(t.rowSchema());
        List<Utf8> unchanged = null;
        for (int i = 0; i < tuple.size(); i++) {
            Object v = value(t, tuple, i, s);
            if (v == null) {
                boolean toast = tuple.kind(i) == TupleData.UNCHANGED_TOAST;
                if (!t.isNullable(i)) {
                    throw nullInNonNullable(t, i, s, "it is a replica identity column of a "
                            + "fixed-length type, so its Avro field is not nullable");
                }
                if (toast && envelope != null) {
                    if (unchanged == null) {
                        unchanged = new ArrayList<>(2);
                    }
                    unchanged.add(t.pgName(i));
                }
            }
            row.put(i, v);
        }
        if (unchanged != null) {
            envelope.put(TableSchema.ENV_UNCHANGED_TOAST, unchanged);
        }
        return row;
    }

    /** Column {@code i}'s Avro value, or null for SQL NULL and unchanged TOAST. */
    private Object value(TableSchema t, TupleData tuple, int i, ChangeSource s) {
        byte kind = tuple.kind(i);
        ValueConverter c = kind == TupleData.TEXT ? t.converter(i)
                : kind == TupleData.BINARY ? t.binaryConverter(i) : null;
        if (c != null) {
            try {
                return c.convert(tuple.buffer(), tuple.offset(i), tuple.length(i));
            } catch (UnrepresentableValueException e) {
                return unrepresentable(t, i, s, e);
            } catch (PgWalException e) {
                throw new PgWalException("Table " + t.qualifiedName() + ", change at LSN " + lsn(s)
                        + ": " + e.getMessage(), e);
            }
        }
        if (kind == TupleData.BINARY) {
            throw new PgWalException("Column \"" + t.pgName(i) + "\" of " + t.qualifiedName()
                    + " at LSN " + lsn(s) + " arrived in binary format, which pgwal reads only"
                    + " for the scalar types of PgBinaryValues, not for this column's type. Do not"
                    + " set the pgoutput option binary=true.");
        }
        return null;
    }

    /**
     * NULL for a value Avro cannot hold, logged and counted, when the option says so and the
     * column can be null; otherwise a definite error with the table, column, value and LSN.
     */
    private Object unrepresentable(
            TableSchema t, int i, ChangeSource s, UnrepresentableValueException e) {
        String where = "Table " + t.qualifiedName() + ", " + e.getMessage() + "; change at LSN "
                + lsn(s);
        boolean nullable = t.isNullable(i) && !t.isIdentityKey(i);
        if (unrepresentable == UnrepresentableValues.NULL && nullable) {
            String column = t.qualifiedName() + "." + t.pgName(i);
            long n = nulledValues.merge(column, 1L, Long::sum);
            nulledTotal++;
            // Every one for the first ten of a column, then every thousandth: visible, not a flood.
            if (n <= 10 || n % 1000 == 0) {
                LOG.warn("{}: emitted NULL instead (option '{}' = 'null'; {} such value(s) in this"
                        + " column so far)", where, UnrepresentableValues.OPTION, n);
            }
            return null;
        }
        String fix = nullable
                ? " Set '" + UnrepresentableValues.OPTION + "' = 'null' to emit SQL NULL for such"
                        + " values (logged as a warning), which also gets the changes already in"
                        + " the slot past it."
                : " The column is part of the replica identity, which cannot be null. Change the"
                        + " row in PostgreSQL, then advance the slot past this change (SELECT"
                        + " pg_replication_slot_advance(<slot>, '<LSN after it>'), accepting its"
                        + " loss) and start without state.";
        throw new PgWalException(where + "." + fix, e);
    }

    private static void checkWidth(TableSchema t, TupleData tuple, ChangeSource s) {
        if (tuple.size() != t.columnCount()) {
            throw new PgWalException("The change of " + t.qualifiedName() + " at LSN " + lsn(s)
                    + " has " + tuple.size() + " columns but its Relation message described "
                    + t.columnCount() + "; the Relation message for the table's current "
                    + "definition was not passed to onRelation().");
        }
    }

    private static PgWalException nullInNonNullable(
            TableSchema t, int column, ChangeSource s, String why) {
        return new PgWalException("Table " + t.qualifiedName() + ", column \"" + t.pgName(column)
                + "\" at LSN " + lsn(s) + ": expected a value (" + why + ") but found none "
                + "(SQL NULL or an unsent TOAST value). PostgreSQL does not send that for such a "
                + "column; report this as a pgwal bug, with the table's definition.");
    }

    private static String lsn(ChangeSource s) {
        return LogSequenceNumber.valueOf(s.lsn()).asString();
    }
}
