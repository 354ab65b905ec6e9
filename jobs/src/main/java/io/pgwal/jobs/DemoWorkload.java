package io.pgwal.jobs;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * The changes the demo writes: inserts, updates and deletes over the demo tables, each batch in
 * its own transaction, so the stream shows transaction boundaries and before/after images.
 */
final class DemoWorkload {

    private final Connection connection;
    private long nextOrderId = 1;

    DemoWorkload(Connection connection) throws SQLException {
        this.connection = connection;
        connection.setAutoCommit(false);
    }

    /** Writes the fixed demo history; returns the number of row changes written. */
    int runScripted() throws SQLException {
        int changes = 0;
        changes += exec("INSERT INTO demo.customers (id, name, email, vip) VALUES"
                + " (1, 'Ada Lovelace', 'ada@example.org', true),"
                + " (2, 'Alan Turing', 'alan@example.org', false),"
                + " (3, 'Grace Hopper', NULL, false)");
        for (int i = 0; i < 4; i++) {
            changes += insertOrder(1 + i % 3, "19.99", "new");
        }
        commit();
        changes += exec("UPDATE demo.orders SET status = 'paid', amount = amount + 0.01 WHERE id <= 2");
        commit();
        changes += exec("UPDATE demo.customers SET email = 'grace@example.org' WHERE id = 3");
        changes += exec("DELETE FROM demo.orders WHERE id = 3");
        commit();
        exec("SELECT pg_logical_emit_message(true, 'demo', 'a transactional message')");
        changes += exec("UPDATE demo.customers SET id = 30 WHERE id = 3 AND NOT EXISTS"
                + " (SELECT 1 FROM demo.orders WHERE customer_id = 3)");
        commit();
        return changes;
    }

    /** One small random transaction, for --follow. */
    void runOneStep(long step) throws SQLException {
        long customer = 1 + step % 2;
        if (step % 3 == 2) {
            exec("UPDATE demo.orders SET status = 'shipped' WHERE id = (SELECT min(id) FROM"
                    + " demo.orders WHERE status <> 'shipped')");
        } else {
            insertOrder(customer, String.format("%d.%02d", 10 + step % 90, step % 100), "new");
        }
        commit();
    }

    private int insertOrder(long customer, String amount, String status) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(
                "INSERT INTO demo.orders (id, customer_id, amount, status, placed_on, placed_at, ref,"
                        + " details) VALUES (?, ?, ?::numeric, ?, current_date, localtimestamp, ?,"
                        + " ?::jsonb)")) {
            long id = nextOrderId++;
            ps.setLong(1, id);
            ps.setLong(2, customer);
            ps.setString(3, amount);
            ps.setString(4, status);
            ps.setObject(5, UUID.nameUUIDFromBytes(("order-" + id).getBytes()));
            ps.setString(6, "{\"gift\": " + (id % 2 == 0) + "}");
            return ps.executeUpdate();
        }
    }

    private int exec(String sql) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute(sql);
            return Math.max(s.getUpdateCount(), 0);
        }
    }

    private void commit() throws SQLException {
        connection.commit();
    }
}
