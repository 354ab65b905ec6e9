package io.pgwal.table;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;

/**
 * Which Flink SQL types a PostgreSQL column may be declared as. It follows the Avro mapping of
 * the source (the values the converter receives), allowing lossless widening only:
 *
 * <ul>
 *   <li>{@code bool} → BOOLEAN; {@code int2} → SMALLINT, INT, BIGINT; {@code int4} → INT,
 *       BIGINT; {@code int8}, {@code oid} → BIGINT; {@code float4} → FLOAT, DOUBLE;
 *       {@code float8} → DOUBLE
 *   <li>{@code numeric(p,s)} → DECIMAL(p',s) with p' ≥ p; unconstrained {@code numeric},
 *       p > 38, or a scale outside 0..p → STRING (exact text, may be NaN)
 *   <li>a domain → what its base type allows
 *   <li>{@code date} → DATE; {@code time} → TIME; {@code timestamp} → TIMESTAMP;
 *       {@code timestamptz} → TIMESTAMP_LTZ; {@code bytea} → BYTES
 *   <li>everything else (text, varchar, char, uuid, json, jsonb, enums, intervals, arrays, ...)
 *       → STRING, in PostgreSQL's text form
 * </ul>
 */
final class PgTypeCompatibility {

    private static final Set<LogicalTypeRoot> STRING =
            EnumSet.of(LogicalTypeRoot.CHAR, LogicalTypeRoot.VARCHAR);

    private PgTypeCompatibility() {}

    /** Empty when {@code declared} can hold the column, else what it may be declared as. */
    static Optional<String> check(PgColumn column, LogicalType declared) {
        LogicalTypeRoot root = declared.getTypeRoot();
        return switch (column.typeType() == 'b' ? column.typeName() : "") {
            case "bool" -> expect(root, "BOOLEAN", LogicalTypeRoot.BOOLEAN);
            case "int2" -> expect(root, "SMALLINT, INT or BIGINT",
                    LogicalTypeRoot.SMALLINT, LogicalTypeRoot.INTEGER, LogicalTypeRoot.BIGINT);
            case "int4" -> expect(root, "INT or BIGINT",
                    LogicalTypeRoot.INTEGER, LogicalTypeRoot.BIGINT);
            case "int8", "oid" -> expect(root, "BIGINT", LogicalTypeRoot.BIGINT);
            case "float4" -> expect(root, "FLOAT or DOUBLE",
                    LogicalTypeRoot.FLOAT, LogicalTypeRoot.DOUBLE);
            case "float8" -> expect(root, "DOUBLE", LogicalTypeRoot.DOUBLE);
            case "numeric" -> numeric(column, declared);
            case "date" -> expect(root, "DATE", LogicalTypeRoot.DATE);
            case "time" -> expect(root, "TIME", LogicalTypeRoot.TIME_WITHOUT_TIME_ZONE);
            case "timestamp" -> expect(root, "TIMESTAMP(p)",
                    LogicalTypeRoot.TIMESTAMP_WITHOUT_TIME_ZONE);
            case "timestamptz" -> expect(root, "TIMESTAMP_LTZ(p)",
                    LogicalTypeRoot.TIMESTAMP_WITH_LOCAL_TIME_ZONE);
            case "bytea" -> expect(root, "BYTES",
                    LogicalTypeRoot.BINARY, LogicalTypeRoot.VARBINARY);
            default -> STRING.contains(root) ? Optional.empty() : Optional.of("STRING");
        };
    }

    private static Optional<String> numeric(PgColumn column, LogicalType declared) {
        int p = column.numericPrecision();
        int s = column.numericScale();
        // Avro has no decimal for these: the source sends the exact text.
        if (p < 1 || p > DecimalType.MAX_PRECISION || s < 0 || s > p) {
            return STRING.contains(declared.getTypeRoot())
                    ? Optional.empty() : Optional.of("STRING");
        }
        if (declared instanceof DecimalType d && d.getScale() == s && d.getPrecision() >= p) {
            return Optional.empty();
        }
        return Optional.of(p == DecimalType.MAX_PRECISION
                ? "DECIMAL(38, " + s + ")"
                : "DECIMAL(p, " + s + ") with " + p + " <= p <= 38");
    }

    private static Optional<String> expect(LogicalTypeRoot actual, String description,
            LogicalTypeRoot... allowed) {
        for (LogicalTypeRoot a : allowed) {
            if (a == actual) {
                return Optional.empty();
            }
        }
        return Optional.of(description);
    }
}
