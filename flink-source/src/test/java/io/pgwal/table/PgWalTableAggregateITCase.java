package io.pgwal.table;

import static io.pgwal.table.SqlTestSupport.collect;
import static io.pgwal.table.SqlTestSupport.currentLsn;
import static io.pgwal.table.SqlTestSupport.materialize;
import static io.pgwal.table.SqlTestSupport.withOptions;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.testing.TestPostgres;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A continuous {@code GROUP BY} over a seeded random mix of inserts, updates (including status and
 * key changes) and deletes ends equal to the same aggregate computed by PostgreSQL, in upsert mode
 * (REPLICA IDENTITY DEFAULT) and retract mode (FULL).
 */
class PgWalTableAggregateITCase {

    private static final String[] STATUSES = {"new", "paid", "shipped", "cancelled"};

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension();

    @RegisterExtension
    static final TestPostgres pg = TestPostgres.perClass();

    @BeforeAll
    static void startPostgres() {
        for (String t : List.of("orders_default", "orders_full")) {
            pg.execute("CREATE TABLE " + t + " (id int PRIMARY KEY, status text NOT NULL,"
                    + " amount numeric(12, 2) NOT NULL, note text)");
            pg.execute("SELECT pg_create_logical_replication_slot('" + t + "_slot', 'pgoutput')");
        }
        pg.execute("ALTER TABLE orders_full REPLICA IDENTITY FULL",
                "CREATE PUBLICATION agg_pub FOR TABLE orders_default, orders_full");
    }

    @ParameterizedTest
    @ValueSource(strings = {"orders_default", "orders_full"})
    void aggregateEqualsPostgres(String table) throws Exception {
        randomWorkload(table, new Random(20261125L + table.hashCode()), 60);
        String stop = currentLsn(pg);

        StreamTableEnvironment tEnv = SqlTestSupport.tableEnv();
        tEnv.executeSql("CREATE TABLE orders (id INT, status STRING, amount DECIMAL(12, 2), note STRING,"
                + " PRIMARY KEY (id) NOT ENFORCED) WITH (" + withOptions(pg, table + "_slot", "agg_pub", table)
                + ", 'scan.bounded.stop-lsn' = '" + stop + "')");
        List<Row> changelog = collect(tEnv.executeSql(
                "SELECT status, SUM(amount), COUNT(*) FROM orders GROUP BY status"));
        Map<Object, Row> flink = materialize(changelog, 0, false);

        Map<String, String> expected = new TreeMap<>();
        try (Connection c = pg.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT status, SUM(amount), COUNT(*) FROM " + table
                        + " GROUP BY status")) {
            while (rs.next()) {
                expected.put(rs.getString(1), rs.getBigDecimal(2) + " " + rs.getLong(3));
            }
        }
        Map<String, String> actual = new TreeMap<>();
        flink.forEach((k, r) -> actual.put((String) k, r.getField(1) + " " + r.getField(2)));
        assertThat(expected).hasSizeGreaterThan(1);
        assertThat(actual).isEqualTo(expected);
    }

    /**
     * {@code scan.startup.mode} = initial: the rows already in the table (and the changes before
     * the job) arrive as snapshot rows; the aggregate equals PostgreSQL's, and the snapshot flag
     * tells them from changes.
     */
    @Test
    void initialSnapshotIntoAnAggregateEqualsPostgres() throws Exception {
        pg.execute("CREATE TABLE orders_snap (id int PRIMARY KEY, status text NOT NULL,"
                        + " amount numeric(12, 2) NOT NULL, note text)",
                "INSERT INTO orders_snap SELECT 100000 + i, (ARRAY['new', 'paid', 'shipped'])[1 + i % 3],"
                        + " i / 100.0, 'seed' FROM generate_series(1, 3000) i",
                "CREATE PUBLICATION snap_agg_pub FOR TABLE orders_snap");
        randomWorkload("orders_snap", new Random(20261129L), 40);

        StreamTableEnvironment tEnv = SqlTestSupport.tableEnv();
        tEnv.getConfig().set("execution.checkpointing.interval", "200ms");
        tEnv.executeSql("CREATE TABLE orders (id INT, status STRING, amount DECIMAL(12, 2), note STRING,"
                + " from_snapshot BOOLEAN METADATA FROM 'snapshot' VIRTUAL,"
                + " PRIMARY KEY (id) NOT ENFORCED) WITH (" + withOptions(pg, "snap_agg_slot",
                        "snap_agg_pub", "orders_snap", "initial")
                + ", 'scan.incremental.snapshot.chunk.size' = '500'"
                + ", 'scan.bounded.stop-lsn' = 'current')");
        List<Row> changelog = collect(tEnv.executeSql("SELECT status, SUM(amount), COUNT(*),"
                + " SUM(CASE WHEN from_snapshot THEN 1 ELSE 0 END) FROM orders GROUP BY status"));
        Map<Object, Row> flink = materialize(changelog, 0, false);

        Map<String, String> expected = new TreeMap<>();
        try (Connection c = pg.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT status, SUM(amount), COUNT(*) FROM orders_snap"
                        + " GROUP BY status")) {
            while (rs.next()) {
                expected.put(rs.getString(1), rs.getBigDecimal(2) + " " + rs.getLong(3));
            }
        }
        Map<String, String> actual = new TreeMap<>();
        flink.forEach((k, r) -> actual.put((String) k, r.getField(1) + " " + r.getField(2)));
        assertThat(expected).hasSizeGreaterThan(2);
        assertThat(actual).isEqualTo(expected);
        // Every row came from the snapshot: the changes were made before the job started.
        flink.forEach((k, r) -> assertThat(r.getField(3)).isEqualTo(((Long) r.getField(2)).intValue()));
    }

    /** Transactions of 1-5 random changes; ids stay in a small range so that keys collide. */
    private static void randomWorkload(String table, Random random, int transactions) throws Exception {
        List<Integer> live = new ArrayList<>();
        int nextId = 1;
        try (Connection c = pg.connect()) {
            c.setAutoCommit(false);
            for (int t = 0; t < transactions; t++) {
                int changes = 1 + random.nextInt(5);
                for (int i = 0; i < changes; i++) {
                    int dice = live.isEmpty() ? 0 : random.nextInt(10);
                    if (dice < 4) {
                        exec(c, "INSERT INTO " + table + " VALUES (?, ?, ?, 'n')", nextId, status(random),
                                amount(random));
                        live.add(nextId++);
                    } else if (dice < 7) {
                        exec(c, "UPDATE " + table + " SET status = ?, amount = ? WHERE id = ?",
                                status(random), amount(random), pick(live, random));
                    } else if (dice < 8) {
                        int from = pick(live, random);
                        exec(c, "UPDATE " + table + " SET id = ? WHERE id = ?", nextId, from);
                        live.remove(Integer.valueOf(from));
                        live.add(nextId++);
                    } else {
                        int id = pick(live, random);
                        exec(c, "DELETE FROM " + table + " WHERE id = ?", id);
                        live.remove(Integer.valueOf(id));
                    }
                }
                c.commit();
            }
        }
    }

    private static void exec(Connection c, String sql, Object... params) throws Exception {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            ps.executeUpdate();
        }
    }

    private static String status(Random random) {
        return STATUSES[random.nextInt(STATUSES.length)];
    }

    private static BigDecimal amount(Random random) {
        return BigDecimal.valueOf(random.nextInt(100_000), 2);
    }

    private static int pick(List<Integer> live, Random random) {
        return live.get(random.nextInt(live.size()));
    }
}
