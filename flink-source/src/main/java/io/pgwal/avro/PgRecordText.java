package io.pgwal.avro;

import java.nio.charset.StandardCharsets;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;

/**
 * Parses PostgreSQL's composite (row) text output ({@code record_out}) into an Avro record:
 * {@code (1,"a b",)}: fields separated by commas, an empty field is NULL, {@code ""} is the empty
 * string; inside quotes {@code ""} is a quote and a backslash escapes the next byte. Each field is
 * converted by its attribute's {@link ValueConverter}.
 *
 * <p>A value with another number of fields than the composite has attributes now (the type was
 * altered after the change was written) is an {@link UnrepresentableValueException}: fields are
 * never matched up by guessing. Malformed text is an {@link IllegalArgumentException}.
 */
final class PgRecordText {

    private PgRecordText() {}

    /**
     * A converter into records of {@code schema}, field {@code i} converted by {@code
     * fields[i]}; {@code column} and {@code typeName} name the column and type in errors.
     */
    static ValueConverter converter(Schema schema, ValueConverter[] fields, String column,
            String typeName) {
        return (b, off, len) -> {
            int end = off + len;
            if (len < 2 || b[off] != '(' || b[end - 1] != ')') {
                throw new IllegalArgumentException("a composite value is (field,...)");
            }
            GenericData.Record r = new GenericData.Record(schema);
            if (len == 2 && fields.length == 0) {
                return r;
            }
            byte[] out = new byte[len];
            int pos = off + 1;
            int field = 0;
            while (true) {
                int n = 0;
                boolean present = false;
                boolean quoted = false;
                while (pos < end - 1 && (quoted || (b[pos] != ',' && b[pos] != ')'))) {
                    byte c = b[pos++];
                    present = true;
                    if (c == '\\') {
                        out[n++] = b[pos++];
                    } else if (c == '"') {
                        if (quoted && b[pos] == '"') {
                            out[n++] = '"';
                            pos++;
                        } else {
                            quoted = !quoted;
                        }
                    } else {
                        out[n++] = c;
                    }
                }
                if (quoted) {
                    throw new IllegalArgumentException("unterminated quotes in a composite");
                }
                if (field >= fields.length) {
                    throw fieldCount(b, off, len, column, typeName, fields.length);
                }
                r.put(field, present ? fields[field].convert(out, 0, n) : null);
                field++;
                if (pos >= end - 1) {
                    break;
                }
                pos++; // the comma
            }
            if (field != fields.length) {
                throw fieldCount(b, off, len, column, typeName, fields.length);
            }
            return r;
        };
    }

    private static UnrepresentableValueException fieldCount(byte[] b, int off, int len,
            String column, String typeName, int attributes) {
        String v = new String(b, off, len, StandardCharsets.UTF_8);
        return new UnrepresentableValueException("column \"" + column + "\" of composite type "
                + typeName + " (" + attributes + " attributes now): the value '" + v
                + "' has another number of fields, so the type was altered after the change was"
                + " written and its fields cannot be matched up safely", v);
    }
}
