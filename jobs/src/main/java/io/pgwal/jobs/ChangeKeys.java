package io.pgwal.jobs;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * The Kafka key of a change envelope, as an Avro record whose schema name carries the table
 * ({@code pgwal.<db>.<schema>.<table>_key}) and whose fields are the table's replica identity
 * (its primary key, by default), so equal keys of one table are equal bytes and land in one
 * partition, in commit order.
 *
 * <ul>
 *   <li>A row change of a table with a key: the key columns of {@code after}, or of {@code
 *       before} for a DELETE. An UPDATE that changes the key is keyed by the new key (its {@code
 *       before} holds the old one).
 *   <li>A table with {@code REPLICA IDENTITY FULL} (no key columns), and a TRUNCATE: the table's
 *       key, a record {@code <table>_table} without fields, so all such changes of a table land
 *       in one partition, in commit order.
 *   <li>A logical decoding message: no key (null).
 * </ul>
 *
 * <p>Not thread-safe: one instance per operator instance. Key schemas are derived once per
 * envelope schema.
 */
final class ChangeKeys {

    private final Map<Schema, Schema> rowKeys = new HashMap<>();
    private final Map<Schema, Schema> tableKeys = new HashMap<>();

    /** The key record of {@code change}, or null for a logical decoding message. */
    GenericRecord keyOf(GenericRecord change) {
        Schema envelope = change.getSchema();
        if (envelope.getField("after") == null) {
            return null; // a logical decoding message
        }
        GenericRecord row = (GenericRecord) change.get("after");
        if (row == null) {
            row = (GenericRecord) change.get("before");
        }
        if (row == null) { // a TRUNCATE
            return new GenericData.Record(tableKeys.computeIfAbsent(envelope, ChangeKeys::tableKey));
        }
        Schema key = rowKeys.computeIfAbsent(envelope, ChangeKeys::keySchema);
        GenericData.Record out = new GenericData.Record(key);
        for (Schema.Field f : key.getFields()) {
            out.put(f.pos(), row.get(f.name()));
        }
        return out;
    }

    /** The {@code <table>_key} record of {@code before}, or the table key when it holds the row. */
    private static Schema keySchema(Schema envelope) {
        Schema before = nonNull(envelope.getField("before").schema());
        Schema after = nonNull(envelope.getField("after").schema());
        return before.getFullName().equals(after.getFullName()) ? tableKey(envelope) : before;
    }

    private static Schema tableKey(Schema envelope) {
        Schema after = nonNull(envelope.getField("after").schema());
        Schema key = Schema.createRecord(after.getName() + "_table",
                "The whole table (it has no key columns): all its changes under one key",
                after.getNamespace(), false, List.of());
        copyProp(after, key, "pg.name");
        copyProp(after, key, "pg.schema");
        return key;
    }

    private static void copyProp(Schema from, Schema to, String prop) {
        Object v = from.getObjectProp(prop);
        if (v != null) {
            to.addProp(prop, v);
        }
    }

    private static Schema nonNull(Schema s) {
        if (s.getType() != Schema.Type.UNION) {
            return s;
        }
        return s.getTypes().stream().filter(t -> t.getType() != Schema.Type.NULL).findFirst()
                .orElseThrow();
    }
}
