package io.pgwal.avro;

import io.pgwal.avro.Envelope.FieldName;
import io.pgwal.avro.Envelope.MessageField;
import io.pgwal.avro.Envelope.SourceField;
import java.util.List;
import org.apache.avro.JsonProperties;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;

/**
 * The Avro schemas shared by every table: the operation enum {@code pgwal.Op}, the {@code
 * pgwal.Source} record and the {@code pgwal.Message} envelope of logical decoding messages. They
 * have the same full name and definition in every envelope schema, so consumers can treat them
 * uniformly.
 */
public final class PgWalSchemas {

    public static final String NAMESPACE = "pgwal";

    /**
     * {@code enum pgwal.Op {INSERT, UPDATE, DELETE, TRUNCATE, MESSAGE, READ}} with the enum
     * default {@code INSERT}: READ (a row of the initial snapshot) was appended last, and a reader
     * whose schema lacks a symbol the writer used resolves it to the default instead of failing.
     */
    public static final Schema OP = new Schema.Parser().parse("""
            {"type": "enum", "name": "Op", "namespace": "pgwal", "doc": "The kind of change.",
             "symbols": ["INSERT", "UPDATE", "DELETE", "TRUNCATE", "MESSAGE", "READ"],
             "default": "INSERT"}""");

    public static final GenericData.EnumSymbol INSERT = new GenericData.EnumSymbol(OP, "INSERT");
    public static final GenericData.EnumSymbol UPDATE = new GenericData.EnumSymbol(OP, "UPDATE");
    public static final GenericData.EnumSymbol DELETE = new GenericData.EnumSymbol(OP, "DELETE");
    public static final GenericData.EnumSymbol TRUNCATE =
            new GenericData.EnumSymbol(OP, "TRUNCATE");
    public static final GenericData.EnumSymbol MESSAGE = new GenericData.EnumSymbol(OP, "MESSAGE");
    /** A row of the initial snapshot (not a change): see {@code source.snapshot}. */
    public static final GenericData.EnumSymbol READ = new GenericData.EnumSymbol(OP, "READ");

    /** Positions of the {@code pgwal.Source} fields. */
    static final int SRC_LSN = 0;
    static final int SRC_COMMIT_LSN = 1;
    static final int SRC_TX_INDEX = 2;
    static final int SRC_TXID = 3;
    static final int SRC_COMMIT_TS = 4;
    static final int SRC_DB = 5;
    static final int SRC_SCHEMA = 6;
    static final int SRC_TABLE = 7;
    static final int SRC_SNAPSHOT = 8;
    static final int SRC_RELATION_OID = 9;

    /**
     * {@code pgwal.Source}: where a record comes from. {@code commit_ts} is null when the commit
     * time is unknown ({@code ChangeSource.commitTimeMicros() == Long.MIN_VALUE}); {@code schema},
     * {@code table} and {@code relation_oid} are null for logical decoding messages. {@code
     * relation_oid} came last, with a default, so that readers of older records resolve it.
     */
    public static final Schema SOURCE = Schema.createRecord("Source",
            "Where a change comes from in the WAL.", NAMESPACE, false, List.of(
                    field(SourceField.LSN, Schema.create(Schema.Type.LONG), "WAL position of the change"),
                    field(SourceField.COMMIT_LSN, Schema.create(Schema.Type.LONG),
                            "LSN of the transaction's commit record"),
                    field(SourceField.TX_INDEX, Schema.create(Schema.Type.INT),
                            "0-based index of the record in its transaction"),
                    field(SourceField.TXID, Schema.create(Schema.Type.LONG), "transaction id"),
                    nullableField(SourceField.COMMIT_TS, LogicalTypes.timestampMicros()
                            .addToSchema(Schema.create(Schema.Type.LONG)), "commit time"),
                    field(SourceField.DB, Schema.create(Schema.Type.STRING), "database"),
                    nullableField(SourceField.SCHEMA, Schema.create(Schema.Type.STRING), "schema"),
                    nullableField(SourceField.TABLE, Schema.create(Schema.Type.STRING), "table"),
                    new Schema.Field(SourceField.SNAPSHOT, Schema.create(Schema.Type.BOOLEAN),
                            "true for a row of the initial snapshot (op READ): then lsn and"
                                    + " commit_lsn hold the snapshot's LSN and tx_index the row's"
                                    + " index in its chunk", false),
                    nullableField(SourceField.RELATION_OID, Schema.create(Schema.Type.LONG),
                            "OID of the table (pg_class.oid, unsigned 32-bit), which tells a table"
                                    + " dropped and created again under the same name from the"
                                    + " old one; null for messages")));

    /** Positions of the {@code pgwal.Message} fields. */
    static final int MSG_OP = 0;
    static final int MSG_SOURCE = 1;
    static final int MSG_PREFIX = 2;
    static final int MSG_CONTENT = 3;
    static final int MSG_TRANSACTIONAL = 4;

    /** {@code pgwal.Message}: a message written with {@code pg_logical_emit_message}. */
    public static final Schema MESSAGE_ENVELOPE = Schema.createRecord("Message",
            "A logical decoding message (pg_logical_emit_message).", NAMESPACE, false, List.of(
                    field(FieldName.OP, OP, "always MESSAGE"),
                    field(FieldName.SOURCE, SOURCE, "where the message comes from"),
                    field(MessageField.PREFIX, Schema.create(Schema.Type.STRING), "the message prefix"),
                    field(MessageField.CONTENT, Schema.create(Schema.Type.BYTES), "the message content"),
                    field(MessageField.TRANSACTIONAL, Schema.create(Schema.Type.BOOLEAN),
                            "whether the message was part of a transaction")));

    private PgWalSchemas() {}

    static Schema.Field field(String name, Schema schema, String doc) {
        return new Schema.Field(name, schema, doc);
    }

    static Schema.Field nullableField(String name, Schema schema, String doc) {
        return new Schema.Field(name, nullable(schema), doc, JsonProperties.NULL_VALUE);
    }

    /** {@code ["null", schema]}. */
    static Schema nullable(Schema schema) {
        return Schema.createUnion(Schema.create(Schema.Type.NULL), schema);
    }

    /**
     * A {@code pgwal.Source} value; {@code schema}, {@code table} and {@code relationOid} are null
     * for messages.
     */
    static GenericData.Record source(
            ChangeSource s, String db, String schema, String table, Long relationOid) {
        GenericData.Record r = new GenericData.Record(SOURCE);
        Long lsn = s.lsn();
        r.put(SRC_LSN, lsn);
        // One box for both in a snapshot row, where they are equal.
        r.put(SRC_COMMIT_LSN, s.commitLsn() == s.lsn() ? lsn : Long.valueOf(s.commitLsn()));
        r.put(SRC_TX_INDEX, s.txIndex());
        r.put(SRC_TXID, s.txid());
        r.put(SRC_COMMIT_TS, s.commitTimeMicros() == Long.MIN_VALUE ? null : s.commitTimeMicros());
        r.put(SRC_DB, db);
        r.put(SRC_SCHEMA, schema);
        r.put(SRC_TABLE, table);
        r.put(SRC_SNAPSHOT, s.snapshot());
        r.put(SRC_RELATION_OID, relationOid);
        return r;
    }
}
