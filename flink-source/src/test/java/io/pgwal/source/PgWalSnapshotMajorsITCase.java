package io.pgwal.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.testing.ChangeLog;
import io.pgwal.testing.ChangeLog.Entry;
import io.pgwal.testing.CollectingSink;
import io.pgwal.testing.TestPostgres;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The initial snapshot on the other supported majors (17 runs everywhere else): PostgreSQL 14
 * exports the snapshot with the keyword form of CREATE_REPLICATION_SLOT, 15+ with the option list.
 * Rows, then changes made after them, replay to the table.
 */
class PgWalSnapshotMajorsITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(2)
                    .build());

    private static final List<String> KEY = List.of("id");

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {14, 15, 16, 18})
    void snapshotThenChanges(int major) throws Exception {
        try (TestPostgres pg = TestPostgres.start(major, Map.of())) {
            pg.execute("CREATE TABLE t (id int PRIMARY KEY, v text)",
                    "INSERT INTO t SELECT i, 'v' || i FROM generate_series(1, 3000) i",
                    "CREATE PUBLICATION t_pub FOR TABLE t");
            String sink = "majors-" + major;
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(2);
            env.enableCheckpointing(200);
            env.fromSource(pg.sourceBuilder("t_slot", "t_pub").startupMode(StartupMode.INITIAL)
                                    .snapshotChunkSize(400, MemorySize.parse("8mb")).build(),
                            WatermarkStrategy.noWatermarks(), "pgwal")
                    .map(r -> ChangeLog.line(r, KEY)).returns(Types.STRING)
                    .sinkTo(CollectingSink.named(sink)).setParallelism(1);
            JobClient job = env.executeAsync("snapshot on " + major);
            try {
                CollectingSink.awaitSize(sink, 3000, Duration.ofSeconds(90));
                pg.execute("UPDATE t SET v = 'changed' WHERE id <= 10",
                        "DELETE FROM t WHERE id BETWEEN 11 AND 20",
                        "UPDATE t SET id = 5000 WHERE id = 21",
                        "INSERT INTO t VALUES (-1, 'sentinel')");
                CollectingSink.awaitSize(sink, 3000 + 10 + 10 + 1 + 1, Duration.ofSeconds(90));
            } finally {
                job.cancel().get();
            }
            List<Entry> entries = ChangeLog.parse(CollectingSink.output(sink));
            assertThat(entries.stream().filter(Entry::snapshot).count()).isEqualTo(3000);
            List<String> problems = new ArrayList<>();
            assertThat(ChangeLog.replay(ChangeLog.inReplayOrder(entries), problems))
                    .isEqualTo(ChangeLog.table(pg, "t", KEY));
            assertThat(problems).isEmpty();
        }
    }
}
