package io.pgwal.table;

import io.pgwal.avro.Envelope;
import io.pgwal.avro.Envelope.SourceField;
import java.util.function.BiFunction;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.DataType;
import org.apache.flink.types.RowKind;

/**
 * The metadata columns ({@code METADATA FROM 'key'}) of a pgwal table, read from the envelope's
 * {@code source} record. LSNs are BIGINT (the 64-bit WAL position), so that they sort and compare
 * like {@code pg_lsn}; {@code '0/0'::pg_lsn + lsn} turns one back into PostgreSQL's X/Y form.
 */
enum PgWalMetadata {
    /** Commit time of the transaction. */
    COMMIT_TS("commit_ts", DataTypes.TIMESTAMP_LTZ(6), (src, kind) -> {
        Object ts = src.get(SourceField.COMMIT_TS);
        if (ts instanceof java.time.Instant instant) {
            return TimestampData.fromInstant(instant);
        }
        return ts == null ? null : AvroValues.timestampFromMicros((Long) ts);
    }),
    /** LSN of the change itself. */
    LSN("lsn", DataTypes.BIGINT().notNull(), (src, kind) -> src.get(SourceField.LSN)),
    /** LSN of the transaction's commit record (equal for every change of a transaction). */
    COMMIT_LSN("commit_lsn", DataTypes.BIGINT().notNull(),
            (src, kind) -> src.get(SourceField.COMMIT_LSN)),
    /** The transaction id ({@code txid_current()} of the writing transaction). */
    TXID("txid", DataTypes.BIGINT().notNull(), (src, kind) -> src.get(SourceField.TXID)),
    DATABASE_NAME("database_name", DataTypes.STRING().notNull(),
            (src, kind) -> string(src.get(SourceField.DB))),
    SCHEMA_NAME("schema_name", DataTypes.STRING().notNull(),
            (src, kind) -> string(src.get(SourceField.SCHEMA))),
    TABLE_NAME("table_name", DataTypes.STRING().notNull(),
            (src, kind) -> string(src.get(SourceField.TABLE))),
    /** True for a row of the initial snapshot, false for a streamed change. */
    SNAPSHOT("snapshot", DataTypes.BOOLEAN().notNull(),
            (src, kind) -> src.get(SourceField.SNAPSHOT)),
    /**
     * The table's OID ({@code pg_class.oid}): a table dropped and created again under the same
     * name has another one.
     */
    RELATION_OID("relation_oid", DataTypes.BIGINT(),
            (src, kind) -> Envelope.optional(src, SourceField.RELATION_OID)),
    /**
     * Flink CDC's {@code op_ts}: the commit time in milliseconds, or the epoch (0) for a row of
     * the initial snapshot.
     */
    OP_TS("op_ts", DataTypes.TIMESTAMP_LTZ(3).notNull(), (src, kind) -> {
        Object ts = src.get(SourceField.COMMIT_TS);
        return ts == null ? TimestampData.fromEpochMillis(0L)
                : TimestampData.fromEpochMillis(Math.floorDiv((Long) ts, 1000L));
    }),
    /** Flink CDC's {@code row_kind}: {@code +I}, {@code -U}, {@code +U} or {@code -D}. */
    ROW_KIND("row_kind", DataTypes.STRING().notNull(),
            (src, kind) -> StringData.fromString(kind.shortString()));

    private final String key;
    private final DataType dataType;
    private final BiFunction<GenericRecord, RowKind, Object> reader;

    PgWalMetadata(String key, DataType dataType,
            BiFunction<GenericRecord, RowKind, Object> reader) {
        this.key = key;
        this.dataType = dataType;
        this.reader = reader;
    }

    String key() {
        return key;
    }

    DataType dataType() {
        return dataType;
    }

    /**
     * The value (Flink's internal representation) from an envelope's {@code source} record, for a
     * row of kind {@code kind}.
     */
    Object read(GenericRecord source, RowKind kind) {
        return reader.apply(source, kind);
    }

    static PgWalMetadata ofKey(String key) {
        for (PgWalMetadata m : values()) {
            if (m.key.equals(key)) {
                return m;
            }
        }
        throw new IllegalArgumentException("Unknown pgwal metadata key: " + key);
    }

    private static StringData string(Object v) {
        return v == null ? null : StringData.fromString(v.toString());
    }
}
