package io.pgwal.decoder;

import io.pgwal.testing.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Captures real pgoutput bytes as test fixtures: starts an embedded PostgreSQL (the build's
 * default major, 17), runs one scripted workload per protocol version and reads the messages with
 * {@code pg_logical_slot_peek_binary_changes}, which returns exactly the bytes pgoutput would send
 * in XLogData messages. Each scenario gets its own slot, created just before its workload and
 * dropped after the peek, so that a capture holds only its own workload.
 *
 * <p>Run {@link #main} with the output directory (see {@link #REGENERATE}); tests call {@link
 * #capture} to check that the committed fixtures are reproducible.
 */
public final class PgOutputCapture {

    /** The command that regenerates the committed fixtures, run from the repository root. */
    static final String REGENERATE = "mvn -q -B -pl flink-source test-compile"
            + " org.codehaus.mojo:exec-maven-plugin:3.5.0:java"
            + " -Dexec.mainClass=io.pgwal.decoder.PgOutputCapture -Dexec.classpathScope=test"
            + " -Dexec.args=flink-source/src/test/resources/pgoutput";

    /**
     * Server settings: a tiny decoding memory limit so that a few hundred rows make a transaction
     * stream (protocol 2+), instead of the default 64MB.
     */
    static final Map<String, String> SERVER_SETTINGS = Map.of("logical_decoding_work_mem", "64kB");

    /** Rows per "big" transaction: enough to exceed 64kB of reorder-buffer memory. */
    private static final int BIG = 600;

    /** One workload and the pgoutput options it is decoded with. */
    enum Scenario {
        PROTOCOL_1("protocol1.capture", 1, false, "'messages', 'true'",
                "begin/commit, origin, relation + enum Type, insert with NULLs, update without"
                        + " old tuple, key-changing update ('K'), REPLICA IDENTITY FULL ('O'),"
                        + " unchanged TOAST ('u'), delete, truncate CASCADE RESTART IDENTITY of"
                        + " two tables, transactional and non-transactional messages"),
        PROTOCOL_2_STREAMING("protocol2-streaming.capture", 2, false,
                "'messages', 'true', 'streaming', 'on'",
                "a streamed transaction (relation, type, insert, update, delete, truncate,"
                        + " message inside stream blocks) with an aborted subtransaction, then a"
                        + " streamed transaction that is rolled back"),
        PROTOCOL_3_TWO_PHASE("protocol3-twophase.capture", 3, true,
                "'messages', 'true', 'streaming', 'on', 'two_phase', 'on'",
                "PREPARE + COMMIT PREPARED, PREPARE + ROLLBACK PREPARED, a streamed prepared"
                        + " transaction (Stream Prepare), a plain commit"),
        PROTOCOL_4_PARALLEL("protocol4-parallel.capture", 4, false,
                "'messages', 'true', 'streaming', 'parallel', 'binary', 'true'",
                "streaming=parallel: a streamed commit with an aborted subtransaction and a"
                        + " streamed rollback (Stream Abort with abort LSN and time); binary"
                        + " column values ('b')");

        final String fileName;
        final int protocolVersion;
        final boolean twoPhaseSlot;
        final String options;
        final String description;

        Scenario(String fileName, int protocolVersion, boolean twoPhaseSlot, String options,
                String description) {
            this.fileName = fileName;
            this.protocolVersion = protocolVersion;
            this.twoPhaseSlot = twoPhaseSlot;
            this.options = options;
            this.description = description;
        }
    }

    private PgOutputCapture() {}

    /** Writes every scenario's capture into the directory given as the only argument. */
    public static void main(String[] args) throws SQLException {
        Path dir = Path.of(args.length > 0 ? args[0] : "flink-source/src/test/resources/pgoutput");
        try (TestPostgres pg = TestPostgres.start(0, SERVER_SETTINGS)) {
            createSchema(pg);
            for (Scenario scenario : Scenario.values()) {
                Path file = dir.resolve(scenario.fileName);
                capture(pg, scenario).write(file, header(pg, scenario));
                System.out.println("wrote " + file.toAbsolutePath());
            }
        }
    }

    /** The tables, type and publication every scenario uses; run once per server. */
    static void createSchema(TestPostgres pg) {
        pg.execute(
                "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')",
                "CREATE TABLE person (id int PRIMARY KEY, name text, mood mood,"
                        + " score numeric(10,2))",
                "CREATE TABLE audit (id int PRIMARY KEY, note text)",
                "ALTER TABLE audit REPLICA IDENTITY FULL",
                // EXTERNAL: stored out of line uncompressed, so 4000 bytes are surely TOASTed.
                "CREATE TABLE doc (id int PRIMARY KEY, title text, body text)",
                "ALTER TABLE doc ALTER COLUMN body SET STORAGE EXTERNAL",
                "INSERT INTO doc VALUES (1, 'first', repeat('x', 4000))",
                "CREATE TABLE parent (id serial PRIMARY KEY)",
                "CREATE TABLE child (id serial PRIMARY KEY, parent_id int REFERENCES parent)",
                "CREATE TABLE big (id int PRIMARY KEY, v text)",
                "CREATE PUBLICATION pub FOR ALL TABLES",
                "SELECT pg_replication_origin_create('upstream')");
    }

    /** Runs one scenario's workload on a fresh slot and returns the messages pgoutput produced. */
    static CaptureFile capture(TestPostgres pg, Scenario scenario) throws SQLException {
        String slot = "capture_" + scenario.protocolVersion;
        pg.execute("SELECT pg_create_logical_replication_slot('" + slot + "', 'pgoutput', false, "
                + scenario.twoPhaseSlot + ")");
        try {
            try (Connection c = pg.connect(); Statement s = c.createStatement()) {
                switch (scenario) {
                    case PROTOCOL_1 -> protocol1(s);
                    case PROTOCOL_2_STREAMING -> streaming(s, 0);
                    case PROTOCOL_4_PARALLEL -> streaming(s, 100 * BIG);
                    case PROTOCOL_3_TWO_PHASE -> twoPhase(s);
                }
                awaitWalFlushed(s);
            }
            return new CaptureFile(scenario.protocolVersion, peek(pg, slot, scenario));
        } finally {
            pg.execute("SELECT pg_drop_replication_slot('" + slot + "')");
        }
    }

    /**
     * Waits until the WAL written so far is flushed: TestPostgres runs with {@code
     * synchronous_commit=off}, and the peek function decodes only up to the flush position, so
     * without this the last transactions of a workload would be missing.
     */
    private static void awaitWalFlushed(Statement s) throws SQLException {
        String written;
        try (ResultSet rs = s.executeQuery("SELECT pg_current_wal_insert_lsn()")) {
            rs.next();
            written = rs.getString(1);
        }
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            try (ResultSet rs = s.executeQuery(
                    "SELECT pg_current_wal_flush_lsn() >= '" + written + "'::pg_lsn")) {
                rs.next();
                if (rs.getBoolean(1)) {
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("WAL not flushed up to " + written + " in 30s");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private static List<byte[]> peek(TestPostgres pg, String slot, Scenario scenario)
            throws SQLException {
        String sql = "SELECT data FROM pg_logical_slot_peek_binary_changes('" + slot
                + "', NULL, NULL, 'proto_version', '" + scenario.protocolVersion
                + "', 'publication_names', 'pub', " + scenario.options + ")";
        List<byte[]> messages = new ArrayList<>();
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                messages.add(rs.getBytes(1));
            }
        }
        return messages;
    }

    private static void protocol1(Statement s) throws SQLException {
        s.execute("INSERT INTO person VALUES (1, 'alice', 'happy', 1.50), (2, NULL, NULL, NULL)");
        s.execute("UPDATE person SET name = 'alicia' WHERE id = 1"); // no old tuple
        s.execute("UPDATE person SET id = 10 WHERE id = 2"); // key change: old key 'K'
        s.execute("DELETE FROM person WHERE id = 10"); // old key 'K'
        s.execute("INSERT INTO audit VALUES (1, 'a')");
        s.execute("UPDATE audit SET note = 'b' WHERE id = 1"); // REPLICA IDENTITY FULL: 'O'
        s.execute("DELETE FROM audit WHERE id = 1");
        s.execute("UPDATE doc SET title = 'second' WHERE id = 1"); // body unchanged TOAST: 'u'
        s.execute("INSERT INTO parent DEFAULT VALUES");
        s.execute("INSERT INTO child (parent_id) VALUES (1)");
        s.execute("TRUNCATE parent, child RESTART IDENTITY CASCADE");
        s.execute("BEGIN");
        s.execute("SELECT pg_logical_emit_message(true, 'pgwal', 'transactional message')");
        s.execute("COMMIT");
        s.execute("SELECT pg_logical_emit_message(false, 'pgwal', 'non-transactional')");
        // A transaction replayed from another origin gets an Origin message after Begin.
        s.execute("SELECT pg_replication_origin_session_setup('upstream')");
        s.execute("BEGIN");
        s.execute("SELECT pg_replication_origin_xact_setup('0/12345678', now())");
        s.execute("INSERT INTO person VALUES (3, 'from upstream', 'ok', 2)");
        s.execute("COMMIT");
        s.execute("SELECT pg_replication_origin_session_reset()");
    }

    /** Ids start at {@code base}, so that the scenario can run twice without a cleanup. */
    private static void streaming(Statement s, int base) throws SQLException {
        s.execute("BEGIN");
        s.execute("INSERT INTO person VALUES (" + (base + 100) + ", 'streamed', 'sad', 3)");
        s.execute(insertBig(base + 1));
        s.execute("SELECT pg_logical_emit_message(true, 'pgwal', 'inside a stream')");
        s.execute("SAVEPOINT sp");
        s.execute(insertBig(base + BIG + 1)); // big enough to be streamed before it is rolled back
        s.execute("ROLLBACK TO SAVEPOINT sp");
        s.execute("UPDATE big SET v = 'updated' WHERE id = " + (base + 1));
        s.execute("DELETE FROM big WHERE id = " + (base + 2));
        s.execute("TRUNCATE audit");
        s.execute("COMMIT");
        s.execute("BEGIN");
        s.execute(insertBig(base + 10 * BIG));
        s.execute("ROLLBACK");
    }

    private static void twoPhase(Statement s) throws SQLException {
        s.execute("INSERT INTO person VALUES (200, 'plain', 'ok', 1)");
        s.execute("BEGIN");
        s.execute("INSERT INTO person VALUES (201, 'prepared', 'ok', 1)");
        s.execute("PREPARE TRANSACTION 'gid-commit'");
        s.execute("COMMIT PREPARED 'gid-commit'");
        s.execute("BEGIN");
        s.execute("INSERT INTO person VALUES (202, 'rolled back', 'sad', 1)");
        // Decoded after the rollback already happened, PostgreSQL detects a "concurrent abort"
        // while decoding this transaction's changes and sends Begin Prepare and Prepare only.
        s.execute("PREPARE TRANSACTION 'gid-rollback'");
        s.execute("ROLLBACK PREPARED 'gid-rollback'");
        s.execute("BEGIN");
        s.execute(insertBig(20 * BIG));
        s.execute("PREPARE TRANSACTION 'gid-stream'");
        s.execute("COMMIT PREPARED 'gid-stream'");
    }

    private static String insertBig(int from) {
        return "INSERT INTO big SELECT g, 'row ' || g FROM generate_series(" + from + ", "
                + (from + BIG - 1) + ") g";
    }

    private static List<String> header(TestPostgres pg, Scenario scenario) throws SQLException {
        String version;
        try (Connection c = pg.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SHOW server_version")) {
            rs.next();
            version = rs.getString(1);
        }
        return List.of(
                "pgoutput messages captured by io.pgwal.decoder.PgOutputCapture from PostgreSQL "
                        + version + " (logical_decoding_work_mem=64kB)",
                "options: 'proto_version', '" + scenario.protocolVersion
                        + "', 'publication_names', 'pub', " + scenario.options,
                "workload: " + scenario.description,
                "one message per line, hex; LSNs, xids, OIDs and timestamps differ per run",
                "regenerate from the repository root: " + REGENERATE);
    }
}
