package io.pgwal.source.reader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwal.avro.Envelope.FieldName;
import io.pgwal.avro.Envelope.SourceField;
import io.pgwal.PgWalException;
import io.pgwal.avro.AvroChangeConverter;
import io.pgwal.decoder.PgOutputDecoder;
import io.pgwal.source.split.PgWalPosition;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/**
 * The position bookkeeping and resume filter, fed with pgoutput bytes laid out as the protocol
 * documentation describes (the decoder and converter are the real ones).
 */
class PgWalChangeProcessorTest {

    private static final int REL = 16384;
    private static final long START = 0x1000;

    /** tx 1 commits at 0x2000 (ends 0x2030) with 3 rows; tx 2 at 0x3000 (ends 0x3030) with 2. */
    private static List<byte[]> twoTransactions() throws IOException {
        return List.of(
                begin(0x2000, 701), relation(), insert(1), insert(2), insert(3), commit(0x2000, 0x2030),
                begin(0x3000, 702), relation(), insert(4), insert(5), commit(0x3000, 0x3030));
    }

    @Test
    void freshStartPositionsEveryRecordAndCommit() throws IOException {
        Collected out = run(PgWalPosition.INITIAL, START, twoTransactions());
        assertThat(out.ids).containsExactly(1, 2, 3, 4, 5);
        assertThat(out.positions.get(0)).isEqualTo(new PgWalPosition(START, 0x2000, 1));
        assertThat(out.positions.get(2)).isEqualTo(new PgWalPosition(START, 0x2000, 3));
        assertThat(out.positions.get(2).inTransaction()).isTrue();
        assertThat(out.commits).containsExactly(
                new PgWalPosition(0x2030, 0x2000, 3), new PgWalPosition(0x3030, 0x3000, 2));
        assertThat(out.commits.get(0).inTransaction()).isFalse();
        assertThat(out.positions.get(3)).isEqualTo(new PgWalPosition(0x2030, 0x3000, 1));
    }

    @Test
    void resumeInsideTransactionSkipsExactlyWhatWasEmitted() throws IOException {
        // Checkpointed after 1 of tx 2's records; the server replays from tx 1's end.
        PgWalPosition restored = new PgWalPosition(0x2030, 0x3000, 1);
        List<byte[]> replay = twoTransactions().subList(6, 11);
        Collected out = run(restored, 0x2030, replay);
        assertThat(out.ids).containsExactly(5);
        assertThat(out.txIndexes).containsExactly(1);
        assertThat(out.commits).containsExactly(new PgWalPosition(0x3030, 0x3000, 2));
    }

    @Test
    void resumeAfterCompletedTransactionEmitsTheNextOnesWhole() throws IOException {
        PgWalPosition restored = new PgWalPosition(0x2030, 0x2000, 3);
        Collected out = run(restored, 0x2030, twoTransactions().subList(6, 11));
        assertThat(out.ids).containsExactly(4, 5);
        assertThat(out.txIndexes).containsExactly(0, 1);
    }

    @Test
    void inFlightTransactionMissingFromReplayFailsLoudly() throws IOException {
        PgWalPosition restored = new PgWalPosition(0x1000, 0x2000, 2);
        List<byte[]> replayWithoutTx1 = twoTransactions().subList(6, 11);
        assertThatThrownBy(() -> run(restored, 0x1000, replayWithoutTx1))
                .isInstanceOf(PgWalException.class)
                .hasMessageContaining("0/2000")
                .hasMessageContaining("0/3000")
                .hasMessageContaining("2 records");
    }

    @Test
    void idleWalEndMovesTheRestartPointOnlyOutsideTransactions() throws IOException {
        PgWalChangeProcessor p = processor(PgWalPosition.INITIAL, START);
        Collected out = new Collected();
        p.onMessage(ByteBuffer.wrap(begin(0x2000, 701)), 0x1800, out);
        p.onIdle(0x2500, out);
        assertThat(out.commits).isEmpty();
        p.onMessage(ByteBuffer.wrap(relation()), 0x1800, out);
        p.onMessage(ByteBuffer.wrap(insert(1)), 0x1810, out);
        p.onMessage(ByteBuffer.wrap(commit(0x2000, 0x2030)), 0x2030, out);
        p.onIdle(0x2100, out);
        p.onIdle(0x2100, out);
        p.onIdle(0x2050, out);
        assertThat(out.commits).containsExactly(
                new PgWalPosition(0x2030, 0x2000, 1), new PgWalPosition(0x2100, 0x2000, 1));
        assertThat(out.commits.get(1).inTransaction()).isFalse();
    }

    @Test
    void streamingMessagesAreRejected() {
        PgWalChangeProcessor p = processor(PgWalPosition.INITIAL, START);
        // 'E' is Stream Stop (protocol 2): never requested, so never expected.
        assertThatThrownBy(() -> p.onMessage(ByteBuffer.wrap(new byte[] {'E'}), 0x1000, new Collected()))
                .isInstanceOf(RuntimeException.class);
    }

    // ---- plumbing ----

    private static PgWalChangeProcessor processor(PgWalPosition resumeFrom, long sessionStart) {
        return new PgWalChangeProcessor(new PgOutputDecoder(1),
                new AvroChangeConverter("db", relationOid -> Map.of()), resumeFrom, sessionStart);
    }

    private static Collected run(PgWalPosition resumeFrom, long sessionStart, List<byte[]> messages) {
        PgWalChangeProcessor p = processor(resumeFrom, sessionStart);
        Collected out = new Collected();
        long lsn = sessionStart;
        for (byte[] m : messages) {
            p.onMessage(ByteBuffer.wrap(m), lsn += 8, out);
        }
        return out;
    }

    private static final class Collected implements PgWalChangeProcessor.Output {
        final List<Integer> ids = new ArrayList<>();
        final List<Integer> txIndexes = new ArrayList<>();
        final List<PgWalPosition> positions = new ArrayList<>();
        final List<PgWalPosition> commits = new ArrayList<>();

        @Override
        public void record(GenericRecord r, PgWalPosition after, long ts) {
            ids.add((Integer) ((GenericRecord) r.get(FieldName.AFTER)).get("id"));
            txIndexes.add((Integer) ((GenericRecord) r.get(FieldName.SOURCE)).get(SourceField.TX_INDEX));
            positions.add(after);
        }

        @Override
        public void position(PgWalPosition p) {
            commits.add(p);
        }
    }

    private static byte[] begin(long finalLsn, int xid) throws IOException {
        return bytes(out -> {
            out.writeByte('B');
            out.writeLong(finalLsn);
            out.writeLong(0L);
            out.writeInt(xid);
        });
    }

    private static byte[] commit(long commitLsn, long endLsn) throws IOException {
        return bytes(out -> {
            out.writeByte('C');
            out.writeByte(0);
            out.writeLong(commitLsn);
            out.writeLong(endLsn);
            out.writeLong(0L);
        });
    }

    private static byte[] relation() throws IOException {
        return bytes(out -> {
            out.writeByte('R');
            out.writeInt(REL);
            cstring(out, "public");
            cstring(out, "t");
            out.writeByte('d');
            out.writeShort(1);
            out.writeByte(1);
            cstring(out, "id");
            out.writeInt(23); // int4
            out.writeInt(-1);
        });
    }

    private static byte[] insert(int id) throws IOException {
        byte[] value = Integer.toString(id).getBytes(StandardCharsets.UTF_8);
        return bytes(out -> {
            out.writeByte('I');
            out.writeInt(REL);
            out.writeByte('N');
            out.writeShort(1);
            out.writeByte('t');
            out.writeInt(value.length);
            out.write(value);
        });
    }

    private static void cstring(DataOutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
        out.writeByte(0);
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] bytes(Writer w) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(buf)) {
            w.write(out);
        }
        return buf.toByteArray();
    }
}
