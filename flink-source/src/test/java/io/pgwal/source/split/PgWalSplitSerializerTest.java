package io.pgwal.source.split;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwal.source.enumerator.PgWalEnumeratorState;
import io.pgwal.source.enumerator.PgWalEnumeratorStateSerializer;
import java.io.IOException;
import io.pgwal.decoder.PgOutputMessage.RelationColumn;
import io.pgwal.snapshot.SnapshotChunk;
import io.pgwal.snapshot.SnapshotEpoch;
import io.pgwal.snapshot.SnapshotFilter;
import io.pgwal.snapshot.SnapshotTable;
import io.pgwal.source.event.SnapshotEvents.FinishedChunk;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/** Split and enumerator state survive serialization exactly; unknown versions are refused. */
class PgWalSplitSerializerTest {

    private final PgWalSplitSerializer splits = PgWalSplitSerializer.INSTANCE;
    private final PgWalEnumeratorStateSerializer states = new PgWalEnumeratorStateSerializer();

    @Test
    void splitRoundTrips() throws IOException {
        // LSNs above 2^63 (unsigned) must survive too.
        for (PgWalSplit split : new PgWalSplit[] {
                new PgWalSplit(PgWalPosition.INITIAL, 0L),
                new PgWalSplit(new PgWalPosition(0x16B3748L, 0x16B3700L, 12), 0x2000000L),
                new PgWalSplit(new PgWalPosition(-2L, -16L, Integer.MAX_VALUE), -1L)}) {
            byte[] bytes = splits.serialize(split);
            assertThat(splits.deserialize(splits.getVersion(), bytes)).isEqualTo(split);
        }
    }

    @Test
    void snapshotSplitsAndFilteredStreamSplitsRoundTrip() throws IOException {
        SnapshotTable table = new SnapshotTable(-5, "My Schema", "t\"x", 'i', List.of(
                new RelationColumn(true, "id", 23, -1), new RelationColumn(false, "name", 1043, 24)),
                List.of("integer", "character varying(20)"), List.of("id"), List.of("integer"),
                List.of(11, 12));
        SnapshotEpoch epoch = new SnapshotEpoch(3, "00000003-00000002-1", 0x16B3748L);
        for (PgWalSourceSplit split : List.<PgWalSourceSplit>of(
                new PgWalSnapshotSplit(table, new SnapshotChunk(0, 0, null, List.of("100")), epoch, -1),
                new PgWalSnapshotSplit(table, new SnapshotChunk(7, 0, List.of("Süd's\t"), null), epoch, 1234),
                new PgWalSplit(new PgWalPosition(0x10L, 0, 0), 0L, new SnapshotFilter(Map.of(-5,
                        new SnapshotFilter.TableFilter(List.of("id"), List.of("integer"),
                                List.of(List.of("100")), new long[] {0x20L, 0x30L})))))) {
            assertThat(splits.deserialize(splits.getVersion(), splits.serialize(split))).isEqualTo(split);
        }
    }

    @Test
    void readsTheStreamSplitsOfVersionOne() throws IOException {
        // Version 1, as pgwal before the snapshot wrote it: restart, commit, records, stop.
        DataOutputSerializer v1 = new DataOutputSerializer(28);
        v1.writeLong(0x30L);
        v1.writeLong(0x20L);
        v1.writeInt(3);
        v1.writeLong(0x40L);
        assertThat(splits.deserialize(1, v1.getCopyOfBuffer()))
                .isEqualTo(new PgWalSplit(new PgWalPosition(0x30L, 0x20L, 3), 0x40L));
    }

    @Test
    void refusesUnknownVersionsAndTrailingBytes() throws IOException {
        byte[] bytes = splits.serialize(new PgWalSplit(PgWalPosition.INITIAL, 0L));
        assertThatThrownBy(() -> splits.deserialize(splits.getVersion() + 1, bytes))
                .isInstanceOf(IOException.class).hasMessageContaining("version");
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
        assertThatThrownBy(() -> splits.deserialize(splits.getVersion(), longer))
                .isInstanceOf(IOException.class).hasMessageContaining("trailing");
    }

    @Test
    void enumeratorStateRoundTrips() throws IOException {
        PgWalEnumeratorState none = PgWalEnumeratorState.streamOnly(null);
        PgWalEnumeratorState some = PgWalEnumeratorState.streamOnly(
                new PgWalSplit(new PgWalPosition(0x30L, 0x20L, 3), 0x40L));
        SnapshotTable table = new SnapshotTable(42, "public", "t", 'f', List.of(
                new RelationColumn(true, "a", 23, -1)), List.of("integer"), List.of(), List.of(),
                List.of());
        PgWalEnumeratorState snapshotting = new PgWalEnumeratorState(null, false, List.of(table),
                List.of(new SnapshotChunk(0, 0, List.of("0"), List.of("8")),
                        new SnapshotChunk(1, 0, List.of("8"), null)),
                List.of(1), Map.of(0, new FinishedChunk(0, 2, 0x99L, 17)), 2);
        for (PgWalEnumeratorState s : new PgWalEnumeratorState[] {none, some, snapshotting}) {
            assertThat(states.deserialize(states.getVersion(), states.serialize(s))).isEqualTo(s);
        }
    }

    @Test
    void positionKnowsWhenATransactionIsInFlight() {
        PgWalPosition inFlight = new PgWalPosition(0x1000L, 0x2000L, 5);
        assertThat(inFlight.inTransaction()).isTrue();
        PgWalPosition committed = inFlight.afterCommit(0x2000L, 0x2030L, 6);
        assertThat(committed.inTransaction()).isFalse();
        assertThat(committed.withRestartLsn(0x2010L)).isSameAs(committed);
        assertThat(committed.withRestartLsn(0x3000L).restartLsn()).isEqualTo(0x3000L);
        assertThat(PgWalPosition.INITIAL.inTransaction()).isFalse();
        assertThat(inFlight.toString()).contains("0/1000").contains("0/2000").contains("in flight");
    }
}
