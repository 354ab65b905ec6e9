package io.pgwal.testing;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A writer thread for snapshot tests: small transactions on a table {@code (id bigint PRIMARY KEY,
 * grp int, amount numeric, note text)} whose rows 1..{@code rows} exist, each one insert, update,
 * key move (to a new id, so into another chunk) or delete, until stopped. Remembers the txid of
 * every committed transaction that changed a row. A transaction that fails (the server restarting)
 * is retried on a new connection; whether its commit landed is then unknown, so it is not counted.
 */
public final class RowWriter extends Thread {

    private final TestPostgres pg;
    private final String table;
    private final int rows;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Set<Long> txids = ConcurrentHashMap.newKeySet();
    private final AtomicLong failures = new AtomicLong();
    private final Random random = new Random(42);
    private long nextId = 1_000_000;

    public RowWriter(TestPostgres pg, String table, int rows) {
        super("row-writer-" + table);
        this.pg = pg;
        this.table = table;
        this.rows = rows;
        setDaemon(true);
    }

    /** The xids (32-bit, as pgoutput reports them) of the committed transactions that changed rows. */
    public Set<Long> txids() {
        return txids;
    }

    @Override
    public void run() {
        while (!stop.get()) {
            try (Connection c = pg.connect(); Statement s = c.createStatement()) {
                c.setAutoCommit(false);
                while (!stop.get()) {
                    long id = 1 + random.nextInt(rows);
                    int changed = switch (random.nextInt(4)) {
                        case 0 -> s.executeUpdate("INSERT INTO " + table + " VALUES (" + nextId++
                                + ", 1, 1.25, 'new')");
                        case 1 -> s.executeUpdate("UPDATE " + table + " SET amount = amount + 1,"
                                + " note = 'updated' WHERE id = " + id);
                        case 2 -> s.executeUpdate("UPDATE " + table + " SET id = " + nextId++
                                + " WHERE id = " + id);
                        default -> s.executeUpdate("DELETE FROM " + table + " WHERE id = " + id);
                    };
                    long txid;
                    try (ResultSet rs = s.executeQuery("SELECT txid_current()")) {
                        rs.next();
                        txid = rs.getLong(1);
                    }
                    c.commit();
                    if (changed > 0) {
                        txids.add(txid & 0xFFFFFFFFL);
                    }
                    Thread.sleep(2);
                }
            } catch (SQLException e) {
                failures.incrementAndGet();
                sleepQuietly(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public void stopAndJoin() throws InterruptedException {
        stop.set(true);
        join();
    }
}
