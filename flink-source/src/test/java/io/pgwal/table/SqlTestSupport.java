package io.pgwal.table;

import io.pgwal.testing.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.CloseableIterator;

/** Shared helpers of the SQL connector tests: DDL options, LSNs, collecting and applying changelogs. */
final class SqlTestSupport {

    /**
     * A text value long enough to be stored out of line (TOAST): 400 md5 strings, as one SQL
     * expression usable wherever a value is.
     */
    static final String TOASTED_TEXT =
            "(SELECT string_agg(md5(g::text), '') FROM generate_series(1, 400) g)";
    /** The length of {@link #TOASTED_TEXT}. */
    static final int TOASTED_LENGTH = 400 * 32;

    private SqlTestSupport() {}

    /** A table environment on the MiniCluster of the test class, parallelism 1. */
    static StreamTableEnvironment tableEnv() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        return StreamTableEnvironment.create(env);
    }

    /**
     * The WITH clause options of a pgwal table on {@code pg}, without the closing parenthesis;
     * streaming from the slot without a snapshot (these tests are about the stream).
     */
    static String withOptions(TestPostgres pg, String slot, String publication, String table) {
        return withOptions(pg, slot, publication, table, "committed-offset");
    }

    /** The same with the given {@code scan.startup.mode}. */
    static String withOptions(TestPostgres pg, String slot, String publication, String table,
            String startupMode) {
        return "'connector' = 'pgwal', 'hostname' = '" + pg.host() + "', 'port' = '" + pg.port()
                + "', 'username' = '" + pg.user() + "', 'password' = '" + pg.password()
                + "', 'database-name' = '" + pg.database() + "', 'slot.name' = '" + slot
                + "', 'publication.name' = '" + publication + "', 'table-name' = '" + table
                + "', 'scan.startup.mode' = '" + startupMode + "'";
    }

    /**
     * The end of the WAL written so far: a bounded read to it includes every transaction committed
     * before. The insert position, not pg_current_wal_lsn(): the test servers run with
     * synchronous_commit=off, so the write position may still be behind the last commits.
     */
    static String currentLsn(TestPostgres pg) throws Exception {
        try (Connection c = pg.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT pg_current_wal_insert_lsn()::text")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Every row a bounded query returns, in order. */
    static List<Row> collect(TableResult result) throws Exception {
        List<Row> rows = new ArrayList<>();
        try (CloseableIterator<Row> it = result.collect()) {
            it.forEachRemaining(rows::add);
        }
        return rows;
    }

    /**
     * Applies a changelog keyed on field {@code keyField} strictly: +I and +U need an absent key
     * (a -U must precede a +U of an existing one) and -U/-D a present one, so a repeated or lost
     * change fails instead of being absorbed. With {@code upsert}, a +U may replace a present key.
     */
    static Map<Object, Row> materialize(List<Row> changelog, int keyField, boolean upsert) {
        Map<Object, Row> state = new LinkedHashMap<>();
        for (Row r : changelog) {
            Object key = r.getField(keyField);
            Row value = Row.copy(r);
            value.setKind(RowKind.INSERT);
            switch (r.getKind()) {
                case INSERT, UPDATE_AFTER -> {
                    if (upsert && r.getKind() == RowKind.UPDATE_AFTER) {
                        state.put(key, value);
                    } else if (state.putIfAbsent(key, value) != null) {
                        throw new AssertionError("duplicate " + r + " over " + state.get(key));
                    }
                }
                case UPDATE_BEFORE, DELETE -> {
                    if (state.remove(key) == null) {
                        throw new AssertionError(r + " of an absent key");
                    }
                }
                default -> throw new AssertionError(r.getKind().toString());
            }
        }
        return state;
    }
}
