package io.pgwal.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.avro.Envelope;
import io.pgwal.testing.TestPostgres;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Streaming from a physical standby (PostgreSQL 16+ decodes on standbys): pgwal creates its slot
 * on the standby, and a bounded read at "current" stops at the standby's replay position (a
 * standby has no insert position). The standby is a cold copy of an embedded primary.
 */
class PgWalStandbyITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension();

    @Test
    void streamsFromAStandbyUpToItsReplayPosition() throws Exception {
        try (TestPostgres primary = TestPostgres.start()) {
            primary.execute("CREATE TABLE sb (id int PRIMARY KEY)",
                    "CREATE PUBLICATION sb_pub FOR TABLE sb", "INSERT INTO sb VALUES (1)");
            try (TestPostgres standby = primary.startStandby()) {
                assertThat(standby.queryString("SELECT pg_is_in_recovery()")).isEqualTo("t");
                awaitReplay(primary, standby);
                // Creating a slot on a standby waits for a running-xacts record of the primary.
                AtomicBoolean creating = new AtomicBoolean(true);
                Thread snapshots = new Thread(() -> {
                    while (creating.get()) {
                        primary.execute("SELECT pg_log_standby_snapshot()");
                        try {
                            Thread.sleep(200);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });
                snapshots.start();
                try {
                    assertThat(readAll(standby)).isEmpty();
                } finally {
                    creating.set(false);
                    snapshots.join();
                }
                assertThat(standby.queryString("SELECT count(*) FROM pg_replication_slots"
                        + " WHERE slot_name = 'sb_slot'")).isEqualTo("1");

                primary.execute("INSERT INTO sb VALUES (2)", "INSERT INTO sb VALUES (3)");
                awaitReplay(primary, standby);

                assertThat(readAll(standby)).containsExactly(2, 3);
            }
        }
    }

    private static List<Integer> readAll(TestPostgres standby) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        List<Integer> ids = new ArrayList<>();
        try (CloseableIterator<GenericRecord> it = env.fromSource(
                standby.sourceBuilder("sb_slot", "sb_pub").stopAtCurrentLsn().build(),
                WatermarkStrategy.noWatermarks(), "pgwal").executeAndCollect()) {
            it.forEachRemaining(r -> ids.add((Integer) Envelope.after(r).get("id")));
        }
        return ids;
    }

    private static void awaitReplay(TestPostgres primary, TestPostgres standby)
            throws InterruptedException {
        String target = primary.queryString("SELECT pg_current_wal_insert_lsn()::text");
        for (int i = 0; i < 600; i++) {
            if ("t".equals(standby.queryString("SELECT pg_last_wal_replay_lsn() >= '" + target
                    + "'::pg_lsn"))) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the standby did not replay up to " + target);
    }
}
