package io.pgwal.table;

import static io.pgwal.table.SqlTestSupport.collect;
import static io.pgwal.table.SqlTestSupport.currentLsn;
import static io.pgwal.table.SqlTestSupport.withOptions;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.testing.FailsOnce;
import io.pgwal.testing.TestPostgres;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the SQL connector does when the captured table lives through DDL: never a plausible wrong
 * result. A TRUNCATE (the input: a REPLICA IDENTITY FULL {@code tally} whose SUM/COUNT
 * would end at (40, 3) where the table holds (10, 1)), a table dropped and created again under
 * its name, and a column retyped beyond its declared SQL type each end the job once with a message
 * naming the table, the change's LSN and the way out; a retype the declared type holds goes on.
 */
class PgWalTableDdlITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension();

    @RegisterExtension
    static final TestPostgres pg = TestPostgres.perClass();

    @Test
    void truncateEndsTheJobInsteadOfAWrongAggregate() throws Exception {
        pg.execute("CREATE TABLE tally (id int, n int)", "ALTER TABLE tally REPLICA IDENTITY FULL",
                "CREATE PUBLICATION tally_pub FOR TABLE tally",
                "SELECT pg_create_logical_replication_slot('tally_slot', 'pgoutput')",
                "INSERT INTO tally VALUES (1, 10), (2, 20)", "TRUNCATE tally",
                "INSERT INTO tally VALUES (1, 10)");
        String stop = currentLsn(pg);
        String ddl = "CREATE TABLE tally (id INT, n INT) WITH ("
                + withOptions(pg, "tally_slot", "tally_pub", "tally")
                + ", 'scan.bounded.stop-lsn' = '" + stop + "'";

        String failure = failsOnce(ddl + ")", "SELECT SUM(n), COUNT(*) FROM tally");
        assertThat(failure).contains("TRUNCATE of public.tally at LSN")
                .contains("'changelog.truncate' = 'ignore'");

        // Opted in: the job goes on, and the truncated rows stay, as documented.
        StreamTableEnvironment tEnv = SqlTestSupport.tableEnv();
        tEnv.executeSql(ddl + ", 'changelog.truncate' = 'ignore')");
        List<Row> rows = collect(tEnv.executeSql("SELECT id, n FROM tally"));
        assertThat(rows).hasSize(3);
    }

    @Test
    void aTableDroppedAndCreatedAgainEndsTheJob() throws Exception {
        pg.execute("CREATE TABLE phoenix (id int PRIMARY KEY, v text)",
                "CREATE PUBLICATION phoenix_pub FOR TABLE phoenix",
                "SELECT pg_create_logical_replication_slot('phoenix_slot', 'pgoutput')",
                "INSERT INTO phoenix VALUES (1, 'old')", "DROP TABLE phoenix",
                "CREATE TABLE phoenix (id int PRIMARY KEY, v text)",
                "ALTER PUBLICATION phoenix_pub ADD TABLE phoenix",
                "INSERT INTO phoenix VALUES (1, 'new')");
        String stop = currentLsn(pg);

        String failure = failsOnce("CREATE TABLE phoenix (id INT, v STRING,"
                + " PRIMARY KEY (id) NOT ENFORCED) WITH ("
                + withOptions(pg, "phoenix_slot", "phoenix_pub", "phoenix")
                + ", 'scan.bounded.stop-lsn' = '" + stop + "')", "SELECT * FROM phoenix");

        assertThat(failure).contains("dropped and created again").contains("public.phoenix")
                .contains("at LSN").contains("'scan.startup.mode' = 'initial'");
    }

    /**
     * A table renamed while the job runs: its changes now carry the new name, and dropping them as
     * another table's would silently freeze the SQL table. The relation OID gives it away.
     */
    @Test
    void aTableRenamedWhileTheJobRunsEndsTheJob() throws Exception {
        pg.execute("CREATE TABLE moving (id int PRIMARY KEY, v text)",
                "CREATE PUBLICATION moving_pub FOR TABLE moving",
                "SELECT pg_create_logical_replication_slot('moving_slot', 'pgoutput')",
                "INSERT INTO moving VALUES (1, 'before')");
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(FailsOnce.restartingForEver());
        tEnv.executeSql("CREATE TABLE moving (id INT, v STRING, PRIMARY KEY (id) NOT ENFORCED)"
                + " WITH (" + withOptions(pg, "moving_slot", "moving_pub", "moving") + ")");
        // Planned and running on "moving" (its first row is out); then the table gets another name.
        TableResult result = tEnv.executeSql("SELECT * FROM moving");
        JobClient job = result.getJobClient().orElseThrow();
        try (var rows = result.collect()) {
            assertThat(rows.next()).hasToString("+I[1, before]");
            pg.execute("ALTER TABLE moving RENAME TO moved",
                    "INSERT INTO moved VALUES (2, 'after')");

            String failure = awaitFailure(job);

            assertThat(failure).contains("public.moved").contains("planned on as public.moving")
                    .contains("has been renamed").contains("at LSN").contains("'table-name'");
        }
    }

    @Test
    void aColumnRetypedBeyondItsDeclaredTypeEndsTheJobAndOneWithinGoesOn() throws Exception {
        pg.execute("CREATE TABLE widened (id int PRIMARY KEY, n int, label varchar(10))",
                "CREATE PUBLICATION widened_pub FOR TABLE widened",
                "SELECT pg_create_logical_replication_slot('widened_slot', 'pgoutput')");
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(FailsOnce.restartingForEver());
        tEnv.executeSql("CREATE TABLE widened (id INT, n INT, label STRING,"
                + " PRIMARY KEY (id) NOT ENFORCED) WITH ("
                + withOptions(pg, "widened_slot", "widened_pub", "widened") + ")");
        TableResult result = tEnv.executeSql("SELECT * FROM widened");
        JobClient job = result.getJobClient().orElseThrow();
        try (var it = result.collect()) {
            pg.execute("INSERT INTO widened VALUES (1, 5, 'short')",
                    // Within STRING: goes on.
                    "ALTER TABLE widened ALTER COLUMN label TYPE varchar(40)",
                    "INSERT INTO widened VALUES (2, 6, 'a longer label')");
            assertThat(it.next().getField(0)).isEqualTo(1);
            assertThat(it.next().getField(0)).isEqualTo(2);
            // Beyond INT: ends the job.
            pg.execute("ALTER TABLE widened ALTER COLUMN n TYPE bigint",
                    "INSERT INTO widened VALUES (3, 9000000000, 'x')");
            String failure = awaitFailure(job);
            assertThat(failure).contains("Column 'n' of public.widened is bigint")
                    .contains("declared SQL type INT").contains("at LSN");
        }
    }

    @Test
    void anAddedColumnGoesOnAndADroppedDeclaredColumnEndsTheJob() throws Exception {
        pg.execute("CREATE TABLE shrinking (id int PRIMARY KEY, a text, b text)",
                "CREATE PUBLICATION shrinking_pub FOR TABLE shrinking",
                "SELECT pg_create_logical_replication_slot('shrinking_slot', 'pgoutput')");
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(FailsOnce.restartingForEver());
        tEnv.executeSql("CREATE TABLE shrinking (id INT, a STRING, b STRING,"
                + " PRIMARY KEY (id) NOT ENFORCED) WITH ("
                + withOptions(pg, "shrinking_slot", "shrinking_pub", "shrinking") + ")");
        TableResult result = tEnv.executeSql("SELECT * FROM shrinking");
        JobClient job = result.getJobClient().orElseThrow();
        try (var it = result.collect()) {
            pg.execute("ALTER TABLE shrinking ADD COLUMN c int",
                    "INSERT INTO shrinking VALUES (1, 'x', 'y', 3)");
            Row first = it.next();
            assertThat(first.getArity()).isEqualTo(3);
            assertThat(first.getField(2)).isEqualTo("y");
            pg.execute("ALTER TABLE shrinking DROP COLUMN b",
                    "INSERT INTO shrinking VALUES (2, 'z', 4)");
            assertThat(awaitFailure(job)).contains("Column 'b' of public.shrinking")
                    .contains("not in the replicated row");
        }
    }

    /** Runs {@code query} over the table of {@code ddl} under a restart-for-ever strategy. */
    private static String failsOnce(String ddl, String query) throws Exception {
        StreamTableEnvironment tEnv = StreamTableEnvironment.create(FailsOnce.restartingForEver());
        tEnv.executeSql(ddl);
        JobClient job = tEnv.executeSql(query).getJobClient().orElseThrow();
        return awaitFailure(job);
    }

    private static String awaitFailure(JobClient job) throws Exception {
        try {
            job.getJobExecutionResult().get(FailsOnce.BOUND.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertThat(ExceptionUtils.findThrowable(e, SuppressRestartsException.class))
                    .as("failed without restarts").isPresent();
            return ExceptionUtils.stringifyException(e);
        } catch (TimeoutException e) {
            job.cancel().get(30, TimeUnit.SECONDS);
            throw new AssertionError("The job still runs: it restarts instead of ending once");
        }
        throw new AssertionError("The job finished instead of failing");
    }
}
