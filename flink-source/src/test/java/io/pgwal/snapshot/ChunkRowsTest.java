package io.pgwal.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwal.PgWalException;
import io.pgwal.avro.AvroChangeConverter;
import io.pgwal.avro.Envelope.FieldName;
import io.pgwal.avro.Envelope.SourceField;
import io.pgwal.avro.TableSchema;
import io.pgwal.avro.UnrepresentableValues;
import io.pgwal.decoder.PgOutputMessage.RelationColumn;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/** A chunk's raw rows: kept across segments, converted in order at the epoch's positions. */
class ChunkRowsTest {

    static final SnapshotTable TABLE = new SnapshotTable(42, "public", "t", 'd', List.of(
            new RelationColumn(true, "id", 20, -1), new RelationColumn(false, "body", 25, -1)),
            List.of("bigint", "text"), List.of("id"), List.of("bigint"), List.of());
    static final SnapshotEpoch EPOCH = new SnapshotEpoch(1, "00000003-00000002-1", 0x16B3748L);

    static ChunkRows rows() {
        TableSchema schema = TableSchema.derive("db", TABLE.relation(), Map.of());
        return new ChunkRows(TABLE, new SnapshotChunk(0, 0, null, null), EPOCH, schema);
    }

    static byte[] row(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void rowsOfManySegmentsAndLargerThanOneComeBackInOrder() {
        ChunkRows rows = rows();
        List<String> bodies = new ArrayList<>();
        // Larger than a small segment while the chunk uses those, larger than a large one later.
        String big = "x".repeat(ChunkRows.LARGE_SEGMENT_BYTES + 10);
        String bigish = "y".repeat(ChunkRows.FIRST_SEGMENT_BYTES + 10);
        for (int i = 0; i < 20_000; i++) {
            String body = i == 7_000 ? big : i == 10 ? bigish : i % 3 == 0 ? "a\\tb" : "row " + i;
            bodies.add(body.replace("\\t", "\t"));
            rows.add(row(i + "\t" + body + "\n"));
        }
        assertThat(rows.size()).isEqualTo(20_000);
        assertThat(rows.bytes()).isGreaterThan(ChunkRows.LARGE_SEGMENT_BYTES + 200_000L);
        List<GenericRecord> out = new ArrayList<>();
        rows.convert(AvroChangeConverter.forGivenSchemas("db", UnrepresentableValues.NULL),
                out::add);
        assertThat(out).hasSize(20_000);
        for (int i = 0; i < out.size(); i++) {
            GenericRecord after = (GenericRecord) out.get(i).get(FieldName.AFTER);
            GenericRecord source = (GenericRecord) out.get(i).get(FieldName.SOURCE);
            assertThat(after.get("id")).isEqualTo((long) i);
            assertThat(after.get("body").toString()).isEqualTo(bodies.get(i));
            assertThat(source.get(SourceField.COMMIT_LSN)).isEqualTo(EPOCH.lsn());
            assertThat(source.get(SourceField.TX_INDEX)).isEqualTo(i);
            assertThat(source.get(SourceField.SNAPSHOT)).isEqualTo(true);
        }
    }

    /**
     * Under G1 (the JVM's default here) a large segment is a humongous object, which G1 never
     * copies: at least half a heap region, and with its array header within one region.
     */
    @Test
    void largeSegmentsAreHumongousUnderG1() {
        var hotspot = java.lang.management.ManagementFactory.getPlatformMXBean(
                com.sun.management.HotSpotDiagnosticMXBean.class);
        org.junit.jupiter.api.Assumptions.assumeTrue(
                Boolean.parseBoolean(hotspot.getVMOption("UseG1GC").getValue()), "G1 in use");
        long region = Long.parseLong(hotspot.getVMOption("G1HeapRegionSize").getValue());
        assertThat((long) ChunkRows.LARGE_SEGMENT_BYTES).isGreaterThanOrEqualTo(region / 2)
                .isLessThanOrEqualTo(region - 16);
    }

    @Test
    void anEmptyChunkConvertsToNothing() {
        List<GenericRecord> out = new ArrayList<>();
        rows().convert(AvroChangeConverter.forGivenSchemas("db", UnrepresentableValues.NULL),
                out::add);
        assertThat(out).isEmpty();
    }

    @Test
    void aRowThatCannotBeConvertedNamesTheTableAndChunk() {
        ChunkRows rows = rows();
        rows.add(row("1\tok\n"));
        rows.add(row("not a number\tx\n"));
        assertThatThrownBy(() -> rows.convert(
                AvroChangeConverter.forGivenSchemas("db", UnrepresentableValues.NULL), r -> { }))
                .isInstanceOf(PgWalException.class)
                .hasMessageContaining("Snapshot of")
                .hasMessageContaining("not a number");
    }
}
