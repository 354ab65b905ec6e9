package io.pgwal.jobs;

import io.pgwal.testing.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The chaos tests' writer: a thread that commits transactions of random size (1 to 50,000 changes)
 * to {@code events (id, seq, v)}, where every change carries a global sequence number, and keeps
 * the history of what was committed, in commit order. Each change is attributed to the fault
 * segment ({@link #segment}) current when it committed.
 *
 * <p>Faults hit the writer too (a crashed server fails a COMMIT whose outcome is then unknown). A
 * transaction also inserts its number into the unpublished table {@code chaos_tx}, so after a
 * failure the writer reconnects and asks the server whether the transaction committed before it
 * updates its model: the history is what the server committed, never a guess.
 */
final class ChaosWorkload implements AutoCloseable {

    static final String[] SCHEMA = {
        "CREATE TABLE events (id int PRIMARY KEY, seq bigint NOT NULL, v text)",
        "CREATE TABLE chaos_tx (n int PRIMARY KEY)",
    };

    private final TestPostgres pg;
    private final Random random;
    private final int changesPerSecond;
    private final Map<String, Integer> history = new LinkedHashMap<>();
    private final List<Integer> live = new ArrayList<>();
    private final AtomicInteger segment = new AtomicInteger();
    private final Thread thread;
    private volatile boolean stopping;
    private volatile Throwable failure;
    private final Map<Integer, Integer> remainingAfterInsert = new java.util.concurrent.ConcurrentHashMap<>();
    private int nextId = 1;
    private long seq;
    private int txNumber;
    private int uncertainCommits;

    /** Starts writing at about {@code changesPerSecond}, with sizes and choices from {@code seed}. */
    ChaosWorkload(TestPostgres pg, long seed, int changesPerSecond) {
        this.pg = pg;
        this.random = new Random(seed);
        this.changesPerSecond = changesPerSecond;
        this.thread = new Thread(this::run, "chaos-writer");
        thread.start();
    }

    /** Transactions at least this large are remembered for aiming faults inside them. */
    static final int LARGE_TRANSACTION = 20_000;

    private void noteLargeTransaction(List<String> changes) {
        if (changes.size() >= LARGE_TRANSACTION) {
            for (int i = 0; i < changes.size(); i++) {
                String[] f = changes.get(i).split(" ");
                if (f[0].equals("INSERT")) {
                    remainingAfterInsert.put(Integer.parseInt(f[1]), changes.size() - 1 - i);
                }
            }
        }
    }

    /**
     * How many changes of its transaction follow the insert of row {@code id}, if that insert
     * belongs to a transaction of {@link #LARGE_TRANSACTION} or more changes; else 0.
     */
    int remainingAfterInsert(int id) {
        return remainingAfterInsert.getOrDefault(id, 0);
    }

    /** Changes committed from now on belong to fault segment {@code n}. */
    void segment(int n) {
        segment.set(n);
    }

    /** Stops the writer and returns the committed history: change -> segment, in commit order. */
    Map<String, Integer> stop() throws InterruptedException {
        stopping = true;
        thread.join();
        if (failure != null) {
            throw new AssertionError("the chaos writer failed", failure);
        }
        return history;
    }

    /** COMMITs that failed and were resolved by asking the server. */
    int uncertainCommits() {
        return uncertainCommits;
    }

    private void run() {
        try {
            while (!stopping) {
                Map<String, Integer> tx = writeOne();
                Thread.sleep(Math.max(1, tx.size() * 1000L / changesPerSecond));
            }
        } catch (Throwable t) {
            failure = t;
        }
    }

    /** Writes one transaction (retrying on a new connection until one commits). */
    private Map<String, Integer> writeOne() throws Exception {
        while (true) {
            int number = ++txNumber;
            List<String> changes = new ArrayList<>();
            List<Integer> liveAfter = new ArrayList<>(live);
            int idAfter = nextId;
            long seqAfter = seq;
            int bucket = random.nextInt(20);
            int size = 1 + random.nextInt(bucket < 12 ? 20 : bucket < 19 ? 2_000 : 50_000);
            try (Connection c = pg.connect()) {
                c.setAutoCommit(false);
                execute(c, "INSERT INTO chaos_tx VALUES (?)", number);
                // Updates and deletes one row at a time (their WAL order is the statement order),
                // inserts in one statement ordered by id.
                int others = liveAfter.size() < 10 ? 0 : Math.min(size / 2, random.nextInt(20));
                for (int i = 0; i < others; i++) {
                    if (random.nextInt(3) < 2) {
                        int id = liveAfter.get(random.nextInt(liveAfter.size()));
                        execute(c, "UPDATE events SET seq = ?, v = 'u' WHERE id = ?", ++seqAfter, id);
                        changes.add("UPDATE " + id + " " + seqAfter);
                    } else {
                        int id = liveAfter.remove(random.nextInt(liveAfter.size()));
                        execute(c, "DELETE FROM events WHERE id = ?", id);
                        changes.add("DELETE " + id);
                    }
                }
                int inserts = size - others;
                execute(c, "INSERT INTO events SELECT g, ? + g - ?, 'i' FROM generate_series(?, ?) g",
                        seqAfter + 1, idAfter, idAfter, idAfter + inserts - 1);
                for (int i = 0; i < inserts; i++) {
                    changes.add("INSERT " + (idAfter + i) + " " + (seqAfter + 1 + i));
                    liveAfter.add(idAfter + i);
                }
                idAfter += inserts;
                seqAfter += inserts;
                int seg = segment.get();
                try {
                    c.commit();
                } catch (SQLException e) {
                    uncertainCommits++;
                    if (!committed(number)) {
                        continue;
                    }
                }
                noteLargeTransaction(changes);
                Map<String, Integer> tx = new LinkedHashMap<>();
                changes.forEach(ch -> tx.put(ch, seg));
                history.putAll(tx);
                live.clear();
                live.addAll(liveAfter);
                nextId = idAfter;
                seq = seqAfter;
                return tx;
            } catch (SQLException e) {
                // The server went away before COMMIT: nothing of this transaction committed.
                if (stopping) {
                    return Map.of();
                }
                Thread.sleep(100);
            }
        }
    }

    /** The server holds exactly the rows the history says are live, with their last seq. */
    void assertModelMatchesServer() {
        long liveSeqSum = 0;
        Map<Integer, Long> lastSeq = new java.util.HashMap<>();
        for (String change : history.keySet()) {
            String[] f = change.split(" ");
            if (f[0].equals("DELETE")) {
                lastSeq.remove(Integer.parseInt(f[1]));
            } else {
                lastSeq.put(Integer.parseInt(f[1]), Long.parseLong(f[2]));
            }
        }
        for (long s : lastSeq.values()) {
            liveSeqSum += s;
        }
        String server = pg.queryString("SELECT count(*) || ' ' || coalesce(sum(seq), 0) FROM events");
        if (!server.equals(lastSeq.size() + " " + liveSeqSum)) {
            throw new AssertionError("the writer's history does not match the server: rows and seq sum "
                    + server + " on the server, " + lastSeq.size() + " " + liveSeqSum + " in the history");
        }
    }

    /** Whether transaction {@code number} committed, asked on fresh connections until one works. */
    private boolean committed(int number) throws InterruptedException {
        for (int attempt = 0; attempt < 600; attempt++) {
            try (Connection c = pg.connect();
                    PreparedStatement ps = c.prepareStatement("SELECT 1 FROM chaos_tx WHERE n = ?")) {
                ps.setInt(1, number);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            } catch (SQLException e) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("server unreachable for a minute; commit of " + number + " unknown");
    }

    private static void execute(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            ps.execute();
        }
    }

    @Override
    public void close() throws InterruptedException {
        stopping = true;
        thread.join();
    }
}
