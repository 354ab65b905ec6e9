package io.pgwal.replication;

import io.pgwal.PgWalException;
import io.pgwal.avro.UnrepresentableValues;
import java.io.Serializable;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * Where and how to replicate: server, credentials, slot, publication, tables and protocol
 * settings. Immutable, thread-safe and serializable (it travels with the Flink job). {@link
 * Builder#build()} validates and names the user-facing option of a bad value; {@link #toString()}
 * never shows the password (nor the extra JDBC properties, which may hold secrets). No getter
 * returns null; an absent password is the empty string.
 */
public final class PgWalConnectionConfig implements Serializable {

    private static final long serialVersionUID = 1L;

    private final String hostname;
    private final int port;
    private final String database;
    private final String username;
    private final String password;
    private final String slotName;
    private final String publicationName;
    private final List<String> tables;
    private final boolean createSlot;
    private final boolean slotFailover;
    private final boolean createPublication;
    private final int protocolVersion;
    private final Duration statusInterval;
    private final Duration connectTimeout;
    private final Duration deadAfter;
    private final Map<String, String> jdbcProperties;
    private final boolean allowSlotAhead;
    private final UnrepresentableValues unrepresentableValues;
    private final Tls tls;

    /**
     * TLS settings, passed to pgjdbc on every connection (null fields: pgjdbc's defaults). The key
     * password is never shown.
     */
    public record Tls(String mode, String rootCert, String cert, String key, String keyPassword)
            implements Serializable {

        private static final java.util.Set<String> MODES = java.util.Set.of("disable", "allow",
                "prefer", "require", "verify-ca", "verify-full");

        /** No TLS settings of pgwal's own. */
        public static final Tls NONE = new Tls(null, null, null, null, null);

        public Tls {
            if (mode != null && !MODES.contains(mode)) {
                throw new PgWalException("Option 'ssl.mode' is '" + mode + "'; it must be one of"
                        + " disable, allow, prefer, require, verify-ca, verify-full");
            }
        }

        void apply(Properties p) {
            put(p, "sslmode", mode);
            put(p, "sslrootcert", rootCert);
            put(p, "sslcert", cert);
            put(p, "sslkey", key);
            put(p, "sslpassword", keyPassword);
        }

        private static void put(Properties p, String name, String value) {
            if (value != null) {
                p.setProperty(name, value);
            }
        }

        @Override
        public String toString() {
            return "Tls[mode=" + mode + ", rootCert=" + rootCert + ", cert=" + cert + ", key="
                    + key + (keyPassword == null ? "" : ", keyPassword=***") + "]";
        }
    }

    /** pgjdbc properties that pgwal sets itself: the options that set them name them. */
    private static final java.util.Set<String> RESERVED_PROPERTIES = java.util.Set.of("user",
            "password", "replication", "preferQueryMode", "assumeMinServerVersion", "sslmode",
            "sslrootcert", "sslcert", "sslkey", "sslpassword", "socketFactory",
            "socketFactoryArg");

    private PgWalConnectionConfig(Builder b) {
        this.hostname = require(b.hostname, "hostname");
        if (!hostname.matches("[A-Za-z0-9._:%\\[\\]-]+")) {
            // The host goes into the JDBC URL: '/', '?' or '&' would smuggle in URL parameters.
            throw new PgWalException("Option 'hostname' is '" + hostname + "', which is not a host"
                    + " name or IP address");
        }
        this.port = b.port;
        this.database = require(b.database, "database-name");
        this.username = require(b.username, "username");
        this.password = b.password == null ? "" : b.password;
        this.slotName = SqlIdentifiers.validateSlotName(require(b.slotName, "slot.name"));
        this.publicationName = require(b.publicationName, "publication.name");
        if (publicationName.indexOf('\'') >= 0 || publicationName.indexOf('\0') >= 0) {
            // pgjdbc puts slot option values between single quotes without escaping them.
            throw new PgWalException("Option 'publication.name' is '" + publicationName + "', but"
                    + " a publication name used by pgwal must not contain a single quote or NUL: it"
                    + " is passed inside a quoted replication option. Rename the publication");
        }
        this.tables = List.copyOf(b.tables);
        tables.forEach(SqlIdentifiers::parseQualifiedName);
        this.createSlot = b.createSlot;
        this.slotFailover = b.slotFailover;
        this.createPublication = b.createPublication;
        if (b.protocolVersion < 1 || b.protocolVersion > 4) {
            throw new PgWalException("The pgoutput protocol version must be 1 to 4, is "
                    + b.protocolVersion);
        }
        this.protocolVersion = b.protocolVersion;
        if (port < 1 || port > 65535) {
            throw new PgWalException("Option 'port' must be 1 to 65535, is " + port);
        }
        this.statusInterval = positive(b.statusInterval, "status-interval");
        this.connectTimeout = positive(b.connectTimeout, "connect.timeout");
        this.deadAfter = positive(b.deadAfter, "connection.dead-after");
        this.jdbcProperties = Map.copyOf(b.jdbcProperties);
        for (String name : jdbcProperties.keySet()) {
            if (RESERVED_PROPERTIES.contains(name)) {
                throw new PgWalException("The pgjdbc property '" + name + "' (option"
                        + " 'jdbc.properties." + name + "') is set by pgwal itself: use the"
                        + " option for it (username, password, ssl.mode, ssl.root-cert, ssl.cert,"
                        + " ssl.key, ssl.key-password) instead; pgwal's replication connection"
                        + " uses its own socket factory");
            }
        }
        this.tls = b.tls == null ? Tls.NONE : b.tls;
        this.allowSlotAhead = b.allowSlotAhead;
        this.unrepresentableValues = b.unrepresentableValues;
    }

    public static Builder builder() {
        return new Builder();
    }

    private static String require(String value, String option) {
        if (value == null || value.isBlank()) {
            throw new PgWalException("Option '" + option + "' is required");
        }
        return value;
    }

    private static Duration positive(Duration d, String option) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new PgWalException("Option '" + option + "' must be a positive duration, is " + d);
        }
        return d;
    }

    public String hostname() {
        return hostname;
    }

    public int port() {
        return port;
    }

    public String database() {
        return database;
    }

    public String username() {
        return username;
    }

    public String password() {
        return password;
    }

    public String slotName() {
        return slotName;
    }

    public String publicationName() {
        return publicationName;
    }

    /** Tables that must be in the publication ("table" or "schema.table"). */
    public List<String> tables() {
        return tables;
    }

    public boolean createSlot() {
        return createSlot;
    }

    /**
     * Whether the slot is a failover slot (PostgreSQL 17+: synchronised to physical standbys
     * that have {@code sync_replication_slots} on, so a promoted standby can go on streaming it).
     */
    public boolean slotFailover() {
        return slotFailover;
    }

    public boolean createPublication() {
        return createPublication;
    }

    public int protocolVersion() {
        return protocolVersion;
    }

    public Duration statusInterval() {
        return statusInterval;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    /**
     * How long a replication connection may go without any byte from the server (pgwal asks for
     * a reply well before) before it is taken for dead and reconnected.
     */
    public Duration deadAfter() {
        return deadAfter;
    }

    public boolean allowSlotAhead() {
        return allowSlotAhead;
    }

    /** What the converters do with a value Avro cannot hold (option values.unrepresentable). */
    public UnrepresentableValues unrepresentableValues() {
        return unrepresentableValues;
    }

    /** The TLS settings (never null; {@link Tls#NONE} when none are set). */
    public Tls tls() {
        return tls;
    }

    /** The JDBC URL (without credentials). */
    public String jdbcUrl() {
        String host = hostname.indexOf(':') >= 0 && !hostname.startsWith("[") ? "[" + hostname + "]" : hostname;
        return "jdbc:postgresql://" + host + ":" + port + "/"
                + URLEncoder.encode(database, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * The session settings every pgwal connection starts with (startup option {@code options},
     * which outranks database and role defaults), because the Avro mapping parses the text these
     * settings produce: ISO 8601 intervals (the default style is ambiguous to parse) and money
     * in the C locale ({@code $1,234.56}). pgjdbc itself sends DateStyle=ISO.
     */
    public static final String SESSION_OPTIONS = "-c IntervalStyle=iso_8601 -c lc_monetary=C";

    /**
     * Connection properties: credentials, timeouts, {@link #SESSION_OPTIONS} (after any {@code
     * options} of the user's JDBC properties, so they win), and for a replication connection the
     * settings pgjdbc requires for one (replication=database, simple query mode).
     */
    public Properties jdbcProperties(boolean replication) {
        Properties p = new Properties();
        p.putAll(jdbcProperties);
        tls.apply(p);
        String options = jdbcProperties.get("options");
        p.setProperty("options", options == null || options.isBlank() ? SESSION_OPTIONS
                : options + " " + SESSION_OPTIONS);
        p.setProperty("user", username);
        p.setProperty("password", password);
        p.setProperty("connectTimeout", Long.toString(Math.max(1, connectTimeout.toSeconds())));
        p.setProperty("ApplicationName", "pgwal");
        if (replication) {
            p.setProperty("replication", "database");
            p.setProperty("assumeMinServerVersion", "10");
            p.setProperty("preferQueryMode", "simple");
        }
        return p;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PgWalConnectionConfig c
                && hostname.equals(c.hostname)
                && port == c.port
                && database.equals(c.database)
                && username.equals(c.username)
                && password.equals(c.password)
                && slotName.equals(c.slotName)
                && publicationName.equals(c.publicationName)
                && tables.equals(c.tables)
                && createSlot == c.createSlot
                && slotFailover == c.slotFailover
                && createPublication == c.createPublication
                && protocolVersion == c.protocolVersion
                && statusInterval.equals(c.statusInterval)
                && connectTimeout.equals(c.connectTimeout)
                && deadAfter.equals(c.deadAfter)
                && jdbcProperties.equals(c.jdbcProperties)
                && allowSlotAhead == c.allowSlotAhead
                && unrepresentableValues == c.unrepresentableValues
                && tls.equals(c.tls);
    }

    @Override
    public int hashCode() {
        // The password is left out on purpose: equal configs still have equal hashes.
        return Objects.hash(hostname, port, database, username, slotName, publicationName, tables,
                createSlot, createPublication, protocolVersion, statusInterval, connectTimeout,
                jdbcProperties, allowSlotAhead, unrepresentableValues, tls.mode());
    }

    /** Everything but the password (shown as {@code ***}) and the extra JDBC properties. */
    @Override
    public String toString() {
        return "PgWalConnectionConfig{" + username + "@" + hostname + ":" + port + "/" + database
                + ", slot=" + slotName + (createSlot ? " (create)" : "")
                + (slotFailover ? " (failover)" : "")
                + ", publication=" + publicationName + (createPublication ? " (create)" : "")
                + (tables.isEmpty() ? "" : ", tables=" + tables)
                + ", proto=" + protocolVersion + ", statusInterval=" + statusInterval
                + ", connectTimeout=" + connectTimeout + ", deadAfter=" + deadAfter
                + ", password=" + (password.isEmpty() ? "<none>" : "***")
                + (allowSlotAhead ? ", allowSlotAhead" : "")
                + ", unrepresentableValues=" + unrepresentableValues.value()
                + (tls.equals(Tls.NONE) ? "" : ", " + tls) + "}";
    }

    /** Builds a {@link PgWalConnectionConfig}; {@link #build()} validates. */
    public static final class Builder {
        private String hostname;
        private int port = 5432;
        private String database;
        private String username;
        private String password;
        private String slotName;
        private String publicationName;
        private List<String> tables = List.of();
        private boolean createSlot = true;
        private boolean slotFailover;
        private boolean createPublication;
        private int protocolVersion = 1;
        private Duration statusInterval = Duration.ofSeconds(10);
        private Duration connectTimeout = Duration.ofSeconds(30);
        private Duration deadAfter = Duration.ofSeconds(30);
        private Map<String, String> jdbcProperties = new LinkedHashMap<>();
        private boolean allowSlotAhead;
        private UnrepresentableValues unrepresentableValues = UnrepresentableValues.NULL;
        private Tls tls;

        private Builder() {}

        public Builder hostname(String v) {
            hostname = v;
            return this;
        }

        public Builder port(int v) {
            port = v;
            return this;
        }

        public Builder database(String v) {
            database = v;
            return this;
        }

        public Builder username(String v) {
            username = v;
            return this;
        }

        public Builder password(String v) {
            password = v;
            return this;
        }

        public Builder slotName(String v) {
            slotName = v;
            return this;
        }

        public Builder publicationName(String v) {
            publicationName = v;
            return this;
        }

        public Builder tables(List<String> v) {
            tables = List.copyOf(v);
            return this;
        }

        public Builder createSlot(boolean v) {
            createSlot = v;
            return this;
        }

        public Builder slotFailover(boolean v) {
            slotFailover = v;
            return this;
        }

        public Builder createPublication(boolean v) {
            createPublication = v;
            return this;
        }

        public Builder protocolVersion(int v) {
            protocolVersion = v;
            return this;
        }

        public Builder statusInterval(Duration v) {
            statusInterval = v;
            return this;
        }

        public Builder deadAfter(Duration v) {
            deadAfter = v;
            return this;
        }

        public Builder connectTimeout(Duration v) {
            connectTimeout = v;
            return this;
        }

        public Builder jdbcProperties(Map<String, String> v) {
            jdbcProperties = new LinkedHashMap<>(v);
            return this;
        }

        public Builder allowSlotAhead(boolean v) {
            allowSlotAhead = v;
            return this;
        }

        public Builder unrepresentableValues(UnrepresentableValues v) {
            unrepresentableValues = java.util.Objects.requireNonNull(v, "unrepresentableValues");
            return this;
        }

        public Builder tls(Tls v) {
            tls = v;
            return this;
        }

        public PgWalConnectionConfig build() {
            return new PgWalConnectionConfig(this);
        }
    }
}
