package io.pgwal.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwal.PgWalException;
import io.pgwal.testing.TestPostgres;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.postgresql.replication.LogSequenceNumber;

/**
 * What a replication session must do on every supported PostgreSQL major; one subclass per major,
 * each with its own server. The server's {@code wal_sender_timeout} is 2 s, so it sends keepalives
 * about every second: plenty of chances for a wrong automatic confirmation.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ReplicationSessionContract {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    protected TestPostgres pg;

    /** The PostgreSQL major version to test (0: the bundled default, 17). */
    abstract int major();

    @BeforeAll
    void startPostgres() {
        pg = TestPostgres.start(major(), Map.of("wal_sender_timeout", "2s"));
        pg.execute("CREATE TABLE t (id int PRIMARY KEY)", "CREATE PUBLICATION p FOR TABLE t",
                "CREATE TABLE t2 (id int PRIMARY KEY)", "CREATE PUBLICATION p2 FOR TABLE t2",
                "CREATE DATABASE other");
    }

    @AfterAll
    void stopPostgres() {
        pg.close();
    }

    protected PgWalConnectionConfig.Builder config(String slot, String publication) {
        return PgWalConnectionConfig.builder().hostname(pg.host()).port(pg.port())
                .database(pg.database()).username(pg.user()).password(pg.password())
                .slotName(slot).publicationName(publication).statusInterval(Duration.ofMillis(200));
    }

    @Test
    void streamsAndConfirmsOnlyWhatItIsTold() throws Exception {
        PgWalConnectionConfig config = config("s", "p").build();
        ReplicationSetup.prepare(config);
        String initial = confirmed("s");
        for (int i = 1; i <= 3; i++) {
            pg.execute("INSERT INTO t VALUES (" + i + ")");
        }
        List<LogSequenceNumber> commits;
        try (ReplicationSession session = ReplicationSession.open(config, null)) {
            assertThat(session.startLsn().asString()).isEqualTo(initial);
            StringBuilder tags = new StringBuilder();
            commits = readCommits(session, 3, tags);
            // (a) pgoutput's messages of three transactions, in order.
            assertThat(tags.toString()).isEqualTo("BRICBICBIC");

            // (b) Everything read, keepalives answered for 3 s: nothing confirmed.
            double idleMillis = pollIdle(session, Duration.ofSeconds(3));
            assertThat(confirmed("s")).isEqualTo(initial);
            // An idle readPending peeks the socket with a 1 ms timeout: no busy spin, no long wait.
            assertThat(idleMillis).isBetween(0.5, 50.0);

            // (c) An acknowledgement confirms exactly that position.
            session.acknowledge(commits.get(0));
            awaitConfirmed(session, "s", commits.get(0));
            assertThat(session.acknowledgedLsn()).isEqualTo(commits.get(0));

            // (d) A lower acknowledgement neither moves the slot back nor fails.
            session.acknowledge(LogSequenceNumber.valueOf(commits.get(0).asLong() - 8));
            pollIdle(session, Duration.ofSeconds(1));
            assertThat(confirmed("s")).isEqualTo(commits.get(0).asString());
            assertThat(session.acknowledgedLsn()).isEqualTo(commits.get(0));
        }

        // (e) Reopening from the acknowledged position replays transactions 2 and 3 only.
        try (ReplicationSession session = ReplicationSession.open(config, commits.get(0))) {
            assertThat(session.startLsn()).isEqualTo(commits.get(0));
            assertThat(readCommits(session, 2, new StringBuilder()))
                    .containsExactly(commits.get(1), commits.get(2));

            // (b) again, where pgjdbc's automatic flush would act: all that was read is
            // acknowledged, then WAL the publication does not cover moves the server's WAL end.
            session.acknowledge(commits.get(2));
            awaitConfirmed(session, "s", commits.get(2));
            try (Connection c = pg.connect("other"); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE filler AS SELECT g FROM generate_series(1, 1000) g");
            }
            pollIdle(session, Duration.ofSeconds(3));
            assertThat(session.lastReceiveLsn()).as("keepalives reported a newer WAL end")
                    .isGreaterThan(commits.get(2));
            assertThat(confirmed("s")).isEqualTo(commits.get(2).asString());
        }
    }

    @Test
    void restoresFromCheckpointPositionsAndRefusesToStartBehindTheSlot() throws Exception {
        PgWalConnectionConfig config = config("restore_slot", "p2").build();
        ReplicationSetup.prepare(config);
        String initial = confirmed("restore_slot");
        pg.execute("INSERT INTO t2 VALUES (1)", "INSERT INTO t2 VALUES (2)");
        List<LogSequenceNumber> commits;
        try (ReplicationSession session = ReplicationSession.open(config, null)) {
            commits = readCommits(session, 2, new StringBuilder());
        }

        // A restored checkpoint ahead of the slot (its acknowledgement never reached the server):
        // start there, and do not confirm it by merely starting.
        try (ReplicationSession session = ReplicationSession.open(config, commits.get(0))) {
            assertThat(readCommits(session, 1, new StringBuilder())).containsExactly(commits.get(1));
            pollIdle(session, Duration.ofSeconds(1));
            assertThat(confirmed("restore_slot")).isEqualTo(initial);
            session.acknowledge(commits.get(1));
            awaitConfirmed(session, "restore_slot", commits.get(1));
        }

        // (f) A restored checkpoint behind the slot: its changes are gone, so fail loudly...
        LogSequenceNumber behind = commits.get(0);
        assertThatThrownBy(() -> ReplicationSession.open(config, behind))
                .isInstanceOf(PgWalException.class)
                .hasMessageContaining("'restore_slot'")
                .hasMessageContaining(behind.asString())
                .hasMessageContaining(commits.get(1).asString())
                .hasMessageContaining("can no longer be replayed")
                .hasMessageContaining("restore.allow-slot-ahead");
        // ...unless the user accepts the gap: then start at the slot's position.
        PgWalConnectionConfig override = config("restore_slot", "p2").allowSlotAhead(true).build();
        try (ReplicationSession session = ReplicationSession.open(override, behind)) {
            assertThat(session.startLsn()).isEqualTo(commits.get(1));
            pg.execute("INSERT INTO t2 VALUES (3)");
            assertThat(readCommits(session, 1, new StringBuilder()).get(0)).isGreaterThan(commits.get(1));
        }
    }

    /** Reads until {@code n} commits; returns their end LSNs and appends every message's tag. */
    protected static List<LogSequenceNumber> readCommits(ReplicationSession session, int n,
            StringBuilder tags) throws Exception {
        List<LogSequenceNumber> ends = new ArrayList<>();
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (ends.size() < n) {
            assertThat(System.nanoTime()).as("messages within " + TIMEOUT).isLessThan(deadline);
            ByteBuffer m = session.readPending();
            if (m == null) {
                continue;
            }
            char tag = (char) m.get(m.position());
            tags.append(tag);
            if (tag == 'C') {
                // Commit: tag, flags (1), commit LSN (8), end LSN (8), timestamp (8).
                ends.add(LogSequenceNumber.valueOf(m.getLong(m.position() + 10)));
            }
        }
        return ends;
    }

    /** Polls for {@code d}, expecting no data; returns the mean duration of one poll in ms. */
    protected static double pollIdle(ReplicationSession session, Duration d) throws Exception {
        long start = System.nanoTime();
        long end = start + d.toNanos();
        long polls = 0;
        while (System.nanoTime() < end) {
            assertThat(session.readPending()).as("no new data expected").isNull();
            polls++;
        }
        return (System.nanoTime() - start) / 1e6 / polls;
    }

    private void awaitConfirmed(ReplicationSession session, String slot, LogSequenceNumber lsn)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!lsn.asString().equals(confirmed(slot)) && System.nanoTime() < deadline) {
            pollIdle(session, Duration.ofMillis(50));
        }
        assertThat(confirmed(slot)).isEqualTo(lsn.asString());
    }

    protected String confirmed(String slot) {
        return pg.queryString("SELECT confirmed_flush_lsn::text FROM pg_replication_slots"
                + " WHERE slot_name = '" + slot + "'");
    }
}
