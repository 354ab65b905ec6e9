package io.pgwal.jobs;

import io.pgwal.testing.TestPostgres;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.Random;

/**
 * A writer thread for a table {@code (id int PRIMARY KEY, version int, name text)} whose every
 * UPDATE adds one to {@code version}: a row's versions therefore count its updates, so a copy of
 * the table's changelog must hold each version of each row once and none twice. Small
 * transactions of updates (the most), inserts of new ids (never an id used before) and deletes,
 * until {@link #close}.
 */
final class VersionedWriter implements AutoCloseable {

    private final TestPostgres pg;
    private final String table;
    private final Random random;
    private final Thread thread;
    private volatile boolean stopping;
    private volatile Throwable failure;
    private volatile long changes;
    private int nextId;

    /** Starts writing to {@code table}, whose ids so far are below {@code nextId}. */
    VersionedWriter(TestPostgres pg, String table, int nextId, long seed) {
        this.pg = pg;
        this.table = table;
        this.nextId = nextId;
        this.random = new Random(seed);
        this.thread = new Thread(this::run, "versioned-writer");
        thread.start();
    }

    /** Rows changed by committed transactions so far. */
    long changes() {
        return changes;
    }

    private void run() {
        try (Connection c = pg.connect();
                PreparedStatement update = c.prepareStatement("UPDATE " + table
                        + " SET version = version + 1, name = md5(random()::text) WHERE id = ANY(?)");
                PreparedStatement insert = c.prepareStatement("INSERT INTO " + table
                        + " SELECT i, 0, md5(i::text) FROM generate_series(?, ?) i");
                PreparedStatement delete = c.prepareStatement("DELETE FROM " + table
                        + " WHERE id = ANY(?)")) {
            c.setAutoCommit(false);
            while (!stopping) {
                int written;
                int choice = random.nextInt(10);
                if (choice < 7) {
                    update.setArray(1, ids(c, 10));
                    written = update.executeUpdate();
                } else if (choice < 9) {
                    insert.setInt(1, nextId);
                    insert.setInt(2, nextId + 4);
                    written = insert.executeUpdate();
                    nextId += 5;
                } else {
                    delete.setArray(1, ids(c, 2));
                    written = delete.executeUpdate();
                }
                c.commit();
                changes += written;
                Thread.sleep(5);
            }
        } catch (Throwable t) {
            failure = t;
        }
    }

    /** {@code n} random ids of rows that may exist (some were deleted: they change nothing). */
    private Array ids(Connection c, int n) throws Exception {
        Integer[] ids = new Integer[n];
        for (int i = 0; i < n; i++) {
            ids[i] = 1 + random.nextInt(nextId - 1);
        }
        return c.createArrayOf("int4", ids);
    }

    /** Stops writing; throws what made the writer fail, if anything did. */
    @Override
    public void close() throws Exception {
        stopping = true;
        thread.join();
        if (failure != null) {
            throw new IllegalStateException("the writer failed", failure);
        }
    }
}
