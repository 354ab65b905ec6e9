package io.pgwal.source;

import io.pgwal.avro.UnrepresentableValues;
import java.time.Duration;
import java.util.Set;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/**
 * Every option of the pgwal source, shared by the DataStream builder and the SQL connector. The
 * keys follow Flink CDC's {@code postgres-cdc} where it has the same option.
 */
public final class PgWalSourceOptions {

    private PgWalSourceOptions() {}

    public static final ConfigOption<String> HOSTNAME = ConfigOptions.key("hostname")
            .stringType().noDefaultValue()
            .withDescription("Host name or IP address of the PostgreSQL server.");

    public static final ConfigOption<Integer> PORT = ConfigOptions.key("port")
            .intType().defaultValue(5432)
            .withDescription("Port of the PostgreSQL server.");

    public static final ConfigOption<String> USERNAME = ConfigOptions.key("username")
            .stringType().noDefaultValue()
            .withDescription("User to connect as; needs the REPLICATION attribute.");

    public static final ConfigOption<String> PASSWORD = ConfigOptions.key("password")
            .stringType().noDefaultValue()
            .withDescription("Password of the user; never logged.");

    public static final ConfigOption<String> DATABASE_NAME = ConfigOptions.key("database-name")
            .stringType().noDefaultValue()
            .withDescription("Database whose changes are read (a slot belongs to one database).");

    public static final ConfigOption<String> SLOT_NAME = ConfigOptions.key("slot.name")
            .stringType().noDefaultValue()
            .withDescription("Logical replication slot to read; one slot per source, whatever"
                    + " the parallelism.");

    public static final ConfigOption<Boolean> SLOT_CREATE = ConfigOptions.key("slot.create")
            .booleanType().defaultValue(true)
            .withDescription("Create the slot (plugin pgoutput) when it does not exist.");

    public static final ConfigOption<Boolean> SLOT_FAILOVER = ConfigOptions.key("slot.failover")
            .booleanType().defaultValue(false)
            .withDescription("Make the slot a failover slot (PostgreSQL 17+): physical standbys"
                    + " with sync_replication_slots keep a copy, so that the job can go on"
                    + " streaming from a promoted standby. An existing slot is altered.");

    public static final ConfigOption<String> PUBLICATION_NAME = ConfigOptions.key("publication.name")
            .stringType().noDefaultValue()
            .withDescription("Publication that selects the tables to stream.");

    public static final ConfigOption<Boolean> PUBLICATION_CREATE =
            ConfigOptions.key("publication.create").booleanType().defaultValue(false)
                    .withDescription("Create the publication for the configured tables when it"
                            + " does not exist (off by default: publications are usually owned by"
                            + " a DBA).");

    public static final ConfigOption<String> DECODING_PLUGIN_NAME =
            ConfigOptions.key("decoding.plugin.name").stringType().defaultValue("pgoutput")
                    .withDescription("Logical decoding plugin; only pgoutput is supported.");

    public static final ConfigOption<Duration> STATUS_INTERVAL = ConfigOptions.key("status-interval")
            .durationType().defaultValue(Duration.ofSeconds(10))
            .withDescription("How often a status update (reporting only the confirmed LSN) is sent"
                    + " to the server.");

    public static final ConfigOption<Duration> CONNECT_TIMEOUT = ConfigOptions.key("connect.timeout")
            .durationType().defaultValue(Duration.ofSeconds(30))
            .withDescription("Timeout for connecting to PostgreSQL.");

    public static final ConfigOption<Duration> CONNECTION_DEAD_AFTER =
            ConfigOptions.key("connection.dead-after").durationType()
                    .defaultValue(Duration.ofSeconds(30))
                    .withDescription("How long the replication connection may go without a byte"
                            + " from the server before it is taken for dead and reconnected (a"
                            + " network path that went silent without a reset). pgwal asks the"
                            + " server for a reply after a third of it.");

    public static final ConfigOption<Integer> RECONNECT_MAX_ATTEMPTS =
            ConfigOptions.key("reconnect.max-attempts").intType().defaultValue(5)
                    .withDescription("Reconnects after a dropped replication connection before"
                            + " the reader fails (and Flink's restart strategy takes over).");

    public static final ConfigOption<Duration> RECONNECT_BACKOFF =
            ConfigOptions.key("reconnect.backoff").durationType().defaultValue(Duration.ofSeconds(1))
                    .withDescription("First reconnect delay; doubles with each failed attempt.");

    public static final ConfigOption<Boolean> RESTORE_ALLOW_SLOT_AHEAD =
            ConfigOptions.key("restore.allow-slot-ahead").booleanType().defaultValue(false)
                    .withDescription("When restoring a checkpoint older than the slot's confirmed"
                            + " position, continue from the slot's position (the changes in between"
                            + " are lost) instead of failing.");

    public static final ConfigOption<Integer> FETCH_MAX_BATCH_SIZE =
            ConfigOptions.key("fetch.max-batch-size").intType().defaultValue(4096)
                    .withDescription("Most change records handed from the fetcher thread to the"
                            + " task thread at once.");

    public static final ConfigOption<String> SCAN_STARTUP_MODE =
            ConfigOptions.key("scan.startup.mode").stringType().defaultValue("initial")
                    .withDescription("Where a source without state starts: 'initial' reads every"
                            + " captured table's rows (op READ) and then streams the changes after"
                            + " them; 'snapshot' reads the rows and finishes (bounded);"
                            + " 'committed-offset' streams from the slot's confirmed position"
                            + " without a snapshot. A restored source continues from its state.");

    public static final ConfigOption<Integer> SCAN_SNAPSHOT_CHUNK_SIZE =
            ConfigOptions.key("scan.incremental.snapshot.chunk.size").intType().defaultValue(50_000)
                    .withDescription("Most rows in one snapshot chunk. A chunk is read with one"
                            + " COPY and emitted whole, so it is also what a reader holds in"
                            + " memory and what is read again after a failure.");

    public static final ConfigOption<MemorySize> SCAN_SNAPSHOT_CHUNK_BYTES =
            ConfigOptions.key("scan.incremental.snapshot.chunk.bytes").memoryType()
                    .defaultValue(MemorySize.parse("8mb"))
                    .withDescription("About how many bytes of row data (pg_column_size, estimated"
                            + " from a sample) one snapshot chunk holds; a chunk has at least one"
                            + " row.");

    public static final ConfigOption<String> VALUES_UNREPRESENTABLE =
            ConfigOptions.key(UnrepresentableValues.OPTION).stringType().defaultValue("null")
                    .withDescription("What to do with a value PostgreSQL accepted but the column's"
                            + " Avro type cannot hold (NaN in a numeric(p,s), a timestamp after"
                            + " 294247 AD): 'null' emits SQL NULL and logs a warning naming the"
                            + " table, column, value and LSN; 'fail' ends the job with that"
                            + " message.");

    public static final ConfigOption<String> SSL_MODE = ConfigOptions.key("ssl.mode")
            .stringType().noDefaultValue()
            .withDescription("TLS for every connection pgwal opens (pgjdbc's sslmode): disable,"
                    + " allow, prefer (pgjdbc's default), require, verify-ca or verify-full"
                    + " (checks the CA and that 'hostname' is in the server certificate).");

    public static final ConfigOption<String> SSL_ROOT_CERT = ConfigOptions.key("ssl.root-cert")
            .stringType().noDefaultValue()
            .withDescription("File of the CA certificate(s) (PEM) that signed the server's"
                    + " certificate, for ssl.mode verify-ca and verify-full.");

    public static final ConfigOption<String> SSL_CERT = ConfigOptions.key("ssl.cert")
            .stringType().noDefaultValue()
            .withDescription("File of the client certificate (PEM), for certificate"
                    + " authentication.");

    public static final ConfigOption<String> SSL_KEY = ConfigOptions.key("ssl.key")
            .stringType().noDefaultValue()
            .withDescription("File of the client certificate's private key: PKCS-8 DER (.pk8)"
                    + " or PKCS-12 (.p12).");

    public static final ConfigOption<String> SSL_KEY_PASSWORD =
            ConfigOptions.key("ssl.key-password").stringType().noDefaultValue()
                    .withDescription("Password of an encrypted ssl.key; never logged.");

    /**
     * Prefix of options passed to pgjdbc as they are, on every connection: {@code
     * jdbc.properties.tcpKeepAlive = true} sets pgjdbc's {@code tcpKeepAlive}.
     */
    public static final String JDBC_PROPERTIES_PREFIX = "jdbc.properties.";

    /** The options a source needs: server, user, database, slot and publication. */
    public static final Set<ConfigOption<?>> REQUIRED =
            Set.of(HOSTNAME, USERNAME, DATABASE_NAME, SLOT_NAME, PUBLICATION_NAME);

    /** Every other option of the source (not the SQL connector's own table options). */
    public static final Set<ConfigOption<?>> OPTIONAL = Set.of(PORT, PASSWORD, SLOT_CREATE,
            SLOT_FAILOVER,
            PUBLICATION_CREATE, DECODING_PLUGIN_NAME, STATUS_INTERVAL, CONNECT_TIMEOUT,
            CONNECTION_DEAD_AFTER,
            RECONNECT_MAX_ATTEMPTS, RECONNECT_BACKOFF, RESTORE_ALLOW_SLOT_AHEAD,
            FETCH_MAX_BATCH_SIZE, SCAN_STARTUP_MODE, SCAN_SNAPSHOT_CHUNK_SIZE,
            SCAN_SNAPSHOT_CHUNK_BYTES, VALUES_UNREPRESENTABLE, SSL_MODE, SSL_ROOT_CERT, SSL_CERT,
            SSL_KEY, SSL_KEY_PASSWORD);
}
