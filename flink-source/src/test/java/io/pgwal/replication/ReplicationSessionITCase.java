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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.replication.LogSequenceNumber;

/**
 * The replication session on every supported PostgreSQL major: it streams pgoutput, confirms only
 * what it is told to (never on keepalives), never moves the slot back, resumes from a confirmed
 * position without replaying confirmed transactions, and refuses to start behind the slot.
 */
class ReplicationSessionITCase {

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {14, 16, 0, 18})
    void confirmsOnlyWhatItIsTold(int major) throws Exception {
        // Keepalives every ~1 s, status updates every 200 ms: plenty of chances to confirm wrongly.
        try (TestPostgres pg = TestPostgres.start(major, Map.of("wal_sender_timeout", "2s"))) {
            pg.execute("CREATE TABLE t (id int PRIMARY KEY)", "CREATE PUBLICATION p FOR TABLE t");
            PgWalConnectionConfig config = PgWalConnectionConfig.builder()
                    .hostname(pg.host()).port(pg.port()).database(pg.database())
                    .username(pg.user()).password(pg.password()).slotName("s").publicationName("p")
                    .statusInterval(Duration.ofMillis(200)).build();
            ReplicationSetup.prepare(config);
            String initial = confirmed(pg);
            for (int i = 1; i <= 3; i++) {
                pg.execute("INSERT INTO t VALUES (" + i + ")");
            }

            List<Long> commitEnds = new ArrayList<>();
            try (ReplicationSession session = ReplicationSession.open(config, null)) {
                assertThat(session.startLsn().asString()).isEqualTo(initial);
                StringBuilder tags = new StringBuilder();
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (commitEnds.size() < 3) {
                    assertThat(System.nanoTime()).isLessThan(deadline);
                    ByteBuffer m = session.readPending();
                    if (m != null) {
                        char tag = (char) m.get(m.position());
                        tags.append(tag);
                        if (tag == 'C') {
                            commitEnds.add(m.getLong(m.position() + 10));
                        }
                    }
                }
                assertThat(tags.toString()).isEqualTo("BRICBICBIC");
                // Everything read, keepalives answered for 3 s: nothing confirmed.
                poll(session, Duration.ofSeconds(3));
                assertThat(confirmed(pg)).isEqualTo(initial);

                LogSequenceNumber first = LogSequenceNumber.valueOf(commitEnds.get(0));
                session.acknowledge(first);
                awaitConfirmed(pg, session, first.asString());
                session.acknowledge(LogSequenceNumber.valueOf(commitEnds.get(0) - 8));
                poll(session, Duration.ofSeconds(1));
                assertThat(confirmed(pg)).isEqualTo(first.asString());
                assertThat(session.acknowledgedLsn()).isEqualTo(first);
            }

            // Reopening from the confirmed position replays transactions 2 and 3 only.
            try (ReplicationSession session = ReplicationSession.open(config,
                    LogSequenceNumber.valueOf(commitEnds.get(0)))) {
                List<Long> replayed = new ArrayList<>();
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (replayed.size() < 2) {
                    assertThat(System.nanoTime()).isLessThan(deadline);
                    ByteBuffer m = session.readPending();
                    if (m != null && m.get(m.position()) == 'C') {
                        replayed.add(m.getLong(m.position() + 10));
                    }
                }
                assertThat(replayed).containsExactly(commitEnds.get(1), commitEnds.get(2));
            }

            // The slot is past this position: exactly-once is impossible, so refuse loudly.
            LogSequenceNumber behind = LogSequenceNumber.valueOf(commitEnds.get(0) - 1);
            assertThatThrownBy(() -> ReplicationSession.open(config, behind))
                    .isInstanceOf(PgWalException.class)
                    .hasMessageContaining("'s'")
                    .hasMessageContaining(behind.asString())
                    .hasMessageContaining(confirmed(pg))
                    .hasMessageContaining("restore.allow-slot-ahead");
            PgWalConnectionConfig override = PgWalConnectionConfig.builder()
                    .hostname(pg.host()).port(pg.port()).database(pg.database())
                    .username(pg.user()).password(pg.password()).slotName("s").publicationName("p")
                    .allowSlotAhead(true).build();
            try (ReplicationSession session = ReplicationSession.open(override, behind)) {
                assertThat(session.startLsn().asString()).isEqualTo(confirmed(pg));
            }
        }
    }

    private static void poll(ReplicationSession session, Duration d) throws Exception {
        long end = System.nanoTime() + d.toNanos();
        while (System.nanoTime() < end) {
            assertThat(session.readPending()).as("no new data expected").isNull();
        }
    }

    private static void awaitConfirmed(TestPostgres pg, ReplicationSession session, String lsn)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!lsn.equals(confirmed(pg)) && System.nanoTime() < deadline) {
            session.readPending();
        }
        assertThat(confirmed(pg)).isEqualTo(lsn);
    }

    private static String confirmed(TestPostgres pg) throws Exception {
        try (Connection c = pg.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT confirmed_flush_lsn::text FROM pg_replication_slots"
                        + " WHERE slot_name = 's'")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
