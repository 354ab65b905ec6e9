package io.pgwal.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.avro.Envelope;
import io.pgwal.testing.TestPostgres;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue input: {@code wal_sender_timeout = 5s}, one transaction of 200,000 inserts, a downstream
 * map that sleeps 12 s every 50,000 records. While Flink backpressures the reader, pgwal keeps
 * answering the server, so the walsender is never ended for a replication timeout: one walsender
 * serves the whole read (no reconnect), and every insert arrives once.
 */
class PgWalBackpressureITCase {

    private static final int ROWS = 200_000;

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension();

    private static TestPostgres pg;

    @BeforeAll
    static void startPostgres() {
        pg = TestPostgres.start(15, Map.of("wal_sender_timeout", "5s"));
        pg.execute("CREATE TABLE bp (id int PRIMARY KEY, pad text)",
                "CREATE PUBLICATION bp_pub FOR TABLE bp",
                "SELECT pg_create_logical_replication_slot('bp_slot', 'pgoutput')",
                "INSERT INTO bp SELECT i, md5(i::text) FROM generate_series(1, " + ROWS + ") i");
    }

    @AfterAll
    static void stopPostgres() {
        pg.close();
    }

    @Test
    void aBackpressuredReaderKeepsItsWalsender() throws Exception {
        PgWalSource source = pg.sourceBuilder("bp_slot", "bp_pub").stopAtCurrentLsn().build();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        Set<String> walsenders = ConcurrentHashMap.newKeySet();
        AtomicBoolean running = new AtomicBoolean(true);
        Thread watcher = new Thread(() -> {
            while (running.get()) {
                String pid = pg.queryString("SELECT active_pid FROM pg_replication_slots"
                        + " WHERE slot_name = 'bp_slot' AND active");
                if (pid != null) {
                    walsenders.add(pid);
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        watcher.start();
        List<Integer> ids = new ArrayList<>();
        try (CloseableIterator<Integer> it = env
                .fromSource(source, WatermarkStrategy.noWatermarks(), "pgwal")
                .map(new SlowEvery(50_000, 12_000)).returns(Types.INT)
                .executeAndCollect()) {
            it.forEachRemaining(ids::add);
        } finally {
            running.set(false);
            watcher.join();
        }

        assertThat(ids).hasSize(ROWS);
        assertThat(new HashSet<>(ids)).hasSize(ROWS);
        assertThat(walsenders).as("walsender pids that served the slot").hasSize(1);
    }

    /** Sleeps {@code sleepMillis} after every {@code every} records: a slow sink. */
    private static final class SlowEvery implements MapFunction<GenericRecord, Integer> {
        private final int every;
        private final long sleepMillis;
        private int seen;

        SlowEvery(int every, long sleepMillis) {
            this.every = every;
            this.sleepMillis = sleepMillis;
        }

        @Override
        public Integer map(GenericRecord r) throws Exception {
            if (++seen % every == 0) {
                Thread.sleep(sleepMillis);
            }
            return (Integer) Envelope.after(r).get("id");
        }
    }
}
