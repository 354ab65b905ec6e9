package io.pgwal.table;

import static io.pgwal.table.SqlTestSupport.TOASTED_LENGTH;
import static io.pgwal.table.SqlTestSupport.TOASTED_TEXT;
import static io.pgwal.table.SqlTestSupport.collect;
import static io.pgwal.table.SqlTestSupport.currentLsn;
import static io.pgwal.table.SqlTestSupport.materialize;
import static io.pgwal.table.SqlTestSupport.withOptions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwal.testing.TestPostgres;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.api.ExplainDetail;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Option {@code changelog-mode} and what pgwal declares to the planner: with {@code all} (the
 * default) a REPLICA IDENTITY DEFAULT table gets its {@code -U}/{@code -D} rows whole from the rows
 * pgwal keeps, and the plan has no {@code ChangelogNormalize}; with {@code upsert} pgwal keeps
 * nothing and never invents an old row or a TOAST value.
 */
class PgWalTableChangelogModeITCase {


    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension();

    @RegisterExtension
    static final TestPostgres pg = TestPostgres.perClass();

    @BeforeAll
    static void startPostgres() {
        for (String t : List.of("kept", "ups", "olds", "ups_toast")) {
            pg.execute("CREATE TABLE " + t + " (id int PRIMARY KEY, title text NOT NULL, body text NOT NULL)",
                    "ALTER TABLE " + t + " ALTER COLUMN body SET STORAGE EXTERNAL");
        }
        pg.execute("CREATE TABLE tally (id int PRIMARY KEY, n int NOT NULL)",
                "CREATE TABLE full_nokey (id int, n int)",
                "ALTER TABLE full_nokey REPLICA IDENTITY FULL",
                "INSERT INTO olds VALUES (1, 'old', 'a'), (2, 'old', 'b')",
                "INSERT INTO ups_toast VALUES (1, 'old', " + TOASTED_TEXT + ")",
                "CREATE PUBLICATION mode_pub FOR TABLE kept, ups, olds, ups_toast, tally, full_nokey");
        for (String t : List.of("kept", "ups", "olds", "ups_toast", "tally")) {
            pg.execute("SELECT pg_create_logical_replication_slot('" + t + "_slot', 'pgoutput')");
        }
    }

    @Test
    void keptRowsGiveTheFullChangelogWithoutChangelogNormalize() throws Exception {
        // Title-only update (body unsent), a key change, a delete: PostgreSQL sends only keys.
        pg.execute("INSERT INTO kept VALUES (1, 'first', " + TOASTED_TEXT + ")",
                "INSERT INTO kept VALUES (2, 'second', 'small')",
                "UPDATE kept SET title = 'renamed' WHERE id = 1",
                "UPDATE kept SET id = 3 WHERE id = 2",
                "DELETE FROM kept WHERE id = 1");
        StreamTableEnvironment tEnv = table("kept", "");
        String query = "SELECT id, title, CHAR_LENGTH(body) FROM kept";

        String plan = tEnv.explainSql(query, ExplainDetail.CHANGELOG_MODE);
        assertThat(plan).doesNotContain("ChangelogNormalize")
                .contains("changelogMode=[I,UB,UA,D]");
        assertThat(collect(tEnv.executeSql(query))).extracting(Row::toString).containsExactly(
                "+I[1, first, " + TOASTED_LENGTH + "]", "+I[2, second, 5]",
                "-U[1, first, " + TOASTED_LENGTH + "]", "+U[1, renamed, " + TOASTED_LENGTH + "]",
                "-D[2, second, 5]", "+I[3, second, 5]",
                "-D[1, renamed, " + TOASTED_LENGTH + "]");
    }

    @Test
    void truncateRetractsTheKeptRows() throws Exception {
        // The tally input, on a REPLICA IDENTITY DEFAULT table.
        pg.execute("INSERT INTO tally VALUES (1, 10), (2, 20)", "TRUNCATE tally",
                "INSERT INTO tally VALUES (1, 10)");
        StreamTableEnvironment tEnv = table("tally", "");

        List<Row> rows = collect(tEnv.executeSql("SELECT SUM(n), COUNT(*) FROM tally"));
        Row last = rows.get(rows.size() - 1);
        assertThat(last.getField(0)).isEqualTo(10);
        assertThat(last.getField(1)).isEqualTo(1L);
    }

    @Test
    void rowsWrittenBeforeTheSlotAreNotInventedOrRetracted() throws Exception {
        // Rows 1 and 2 predate the slot (committed-offset): the job never saw them.
        pg.execute("UPDATE olds SET title = 'seen' WHERE id = 1", "DELETE FROM olds WHERE id = 2",
                "INSERT INTO olds VALUES (3, 'new', 'c')", "UPDATE olds SET title = 'again' WHERE id = 1");
        StreamTableEnvironment tEnv = table("olds", "");

        List<Row> rows = collect(tEnv.executeSql("SELECT * FROM olds"));
        assertThat(rows).extracting(Row::toString).containsExactly(
                "+I[1, seen, a]", "+I[3, new, c]", "-U[1, seen, a]", "+U[1, again, a]");
        assertThat(materialize(rows, 0, false)).containsOnlyKeys(1, 3);
    }

    @Test
    void upsertModeDeclaresAnUpsertStreamAndKeepsNoRows() throws Exception {
        pg.execute("INSERT INTO ups VALUES (1, 'a', 'x'), (2, 'b', 'y')",
                "UPDATE ups SET title = 'c' WHERE id = 1", "DELETE FROM ups WHERE id = 2");
        StreamTableEnvironment tEnv = table("ups", ", 'changelog-mode' = 'upsert'");

        String plan = tEnv.explainSql("SELECT * FROM ups", ExplainDetail.CHANGELOG_MODE);
        // The planner's own normalization, since pgwal sends no -U rows; pgwal keeps nothing.
        assertThat(plan).contains("changelogMode=[I,UA,D]").contains("ChangelogNormalize");
        Map<Object, Row> end = materialize(collect(tEnv.executeSql("SELECT * FROM ups")), 0, false);
        assertThat(end.values()).extracting(Row::toString).containsExactly("+I[1, c, x]");
    }

    @Test
    void upsertModeEndsTheJobOnAnUnsentToastValue() throws Exception {
        pg.execute("UPDATE ups_toast SET title = 'renamed' WHERE id = 1");
        StreamTableEnvironment tEnv = table("ups_toast", ", 'changelog-mode' = 'upsert'");

        assertThatThrownBy(() -> collect(tEnv.executeSql("SELECT * FROM ups_toast")))
                .satisfies(e -> assertThat(ExceptionUtils.stringifyException(e))
                        .contains("did not send the unchanged TOAST value of 'body'")
                        .contains("'changelog-mode' = 'all'"));
    }

    @Test
    void invalidModesAreRejectedNamingTheOption() {
        StreamTableEnvironment tEnv = SqlTestSupport.tableEnv();
        tEnv.executeSql("CREATE TABLE bogus (id INT, title STRING, PRIMARY KEY (id) NOT ENFORCED) WITH ("
                + withOptions(pg, "bogus_slot", "mode_pub", "kept") + ", 'changelog-mode' = 'retract')");
        assertThatThrownBy(() -> tEnv.explainSql("SELECT * FROM bogus"))
                .satisfies(e -> assertThat(ExceptionUtils.stringifyException(e))
                        .contains("'changelog-mode' is 'retract'"));

        // REPLICA IDENTITY FULL without a primary key: no key an upsert stream could be right on.
        tEnv.executeSql("CREATE TABLE nokey (id INT, n INT, PRIMARY KEY (id) NOT ENFORCED) WITH ("
                + withOptions(pg, "nokey_slot", "mode_pub", "full_nokey") + ", 'changelog-mode' = 'upsert')");
        assertThatThrownBy(() -> tEnv.explainSql("SELECT * FROM nokey"))
                .satisfies(e -> assertThat(ExceptionUtils.findThrowable(e, ValidationException.class)).isPresent())
                .satisfies(e -> assertThat(ExceptionUtils.stringifyException(e))
                        .contains("'changelog-mode' = 'upsert' needs PRIMARY KEY")
                        .contains("which has none"));
    }

    /** A pgwal table over {@code name} (id, title, body or id, n), read to the current LSN. */
    private static StreamTableEnvironment table(String name, String extraOptions) throws Exception {
        String stop = currentLsn(pg);
        StreamTableEnvironment tEnv = SqlTestSupport.tableEnv();
        String columns = name.equals("tally") ? "id INT, n INT" : "id INT, title STRING, body STRING";
        tEnv.executeSql("CREATE TABLE " + name + " (" + columns + ", PRIMARY KEY (id) NOT ENFORCED)"
                + " WITH (" + withOptions(pg, name + "_slot", "mode_pub", name)
                + ", 'scan.bounded.stop-lsn' = '" + stop + "'" + extraOptions + ")");
        return tEnv;
    }
}
