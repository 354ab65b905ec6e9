package io.pgwal.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.source.reader.PgWalSourceReader;
import io.pgwal.source.split.PgWalPosition;
import io.pgwal.source.split.PgWalSourceSplit;
import io.pgwal.source.split.PgWalSplit;
import io.pgwal.testing.TestPostgres;
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
                "CREATE TABLE unpublished (id int PRIMARY KEY, note text)",
                "CREATE TABLE quiet (id int PRIMARY KEY)",
                "CREATE PUBLICATION ack_pub FOR TABLE items",
                "CREATE PUBLICATION quiet_pub FOR TABLE quiet",
                "SELECT pg_create_logical_replication_slot('ack_slot', 'pgoutput')",
                "SELECT pg_create_logical_replication_slot('quiet_slot', 'pgoutput')");
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

        PgWalSource source = pg.sourceBuilder("ack_slot", "ack_pub")
                .statusInterval(Duration.ofMillis(500))
                .build();
        TestingReaderOutput<GenericRecord> output = new TestingReaderOutput<>();
        try (SourceReader<GenericRecord, PgWalSourceSplit> reader =
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

    /**
     * A publication whose tables never change, in a database that takes writes: the slot still
     * advances with checkpoints (to the server's WAL end), so it does not pin WAL until the disk
     * fills. The source writes nothing into the database to achieve it.
     */
    @Test
    void idlePublicationDoesNotPinWal() throws Exception {
        String initial = confirmedFlushLsn("quiet_slot");
        PgWalSource source = pg.sourceBuilder("quiet_slot", "quiet_pub")
                .statusInterval(Duration.ofMillis(500))
                .build();
        TestingReaderOutput<GenericRecord> output = new TestingReaderOutput<>();
        try (SourceReader<GenericRecord, PgWalSourceSplit> reader =
                source.createReader(new TestingReaderContext())) {
            reader.start();
            reader.addSplits(List.of(new PgWalSplit(PgWalPosition.INITIAL, 0L)));
            for (int i = 0; i < 20; i++) {
                pg.execute("INSERT INTO unpublished SELECT g, repeat('x', 100) FROM generate_series("
                        + (i * 500 + 1) + ", " + (i * 500 + 500) + ") g");
            }
            String written = pg.currentInsertLsn().asString();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            long checkpoint = 100;
            // Checkpoint until the slot has passed everything the other table wrote.
            while (!pg.queryString("SELECT confirmed_flush_lsn >= '" + written + "'::pg_lsn FROM"
                    + " pg_replication_slots WHERE slot_name = 'quiet_slot'").equals("t")) {
                assertThat(System.nanoTime() - deadline).as("slot stuck at " + confirmedFlushLsn(
                        "quiet_slot") + ", WAL written up to " + written).isNegative();
                pollFor(reader, output, Duration.ofMillis(300));
                reader.snapshotState(++checkpoint);
                reader.notifyCheckpointComplete(checkpoint);
            }
        }
        assertThat(output.getEmittedRecords()).isEmpty();
        assertThat(confirmedFlushLsn("quiet_slot")).isNotEqualTo(initial);
    }

    private static PgWalPosition position(List<PgWalSourceSplit> splits) {
        assertThat(splits).hasSize(1);
        return ((PgWalSplit) splits.get(0)).position();
    }

    private static void pollUntil(SourceReader<GenericRecord, PgWalSourceSplit> reader,
            TestingReaderOutput<GenericRecord> output, int records) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (output.getEmittedRecords().size() < records) {
            assertThat(System.nanoTime() - deadline).as("timed out waiting for records").isNegative();
            poll(reader, output);
        }
    }

    private static void pollFor(SourceReader<GenericRecord, PgWalSourceSplit> reader,
            TestingReaderOutput<GenericRecord> output, Duration d) throws Exception {
        long end = System.nanoTime() + d.toNanos();
        while (System.nanoTime() - end < 0) {
            poll(reader, output);
        }
    }

    private static void poll(SourceReader<GenericRecord, PgWalSourceSplit> reader,
            TestingReaderOutput<GenericRecord> output) throws Exception {
        if (reader.pollNext(output) == InputStatus.NOTHING_AVAILABLE) {
            try {
                reader.isAvailable().get(50, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException ignored) {
                // nothing new; poll again
            }
        }
    }

    private static void awaitConfirmed(SourceReader<GenericRecord, PgWalSourceSplit> reader,
            TestingReaderOutput<GenericRecord> output, String expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!expected.equals(confirmedFlushLsn()) && System.nanoTime() - deadline < 0) {
            pollFor(reader, output, Duration.ofMillis(100));
        }
        assertThat(confirmedFlushLsn()).isEqualTo(expected);
    }

    private static String confirmedFlushLsn() {
        return confirmedFlushLsn("ack_slot");
    }

    private static String confirmedFlushLsn(String slot) {
        return pg.queryString("SELECT confirmed_flush_lsn::text FROM pg_replication_slots"
                + " WHERE slot_name = '" + slot + "'");
    }
}
