package io.pgwal.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.source.reader.PgWalSourceReader;
import io.pgwal.source.split.PgWalPosition;
import io.pgwal.source.split.PgWalSplit;
import io.pgwal.testing.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.connector.testutils.source.reader.TestingReaderContext;
import org.apache.flink.connector.testutils.source.reader.TestingReaderOutput;
import org.apache.flink.core.io.InputStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The slot's confirmed_flush_lsn moves only when a checkpoint completes, and then exactly to the
 * position that checkpoint holds: not while records are emitted, not on keepalives (the server
 * sends them every second here), not for aborted or stale checkpoints.
 */
class PgWalCheckpointAckITCase {

    private static TestPostgres pg;

    @BeforeAll
    static void startPostgres() {
        // Keepalives every ~1 s: pgjdbc answers them while we wait, which must not confirm anything.
        pg = TestPostgres.start(0, Map.of("wal_sender_timeout", "2s"));
        pg.execute("CREATE TABLE items (id int PRIMARY KEY, name text)",
                "CREATE PUBLICATION ack_pub FOR TABLE items",
                "SELECT pg_create_logical_replication_slot('ack_slot', 'pgoutput')");
    }

    @AfterAll
    static void stopPostgres() {
        pg.close();
    }

    @Test
    void confirmsOnlyWhatCompletedCheckpointsCover() throws Exception {
        String initial = confirmedFlushLsn();
        pg.execute("INSERT INTO items SELECT i, 'a' || i FROM generate_series(1, 100) i");
        pg.execute("INSERT INTO items SELECT i, 'b' || i FROM generate_series(101, 150) i");

        PgWalSource source = PgWalSource.builder()
                .hostname(pg.host()).port(pg.port()).database(pg.database())
                .username(pg.user()).password(pg.password())
                .slotName("ack_slot").publicationName("ack_pub")
                .statusInterval(Duration.ofMillis(500))
                .build();
        TestingReaderOutput<GenericRecord> output = new TestingReaderOutput<>();
        try (SourceReader<GenericRecord, PgWalSplit> reader =
                source.createReader(new TestingReaderContext())) {
            reader.start();
            reader.addSplits(List.of(new PgWalSplit(PgWalPosition.INITIAL, 0L)));

            pollUntil(reader, output, 150);
            // Emitted, keepalives answered for 3 s, but no checkpoint: nothing may be confirmed.
            pollFor(reader, output, Duration.ofSeconds(3));
            assertThat(confirmedFlushLsn()).isEqualTo(initial);

            // A checkpoint is taken, then aborted: still nothing.
            long aborted = position(reader.snapshotState(1)).restartLsn();
            reader.notifyCheckpointAborted(1);
            pollFor(reader, output, Duration.ofSeconds(1));
            assertThat(confirmedFlushLsn()).isEqualTo(initial);
            assertThat(aborted).isNotZero();

            // Checkpoint 2 completes: exactly its restart LSN is confirmed.
            PgWalPosition checkpointed = position(reader.snapshotState(2));
            assertThat(checkpointed.inTransaction()).isFalse();
            reader.notifyCheckpointComplete(2);
            String expected = PgWalPosition.lsn(checkpointed.restartLsn());
            awaitConfirmed(reader, output, expected);

            // More data; checkpoint 3 is taken but never completes: the slot stays at checkpoint 2.
            pg.execute("INSERT INTO items VALUES (1000, 'late')");
            pollUntil(reader, output, 151);
            PgWalPosition third = position(reader.snapshotState(3));
            assertThat(Long.compareUnsigned(third.restartLsn(), checkpointed.restartLsn())).isPositive();
            pollFor(reader, output, Duration.ofSeconds(2));
            assertThat(confirmedFlushLsn()).isEqualTo(expected);

            // A late notification for an older checkpoint does not move the slot back.
            reader.notifyCheckpointComplete(1);
            reader.notifyCheckpointComplete(3);
            awaitConfirmed(reader, output, PgWalPosition.lsn(third.restartLsn()));
            reader.notifyCheckpointComplete(2);
            pollFor(reader, output, Duration.ofSeconds(1));
            assertThat(confirmedFlushLsn()).isEqualTo(PgWalPosition.lsn(third.restartLsn()));
            assertThat(((PgWalSourceReader) reader).requestedAcknowledgement()).isEqualTo(third.restartLsn());
        }
        assertThat(output.getEmittedRecords()).hasSize(151);
    }

    private static PgWalPosition position(List<PgWalSplit> splits) {
        assertThat(splits).hasSize(1);
        return splits.get(0).position();
    }

    private static void pollUntil(SourceReader<GenericRecord, PgWalSplit> reader,
            TestingReaderOutput<GenericRecord> output, int records) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (output.getEmittedRecords().size() < records) {
            assertThat(System.nanoTime() - deadline).as("timed out waiting for records").isNegative();
            poll(reader, output);
        }
    }

    private static void pollFor(SourceReader<GenericRecord, PgWalSplit> reader,
            TestingReaderOutput<GenericRecord> output, Duration d) throws Exception {
        long end = System.nanoTime() + d.toNanos();
        while (System.nanoTime() - end < 0) {
            poll(reader, output);
        }
    }

    private static void poll(SourceReader<GenericRecord, PgWalSplit> reader,
            TestingReaderOutput<GenericRecord> output) throws Exception {
        if (reader.pollNext(output) == InputStatus.NOTHING_AVAILABLE) {
            try {
                reader.isAvailable().get(50, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException ignored) {
                // nothing new; poll again
            }
        }
    }

    private static void awaitConfirmed(SourceReader<GenericRecord, PgWalSplit> reader,
            TestingReaderOutput<GenericRecord> output, String expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!expected.equals(confirmedFlushLsn()) && System.nanoTime() - deadline < 0) {
            pollFor(reader, output, Duration.ofMillis(100));
        }
        assertThat(confirmedFlushLsn()).isEqualTo(expected);
    }

    private static String confirmedFlushLsn() throws Exception {
        try (Connection c = pg.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT confirmed_flush_lsn::text FROM pg_replication_slots"
                        + " WHERE slot_name = 'ack_slot'")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
