package io.pgwal.replication;

import io.pgwal.PgWalException;
import io.pgwal.replication.SqlIdentifiers.QualifiedName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import javax.annotation.Nullable;
import org.postgresql.replication.LogSequenceNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks, on a plain connection, everything replication needs, in the order a user would fix
 * them, and creates the slot and publication when configured to. Every failure is a {@link
 * PgWalException} that names the option or server setting to change, and never the password.
 *
 * <p>Stateless and thread-safe. {@link #prepare} blocks: it connects (up to the config's connect
 * timeout), runs a few catalog queries, and waits up to 10 s for a slot that is still held by a
 * disconnecting reader to be released.
 */
public final class ReplicationSetup {

    private static final Logger LOG = LoggerFactory.getLogger(ReplicationSetup.class);

    /**
     * A slot held by a reader that just went away (often our own previous attempt, whose
     * walsender has not noticed yet) is released within moments: wait that long before failing.
     */
    private static final Duration ACTIVE_SLOT_WAIT = Duration.ofSeconds(10);

    private ReplicationSetup() {}

    /**
     * Runs every check, creating the publication and slot where configured to; returns the slot's
     * state.
     *
     * @throws PgWalException naming the option or server setting to fix
     */
    public static SlotInfo prepare(PgWalConnectionConfig config) {
        return prepare(config, null, ACTIVE_SLOT_WAIT);
    }

    /**
     * {@link #prepare(PgWalConnectionConfig)} for a reader that resumes from {@code resumeFrom}
     * (null: a first start). A resuming reader never creates the slot: a new slot would start at
     * the server's current position and silently skip the changes since {@code resumeFrom}.
     *
     * @throws PgWalException naming the option or server setting to fix
     */
    public static SlotInfo prepare(PgWalConnectionConfig config,
            @Nullable LogSequenceNumber resumeFrom) {
        return prepare(config, resumeFrom, ACTIVE_SLOT_WAIT);
    }

    /** {@link #prepare(PgWalConnectionConfig)} with a chosen wait for an active slot (tests). */
    static SlotInfo prepare(PgWalConnectionConfig config, Duration activeSlotWait) {
        return prepare(config, null, activeSlotWait);
    }

    private static SlotInfo prepare(PgWalConnectionConfig config,
            @Nullable LogSequenceNumber resumeFrom, Duration activeSlotWait) {
        try (Connection c = connect(config, false)) {
            int version = serverVersionNum(c);
            if (version < 100000) {
                throw new PgWalException("The server is PostgreSQL " + version + ", which has no"
                        + " pgoutput logical replication: pgwal needs PostgreSQL 10 or newer");
            }
            checkWalLevel(c);
            if (config.slotFailover() && version < 170000) {
                throw new PgWalException("Option 'slot.failover' needs PostgreSQL 17 or newer;"
                        + " the server is " + version + ". Turn the option off");
            }
            checkReplicationPrivilege(c, config);
            List<QualifiedName> tables = resolveTables(c, config);
            ensurePublication(c, config, tables, version);
            return ensureSlot(c, config, version, resumeFrom, activeSlotWait);
        } catch (SQLException e) {
            throw new PgWalException("Checking the replication setup of " + config.jdbcUrl()
                    + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Opens a plain or replication connection, turning failures into errors that name the option
     * to fix. It uses pgjdbc's driver directly rather than DriverManager, which may not see the
     * relocated driver of the shaded SQL jar when it is loaded with ADD JAR.
     */
    public static Connection connect(PgWalConnectionConfig config, boolean replication) {
        return connect(config, replication, new java.util.Properties());
    }

    /**
     * A plain connection whose reads time out after {@code connection.dead-after}, for the small
     * catalog queries made while streaming: a network path that goes silent must not hang them.
     */
    public static Connection connectWithReadTimeout(PgWalConnectionConfig config) {
        java.util.Properties p = new java.util.Properties();
        p.setProperty("socketTimeout",
                Long.toString(Math.max(1, config.deadAfter().toSeconds())));
        return connect(config, false, p);
    }

    /** {@link #connect(PgWalConnectionConfig, boolean)} with extra pgjdbc properties. */
    public static Connection connect(PgWalConnectionConfig config, boolean replication,
            java.util.Properties extra) {
        try {
            java.util.Properties props = config.jdbcProperties(replication);
            props.putAll(extra);
            Connection c = new org.postgresql.Driver().connect(config.jdbcUrl(), props);
            if (c == null) {
                throw new SQLException("pgjdbc does not accept the URL " + config.jdbcUrl(), "08001");
            }
            return c;
        } catch (SQLException e) {
            String state = e.getSQLState() == null ? "" : e.getSQLState();
            String where = config.hostname() + ":" + config.port();
            String hint;
            if (state.equals("28P01") || state.equals("28000")) {
                hint = "authentication of user '" + config.username() + "' failed: check the options"
                        + " 'username' and 'password'" + (replication
                        ? " (and that pg_hba.conf allows a replication connection for this user)" : "");
            } else if (state.equals("3D000")) {
                hint = "database '" + config.database() + "' does not exist: check the option"
                        + " 'database-name'";
            } else if (tlsFailure(e) != null) {
                // A certificate or TLS setting that is wrong stays wrong: not worth a retry.
                throw PgWalException.definiteError("Cannot connect to " + config.hostname() + ":"
                        + config.port() + "/" + config.database() + " as '" + config.username()
                        + "': the TLS handshake failed (" + tlsFailure(e) + "). Check the options"
                        + " 'ssl.mode' and 'ssl.root-cert' (the CA certificate that signed the"
                        + " server's certificate; with verify-full, 'hostname' must be one of the"
                        + " certificate's names), and 'ssl.cert'/'ssl.key' for a client"
                        + " certificate. Server or driver said: " + e.getMessage(), e);
            } else if (state.startsWith("08")) {
                hint = "cannot reach PostgreSQL at " + where + ": check the options 'hostname' and"
                        + " 'port' (and 'connect.timeout')";
            } else {
                hint = "connection failed";
            }
            throw new PgWalException("Cannot connect to " + where + "/" + config.database() + " as '"
                    + config.username() + "': " + hint + ". Server said: " + e.getMessage(), e);
        }
    }

    /** The message of a TLS failure among the causes of {@code e}, or null. */
    private static String tlsFailure(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof javax.net.ssl.SSLException
                    || t instanceof java.security.GeneralSecurityException) {
                return t.getMessage();
            }
        }
        String m = e.getMessage();
        return m != null && (m.contains("SSL") || m.contains("TLS")) ? m : null;
    }

    private static int serverVersionNum(Connection c) throws SQLException {
        return Integer.parseInt(queryString(c, "SHOW server_version_num"));
    }

    private static void checkWalLevel(Connection c) throws SQLException {
        String walLevel = queryString(c, "SHOW wal_level");
        if (!"logical".equals(walLevel)) {
            throw new PgWalException("The server's wal_level is '" + walLevel + "', but logical"
                    + " replication needs wal_level = logical: set wal_level = logical in"
                    + " postgresql.conf (or ALTER SYSTEM SET wal_level = logical) and restart"
                    + " PostgreSQL");
        }
    }

    private static void checkReplicationPrivilege(Connection c, PgWalConnectionConfig config)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user")) {
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || !rs.getBoolean(1)) {
                    throw new PgWalException("User '" + config.username() + "' lacks the REPLICATION"
                            + " attribute needed to stream a replication slot: run ALTER ROLE "
                            + SqlIdentifiers.quoteIdentifier(config.username()) + " WITH REPLICATION,"
                            + " or set the option 'username' to a user that has it");
                }
            }
        }
    }

    private static List<QualifiedName> resolveTables(Connection c, PgWalConnectionConfig config)
            throws SQLException {
        List<QualifiedName> tables = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_class cl JOIN pg_namespace n"
                + " ON n.oid = cl.relnamespace WHERE n.nspname = ? AND cl.relname = ?"
                + " AND cl.relkind IN ('r', 'p')")) {
            for (String t : config.tables()) {
                QualifiedName name = SqlIdentifiers.parseQualifiedName(t);
                ps.setString(1, name.schema());
                ps.setString(2, name.name());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new PgWalException("Table " + name + " (from option 'table-name' /"
                                + " tables) does not exist in database '" + config.database() + "'");
                    }
                }
                tables.add(name);
            }
        }
        return tables;
    }

    private static void ensurePublication(Connection c, PgWalConnectionConfig config,
            List<QualifiedName> tables, int version) throws SQLException {
        String pub = config.publicationName();
        boolean exists;
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_publication WHERE pubname = ?")) {
            ps.setString(1, pub);
            try (ResultSet rs = ps.executeQuery()) {
                exists = rs.next();
            }
        }
        String target = tables.isEmpty() ? "ALL TABLES"
                : "TABLE " + tables.stream().map(QualifiedName::quoted).collect(Collectors.joining(", "));
        // A partitioned table's changes are then published as changes of the table itself (not
        // of its partitions), also for partitions attached later; PostgreSQL 13+.
        String create = "CREATE PUBLICATION " + SqlIdentifiers.quoteIdentifier(pub) + " FOR " + target
                + (version >= 130000 ? " WITH (publish_via_partition_root = true)" : "");
        if (!exists) {
            if (!config.createPublication()) {
                throw new PgWalException("Publication '" + pub + "' (option 'publication.name') does"
                        + " not exist in database '" + config.database() + "'. Create it (" + create
                        + ") or set 'publication.create' = true");
            }
            try (Statement s = c.createStatement()) {
                s.execute(create);
            }
            LOG.info("Created publication: {}", create);
            return;
        }
        List<QualifiedName> missing = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_publication_tables"
                + " WHERE pubname = ? AND schemaname = ? AND tablename = ?")) {
            for (QualifiedName t : tables) {
                ps.setString(1, pub);
                ps.setString(2, t.schema());
                ps.setString(3, t.name());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        missing.add(t);
                    }
                }
            }
        }
        for (QualifiedName t : missing) {
            checkPartitionsPublishedAlone(c, pub, t);
        }
        if (!missing.isEmpty()) {
            throw new PgWalException("Publication '" + pub + "' (option 'publication.name') does not"
                    + " include " + missing + ": run ALTER PUBLICATION " + SqlIdentifiers.quoteIdentifier(pub)
                    + " ADD TABLE " + missing.stream().map(QualifiedName::quoted)
                            .collect(Collectors.joining(", ")));
        }
    }

    /**
     * A partitioned table whose partitions the publication lists under their own names (it is a
     * member, but without {@code publish_via_partition_root}): pgoutput would send its changes as
     * changes of each partition, not of the table that was asked for.
     */
    private static void checkPartitionsPublishedAlone(Connection c, String pub, QualifiedName t)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM"
                + " pg_catalog.pg_partition_tree(pg_catalog.to_regclass(?)) pt"
                + " JOIN pg_catalog.pg_class cl ON cl.oid = pt.relid"
                + " JOIN pg_catalog.pg_namespace n ON n.oid = cl.relnamespace"
                + " JOIN pg_catalog.pg_publication_tables p ON p.schemaname = n.nspname"
                + " AND p.tablename = cl.relname AND p.pubname = ?"
                + " WHERE pt.relid <> pg_catalog.to_regclass(?)")) {
            ps.setString(1, t.quoted());
            ps.setString(2, pub);
            ps.setString(3, t.quoted());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next() && rs.getLong(1) > 0) {
                    throw new PgWalException("Table " + t + " is partitioned, and publication '"
                            + pub + "' (option 'publication.name') publishes its changes as"
                            + " changes of each partition, under the partitions' names, because"
                            + " publish_via_partition_root is off. Run ALTER PUBLICATION "
                            + SqlIdentifiers.quoteIdentifier(pub) + " SET"
                            + " (publish_via_partition_root = true), so that they arrive as changes"
                            + " of " + t + " (also for partitions attached later). Changes written"
                            + " before that still arrive under the partitions' names; name the"
                            + " partitions in 'table-name' instead if you want those.");
                }
            }
        }
    }

    private static SlotInfo ensureSlot(Connection c, PgWalConnectionConfig config, int version,
            @Nullable LogSequenceNumber resumeFrom, Duration activeSlotWait) throws SQLException {
        String slot = config.slotName();
        boolean created = false;
        long deadline = System.currentTimeMillis() + activeSlotWait.toMillis();
        while (true) {
            // two_phase is in pg_replication_slots from PostgreSQL 14 on.
            try (PreparedStatement ps = c.prepareStatement("SELECT plugin, slot_type, database, active,"
                    + " active_pid, confirmed_flush_lsn::text, restart_lsn::text, "
                    + (version >= 140000 ? "two_phase" : "false") + " AS two_phase, "
                    // wal_status from 13 on, invalidation_reason from 17 on.
                    + (version >= 130000 ? "wal_status" : "NULL::text") + " AS wal_status, "
                    + (version >= 170000 ? "invalidation_reason" : "NULL::text")
                    + " AS invalidation_reason, "
                    + (version >= 170000 ? "failover" : "false") + " AS failover"
                    + " FROM pg_replication_slots WHERE slot_name = ?")) {
                ps.setString(1, slot);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        if (created) {
                            throw new PgWalException("Slot '" + slot + "' vanished right after it was created");
                        }
                        if (resumeFrom != null) {
                            throw new PgWalException("Replication slot '" + slot + "' (option"
                                    + " 'slot.name') does not exist, but this job resumes from "
                                    + resumeFrom.asString() + " (restored state, or a stream"
                                    + " that was running): the slot was dropped, and with it the"
                                    + " changes after that position that no checkpoint covered."
                                    + " pgwal does not create a slot when it resumes, because a new"
                                    + " slot starts at the server's current position and would"
                                    + " silently skip them. Start the job without state (with"
                                    + " 'scan.startup.mode' = 'initial' to read the tables' rows"
                                    + " again); pgwal then creates the slot");
                        }
                        if (!config.createSlot()) {
                            throw new PgWalException("Replication slot '" + slot + "' (option"
                                    + " 'slot.name') does not exist. Create it with SELECT"
                                    + " pg_create_logical_replication_slot('" + slot + "', 'pgoutput'),"
                                    + " or set 'slot.create' = true");
                        }
                        createSlot(c, slot, config.slotFailover());
                        created = true;
                        continue;
                    }
                    checkSlot(config, rs);
                    if (rs.getBoolean("active")) {
                        if (System.currentTimeMillis() < deadline) {
                            sleep();
                            continue;
                        }
                        int pid = rs.getInt("active_pid");
                        String holder = applicationName(c, pid);
                        String what = "Replication slot '" + slot + "' is in use by another"
                                + " connection (walsender pid " + pid + ", application '" + holder
                                + "'). A slot can only be read by one client";
                        if ("pgwal".equals(holder)) {
                            // Most likely this job's previous reader, on a TaskManager that went
                            // away without closing its connection: the server ends that walsender
                            // after wal_sender_timeout, so a later attempt succeeds.
                            throw PgWalException.transientError(what + "; it is a pgwal reader,"
                                    + " most likely this job's previous one, which the server ends"
                                    + " after wal_sender_timeout. If another job reads the same"
                                    + " slot, give each job its own 'slot.name'", null);
                        }
                        throw new PgWalException(what + ": stop the other reader or set"
                                + " 'slot.name' to another slot");
                    }
                    if (config.slotFailover() && !rs.getBoolean("failover")) {
                        ensureFailover(config);
                    }
                    return new SlotInfo(slot, LogSequenceNumber.valueOf(rs.getString(6)),
                            LogSequenceNumber.valueOf(rs.getString(7)), created, version,
                            walSenderTimeoutMillis(c));
                }
            }
        }
    }

    private static void checkSlot(PgWalConnectionConfig config, ResultSet rs) throws SQLException {
        String slot = config.slotName();
        if ("lost".equals(rs.getString("wal_status"))) {
            String reason = rs.getString("invalidation_reason");
            throw new PgWalException("Replication slot '" + slot + "' (option 'slot.name') was"
                    + " invalidated by PostgreSQL (wal_status = lost" + (reason == null ? ""
                            : ", invalidation_reason = " + reason) + "): the WAL it needed was"
                    + " removed, typically because it held more than max_slot_wal_keep_size while"
                    + " the job was stopped or behind, so the changes since its position are gone."
                    + " Drop it (SELECT pg_drop_replication_slot(" + SqlIdentifiers.quoteLiteral(slot)
                    + ")) and start the job without state with 'scan.startup.mode' = 'initial' to"
                    + " read the tables again; raise max_slot_wal_keep_size (or watch the"
                    + " slot's retained WAL) so that it does not happen again");
        }
        if (!"logical".equals(rs.getString("slot_type"))) {
            throw new PgWalException("Slot '" + slot + "' (option 'slot.name') is a "
                    + rs.getString("slot_type") + " slot; pgwal needs a logical slot");
        }
        if (!"pgoutput".equals(rs.getString("plugin"))) {
            throw new PgWalException("Slot '" + slot + "' (option 'slot.name') uses the plugin '"
                    + rs.getString("plugin") + "'; pgwal decodes only 'pgoutput'. Use another slot");
        }
        if (!config.database().equals(rs.getString("database"))) {
            throw new PgWalException("Slot '" + slot + "' belongs to database '"
                    + rs.getString("database") + "', not to '" + config.database()
                    + "' (option 'database-name')");
        }
        if (rs.getBoolean("two_phase")) {
            // pgoutput then sends prepared transactions at PREPARE TRANSACTION time, before it is
            // known whether they commit; pgwal emits only committed transactions.
            throw new PgWalException("Slot '" + slot + "' (option 'slot.name') was created with"
                    + " two_phase = true, so PostgreSQL decodes prepared transactions when they are"
                    + " prepared (BEGIN PREPARE), not when they commit; pgwal emits only committed"
                    + " transactions and cannot read it. Set 'slot.name' to a slot of its own"
                    + " (pgwal creates one without two_phase when 'slot.create' = true), or drop"
                    + " and recreate this one without two_phase (SELECT pg_drop_replication_slot("
                    + SqlIdentifiers.quoteLiteral(slot) + "); SELECT"
                    + " pg_create_logical_replication_slot(" + SqlIdentifiers.quoteLiteral(slot)
                    + ", 'pgoutput')) and start without state with 'scan.startup.mode' = 'initial'");
        }
    }

    private static void createSlot(Connection c, String slot, boolean failover)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(failover
                ? "SELECT lsn::text FROM pg_create_logical_replication_slot(?, 'pgoutput',"
                        + " false, false, true)"
                : "SELECT lsn::text FROM pg_create_logical_replication_slot(?, 'pgoutput')")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                LOG.info("Created replication slot '{}' (pgoutput{}) at {}", slot,
                        failover ? ", failover" : "", rs.getString(1));
            }
        }
    }

    /**
     * Makes an existing slot a failover slot (ALTER_REPLICATION_SLOT, a replication command of
     * PostgreSQL 17+), when the option asks for it and the slot is not one yet.
     */
    private static void ensureFailover(PgWalConnectionConfig config) {
        try (Connection r = connect(config, true); Statement s = r.createStatement()) {
            s.execute("ALTER_REPLICATION_SLOT " + SqlIdentifiers.quoteIdentifier(config.slotName())
                    + " ( FAILOVER true )");
            LOG.info("Made replication slot '{}' a failover slot", config.slotName());
        } catch (SQLException e) {
            throw new PgWalException("Could not make slot '" + config.slotName() + "' a failover"
                    + " slot (option 'slot.failover'): " + e.getMessage(), e);
        }
    }

    /** The application name of a backend, or "unknown". */
    private static String applicationName(Connection c, int pid) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT application_name FROM pg_catalog.pg_stat_activity WHERE pid = ?")) {
            ps.setInt(1, pid);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getString(1) != null ? rs.getString(1) : "unknown";
            }
        }
    }

    private static long walSenderTimeoutMillis(Connection c) throws SQLException {
        // pg_settings reports it in its own unit, milliseconds.
        return Long.parseLong(queryString(c,
                "SELECT setting FROM pg_catalog.pg_settings WHERE name = 'wal_sender_timeout'"));
    }

    private static String queryString(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgWalException("Interrupted while waiting for a replication slot", e);
        }
    }
}
