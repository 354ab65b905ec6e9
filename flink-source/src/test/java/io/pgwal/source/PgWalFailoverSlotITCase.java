package io.pgwal.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.testing.FailsOnce;
import io.pgwal.testing.TestPostgres;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code slot.failover}: on PostgreSQL 17 pgwal creates the slot as a failover slot, or makes an
 * existing one one; on 16 the option is refused before anything is created.
 */
class PgWalFailoverSlotITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension();

    @Test
    void createsOrAltersAFailoverSlotOnPostgres17() throws Exception {
        try (TestPostgres pg = TestPostgres.start()) {
            assertThat(pg.majorVersion()).isEqualTo(17);
            pg.execute("CREATE TABLE f (id int PRIMARY KEY)", "CREATE PUBLICATION f_pub FOR TABLE f",
                    "SELECT pg_create_logical_replication_slot('plain_slot', 'pgoutput')");

            readAll(pg.sourceBuilder("new_slot", "f_pub").slotFailover(true));
            readAll(pg.sourceBuilder("plain_slot", "f_pub").slotFailover(true));

            assertThat(pg.queryString("SELECT string_agg(slot_name || '=' || failover, ','"
                    + " ORDER BY slot_name) FROM pg_replication_slots"))
                    .isEqualTo("new_slot=true,plain_slot=true");
        }
    }

    @Test
    void isRefusedBeforePostgres17() throws Exception {
        try (TestPostgres pg = TestPostgres.start(16, Map.of())) {
            pg.execute("CREATE TABLE f (id int PRIMARY KEY)", "CREATE PUBLICATION f_pub FOR TABLE f");
            assertThat(FailsOnce.run(pg.sourceBuilder("f_slot", "f_pub").slotFailover(true)
                    .build())).contains("'slot.failover'").contains("17");
            assertThat(pg.queryString("SELECT count(*) FROM pg_replication_slots")).isEqualTo("0");
        }
    }

    private static void readAll(PgWalSourceBuilder source) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        try (CloseableIterator<GenericRecord> it = env.fromSource(
                source.stopAtCurrentLsn().build(), WatermarkStrategy.noWatermarks(), "pgwal")
                .executeAndCollect()) {
            it.forEachRemaining(r -> { });
        }
    }
}
