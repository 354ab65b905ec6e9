package io.pgwal.decoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwal.decoder.PgOutputMessage.Begin;
import io.pgwal.decoder.PgOutputMessage.BeginPrepare;
import io.pgwal.decoder.PgOutputMessage.Commit;
import io.pgwal.decoder.PgOutputMessage.CommitPrepared;
import io.pgwal.decoder.PgOutputMessage.Delete;
import io.pgwal.decoder.PgOutputMessage.Insert;
import io.pgwal.decoder.PgOutputMessage.LogicalMessage;
import io.pgwal.decoder.PgOutputMessage.Origin;
import io.pgwal.decoder.PgOutputMessage.Prepare;
import io.pgwal.decoder.PgOutputMessage.Relation;
import io.pgwal.decoder.PgOutputMessage.RelationColumn;
import io.pgwal.decoder.PgOutputMessage.RollbackPrepared;
import io.pgwal.decoder.PgOutputMessage.StreamAbort;
import io.pgwal.decoder.PgOutputMessage.StreamCommit;
import io.pgwal.decoder.PgOutputMessage.StreamPrepare;
import io.pgwal.decoder.PgOutputMessage.StreamStart;
import io.pgwal.decoder.PgOutputMessage.Truncate;
import io.pgwal.decoder.PgOutputMessage.Type;
import io.pgwal.decoder.PgOutputMessage.Update;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Decodes the captured fixtures of every protocol version and checks the decoded fields. */
class PgOutputDecoderTest {

    static final List<String> FIXTURES = List.of(
            "pgoutput/protocol1.capture",
            "pgoutput/protocol2-streaming.capture",
            "pgoutput/protocol3-twophase.capture",
            "pgoutput/protocol4-parallel.capture");

    private static final int INT4 = 23;
    private static final int TEXT = 25;
    private static final int NUMERIC = 1700;

    private static List<PgOutputMessage> decode(String fixture) {
        return CaptureFile.load(fixture).decodeAll();
    }

    private static <T> List<T> all(List<PgOutputMessage> messages, Class<T> type) {
        return messages.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private static Relation relation(List<PgOutputMessage> messages, String name) {
        return all(messages, Relation.class).stream()
                .filter(r -> r.name().equals(name)).findFirst().orElseThrow();
    }

    /** A plausible commit time: proves the 2000-01-01 epoch was converted to Unix micros. */
    private static void assertPlausibleTime(long micros) {
        Instant t = Instant.ofEpochSecond(micros / 1_000_000);
        assertThat(t).isAfter(Instant.parse("2024-01-01T00:00:00Z"))
                .isBefore(Instant.parse("2100-01-01T00:00:00Z"));
    }

    @Test
    void protocol1RelationsAndTypes() {
        List<PgOutputMessage> m = decode(FIXTURES.get(0));
        Type mood = all(m, Type.class).get(0);
        assertThat(mood.namespace()).isEqualTo("public");
        assertThat(mood.name()).isEqualTo("mood");
        assertThat(mood.xid()).isEqualTo(PgOutputMessage.NO_XID);

        Relation person = relation(m, "person");
        assertThat(person.namespace()).isEqualTo("public");
        assertThat(person.replicaIdentity()).isEqualTo('d');
        assertThat(person.columns()).containsExactly(
                new RelationColumn(true, "id", INT4, -1),
                new RelationColumn(false, "name", TEXT, -1),
                new RelationColumn(false, "mood", mood.typeOid(), -1),
                // numeric(10,2): typmod = ((precision << 16) | scale) + VARHDRSZ
                new RelationColumn(false, "score", NUMERIC, ((10 << 16) | 2) + 4));
        assertThat(relation(m, "audit").replicaIdentity()).isEqualTo('f');
    }

    @Test
    void protocol1RowChanges() {
        List<PgOutputMessage> m = decode(FIXTURES.get(0));
        List<Insert> inserts = all(m, Insert.class);
        int personId = relation(m, "person").relationId();
        assertThat(inserts.get(0).relationId()).isEqualTo(personId);
        assertThat(inserts.get(0).newTuple())
                .isEqualTo(TupleData.ofText("1", "alice", "happy", "1.50"));
        TupleData nulls = inserts.get(1).newTuple();
        assertThat(nulls.text(0)).isEqualTo("2");
        assertThat(nulls.kind(1)).isEqualTo(TupleData.NULL);
        assertThat(nulls.isNull(3)).isTrue();

        List<Update> updates = all(m, Update.class);
        assertThat(updates.get(0).oldKind()).isEqualTo((char) 0);
        assertThat(updates.get(0).oldTuple()).isNull();
        assertThat(updates.get(0).newTuple().text(1)).isEqualTo("alicia");
        // Key change under REPLICA IDENTITY DEFAULT: the old key, other columns null.
        assertThat(updates.get(1).oldKind()).isEqualTo('K');
        assertThat(updates.get(1).oldTuple()).isEqualTo(TupleData.ofText("2", null, null, null));
        assertThat(updates.get(1).newTuple().text(0)).isEqualTo("10");
        // REPLICA IDENTITY FULL: the whole old row.
        assertThat(updates.get(2).oldKind()).isEqualTo('O');
        assertThat(updates.get(2).oldTuple()).isEqualTo(TupleData.ofText("1", "a"));
        assertThat(updates.get(2).newTuple()).isEqualTo(TupleData.ofText("1", "b"));
        // The TOASTed body was not changed and is not sent.
        Update toast = updates.get(3);
        assertThat(toast.relationId()).isEqualTo(relation(m, "doc").relationId());
        assertThat(toast.newTuple().text(1)).isEqualTo("second");
        assertThat(toast.newTuple().kind(2)).isEqualTo(TupleData.UNCHANGED_TOAST);
        assertThat(toast.newTuple().isUnchangedToast(2)).isTrue();
        assertThat(toast.newTuple().text(2)).isNull();

        List<Delete> deletes = all(m, Delete.class);
        assertThat(deletes.get(0).oldKind()).isEqualTo('K');
        assertThat(deletes.get(0).oldTuple().text(0)).isEqualTo("10");
        assertThat(deletes.get(1).oldKind()).isEqualTo('O');
        assertThat(deletes.get(1).oldTuple()).isEqualTo(TupleData.ofText("1", "b"));
    }

    @Test
    void protocol1TruncateMessagesAndOrigin() {
        List<PgOutputMessage> m = decode(FIXTURES.get(0));
        Truncate truncate = all(m, Truncate.class).get(0);
        assertThat(truncate.options()).isEqualTo(Truncate.CASCADE | Truncate.RESTART_IDENTITY);
        assertThat(truncate.relationIds()).containsExactlyInAnyOrder(
                relation(m, "parent").relationId(), relation(m, "child").relationId());

        List<LogicalMessage> messages = all(m, LogicalMessage.class);
        assertThat(messages).hasSize(2);
        assertThat(messages.get(0).transactional()).isTrue();
        assertThat(messages.get(0).prefix()).isEqualTo("pgwal");
        assertThat(new String(messages.get(0).content(), StandardCharsets.UTF_8))
                .isEqualTo("transactional message");
        assertThat(messages.get(1).transactional()).isFalse();
        assertThat(messages.get(1).content()).asString().isEqualTo("non-transactional");
        assertThat(messages.get(1).lsn()).isGreaterThan(messages.get(0).lsn());
        // Only the transactional one is inside Begin/Commit.
        int i = m.indexOf(messages.get(1));
        assertThat(m.get(i - 1)).isInstanceOf(Commit.class);
        assertThat(m.get(i + 1)).isInstanceOf(Begin.class);

        Origin origin = all(m, Origin.class).get(0);
        assertThat(origin.name()).isEqualTo("upstream");
        assertThat(origin.commitLsn()).isEqualTo(0x12345678L);
        assertThat(m.get(m.indexOf(origin) - 1)).isInstanceOf(Begin.class);
    }

    @Test
    void protocol1TransactionsPairUpWithIncreasingLsns() {
        List<PgOutputMessage> m = decode(FIXTURES.get(0));
        List<Begin> begins = all(m, Begin.class);
        List<Commit> commits = all(m, Commit.class);
        assertThat(begins).hasSize(commits.size()).hasSizeGreaterThan(10);
        long previousEnd = 0;
        for (int i = 0; i < begins.size(); i++) {
            Begin b = begins.get(i);
            Commit c = commits.get(i);
            assertThat(b.finalLsn()).isEqualTo(c.commitLsn());
            assertThat(b.commitTimeMicros()).isEqualTo(c.commitTimeMicros());
            assertThat(c.endLsn()).isGreaterThan(c.commitLsn());
            assertThat(c.commitLsn()).isGreaterThan(previousEnd);
            assertThat(b.xid()).isPositive();
            assertPlausibleTime(c.commitTimeMicros());
            previousEnd = c.endLsn();
        }
    }

    /**
     * Inside a stream block every data message carries the xid of the (sub)transaction that made
     * the change: the streamed transaction's or one of its subtransactions' (assigned later, so
     * greater), among them the savepoint that is rolled back and reported by a Stream Abort.
     */
    @Test
    void streamingDataMessagesCarryTheStreamedXid() {
        for (String fixture : List.of(FIXTURES.get(1), FIXTURES.get(3))) {
            CaptureFile capture = CaptureFile.load(fixture);
            List<StreamAbort> aborts = all(capture.decodeAll(), StreamAbort.class);
            Set<Long> subXids = new java.util.HashSet<>();
            PgOutputDecoder decoder = new PgOutputDecoder(capture.protocolVersion());
            long streamXid = -1;
            int streamedDataMessages = 0;
            for (byte[] bytes : capture.messages()) {
                PgOutputMessage msg = decoder.decode(ByteBuffer.wrap(bytes));
                if (msg instanceof StreamStart s) {
                    streamXid = s.xid();
                    assertThat(decoder.inStream()).isTrue();
                } else if (msg.type() == MessageType.STREAM_STOP) {
                    assertThat(decoder.inStream()).isFalse();
                } else if (decoder.inStream()) {
                    long xid = xidOf(msg);
                    if (xid != streamXid) {
                        assertThat(xid).as("%s in %s", msg, fixture).isGreaterThan(streamXid);
                        subXids.add(xid);
                    }
                    streamedDataMessages++;
                }
            }
            assertThat(streamedDataMessages).isGreaterThan(1000);
            assertThat(subXids).contains(aborts.get(0).subXid());
        }
    }

    private static long xidOf(PgOutputMessage msg) {
        if (msg instanceof Relation r) {
            return r.xid();
        } else if (msg instanceof Type t) {
            return t.xid();
        } else if (msg instanceof Insert i) {
            return i.xid();
        } else if (msg instanceof Update u) {
            return u.xid();
        } else if (msg instanceof Delete d) {
            return d.xid();
        } else if (msg instanceof Truncate t) {
            return t.xid();
        } else if (msg instanceof LogicalMessage l) {
            return l.xid();
        }
        throw new AssertionError("not a data message: " + msg);
    }

    @Test
    void protocol2StreamStartCommitAndAbort() {
        List<PgOutputMessage> m = decode(FIXTURES.get(1));
        List<StreamStart> starts = all(m, StreamStart.class);
        long committedXid = starts.get(0).xid();
        assertThat(starts.get(0).firstSegment()).isTrue();
        assertThat(starts.get(1).firstSegment()).isFalse();
        assertThat(starts.get(1).xid()).isEqualTo(committedXid);

        StreamCommit commit = all(m, StreamCommit.class).get(0);
        assertThat(commit.xid()).isEqualTo(committedXid);
        assertThat(commit.endLsn()).isGreaterThan(commit.commitLsn());
        assertPlausibleTime(commit.commitTimeMicros());

        List<StreamAbort> aborts = all(m, StreamAbort.class);
        // The rolled-back savepoint: a subtransaction of the committed transaction.
        assertThat(aborts.get(0).xid()).isEqualTo(committedXid);
        assertThat(aborts.get(0).subXid()).isNotEqualTo(committedXid);
        // The rolled-back transaction: subXid == xid.
        assertThat(aborts.get(1).subXid()).isEqualTo(aborts.get(1).xid());
        assertThat(aborts.get(1).xid()).isNotEqualTo(committedXid);
        assertThat(aborts).allSatisfy(a -> {
            assertThat(a.abortLsn()).isEqualTo(StreamAbort.UNKNOWN);
            assertThat(a.abortTimeMicros()).isEqualTo(StreamAbort.UNKNOWN);
        });
        LogicalMessage inStream = all(m, LogicalMessage.class).get(0);
        assertThat(inStream.transactional()).isTrue();
        assertThat(inStream.content()).asString().isEqualTo("inside a stream");
        assertThat(all(m, Truncate.class).get(0).relationIds())
                .containsExactly(relation(m, "audit").relationId());
    }

    @Test
    void protocol3TwoPhase() {
        List<PgOutputMessage> m = decode(FIXTURES.get(2));
        List<BeginPrepare> begins = all(m, BeginPrepare.class);
        List<Prepare> prepares = all(m, Prepare.class);
        assertThat(begins).extracting(BeginPrepare::gid)
                .containsExactly("gid-commit", "gid-rollback");
        assertThat(prepares).extracting(Prepare::gid).containsExactly("gid-commit", "gid-rollback");
        for (int i = 0; i < 2; i++) {
            assertThat(prepares.get(i).xid()).isEqualTo(begins.get(i).xid());
            assertThat(prepares.get(i).prepareLsn()).isEqualTo(begins.get(i).prepareLsn());
            assertThat(prepares.get(i).endLsn()).isEqualTo(begins.get(i).endLsn());
            assertPlausibleTime(prepares.get(i).prepareTimeMicros());
        }
        List<CommitPrepared> commits = all(m, CommitPrepared.class);
        assertThat(commits).extracting(CommitPrepared::gid)
                .containsExactly("gid-commit", "gid-stream");
        assertThat(commits.get(0).xid()).isEqualTo(prepares.get(0).xid());
        assertThat(commits.get(0).commitLsn()).isGreaterThanOrEqualTo(prepares.get(0).endLsn());

        RollbackPrepared rollback = all(m, RollbackPrepared.class).get(0);
        assertThat(rollback.gid()).isEqualTo("gid-rollback");
        assertThat(rollback.xid()).isEqualTo(prepares.get(1).xid());
        assertThat(rollback.prepareEndLsn()).isEqualTo(prepares.get(1).endLsn());
        assertThat(rollback.prepareTimeMicros()).isEqualTo(prepares.get(1).prepareTimeMicros());
        assertThat(rollback.rollbackEndLsn()).isGreaterThan(rollback.prepareEndLsn());

        StreamPrepare streamPrepare = all(m, StreamPrepare.class).get(0);
        assertThat(streamPrepare.gid()).isEqualTo("gid-stream");
        assertThat(streamPrepare.xid()).isEqualTo(all(m, StreamStart.class).get(0).xid());
        assertThat(commits.get(1).xid()).isEqualTo(streamPrepare.xid());
    }

    @Test
    void protocol4ParallelAbortInfoAndBinaryValues() {
        List<PgOutputMessage> m = decode(FIXTURES.get(3));
        List<StreamAbort> aborts = all(m, StreamAbort.class);
        assertThat(aborts).hasSize(2).allSatisfy(a -> {
            assertThat(a.abortLsn()).isNotEqualTo(StreamAbort.UNKNOWN).isPositive();
            assertPlausibleTime(a.abortTimeMicros());
        });
        assertThat(aborts.get(1).abortLsn()).isGreaterThan(aborts.get(0).abortLsn());
        // binary=true: int4 as 4 big-endian bytes; the first "big" row of this scenario is 60001.
        TupleData row = all(m, Insert.class).get(1).newTuple();
        assertThat(row.kind(0)).isEqualTo(TupleData.BINARY);
        assertThat(ByteBuffer.wrap(row.bytes(0)).getInt()).isEqualTo(60001);
        assertThat(row.text(1)).isEqualTo("row 60001");
    }

    @Test
    void everyMessageTypeOfEveryVersionOccursInTheFixtures() {
        Set<MessageType> seen = EnumSet.noneOf(MessageType.class);
        FIXTURES.forEach(f -> decode(f).forEach(msg -> seen.add(msg.type())));
        assertThat(seen).containsExactlyInAnyOrder(MessageType.values());
    }

    @Test
    void protocol4StreamAbortWithoutAbortInfo() {
        // streaming=on (not parallel) in protocol 4 ends Stream Abort after the subxid.
        byte[] bytes = MessageBytes.tag('A').i32(0xFFFFFFF0).i32(7).bytes();
        StreamAbort abort = (StreamAbort) new PgOutputDecoder(4).decode(ByteBuffer.wrap(bytes));
        assertThat(abort).isEqualTo(new StreamAbort(0xFFFFFFF0L, 7, StreamAbort.UNKNOWN,
                StreamAbort.UNKNOWN));
    }

    @Test
    void readsArraysWithOffsetsAndDirectBuffersAlike() {
        byte[] insert = MessageBytes.tag('I').i32(42).i8('N').i16(3).text("héllo").i8('n')
                .i8('u').bytes();
        PgOutputMessage expected = new PgOutputDecoder(1).decode(ByteBuffer.wrap(insert));

        byte[] padded = new byte[insert.length + 10];
        System.arraycopy(insert, 0, padded, 7, insert.length);
        ByteBuffer sliced = ByteBuffer.wrap(padded, 5, insert.length + 4).slice().position(2)
                .limit(2 + insert.length);
        ByteBuffer direct = ByteBuffer.allocateDirect(insert.length).put(insert).flip();

        for (ByteBuffer buffer : List.of(sliced, direct)) {
            int position = buffer.position();
            Insert decoded = (Insert) new PgOutputDecoder(1).decode(buffer);
            assertThat(decoded).isEqualTo(expected);
            assertThat(decoded.newTuple().text(0)).isEqualTo("héllo");
            assertThat(buffer.position()).isEqualTo(position);
        }
        // Zero-copy: the tuple points into the caller's array.
        Insert fromSlice = (Insert) new PgOutputDecoder(1).decode(sliced);
        assertThat(fromSlice.newTuple().buffer()).isSameAs(padded);
    }

    @Test
    void rejectsUnsupportedProtocolVersions() {
        Stream.of(0, 5, -1).forEach(v -> assertThatThrownBy(() -> new PgOutputDecoder(v))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("" + v));
        assertThat(new PgOutputDecoder(3).protocolVersion()).isEqualTo(3);
    }
}
