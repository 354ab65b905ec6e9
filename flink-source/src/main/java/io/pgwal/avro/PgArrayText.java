package io.pgwal.avro;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses PostgreSQL's array text output ({@code array_out}) into nested Java lists of converted
 * elements: {@code {1,NULL,3}}, {@code {{1,2},{3,4}}}, {@code {"a b","\"q\"",NULL,"NULL"}}.
 * Elements are converted by the element type's {@link ValueConverter} from their unescaped text;
 * an unquoted {@code NULL} is null. Arrays are rectangular in PostgreSQL, so {@code dimensions}
 * levels of lists describe every value of that many dimensions; {@code {}} (no dimensions) is an
 * empty list.
 *
 * <p>PostgreSQL does not enforce a column's declared dimensions, and arrays may have lower
 * bounds other than 1 ({@code [2:3]={7,8}}): values whose dimensions differ from the schema's, or
 * with other lower bounds, are an {@link UnrepresentableValueException}. Malformed text is an
 * {@link IllegalArgumentException}. Allocates per value (lists, unescaped quoted elements).
 */
final class PgArrayText {

    private final byte[] b;
    private final int start;
    private final int end;
    private final byte delimiter;
    private final int dimensions;
    private final ValueConverter element;
    private final String column;
    private int pos;

    private PgArrayText(byte[] b, int off, int len, byte delimiter, int dimensions,
            ValueConverter element, String column) {
        this.b = b;
        this.start = off;
        this.pos = off;
        this.end = off + len;
        this.delimiter = delimiter;
        this.dimensions = dimensions;
        this.element = element;
        this.column = column;
    }

    /**
     * A converter of array text with {@code dimensions} (≥ 1) levels, elements separated by
     * {@code delimiter}, each converted by {@code element}; {@code column} and {@code typeName}
     * name the column in errors.
     */
    static ValueConverter converter(ValueConverter element, int dimensions, char delimiter,
            String column, String typeName) {
        return (b, o, l) -> {
            if (l > 0 && b[o] == '[') {
                throw unrepresentable(b, o, l, column, typeName, "has lower bounds other than 1,"
                        + " which an Avro array cannot hold");
            }
            PgArrayText p = new PgArrayText(b, o, l, (byte) delimiter, dimensions, element,
                    column + "\" (" + typeName + ")");
            List<Object> result = p.level(0);
            if (p.pos != p.end) {
                throw new IllegalArgumentException("text after the array's closing brace");
            }
            return result;
        };
    }

    private List<Object> level(int depth) {
        expect('{');
        List<Object> items = new ArrayList<>();
        if (peek() == '}') {
            pos++;
            if (depth > 0) {
                throw new IllegalArgumentException("an empty sub-array");
            }
            return items;
        }
        while (true) {
            boolean subArray = peek() == '{';
            if (subArray != depth < dimensions - 1) {
                int dims = subArray ? depth + 2 : depth + 1;
                throw new UnrepresentableValueException("column \"" + column + " has "
                        + dimensions + " dimension(s) (pg_attribute.attndims) in its Avro schema,"
                        + " but a value has " + (subArray ? "more" : dims) + ": '"
                        + text() + "'. Declare the column with the dimensions its values have"
                        + " (e.g. int[][] for 2)", text());
            }
            items.add(subArray ? level(depth + 1) : element());
            byte c = next();
            if (c == '}') {
                return items;
            }
            if (c != delimiter) {
                throw new IllegalArgumentException("expected '" + (char) delimiter + "' or '}'");
            }
        }
    }

    private Object element() {
        if (peek() == '"') {
            pos++;
            byte[] out = new byte[end - pos];
            int n = 0;
            while (true) {
                byte c = next();
                if (c == '"') {
                    break;
                }
                out[n++] = c == '\\' ? next() : c;
            }
            return element.convert(out, 0, n);
        }
        int from = pos;
        boolean escaped = false;
        while (pos < end && b[pos] != delimiter && b[pos] != '}') {
            escaped |= b[pos] == '\\';
            pos += b[pos] == '\\' ? 2 : 1;
        }
        int len = pos - from;
        if (len == 4 && (b[from] | 0x20) == 'n' && (b[from + 1] | 0x20) == 'u'
                && (b[from + 2] | 0x20) == 'l' && (b[from + 3] | 0x20) == 'l') {
            return null;
        }
        if (!escaped) {
            return element.convert(b, from, len);
        }
        byte[] out = new byte[len];
        int n = 0;
        for (int i = from; i < from + len; i++) {
            out[n++] = b[i] == '\\' ? b[++i] : b[i];
        }
        return element.convert(out, 0, n);
    }

    private byte peek() {
        if (pos >= end) {
            throw new IllegalArgumentException("unexpected end of the array");
        }
        return b[pos];
    }

    private byte next() {
        byte c = peek();
        pos++;
        return c;
    }

    private void expect(char c) {
        if (next() != c) {
            throw new IllegalArgumentException("expected '" + c + "'");
        }
    }

    /** The whole value's text, for messages. */
    private String text() {
        return new String(b, start, end - start, StandardCharsets.UTF_8);
    }

    private static UnrepresentableValueException unrepresentable(byte[] b, int o, int l,
            String column, String typeName, String why) {
        String v = new String(b, o, l, StandardCharsets.UTF_8);
        return new UnrepresentableValueException("column \"" + column + "\" of type " + typeName
                + ": the value '" + v + "' " + why, v);
    }
}
