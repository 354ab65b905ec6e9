package io.pgwal.table;

import io.pgwal.catalog.PgColumn;
import io.pgwal.catalog.PgTypes;
import io.pgwal.catalog.PgTypes.NumericTypmod;
import io.pgwal.catalog.PgTypes.PgType;
import java.util.Optional;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.LogicalType;

/**
 * Which Flink SQL types a PostgreSQL column may be declared as: those the type table {@link
 * PgTypes} lists for the column's (base) type, which follow the source's Avro mapping (the values
 * the converter receives) and allow lossless widening only. A {@code numeric(p,s)} with p ≤ 38
 * and 0 ≤ s ≤ p is DECIMAL(p', s) with p ≤ p' ≤ 38; any other numeric is STRING (the exact text,
 * which may be NaN). Types the table does not list are STRING, in PostgreSQL's text form.
 */
final class PgTypeCompatibility {

    private PgTypeCompatibility() {}

    /** Empty when {@code declared} can hold the column, else what it may be declared as. */
    static Optional<String> check(PgColumn column, LogicalType declared) {
        if (column.baseTypeOid() == PgTypes.NUMERIC) {
            return numeric(column, declared);
        }
        PgType type = column.baseType();
        return type.sqlTypes().contains(declared.getTypeRoot())
                ? Optional.empty() : Optional.of(type.sqlDoc());
    }

    private static Optional<String> numeric(PgColumn column, LogicalType declared) {
        NumericTypmod n = PgTypes.numeric(column.baseTypeModifier());
        // Avro has no decimal for these, or Flink none as wide: the source sends the exact text.
        if (n == null || !n.fitsAvroDecimal() || n.precision() > DecimalType.MAX_PRECISION) {
            return PgTypes.OTHER.sqlTypes().contains(declared.getTypeRoot())
                    ? Optional.empty() : Optional.of(PgTypes.OTHER.sqlDoc());
        }
        int p = n.precision();
        int s = n.scale();
        if (declared instanceof DecimalType d && d.getScale() == s && d.getPrecision() >= p) {
            return Optional.empty();
        }
        return Optional.of(p == DecimalType.MAX_PRECISION
                ? "DECIMAL(38, " + s + ")"
                : "DECIMAL(p, " + s + ") with " + p + " <= p <= 38");
    }
}
