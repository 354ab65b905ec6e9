package io.pgwal.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.testing.FailsOnce;
import io.pgwal.testing.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.PGConnection;
import org.postgresql.replication.PGReplicationStream;

/**
 * Slots that are gone or not ours: one invalidated by {@code max_slot_wal_keep_size}, one dropped
 * while the job runs (a resuming reader never creates a slot: a new one would silently skip the
 * changes in between), one in use by another consumer. Each ends the job once, under a restart
 * strategy that would restart it for ever, naming the slot, the cause and the recovery.
 */
class PgWalSlotLossITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension();

    private static TestPostgres pg;

    @BeforeAll
    static void startPostgres() {
        pg = TestPostgres.start(0, Map.of("max_slot_wal_keep_size", "1MB"));
        pg.execute("CREATE TABLE s (id int PRIMARY KEY, pad text)",
                "CREATE PUBLICATION s_pub FOR TABLE s");
    }

    @AfterAll
    static void stopPostgres() {
        pg.close();
    }

    @Test
    void aSlotInvalidatedByMaxSlotWalKeepSizeIsADefiniteError() throws Exception {
        pg.execute("SELECT pg_create_logical_replication_slot('lost_slot', 'pgoutput')");
        for (int i = 0; i < 20 && !"lost".equals(walStatus("lost_slot")); i++) {
            pg.execute("INSERT INTO s SELECT g, repeat('x', 1000) FROM generate_series("
                    + (i * 3000 + 1) + ", " + (i * 3000 + 3000) + ") g",
                    "SELECT pg_switch_wal()", "CHECKPOINT");
        }
        assertThat(walStatus("lost_slot")).isEqualTo("lost");

        String failure = failsOnce(pg.sourceBuilder("lost_slot", "s_pub"));

        assertThat(failure).contains("'lost_slot'").contains("wal_status = lost")
                .contains("max_slot_wal_keep_size")
                .contains("pg_drop_replication_slot('lost_slot')")
                .contains("'scan.startup.mode' = 'initial'");
        if (pg.majorVersion() >= 17) {
            assertThat(failure).contains("invalidation_reason = wal_removed");
        }
    }

    @Test
    void aSlotDroppedWhileTheJobRunsIsNotCreatedAgain() throws Exception {
        pg.execute("SELECT pg_create_logical_replication_slot('dropped_slot', 'pgoutput')");
        StreamExecutionEnvironment env = FailsOnce.restartingForEver();
        env.fromSource(pg.sourceBuilder("dropped_slot", "s_pub")
                        .reconnect(5, Duration.ofSeconds(2)).build(),
                WatermarkStrategy.noWatermarks(), "pgwal").sinkTo(new DiscardingSink<>());
        CompletableFuture<String> failure = CompletableFuture.supplyAsync(() -> {
            try {
                return FailsOnce.run(env);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        // Once the reader streams, end its walsender and drop the slot before it reconnects.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        boolean dropped = false;
        while (!dropped && System.nanoTime() < deadline) {
            String pid = pg.queryString("SELECT active_pid FROM pg_replication_slots"
                    + " WHERE slot_name = 'dropped_slot' AND active");
            if (pid != null) {
                pg.execute("SELECT pg_terminate_backend(" + pid + ")");
                dropped = tryDrop("dropped_slot");
            }
            Thread.sleep(50);
        }
        assertThat(dropped).as("the slot was dropped while the job ran").isTrue();

        assertThat(failure.get(90, TimeUnit.SECONDS)).contains("'dropped_slot'")
                .contains("does not exist, but this job resumes")
                .contains("'scan.startup.mode' = 'initial'");
        assertThat(pg.queryString("SELECT count(*) FROM pg_replication_slots"
                + " WHERE slot_name = 'dropped_slot'")).isEqualTo("0");
    }

    @Test
    void aSlotInUseByAnotherConsumerIsADefiniteError() throws Exception {
        pg.execute("SELECT pg_create_logical_replication_slot('taken_slot', 'pgoutput')");
        Properties p = new Properties();
        p.setProperty("user", pg.user());
        p.setProperty("password", pg.password());
        p.setProperty("replication", "database");
        p.setProperty("preferQueryMode", "simple");
        p.setProperty("assumeMinServerVersion", "10");
        try (Connection other = DriverManager.getConnection(pg.jdbcUrl(), p);
                PGReplicationStream stream = other.unwrap(PGConnection.class).getReplicationAPI()
                        .replicationStream().logical().withSlotName("taken_slot")
                        .withSlotOption("proto_version", 1)
                        .withSlotOption("publication_names", "s_pub").start()) {
            String holder = pg.queryString("SELECT active_pid FROM pg_replication_slots"
                    + " WHERE slot_name = 'taken_slot'");

            String failure = failsOnce(pg.sourceBuilder("taken_slot", "s_pub"));

            assertThat(failure).contains("'taken_slot'").contains("in use")
                    .contains("walsender pid " + holder).contains("slot.name");
        }
    }

    @Test
    void aSlotHeldByAnotherPgwalReaderIsRetriedUntilItIsFree() throws Exception {
        // As after a TaskManager that vanished without closing its connection: its walsender
        // holds the slot until the server's wal_sender_timeout ends it.
        pg.execute("SELECT pg_create_logical_replication_slot('zombie_slot', 'pgoutput')",
                "INSERT INTO s VALUES (100001, 'after the slot')");
        Properties p = new Properties();
        p.setProperty("user", pg.user());
        p.setProperty("password", pg.password());
        p.setProperty("replication", "database");
        p.setProperty("preferQueryMode", "simple");
        p.setProperty("assumeMinServerVersion", "10");
        p.setProperty("ApplicationName", "pgwal");
        Connection zombie = DriverManager.getConnection(pg.jdbcUrl(), p);
        zombie.unwrap(PGConnection.class).getReplicationAPI().replicationStream().logical()
                .withSlotName("zombie_slot").withSlotOption("proto_version", 1)
                .withSlotOption("publication_names", "s_pub").start();
        CompletableFuture.runAsync(() -> {
            try {
                Thread.sleep(15_000);
                zombie.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        StreamExecutionEnvironment env = FailsOnce.restartingForEver();
        env.fromSource(pg.sourceBuilder("zombie_slot", "s_pub").stopAtCurrentLsn().build(),
                        WatermarkStrategy.noWatermarks(), "pgwal")
                .map((org.apache.avro.generic.GenericRecord r) ->
                        String.valueOf(io.pgwal.avro.Envelope.after(r).get("id")))
                .returns(org.apache.flink.api.common.typeinfo.Types.STRING)
                .sinkTo(io.pgwal.testing.CollectingSink.named("zombie"));
        long started = System.nanoTime();
        env.execute("pgwal zombie");
        List<String> ids = io.pgwal.testing.CollectingSink.output("zombie");

        assertThat(ids).containsExactly("100001");
        assertThat(Duration.ofNanos(System.nanoTime() - started))
                .isGreaterThan(Duration.ofSeconds(10));
    }

    private static boolean tryDrop(String slot) {
        try {
            pg.execute("SELECT pg_drop_replication_slot('" + slot + "')");
            return true;
        } catch (IllegalStateException stillActive) {
            return false;
        }
    }

    private static String walStatus(String slot) {
        return pg.queryString("SELECT wal_status FROM pg_replication_slots WHERE slot_name = '"
                + slot + "'");
    }

    private static String failsOnce(PgWalSourceBuilder source) throws Exception {
        return FailsOnce.run(source.build());
    }
}
