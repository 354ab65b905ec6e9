package io.pgwal.bench;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * The public face of {@link Backlog} for the micro-benchmarks in {@code io.pgwal.bench.micro}:
 * the same orders table, publication and backlog as the drain benchmark, no second copy.
 */
public final class OrdersBacklog {

    /** The publication that covers {@code public.orders}. */
    public static final String PUBLICATION = Backlog.PUBLICATION;

    private OrdersBacklog() {}

    /** Creates the orders table and the publication. */
    public static void createSchema(Connection c) throws SQLException {
        Backlog.createSchema(c);
    }

    /** Creates one pgoutput slot. */
    public static void createSlot(Connection c, String slot) throws SQLException {
        Backlog.createSlots(c, List.of(slot));
    }

    /** Writes {@code rows} changes, see {@link Backlog#write}; returns the change count. */
    public static long write(Connection c, long rows, int txSize, String mode)
            throws SQLException {
        return Backlog.write(c, rows, txSize, mode);
    }
}
