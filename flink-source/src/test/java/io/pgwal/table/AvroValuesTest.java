package io.pgwal.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.util.Utf8;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.VarCharType;
import org.junit.jupiter.api.Test;

/** The conversions of {@link AvroValues} that have a fast path give what the exact path gives. */
class AvroValuesTest {

    private static Schema decimalSchema(int precision, int scale) {
        return LogicalTypes.decimal(precision, scale).addToSchema(Schema.create(Schema.Type.BYTES));
    }

    private static ByteBuffer bytes(long unscaled) {
        return ByteBuffer.wrap(BigInteger.valueOf(unscaled).toByteArray());
    }

    @Test
    void decimalsOfAtMostEightBytesAreTheExactDecimal() {
        long[] values = {0, 1, -1, 127, 128, -128, -129, 255, 256, 32767, -32768, 123456789,
            999_999_999_999L, -999_999_999_999L, 1L << 35, -(1L << 35)};
        DecimalType type = new DecimalType(12, 2);
        for (long v : values) {
            DecimalData expected = DecimalData.fromBigDecimal(
                    new BigDecimal(BigInteger.valueOf(v), 2), 12, 2);
            Object got = AvroValues.toInternal(bytes(v), decimalSchema(12, 2), type);
            assertThat(got).as("unscaled %d", v).isEqualTo(expected);
            assertThat(((DecimalData) got).toBigDecimal())
                    .isEqualTo(new BigDecimal(BigInteger.valueOf(v), 2));
            // The same from a byte array and from a buffer that does not start at 0.
            ByteBuffer shifted = ByteBuffer.allocate(bytes(v).remaining() + 3);
            shifted.position(3);
            shifted.put(bytes(v));
            shifted.position(3);
            assertThat(AvroValues.toInternal(shifted, decimalSchema(12, 2), type))
                    .isEqualTo(expected);
            assertThat(AvroValues.toInternal(bytes(v).array(), decimalSchema(12, 2), type))
                    .isEqualTo(expected);
        }
    }

    @Test
    void decimalsThatDoNotFitTheDeclaredPrecisionStillFail() {
        DecimalType type = new DecimalType(12, 2);
        for (long v : new long[] {1_000_000_000_000L, -1_000_000_000_000L, Long.MAX_VALUE,
            Long.MIN_VALUE}) {
            assertThatThrownBy(() -> AvroValues.toInternal(bytes(v), decimalSchema(18, 2), type))
                    .as("unscaled %d", v)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("does not fit");
        }
        DecimalType max = new DecimalType(18, 0);
        assertThat(AvroValues.toInternal(bytes(999_999_999_999_999_999L), decimalSchema(18, 0), max))
                .isEqualTo(DecimalData.fromUnscaledLong(999_999_999_999_999_999L, 18, 0));
        assertThatThrownBy(() -> AvroValues.toInternal(
                        bytes(1_000_000_000_000_000_000L), decimalSchema(19, 0), max))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void decimalsOfAnotherScaleOrWiderTypesTakeTheExactPath() {
        // Avro scale 1, declared scale 2: 12.3 becomes 12.30.
        assertThat(AvroValues.toInternal(bytes(123), decimalSchema(12, 1), new DecimalType(12, 2)))
                .isEqualTo(DecimalData.fromBigDecimal(new BigDecimal("12.30"), 12, 2));
        // Not compact (precision 30): BigDecimal inside, same value.
        DecimalData wide = (DecimalData) AvroValues.toInternal(bytes(-5), decimalSchema(30, 3),
                new DecimalType(30, 3));
        assertThat(wide.toBigDecimal()).isEqualTo(new BigDecimal("-0.005"));
    }

    @Test
    void avroStringsKeepTheirText() {
        Schema string = Schema.create(Schema.Type.STRING);
        for (String s : new String[] {"", "shipped", "größer 😀", "a\u0000b"}) {
            Object got = AvroValues.toInternal(new Utf8(s), string, VarCharType.STRING_TYPE);
            assertThat(got).isEqualTo(StringData.fromString(s));
            assertThat(got.toString()).isEqualTo(s);
            assertThat(AvroValues.toInternal(s, string, VarCharType.STRING_TYPE))
                    .isEqualTo(StringData.fromString(s));
        }
    }
}
