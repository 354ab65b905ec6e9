package io.pgwal.table;

import io.pgwal.catalog.PgColumn;
import io.pgwal.catalog.PgTypeInfo;
import io.pgwal.catalog.PgTypes;
import io.pgwal.catalog.PgTypes.NumericTypmod;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.table.types.logical.MapType;
import org.apache.flink.table.types.logical.RowType;

/**
 * Which Flink SQL types a PostgreSQL column may be declared as: those the type table {@link
 * PgTypes} lists for the column's (base) type, which follow the source's Avro mapping (the values
 * the converter receives) and allow lossless widening only. A {@code numeric(p,s)} with p ≤ 38
 * and 0 ≤ s ≤ p is DECIMAL(p', s) with p ≤ p' ≤ 38; any other numeric is STRING (the exact text,
 * which may be NaN); money is DECIMAL(p, 2) with p ≥ 19; interval is {@code ROW<months INT, days
 * INT, micros BIGINT>}. Structured types are checked recursively: arrays as {@code ARRAY<T>} (one
 * level per dimension), composites as {@code ROW<...>} with the attributes' names in order, hstore
 * as {@code MAP<STRING, STRING>}, enums as STRING. Types the table does not list are STRING, in
 * PostgreSQL's text form.
 */
final class PgTypeCompatibility {

    private static final NumericTypmod MONEY = new NumericTypmod(19, 2);

    private PgTypeCompatibility() {}

    /** Empty when {@code declared} can hold the column, else what it may be declared as. */
    static Optional<String> check(PgColumn column, LogicalType declared) {
        return check(column.type(), declared);
    }

    /** Empty when {@code declared} can hold values of {@code type}, else what it may be. */
    static Optional<String> check(PgTypeInfo type, LogicalType declared) {
        return accepts(type, declared) ? Optional.empty() : Optional.of(doc(type));
    }

    private static boolean accepts(PgTypeInfo t, LogicalType declared) {
        return switch (t.kind()) {
            case SCALAR -> scalar(t, declared);
            case ENUM -> isString(declared);
            case ARRAY -> {
                LogicalType d = declared;
                for (int i = 0; i < t.dimensions(); i++) {
                    if (!(d instanceof ArrayType a)) {
                        yield false;
                    }
                    d = a.getElementType();
                }
                yield accepts(t.element(), d);
            }
            case COMPOSITE -> declared instanceof RowType r
                    && r.getFieldCount() == t.attributes().size()
                    && fieldsAccept(r, t.attributes());
            case HSTORE -> declared instanceof MapType m && isString(m.getKeyType())
                    && isString(m.getValueType());
        };
    }

    private static boolean fieldsAccept(RowType r, List<PgTypeInfo.Attribute> attributes) {
        for (int i = 0; i < attributes.size(); i++) {
            if (!r.getFieldNames().get(i).equals(attributes.get(i).name())
                    || !accepts(attributes.get(i).type(), r.getTypeAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean scalar(PgTypeInfo t, LogicalType declared) {
        if (t.oid() == PgTypes.NUMERIC || t.oid() == PgTypes.MONEY) {
            NumericTypmod n = decimal(t);
            return n == null ? isString(declared) : declared instanceof DecimalType d
                    && d.getScale() == n.scale() && d.getPrecision() >= n.precision();
        }
        if (t.oid() == PgTypes.INTERVAL) {
            return declared instanceof RowType r
                    && r.getFieldNames().equals(List.of("months", "days", "micros"))
                    && r.getTypeAt(0).getTypeRoot() == LogicalTypeRoot.INTEGER
                    && r.getTypeAt(1).getTypeRoot() == LogicalTypeRoot.INTEGER
                    && r.getTypeAt(2).getTypeRoot() == LogicalTypeRoot.BIGINT;
        }
        return t.scalarType().sqlTypes().contains(declared.getTypeRoot().name());
    }

    /** The DECIMAL a numeric or money arrives as, or null when it arrives as text. */
    private static NumericTypmod decimal(PgTypeInfo t) {
        if (t.oid() == PgTypes.MONEY) {
            return MONEY;
        }
        NumericTypmod n = PgTypes.numeric(t.typmod());
        // Avro has no decimal for these, or Flink none as wide: the source sends the exact text.
        return n == null || !n.fitsAvroDecimal() || n.precision() > DecimalType.MAX_PRECISION
                ? null : n;
    }

    private static boolean isString(LogicalType declared) {
        return PgTypes.OTHER.sqlTypes().contains(declared.getTypeRoot().name());
    }

    /** What a column of type {@code t} may be declared as, for error messages. */
    static String doc(PgTypeInfo t) {
        return switch (t.kind()) {
            case SCALAR -> {
                if (t.oid() == PgTypes.NUMERIC || t.oid() == PgTypes.MONEY) {
                    NumericTypmod n = decimal(t);
                    yield n == null ? PgTypes.OTHER.sqlDoc()
                            : n.precision() == DecimalType.MAX_PRECISION
                                    ? "DECIMAL(38, " + n.scale() + ")"
                                    : "DECIMAL(p, " + n.scale() + ") with " + n.precision()
                                            + " <= p <= 38";
                }
                yield t.scalarType().sqlDoc();
            }
            case ENUM -> PgTypes.OTHER.sqlDoc();
            case ARRAY -> "ARRAY<".repeat(t.dimensions()) + doc(t.element())
                    + ">".repeat(t.dimensions());
            case COMPOSITE -> t.attributes().stream()
                    .map(a -> "`" + a.name() + "` " + doc(a.type()))
                    .collect(Collectors.joining(", ", "ROW<", ">"));
            case HSTORE -> "MAP<STRING, STRING>";
        };
    }
}
