package io.pgwal.table;

import static io.pgwal.table.SqlTestSupport.TOASTED_LENGTH;
import static io.pgwal.table.SqlTestSupport.TOASTED_TEXT;
import static io.pgwal.table.SqlTestSupport.collect;
import static io.pgwal.table.SqlTestSupport.currentLsn;
import static io.pgwal.table.SqlTestSupport.withOptions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwal.testing.TestPostgres;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.api.ExplainDetail;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Several tables of one shape from one slot into one SQL table: {@code table-name} as a pattern,
 * as Flink CDC does for sharded tables, with the {@code table_name} metadata column telling them
 * apart. The same key in two tables stays two rows; a TRUNCATE of one retracts only its rows.
 */
class PgWalTableShardsITCase {


    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension();

    @RegisterExtension
    static final TestPostgres pg = TestPostgres.perClass();

    @BeforeAll
    static void tables() {
        for (String t : List.of("shard_a", "shard_b", "shard_c", "other")) {
            pg.execute("CREATE TABLE " + t + " (id int PRIMARY KEY, n int NOT NULL, body text)",
                    "ALTER TABLE " + t + " ALTER COLUMN body SET STORAGE EXTERNAL");
        }
        pg.execute("CREATE TABLE shard_full (id int PRIMARY KEY, n int NOT NULL, body text)",
                "ALTER TABLE shard_full REPLICA IDENTITY FULL",
                "CREATE PUBLICATION shards_pub FOR TABLE shard_a, shard_b, shard_c, other,"
                        + " shard_full",
                "SELECT pg_create_logical_replication_slot('shards_slot', 'pgoutput')");
    }

    @Test
    void oneSlotFeedsOneSqlTableFromSeveralTablesKeepingTheirRowsApart() throws Exception {
        pg.execute(
                // The same keys in every shard.
                "INSERT INTO shard_a SELECT i, i, 'a' FROM generate_series(1, 50) i",
                "INSERT INTO shard_b SELECT i, 10 * i, 'b' FROM generate_series(1, 50) i",
                "INSERT INTO shard_c VALUES (1, 7, " + TOASTED_TEXT + ")",
                "INSERT INTO other SELECT i, 1000, 'x' FROM generate_series(1, 50) i",
                "UPDATE shard_a SET n = n + 1 WHERE id <= 10",
                "UPDATE shard_b SET id = id + 100 WHERE id > 45",
                "DELETE FROM shard_a WHERE id > 40",
                // An UPDATE that leaves the TOASTed body unsent: completed from shard_c's row.
                "UPDATE shard_c SET n = 8 WHERE id = 1",
                "TRUNCATE shard_b",
                "INSERT INTO shard_b VALUES (1, 5, 'again')",
                "UPDATE other SET n = 0");
        String stop = currentLsn(pg);
        StreamTableEnvironment tEnv = SqlTestSupport.tableEnv();
        tEnv.executeSql("CREATE TABLE shards (id INT, n INT, body STRING,"
                + " table_name STRING METADATA VIRTUAL, PRIMARY KEY (id) NOT ENFORCED) WITH ("
                + withOptions(pg, "shards_slot", "shards_pub", "shard_[abc]")
                + ", 'scan.bounded.stop-lsn' = '" + stop + "')");
        String query = "SELECT table_name, COUNT(*), SUM(n), MAX(CHAR_LENGTH(body)) FROM shards"
                + " GROUP BY table_name";
        assertThat(tEnv.explainSql("SELECT * FROM shards", ExplainDetail.CHANGELOG_MODE))
                .doesNotContain("ChangelogNormalize");

        Map<String, String> result = new HashMap<>();
        for (Row r : collect(tEnv.executeSql(query))) {
            String table = (String) r.getField(0);
            if (r.getKind() == RowKind.INSERT || r.getKind() == RowKind.UPDATE_AFTER) {
                result.put(table, r.getField(1) + "|" + r.getField(2) + "|" + r.getField(3));
            } else {
                result.remove(table);
            }
        }
        Map<String, String> expected = new HashMap<>();
        for (String t : List.of("shard_a", "shard_b", "shard_c")) {
            expected.put(t, pg.queryString("SELECT count(*) || '|' || sum(n) || '|'"
                    + " || max(char_length(body)) FROM " + t));
        }
        assertThat(result).isEqualTo(expected);
        assertThat(result.get("shard_c")).isEqualTo("1|8|" + TOASTED_LENGTH);
    }

    @Test
    void tablesOfDifferentFormsOrNoneAreRefusedNamingTheOption() {
        StreamTableEnvironment tEnv = SqlTestSupport.tableEnv();
        tEnv.executeSql("CREATE TABLE mixed (id INT, n INT, PRIMARY KEY (id) NOT ENFORCED) WITH ("
                + withOptions(pg, "mixed_slot", "shards_pub", "shard_.*") + ")");
        assertThatThrownBy(() -> tEnv.explainSql("SELECT * FROM mixed"))
                .satisfies(e -> assertThat(ExceptionUtils.stringifyException(e))
                        .contains("'table-name' = 'shard_.*' matches tables whose changes take"
                                + " different forms")
                        .contains("public.shard_full").contains("REPLICA IDENTITY"));

        tEnv.executeSql("CREATE TABLE unmatched (id INT, n INT, PRIMARY KEY (id) NOT ENFORCED) WITH ("
                + withOptions(pg, "none_slot", "shards_pub", "nothing_[0-9]+") + ")");
        assertThatThrownBy(() -> tEnv.explainSql("SELECT * FROM unmatched"))
                .satisfies(e -> assertThat(ExceptionUtils.stringifyException(e))
                        .contains("'table-name'").contains("matches no table of schema 'public'"));
    }
}
