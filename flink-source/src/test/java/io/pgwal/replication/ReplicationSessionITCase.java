package io.pgwal.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwal.PgWalException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.replication.LogSequenceNumber;

/**
 * {@link ReplicationSessionContract} on the bundled PostgreSQL (17), plus what does not depend on
 * the version: the password stays out of errors, and another thread can abort a session.
 */
class ReplicationSessionITCase extends ReplicationSessionContract {

    private static final String SECRET = "s3cret-Pass-99";

    @Override
    int major() {
        return 0;
    }

    @BeforeAll
    void createPasswordUser() {
        pg.execute("CREATE ROLE pwuser LOGIN REPLICATION PASSWORD '" + SECRET + "'");
        pg.prependHba("host all pwuser 127.0.0.1/32 scram-sha-256",
                "host all pwuser ::1/128 scram-sha-256",
                "host replication pwuser 127.0.0.1/32 scram-sha-256",
                "host replication pwuser ::1/128 scram-sha-256");
    }

    @Test
    void runsOnTheBundledMajor() {
        assertThat(pg.majorVersion()).isEqualTo(17);
    }

    // (g) The password never appears in toString or in any exception (message or cause chain).
    @Test
    void passwordNeverAppears() throws Exception {
        PgWalConnectionConfig good = config("pw_slot", "p").username("pwuser").password(SECRET).build();
        assertThat(good.toString()).doesNotContain(SECRET);
        try (ReplicationSession session = ReplicationSession.open(good, null)) {
            assertThat(session.readPending()).isNull();
            assertThat(session.slotInfo().toString()).doesNotContain(SECRET);
        }

        String wrong = "wrong-" + SECRET;
        PgWalConnectionConfig bad = config("pw_slot", "p").username("pwuser").password(wrong).build();
        assertThatThrownBy(() -> ReplicationSession.open(bad, null))
                .isInstanceOf(PgWalException.class)
                .hasMessageContaining("'username' and 'password'")
                .satisfies(e -> assertThat(stackTrace(e)).doesNotContain(wrong).doesNotContain(SECRET));

        LogSequenceNumber behind = LogSequenceNumber.valueOf(1);
        assertThatThrownBy(() -> ReplicationSession.open(good, behind))
                .isInstanceOf(PgWalException.class)
                .hasMessageContaining("'pw_slot'")
                .satisfies(e -> assertThat(stackTrace(e)).doesNotContain(SECRET));
    }

    @Test
    void closeFromAnotherThreadAbortsThePollingThread() throws Exception {
        PgWalConnectionConfig config = config("abort_slot", "p").build();
        ReplicationSession session = ReplicationSession.open(config, null);
        CompletableFuture<Void> closer = CompletableFuture.runAsync(() -> {
            sleep(300);
            session.close();
        });
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        assertThatThrownBy(() -> {
            while (System.nanoTime() < deadline) {
                session.readPending();
            }
        }).isInstanceOf(SQLException.class);
        closer.get(10, TimeUnit.SECONDS);
        session.close(); // idempotent, also from the owner afterwards

        // The server notices the dead connection and releases the slot.
        long released = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!"f".equals(pg.queryString("SELECT active FROM pg_replication_slots"
                + " WHERE slot_name = 'abort_slot'")) && System.nanoTime() < released) {
            sleep(100);
        }
        assertThat(pg.queryString("SELECT active FROM pg_replication_slots WHERE slot_name = 'abort_slot'"))
                .isEqualTo("f");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String stackTrace(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString();
    }
}
