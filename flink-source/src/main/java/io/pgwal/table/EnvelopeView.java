package io.pgwal.table;

import io.pgwal.avro.Envelope;
import io.pgwal.avro.Envelope.FieldName;
import io.pgwal.avro.Envelope.Op;
import io.pgwal.avro.Envelope.SourceField;
import javax.annotation.Nullable;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * The fields of one change envelope that the conversion reads for every change, by position: what
 * {@link Envelope}'s readers return, but with the field positions resolved once per schema (a
 * table version) instead of a name lookup per field and change (JFR: about 7% of the SQL task
 * thread). Not thread-safe; {@link #read} points it at the next envelope.
 */
final class EnvelopeView {

    private Schema envelopeSchema;
    private int op;
    private int before;
    private int after;
    private int source;
    private Schema sourceSchema;
    private int lsn;
    private int schema;
    private int table;
    /** -1 in an envelope written before the field existed: then the OID reads as null. */
    private int relationOid;

    private GenericRecord envelope;
    private GenericRecord sourceRecord;

    void read(GenericRecord next) {
        if (next.getSchema() != envelopeSchema) {
            Schema s = next.getSchema();
            op = s.getField(FieldName.OP).pos();
            before = position(s, FieldName.BEFORE);
            after = position(s, FieldName.AFTER);
            source = s.getField(FieldName.SOURCE).pos();
            envelopeSchema = s;
        }
        envelope = next;
        sourceRecord = (GenericRecord) next.get(source);
        if (sourceRecord.getSchema() != sourceSchema) {
            Schema s = sourceRecord.getSchema();
            lsn = s.getField(SourceField.LSN).pos();
            schema = s.getField(SourceField.SCHEMA).pos();
            table = s.getField(SourceField.TABLE).pos();
            relationOid = position(s, SourceField.RELATION_OID);
            sourceSchema = s;
        }
    }

    private static int position(Schema s, String field) {
        Schema.Field f = s.getField(field);
        return f == null ? -1 : f.pos();
    }

    Op op() {
        return Op.valueOf(envelope.get(op).toString());
    }

    /** The old row or key; null when not sent (and in a message envelope). */
    @Nullable
    GenericRecord before() {
        return before < 0 ? null : (GenericRecord) envelope.get(before);
    }

    @Nullable
    GenericRecord after() {
        return after < 0 ? null : (GenericRecord) envelope.get(after);
    }

    GenericRecord source() {
        return sourceRecord;
    }

    long lsn() {
        return (Long) sourceRecord.get(lsn);
    }

    /** The schema name, or null for a message. */
    @Nullable
    String schema() {
        Object v = sourceRecord.get(schema);
        return v == null ? null : v.toString();
    }

    /** The table name, or null for a message. */
    @Nullable
    String table() {
        Object v = sourceRecord.get(table);
        return v == null ? null : v.toString();
    }

    @Nullable
    Long relationOid() {
        return relationOid < 0 ? null : (Long) sourceRecord.get(relationOid);
    }
}
