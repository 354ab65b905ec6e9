package io.pgwal.avro;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.util.Utf8;

/**
 * A deep copy of pgwal's records that follows the values' classes instead of the schema: the same
 * result as {@link GenericData#deepCopy(Schema, Object)} (mutable values copied: records, {@link
 * Utf8}, {@link ByteBuffer}, arrays, maps, fixed; immutable ones shared: boxed numbers, booleans,
 * {@link String}, enum symbols; anything else through Avro's copy with its schema), without resolving every union branch by schema name, which made
 * Avro's copy the most expensive step of a snapshot with Flink's object reuse off (each record is
 * copied between chained operators).
 */
final class DeepCopy {

    /** The envelopes' empty unchanged-TOAST list: immutable, so shared. */
    private static final Object EMPTY_LIST = java.util.List.of();

    private DeepCopy() {}

    static GenericData.Record record(IndexedRecord from) {
        Schema schema = from.getSchema();
        GenericData.Record to = new GenericData.Record(schema);
        int n = schema.getFields().size();
        for (int i = 0; i < n; i++) {
            Object v = from.get(i);
            to.put(i, v == null ? null : value(v, schema.getFields().get(i).schema()));
        }
        return to;
    }

    /** {@code schema} is the value's declared schema (maybe a union); only the fallback uses it. */
    private static Object value(Object v, Schema schema) {
        // The most common classes first.
        if (v instanceof Utf8 u) {
            return new Utf8(u);
        }
        if (v instanceof Long || v instanceof Integer || v instanceof String || v == EMPTY_LIST
                || v instanceof GenericData.EnumSymbol || v instanceof Boolean
                || v instanceof Double || v instanceof Float) {
            return v;
        }
        if (v instanceof ByteBuffer b) {
            if (b.hasArray()) {
                int from = b.arrayOffset() + b.position();
                return ByteBuffer.wrap(java.util.Arrays.copyOfRange(b.array(), from,
                        from + b.remaining()));
            }
            ByteBuffer d = b.duplicate();
            byte[] bytes = new byte[d.remaining()];
            d.get(bytes);
            return ByteBuffer.wrap(bytes);
        }
        if (v instanceof GenericData.Record r) {
            return record(r);
        }
        if (v instanceof GenericData.Array<?> a) {
            Schema items = a.getSchema().getElementType();
            GenericData.Array<Object> to = new GenericData.Array<>(a.size(), a.getSchema());
            for (Object item : a) {
                to.add(item == null ? null : value(item, items));
            }
            return to;
        }
        if (v instanceof Map<?, ?> m) {
            Schema values = branch(schema, Schema.Type.MAP);
            Map<Object, Object> to = new HashMap<>(Math.max(4, (int) (m.size() / .75f) + 1));
            for (Map.Entry<?, ?> e : m.entrySet()) {
                Object val = e.getValue();
                to.put(value(e.getKey(), null), val == null ? null
                        : value(val, values == null ? null : values.getValueType()));
            }
            return to;
        }
        if (schema == null) {
            throw new IllegalStateException("No schema to copy a " + v.getClass().getName());
        }
        return GenericData.get().deepCopy(schema, v);
    }

    /** The branch of type {@code type} of {@code schema} (a union or not), or null. */
    private static Schema branch(Schema schema, Schema.Type type) {
        if (schema == null) {
            return null;
        }
        if (schema.getType() == type) {
            return schema;
        }
        if (schema.getType() == Schema.Type.UNION) {
            for (Schema s : schema.getTypes()) {
                if (s.getType() == type) {
                    return s;
                }
            }
        }
        return null;
    }
}
