package io.pgwal.table;

import static io.pgwal.table.SqlTestSupport.TOASTED_LENGTH;
import static io.pgwal.table.SqlTestSupport.TOASTED_TEXT;
import static io.pgwal.table.SqlTestSupport.currentLsn;
import static io.pgwal.table.SqlTestSupport.withOptions;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.testing.CollectingSink;
import io.pgwal.testing.TestPostgres;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same SQL job, stopped with a savepoint in the middle of a large transaction and restored,
 * emits every change exactly once, with the heap and the RocksDB state backend. The table has
 * REPLICA IDENTITY DEFAULT and a toastable column, so pgwal keeps its rows (for the old rows of
 * -U/-D and for unchanged TOAST values) and they are restored too: the UPDATEs after the savepoint
 * leave the large bodies of rows inserted before it unsent, and still arrive complete, with the
 * old row before them.
 */
class PgWalTableRestoreITCase {

    private static final int ROWS = 20_000;
    private static final int BIG_ROWS = 5;
    private static final String[] BACKENDS = {"hashmap", "rocksdb"};

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension();

    @RegisterExtension
    static final TestPostgres pg = TestPostgres.perClass();

    @BeforeAll
    static void startPostgres() {
        pg.execute("CREATE TABLE notes (id int PRIMARY KEY, title text NOT NULL, body text NOT NULL)",
                "ALTER TABLE notes ALTER COLUMN body SET STORAGE EXTERNAL",
                "CREATE PUBLICATION notes_pub FOR TABLE notes");
        for (String backend : BACKENDS) {
            pg.execute("SELECT pg_create_logical_replication_slot('notes_" + backend + "', 'pgoutput')");
        }
        pg.execute("INSERT INTO notes SELECT i, 'big', " + TOASTED_TEXT + " FROM generate_series(1, "
                        + BIG_ROWS + ") i",
                "INSERT INTO notes SELECT i, 'small', 'x' FROM generate_series(" + (BIG_ROWS + 1) + ", " + ROWS + ") i",
                "UPDATE notes SET title = 'renamed' WHERE id <= " + BIG_ROWS,
                "DELETE FROM notes WHERE id > " + (ROWS - 3));
    }

    @ParameterizedTest
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void restoredSqlJobEmitsEveryChangeOnce(String backend, @TempDir Path savepoints)
            throws Exception {
        String stop = currentLsn(pg);
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= ROWS; i++) {
            expected.add("+I " + i + " " + (i <= BIG_ROWS ? "big " + TOASTED_LENGTH : "small 1"));
        }
        for (int i = 1; i <= BIG_ROWS; i++) {
            expected.add("-U " + i + " big " + TOASTED_LENGTH);
            expected.add("+U " + i + " renamed " + TOASTED_LENGTH);
        }
        for (int i = ROWS - 2; i <= ROWS; i++) {
            expected.add("-D " + i + " small 1");
        }

        String run1 = "sql-" + backend + "-run1";
        String run2 = "sql-" + backend + "-run2";
        JobClient first = start(backend, stop, true, run1, null);
        CollectingSink.awaitSize(run1, 3_000, Duration.ofMinutes(2));
        String savepoint = first.stopWithSavepoint(false, savepoints.toUri().toString(),
                SavepointFormatType.CANONICAL).get(2, TimeUnit.MINUTES);
        first.getJobExecutionResult().get(2, TimeUnit.MINUTES);
        List<String> all = new ArrayList<>(CollectingSink.output(run1));
        assertThat(all.size()).as("the savepoint must fall inside the large transaction")
                .isGreaterThan(BIG_ROWS).isLessThan(ROWS);

        start(backend, stop, false, run2, savepoint).getJobExecutionResult()
                .get(3, TimeUnit.MINUTES);
        all.addAll(CollectingSink.output(run2));

        assertThat(all).hasSize(expected.size()).isEqualTo(expected);
    }

    /**
     * The SQL query as a changelog stream with every row kind (no ChangelogNormalize in between),
     * so the output is exactly the source's changelog.
     */
    private static JobClient start(String backend, String stop, boolean throttled, String sink,
            String savepoint) throws Exception {
        Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, backend);
        if (savepoint != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);
        tEnv.executeSql("CREATE TABLE notes (id INT, title STRING, body STRING, PRIMARY KEY (id) NOT ENFORCED)"
                + " WITH (" + withOptions(pg, "notes_" + backend, "notes_pub", "notes")
                + ", 'fetch.max-batch-size' = '256', 'scan.bounded.stop-lsn' = '" + stop + "')");
        DataStream<Row> changes = tEnv.toChangelogStream(
                tEnv.sqlQuery("SELECT id, title, CHAR_LENGTH(body) FROM notes"), Schema.derived(),
                ChangelogMode.all());
        changes.map(new Describe(throttled)).uid("describe").sinkTo(CollectingSink.named(sink)).uid("sink");
        return env.executeAsync("pgwal sql " + sink);
    }

    /** "KIND id title length", slowed down in run 1 so that the savepoint lands mid-transaction. */
    private static final class Describe implements MapFunction<Row, String> {
        private final boolean throttled;

        Describe(boolean throttled) {
            this.throttled = throttled;
        }

        @Override
        public String map(Row r) throws Exception {
            if (throttled) {
                Thread.sleep(1);
            }
            return r.getKind().shortString() + " " + r.getField(0) + " " + r.getField(1) + " " + r.getField(2);
        }
    }
}
