package io.pgwal.jobs;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.functions.MapFunction;
import org.postgresql.replication.LogSequenceNumber;

/**
 * Renders a change envelope as one line of JSON in which logical types read as what they mean:
 * decimals as numbers, dates and timestamps in ISO form, LSNs as {@code X/Y}.
 */
public final class ChangeFormatter implements MapFunction<GenericRecord, String> {

    private static final List<String> LSN_FIELDS = List.of("lsn", "commit_lsn");

    @Override
    public String map(GenericRecord record) {
        StringBuilder sb = new StringBuilder(256);
        appendRecord(sb, record);
        return sb.toString();
    }

    private static void appendRecord(StringBuilder sb, GenericRecord record) {
        sb.append('{');
        boolean first = true;
        for (Schema.Field f : record.getSchema().getFields()) {
            if (!first) {
                sb.append(", ");
            }
            first = false;
            quote(sb, f.name()).append(": ");
            Object v = record.get(f.pos());
            if (v instanceof Long l && LSN_FIELDS.contains(f.name())) {
                quote(sb, LogSequenceNumber.valueOf(l).asString());
            } else {
                appendValue(sb, f.schema(), v);
            }
        }
        sb.append('}');
    }

    private static void appendValue(StringBuilder sb, Schema schema, Object v) {
        if (v == null) {
            sb.append("null");
            return;
        }
        if (schema.getType() == Schema.Type.UNION) {
            for (Schema branch : schema.getTypes()) {
                if (branch.getType() != Schema.Type.NULL) {
                    appendValue(sb, branch, v);
                    return;
                }
            }
        }
        LogicalType lt = schema.getLogicalType();
        if (lt instanceof LogicalTypes.Decimal d && v instanceof ByteBuffer b) {
            byte[] bytes = new byte[b.remaining()];
            b.duplicate().get(bytes);
            sb.append(new BigDecimal(new BigInteger(bytes), d.getScale()).toPlainString());
        } else if (lt instanceof LogicalTypes.Date && v instanceof Integer days) {
            quote(sb, LocalDate.ofEpochDay(days).toString());
        } else if (lt instanceof LogicalTypes.TimeMicros && v instanceof Long micros) {
            quote(sb, LocalTime.ofNanoOfDay(Math.min(micros, 86_399_999_999L) * 1000).toString());
        } else if (lt instanceof LogicalTypes.TimestampMicros && v instanceof Long micros) {
            quote(sb, instant(micros).toString());
        } else if (lt instanceof LogicalTypes.LocalTimestampMicros && v instanceof Long micros) {
            quote(sb, LocalDateTime.ofInstant(instant(micros), ZoneOffset.UTC).toString());
        } else if (v instanceof GenericRecord r) {
            appendRecord(sb, r);
        } else if (v instanceof ByteBuffer b) {
            byte[] bytes = new byte[b.remaining()];
            b.duplicate().get(bytes);
            quote(sb, "\\x" + HexFormat.of().formatHex(bytes));
        } else if (v instanceof Collection<?> c) {
            sb.append('[');
            int i = 0;
            for (Object e : c) {
                sb.append(i++ == 0 ? "" : ", ");
                appendValue(sb, schema.getType() == Schema.Type.ARRAY ? schema.getElementType() : schema, e);
            }
            sb.append(']');
        } else if (v instanceof CharSequence || v instanceof GenericEnumSymbol<?>) {
            quote(sb, v.toString());
        } else {
            sb.append(v);
        }
    }

    private static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
                Math.floorMod(micros, 1_000_000L) * 1000);
    }

    private static StringBuilder quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"');
    }
}
