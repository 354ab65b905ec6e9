package io.pgwal.jobs;

import io.pgwal.avro.PgTypeMapping;
import org.apache.avro.generic.GenericRecord;

/** Decimal fields as BigDecimal strings, for assertions. */
final class ChangeFormatterAccess {

    private ChangeFormatterAccess() {}

    static String decimal(GenericRecord row, String field) {
        Object v = row.get(field);
        return v == null ? "null"
                : PgTypeMapping.decimal(v, nonNull(row.getSchema().getField(field).schema())).toPlainString();
    }

    private static org.apache.avro.Schema nonNull(org.apache.avro.Schema s) {
        if (s.getType() != org.apache.avro.Schema.Type.UNION) {
            return s;
        }
        return s.getTypes().stream().filter(t -> t.getType() != org.apache.avro.Schema.Type.NULL)
                .findFirst().orElseThrow();
    }
}
