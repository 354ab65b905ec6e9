package io.pgwal.table;

import static io.pgwal.table.SqlTestSupport.collect;
import static io.pgwal.table.SqlTestSupport.currentLsn;
import static io.pgwal.table.SqlTestSupport.withOptions;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.testing.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Metadata columns carry the writing transaction's id, LSNs inside the WAL range the transaction
 * wrote, its commit time, and the database, schema and table names.
 */
class PgWalTableMetadataITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension();

    @RegisterExtension
    static final TestPostgres pg = TestPostgres.perClass();

    @BeforeAll
    static void startPostgres() {
        pg.execute("CREATE SCHEMA shop",
                "CREATE TABLE shop.\"Events\" (id int PRIMARY KEY, what text)",
                "CREATE PUBLICATION meta_pub FOR TABLE shop.\"Events\"",
                "SELECT pg_create_logical_replication_slot('meta_slot', 'pgoutput')");
    }

    /** What a writing transaction observed about itself. */
    private record Tx(long txid, long lsnBefore, long lsnAfter, Instant started, Instant ended) {}

    @Test
    void metadataColumnsDescribeTheWritingTransaction() throws Exception {
        List<Tx> txs = new ArrayList<>();
        try (Connection c = pg.connect(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            for (int t = 0; t < 2; t++) {
                Instant started = Instant.now();
                long before = lsn(s);
                long txid;
                try (ResultSet rs = s.executeQuery("SELECT txid_current()")) {
                    rs.next();
                    txid = rs.getLong(1);
                }
                s.execute("INSERT INTO shop.\"Events\" VALUES (" + (2 * t + 1) + ", 'a'), (" + (2 * t + 2) + ", 'b')");
                c.commit();
                txs.add(new Tx(txid, before, lsn(s), started, Instant.now()));
                c.commit();
            }
        }
        String stop = currentLsn(pg);

        StreamTableEnvironment tEnv = SqlTestSupport.tableEnv();
        tEnv.executeSql("CREATE TABLE events (id INT, what STRING,"
                + " ts TIMESTAMP_LTZ(6) METADATA FROM 'commit_ts' VIRTUAL,"
                + " change_lsn BIGINT METADATA FROM 'lsn' VIRTUAL,"
                + " commit_lsn BIGINT METADATA VIRTUAL, txid BIGINT METADATA VIRTUAL,"
                + " db STRING METADATA FROM 'database_name' VIRTUAL,"
                + " sch STRING METADATA FROM 'schema_name' VIRTUAL,"
                + " tbl STRING METADATA FROM 'table_name' VIRTUAL,"
                + " op_ts TIMESTAMP_LTZ(3) METADATA VIRTUAL, row_kind STRING METADATA VIRTUAL,"
                + " rel BIGINT METADATA FROM 'relation_oid' VIRTUAL,"
                + " PRIMARY KEY (id) NOT ENFORCED) WITH ("
                + withOptions(pg, "meta_slot", "meta_pub", "Events")
                + ", 'schema-name' = 'shop', 'scan.bounded.stop-lsn' = '" + stop + "')");
        List<Row> rows = collect(tEnv.executeSql(
                "SELECT id, ts, change_lsn, commit_lsn, txid, db, sch, tbl, op_ts, row_kind, rel"
                        + " FROM events"));
        long relationOid = Long.parseLong(pg.queryString(
                "SELECT 'shop.\"Events\"'::regclass::oid::text"));

        assertThat(rows).hasSize(4);
        for (Row r : rows) {
            int id = (Integer) r.getField(0);
            Tx tx = txs.get((id - 1) / 2);
            Instant ts = (Instant) r.getField(1);
            long lsn = (Long) r.getField(2);
            long commitLsn = (Long) r.getField(3);
            assertThat(ts).as("commit_ts of %s", r).isBetween(tx.started().minusSeconds(1), tx.ended().plusSeconds(1));
            // A change record starts at or after the insert position read before it.
            assertThat(lsn).as("lsn of %s", r).isGreaterThanOrEqualTo(tx.lsnBefore()).isLessThan(commitLsn);
            assertThat(commitLsn).as("commit_lsn of %s", r).isLessThanOrEqualTo(tx.lsnAfter());
            assertThat(r.getField(4)).as("txid of %s", r).isEqualTo(tx.txid());
            assertThat(List.of(r.getField(5), r.getField(6), r.getField(7)))
                    .containsExactly(pg.database(), "shop", "Events");
            // Flink CDC's names: op_ts is the commit time in milliseconds, row_kind the kind.
            assertThat(((Instant) r.getField(8)).toEpochMilli())
                    .isEqualTo(Math.floorDiv(ts.getEpochSecond() * 1_000_000L
                            + ts.getNano() / 1_000, 1000L));
            assertThat(r.getField(9)).isEqualTo("+I");
            assertThat(r.getField(10)).isEqualTo(relationOid);
        }
        // Both changes of a transaction share its commit LSN and are ordered within it.
        assertThat(rows.get(0).getField(3)).isEqualTo(rows.get(1).getField(3));
        assertThat((Long) rows.get(0).getField(2)).isLessThan((Long) rows.get(1).getField(2));
        assertThat((Long) rows.get(2).getField(3)).isGreaterThan((Long) rows.get(1).getField(3));
    }

    private static long lsn(Statement s) throws Exception {
        try (ResultSet rs = s.executeQuery("SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
