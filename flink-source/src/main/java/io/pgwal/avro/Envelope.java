package io.pgwal.avro;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * The shape of pgwal's change records, for code that reads them: the field names of the change
 * envelope ({@code <table>_envelope}), of its {@code pgwal.Source} record and of the {@code
 * pgwal.Message} envelope, the {@link Op} of a record, and typed readers. {@link PgWalSchemas} and
 * {@link TableSchema} build the schemas with these names; see them for the field types.
 *
 * <p>The readers work on any envelope pgwal wrote, also with an older schema: a {@code source}
 * field added later (such as {@code relation_oid}) reads as null from a record that lacks it.
 */
public final class Envelope {

    private Envelope() {}

    /** Fields of a change envelope, in schema order. */
    public static final class FieldName {
        /** The {@link Op}, an Avro enum {@code pgwal.Op}. */
        public static final String OP = "op";
        /** The old row (replica identity FULL) or the old key record; null when not sent. */
        public static final String BEFORE = "before";
        /** The new row; null for DELETE and TRUNCATE. */
        public static final String AFTER = "after";
        /** Names of the columns whose unchanged TOAST value was not sent (null in after). */
        public static final String UNCHANGED_TOAST = "unchanged_toast";
        /** The {@code pgwal.Source} record. */
        public static final String SOURCE = "source";

        private FieldName() {}
    }

    /** Fields of the {@code pgwal.Source} record, in schema order. */
    public static final class SourceField {
        /** WAL position of the change (a long, PostgreSQL's 64-bit LSN). */
        public static final String LSN = "lsn";
        /** LSN of the transaction's commit record. */
        public static final String COMMIT_LSN = "commit_lsn";
        /** 0-based index of the record in its transaction (an int). */
        public static final String TX_INDEX = "tx_index";
        /** Transaction id (a long holding the unsigned 32-bit xid). */
        public static final String TXID = "txid";
        /** Commit time in Unix-epoch microseconds (timestamp-micros), or null. */
        public static final String COMMIT_TS = "commit_ts";
        /** Database name. */
        public static final String DB = "db";
        /** Schema name; null for messages. */
        public static final String SCHEMA = "schema";
        /** Table name; null for messages. */
        public static final String TABLE = "table";
        /** True for a row of the initial snapshot (op READ). */
        public static final String SNAPSHOT = "snapshot";
        /** The table's OID ({@code pg_class.oid}, unsigned, as a long); null for messages. */
        public static final String RELATION_OID = "relation_oid";

        private SourceField() {}
    }

    /** Fields of the {@code pgwal.Message} envelope besides op and source. */
    public static final class MessageField {
        public static final String PREFIX = "prefix";
        public static final String CONTENT = "content";
        public static final String TRANSACTIONAL = "transactional";

        private MessageField() {}
    }

    /** The kind of a record: the symbols of {@code pgwal.Op}, in their schema order. */
    public enum Op {
        INSERT,
        UPDATE,
        DELETE,
        TRUNCATE,
        MESSAGE,
        /** A row of the initial snapshot. */
        READ
    }

    public static Op op(GenericRecord record) {
        return Op.valueOf(record.get(FieldName.OP).toString());
    }

    /** The {@code before} record, or null. */
    @Nullable
    public static GenericRecord before(GenericRecord envelope) {
        return (GenericRecord) envelope.get(FieldName.BEFORE);
    }

    /** The {@code after} record, or null. */
    @Nullable
    public static GenericRecord after(GenericRecord envelope) {
        return (GenericRecord) envelope.get(FieldName.AFTER);
    }

    public static GenericRecord source(GenericRecord record) {
        return (GenericRecord) record.get(FieldName.SOURCE);
    }

    /** The names of the columns whose unchanged TOAST value was not sent; empty when none. */
    public static List<String> unchangedToast(GenericRecord envelope) {
        Object names = envelope.get(FieldName.UNCHANGED_TOAST);
        if (!(names instanceof List<?> list) || list.isEmpty()) {
            return Collections.emptyList();
        }
        List<String> out = new ArrayList<>(list.size());
        list.forEach(n -> out.add(n.toString()));
        return out;
    }

    public static long lsn(GenericRecord record) {
        return (Long) source(record).get(SourceField.LSN);
    }

    public static long commitLsn(GenericRecord record) {
        return (Long) source(record).get(SourceField.COMMIT_LSN);
    }

    public static int txIndex(GenericRecord record) {
        return (Integer) source(record).get(SourceField.TX_INDEX);
    }

    public static long txid(GenericRecord record) {
        return (Long) source(record).get(SourceField.TXID);
    }

    public static String database(GenericRecord record) {
        return source(record).get(SourceField.DB).toString();
    }

    /** The schema name, or null for a message. */
    @Nullable
    public static String schema(GenericRecord record) {
        Object v = source(record).get(SourceField.SCHEMA);
        return v == null ? null : v.toString();
    }

    /** The table name, or null for a message. */
    @Nullable
    public static String table(GenericRecord record) {
        Object v = source(record).get(SourceField.TABLE);
        return v == null ? null : v.toString();
    }

    public static boolean snapshot(GenericRecord record) {
        return (Boolean) source(record).get(SourceField.SNAPSHOT);
    }

    /** The table's OID, or null for a message or a record written before the field existed. */
    @Nullable
    public static Long relationOid(GenericRecord record) {
        return (Long) optional(source(record), SourceField.RELATION_OID);
    }

    /** A field's value, or null when the record's schema has no such field. */
    @Nullable
    public static Object optional(GenericRecord record, String field) {
        Schema.Field f = record.getSchema().getField(field);
        return f == null ? null : record.get(f.pos());
    }
}
