package io.pgwal.source;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwal.testing.TestPostgres;
import java.util.Map;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A job on a misconfigured source fails with a message that names what to change. */
class PgWalSourceErrorsITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension();

    private static final String SECRET = "s3cret-Pa55";

    private static TestPostgres pg;

    @BeforeAll
    static void startPostgres() {
        pg = TestPostgres.start();
        pg.execute("CREATE TABLE t (id int PRIMARY KEY)",
                "CREATE PUBLICATION err_pub FOR TABLE t",
                "CREATE ROLE pwuser LOGIN REPLICATION PASSWORD '" + SECRET + "'");
        pg.prependHba(
                "host all pwuser 127.0.0.1/32 scram-sha-256",
                "host all pwuser ::1/128 scram-sha-256",
                "host replication pwuser 127.0.0.1/32 scram-sha-256",
                "host replication pwuser ::1/128 scram-sha-256");
    }

    @AfterAll
    static void stopPostgres() {
        pg.close();
    }

    private static PgWalSourceBuilder valid(TestPostgres server) {
        return server.sourceBuilder("err_slot", "err_pub");
    }

    @Test
    void walLevelNotLogical() {
        try (TestPostgres replica = TestPostgres.start(0, Map.of("wal_level", "replica"))) {
            assertThatThrownBy(() -> run(valid(replica).build()))
                    .hasStackTraceContaining("wal_level")
                    .hasStackTraceContaining("replica")
                    .hasStackTraceContaining("logical");
        }
    }

    @Test
    void missingPublication() {
        assertThatThrownBy(() -> run(valid(pg).publicationName("no_such_pub").build()))
                .hasStackTraceContaining("no_such_pub")
                .hasStackTraceContaining("publication.name")
                .hasStackTraceContaining("publication.create");
    }

    @Test
    void wrongPasswordIsNamedButNeverShown() {
        String wrong = "wrong-" + SECRET;
        assertThatThrownBy(() -> run(valid(pg).username("pwuser").password(wrong).build()))
                .hasStackTraceContaining("password")
                .hasStackTraceContaining("pwuser")
                .satisfies(e -> org.assertj.core.api.Assertions.assertThat(
                        org.apache.flink.util.ExceptionUtils.stringifyException(e))
                        .doesNotContain(wrong).doesNotContain(SECRET));
    }

    @Test
    void unknownSlotWhenCreationIsOff() {
        assertThatThrownBy(() -> run(valid(pg).slotName("no_such_slot").createSlot(false).build()))
                .hasStackTraceContaining("no_such_slot")
                .hasStackTraceContaining("slot.name")
                .hasStackTraceContaining("slot.create");
    }

    private static void run(PgWalSource source) throws Exception {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "pgwal").sinkTo(new DiscardingSink<>());
        env.execute("pgwal misconfigured");
    }
}
