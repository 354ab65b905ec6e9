package io.pgwal.source.split;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwal.source.enumerator.PgWalEnumeratorState;
import io.pgwal.source.enumerator.PgWalEnumeratorStateSerializer;
import java.io.IOException;
import java.util.Arrays;
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
        PgWalEnumeratorState none = new PgWalEnumeratorState(null);
        PgWalEnumeratorState some = new PgWalEnumeratorState(
                new PgWalSplit(new PgWalPosition(0x30L, 0x20L, 3), 0x40L));
        for (PgWalEnumeratorState s : new PgWalEnumeratorState[] {none, some}) {
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
