package io.pgwal.bench;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Creates the {@code orders} table, the publication, one pgoutput slot per drain run (created
 * BEFORE the backlog so every run drains the identical WAL) and writes the backlog.
 */
final class Backlog {

    static final String PUBLICATION = "bench_pub";

    private Backlog() {}

    static void createSchema(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (id bigint primary key, customer_id int,"
                    + " amount numeric(12,2), status text, note text, created_at timestamptz,"
                    + " payload jsonb)");
            s.execute("CREATE PUBLICATION " + PUBLICATION + " FOR TABLE orders");
        }
    }

    static void createSlots(Connection c, List<String> slots) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (String slot : slots) {
                s.execute("SELECT pg_create_logical_replication_slot('" + slot + "', 'pgoutput')");
            }
        }
    }

    static long currentLsn(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Writes {@code rows} changes in transactions of {@code txSize}. Mode insert: only inserts.
     * Mode mixed: per transaction half inserts, a quarter updates, a quarter deletes, so the
     * change count is still exactly {@code rows}. Returns the number of changes written.
     */
    static long write(Connection c, long rows, int txSize, String mode) throws SQLException {
        boolean mixed = "mixed".equals(mode);
        c.setAutoCommit(false);
        long written = 0;
        long nextId = 1;
        try (Statement s = c.createStatement()) {
            while (written < rows) {
                long n = Math.min(txSize, rows - written);
                // Mixed: half inserts, a quarter updates of the first new rows, the rest deletes
                // of the last new rows; upd + del <= ins so no row is updated and deleted.
                long ins = mixed ? n - n / 2 : n;
                long upd = mixed ? n / 4 : 0;
                long del = n - ins - upd;
                long first = nextId;
                long last = first + ins - 1;
                s.execute("INSERT INTO orders SELECT g, (g % 1000)::int, (g % 100000) / 100.0,"
                        + " 'new', repeat('x', 40), now(),"
                        + " jsonb_build_object('id', g, 'tags', jsonb_build_array('a','b'))"
                        + " FROM generate_series(" + first + ", " + last + ") g");
                if (upd > 0) {
                    s.execute("UPDATE orders SET status = 'paid', amount = amount + 1"
                            + " WHERE id BETWEEN " + first + " AND " + (first + upd - 1));
                }
                if (del > 0) {
                    s.execute("DELETE FROM orders WHERE id BETWEEN " + (last - del + 1)
                            + " AND " + last);
                }
                c.commit();
                nextId = last + 1;
                written += ins + upd + del;
            }
        } finally {
            c.setAutoCommit(true);
        }
        return written;
    }
}
