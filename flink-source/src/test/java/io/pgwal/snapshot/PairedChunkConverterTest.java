package io.pgwal.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwal.PgWalException;
import io.pgwal.avro.AvroChangeConverter;
import io.pgwal.avro.UnrepresentableValues;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/** Two threads, one order: the paired conversion equals the plain one, and fails like it. */
class PairedChunkConverterTest {

    static ChunkRows rows(int n, int badRow) {
        ChunkRows rows = ChunkRowsTest.rows();
        for (int i = 0; i < n; i++) {
            String id = i == badRow ? "not a number" : String.valueOf(i);
            rows.add((id + "\trow " + i + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return rows;
    }

    static List<GenericRecord> plain(ChunkRows rows) {
        List<GenericRecord> out = new ArrayList<>();
        rows.convert(AvroChangeConverter.forGivenSchemas("db", UnrepresentableValues.NULL),
                out::add);
        return out;
    }

    @Test
    void recordsComeInCopysOrderWhateverTheSize() {
        try (PairedChunkConverter paired = new PairedChunkConverter("db",
                UnrepresentableValues.NULL, "test converter")) {
            for (int n : new int[] {0, 1, 511, 512, 513, 10_000, 10_007}) {
                ChunkRows rows = rows(n, -1);
                List<GenericRecord> out = new ArrayList<>();
                paired.convert(rows, out::add);
                assertThat(out).as("%d rows", n).isEqualTo(plain(rows));
            }
        }
    }

    @Test
    void aFailureOnEitherThreadIsThrownToTheCallerAndTheNextChunkConverts() {
        try (PairedChunkConverter paired = new PairedChunkConverter("db",
                UnrepresentableValues.NULL, "test converter")) {
            // Row 300 is in block 1 (the helper's), row 600 in block 2 (the caller's).
            for (int bad : new int[] {300, 600, 9_999}) {
                List<GenericRecord> out = new ArrayList<>();
                assertThatThrownBy(() -> paired.convert(rows(10_000, bad), out::add))
                        .isInstanceOf(PgWalException.class)
                        .hasMessageContaining("Snapshot of")
                        .hasMessageContaining("not a number");
                assertThat(out).as("records before the bad row, in order").hasSizeLessThan(bad + 1)
                        .extracting(r -> ((GenericRecord) r.get("after")).get("id"))
                        .containsExactlyElementsOf(
                                java.util.stream.LongStream.range(0, out.size()).boxed().toList());
            }
            ChunkRows good = rows(5_000, -1);
            List<GenericRecord> out = new ArrayList<>();
            paired.convert(good, out::add);
            assertThat(out).isEqualTo(plain(good));
        }
    }

    @Test
    void closeStopsTheHelperThread() throws Exception {
        PairedChunkConverter paired = new PairedChunkConverter("db", UnrepresentableValues.NULL,
                "pgwal test helper to stop");
        paired.convert(rows(2_000, -1), r -> { });
        assertThat(helperAlive()).isTrue();
        paired.close();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (helperAlive() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(helperAlive()).isFalse();
    }

    private static boolean helperAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("pgwal test helper to stop") && t.isAlive());
    }
}
