package io.pgwal.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.decoder.PgOutputMessage.Relation;
import io.pgwal.decoder.PgOutputMessage.RelationColumn;
import io.pgwal.decoder.TupleData;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/** The stream's rule after a snapshot: a change passes when it committed at or after its chunk's epoch. */
class SnapshotFilterTest {

    private static final int OID = 4242;
    private static final Relation REL = new Relation(0, OID, "public", "t", 'd', List.of(
            new RelationColumn(false, "v", 25, -1), new RelationColumn(true, "id", 20, -1)));

    /** Compares single bigint keys numerically, counting the comparisons. */
    private static final class CountingOrder implements SnapshotFilter.KeyOrder {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public int compare(List<String> types, List<String> a, List<String> b) {
            calls.incrementAndGet();
            return Long.compare(Long.parseLong(a.get(0)), Long.parseLong(b.get(0)));
        }
    }

    private static TupleData row(long id) {
        return TupleData.ofText("x", Long.toString(id));
    }

    @Test
    void oneEpochDecidesByTheCommitLsnAlone() {
        SnapshotFilter f = new SnapshotFilter(Map.of(OID, new SnapshotFilter.TableFilter(
                List.of("id"), List.of("bigint"), List.of(), new long[] {1000})));
        CountingOrder order = new CountingOrder();
        assertThat(f.admits(REL, row(5), 999, order)).isFalse();
        assertThat(f.admits(REL, row(5), 1000, order)).isTrue();
        assertThat(f.admits(REL, row(5), 5000, order)).isTrue();
        assertThat(order.calls).hasValue(0);
        assertThat(f.admitsTable(OID, 999)).isFalse();
        assertThat(f.admitsTable(OID, 1000)).isTrue();
        assertThat(f.maxLsn()).isEqualTo(1000);
    }

    @Test
    void tablesNotSnapshottedPassUnfiltered() {
        SnapshotFilter f = new SnapshotFilter(Map.of(OID, new SnapshotFilter.TableFilter(
                List.of("id"), List.of("bigint"), List.of(), new long[] {1000})));
        Relation other = new Relation(0, OID + 1, "public", "u", 'd', REL.columns());
        assertThat(f.admits(other, row(1), 1, new CountingOrder())).isTrue();
        assertThat(f.admitsTable(OID + 1, 1)).isTrue();
    }

    @Test
    void chunksOfSeveralEpochsArePlacedByKeyBetweenThem() {
        // Chunks: (..100] at 1000, (100..200] at 3000, (200..) at 2000.
        SnapshotFilter f = new SnapshotFilter(Map.of(OID, new SnapshotFilter.TableFilter(
                List.of("id"), List.of("bigint"), List.of(List.of("100"), List.of("200")),
                new long[] {1000, 3000, 2000})));
        CountingOrder order = new CountingOrder();
        assertThat(f.admits(REL, row(50), 999, order)).as("before every epoch").isFalse();
        assertThat(f.admits(REL, row(150), 3000, order)).as("after every epoch").isTrue();
        assertThat(order.calls).hasValue(0);
        assertThat(f.admits(REL, row(100), 1500, order)).as("chunk 0 was read at 1000").isTrue();
        assertThat(f.admits(REL, row(101), 1500, order)).as("chunk 1 was read at 3000").isFalse();
        assertThat(f.admits(REL, row(200), 2500, order)).as("chunk 1").isFalse();
        assertThat(f.admits(REL, row(201), 2500, order)).as("chunk 2 was read at 2000").isTrue();
        assertThat(f.admits(REL, row(201), 1999, order)).as("chunk 2 before its epoch").isFalse();
        assertThat(order.calls.get()).isPositive();
    }

    @Test
    void roundTripsThroughItsCheckpointFormat() throws IOException {
        SnapshotFilter f = new SnapshotFilter(Map.of(OID, new SnapshotFilter.TableFilter(
                List.of("id", "name"), List.of("bigint", "text"),
                List.of(List.of("100", "a\tb")), new long[] {1000, 3000}), 7, new SnapshotFilter.TableFilter(
                List.of(), List.of(), List.of(), new long[] {5})));
        DataOutputSerializer out = new DataOutputSerializer(64);
        f.write(out);
        SnapshotFilter back = SnapshotFilter.read(new DataInputDeserializer(out.getCopyOfBuffer()));
        assertThat(back).isEqualTo(f);
        assertThat(back.maxLsn()).isEqualTo(3000);
    }
}
