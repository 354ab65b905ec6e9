package io.pgwal.table;

import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * Where the declared columns sit in one Avro row schema (a table version, or its key-only
 * before-image): Avro field names are sanitized, so columns are matched by the field property
 * {@code pg.name} (falling back to the field name).
 */
final class RowLayout {

    private final int[] positions;
    private final Schema[] fieldSchemas;
    private final Map<String, Integer> columnByName = new HashMap<>();

    RowLayout(Schema rowSchema, String[] columns) {
        positions = new int[columns.length];
        fieldSchemas = new Schema[columns.length];
        Map<String, Schema.Field> byPgName = new HashMap<>();
        for (Schema.Field f : rowSchema.getFields()) {
            String pgName = f.getProp("pg.name");
            byPgName.put(pgName != null ? pgName : f.name(), f);
        }
        for (int i = 0; i < columns.length; i++) {
            Schema.Field f = byPgName.get(columns[i]);
            positions[i] = f == null ? -1 : f.pos();
            fieldSchemas[i] = f == null ? null : f.schema();
            columnByName.put(columns[i], i);
            if (f != null) {
                columnByName.putIfAbsent(f.name(), i);
            }
        }
    }

    /** The Avro field index of declared column {@code i}, or -1 when this schema lacks it. */
    int position(int i) {
        return positions[i];
    }

    Schema fieldSchema(int i) {
        return fieldSchemas[i];
    }

    /** The declared column called {@code name} (PostgreSQL or Avro spelling), or -1. */
    int column(String name) {
        Integer i = columnByName.get(name);
        return i == null ? -1 : i;
    }
}
