package io.pgwal.source;

import static io.pgwal.source.PgWalSourceOptions.CONNECT_TIMEOUT;
import static io.pgwal.source.PgWalSourceOptions.DATABASE_NAME;
import static io.pgwal.source.PgWalSourceOptions.DECODING_PLUGIN_NAME;
import static io.pgwal.source.PgWalSourceOptions.FETCH_MAX_BATCH_SIZE;
import static io.pgwal.source.PgWalSourceOptions.HOSTNAME;
import static io.pgwal.source.PgWalSourceOptions.PASSWORD;
import static io.pgwal.source.PgWalSourceOptions.PORT;
import static io.pgwal.source.PgWalSourceOptions.PUBLICATION_CREATE;
import static io.pgwal.source.PgWalSourceOptions.PUBLICATION_NAME;
import static io.pgwal.source.PgWalSourceOptions.RECONNECT_BACKOFF;
import static io.pgwal.source.PgWalSourceOptions.RECONNECT_MAX_ATTEMPTS;
import static io.pgwal.source.PgWalSourceOptions.RESTORE_ALLOW_SLOT_AHEAD;
import static io.pgwal.source.PgWalSourceOptions.VALUES_UNREPRESENTABLE;
import static io.pgwal.source.PgWalSourceOptions.SCAN_SNAPSHOT_CHUNK_BYTES;
import static io.pgwal.source.PgWalSourceOptions.SCAN_SNAPSHOT_CHUNK_SIZE;
import static io.pgwal.source.PgWalSourceOptions.SCAN_STARTUP_MODE;
import static io.pgwal.source.PgWalSourceOptions.SLOT_CREATE;
import static io.pgwal.source.PgWalSourceOptions.SLOT_NAME;
import static io.pgwal.source.PgWalSourceOptions.STATUS_INTERVAL;
import static io.pgwal.source.PgWalSourceOptions.USERNAME;

import io.pgwal.PgWalException;
import io.pgwal.avro.UnrepresentableValues;
import io.pgwal.replication.PgWalConnectionConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;
import org.postgresql.replication.LogSequenceNumber;

/**
 * Builds a {@link PgWalSource}. Every setter corresponds to an option of {@link
 * PgWalSourceOptions}; {@link #options(ReadableConfig)} sets them from a Flink configuration.
 *
 * <pre>{@code
 * PgWalSource source = PgWalSource.builder()
 *     .hostname("localhost").port(5432).database("shop")
 *     .username("flink").password(secret)
 *     .slotName("pgwal_shop").publicationName("shop_pub")
 *     .tables("public.orders", "public.customers")
 *     .build();
 * }</pre>
 */
public final class PgWalSourceBuilder {

    private final Configuration conf = new Configuration();
    private final List<String> tables = new ArrayList<>();
    private final java.util.Map<String, String> jdbcProperties = new java.util.LinkedHashMap<>();
    private long stopLsn;
    private boolean stopAtCurrentLsn;

    PgWalSourceBuilder() {}

    /** Sets every option present in {@code config} (keys of {@link PgWalSourceOptions}). */
    public PgWalSourceBuilder options(ReadableConfig config) {
        PgWalSourceOptions.REQUIRED.forEach(o -> copy(config, o));
        PgWalSourceOptions.OPTIONAL.forEach(o -> copy(config, o));
        return this;
    }

    private <T> void copy(ReadableConfig from, ConfigOption<T> option) {
        from.getOptional(option).ifPresent(v -> conf.set(option, v));
    }

    public PgWalSourceBuilder hostname(String hostname) {
        conf.set(HOSTNAME, hostname);
        return this;
    }

    public PgWalSourceBuilder port(int port) {
        conf.set(PORT, port);
        return this;
    }

    public PgWalSourceBuilder database(String database) {
        conf.set(DATABASE_NAME, database);
        return this;
    }

    public PgWalSourceBuilder username(String username) {
        conf.set(USERNAME, username);
        return this;
    }

    public PgWalSourceBuilder password(String password) {
        conf.set(PASSWORD, password);
        return this;
    }

    public PgWalSourceBuilder slotName(String slotName) {
        conf.set(SLOT_NAME, slotName);
        return this;
    }

    /** Create the slot when it does not exist (default true). */
    public PgWalSourceBuilder createSlot(boolean create) {
        conf.set(SLOT_CREATE, create);
        return this;
    }

    public PgWalSourceBuilder publicationName(String publicationName) {
        conf.set(PUBLICATION_NAME, publicationName);
        return this;
    }

    /** Create the publication for {@link #tables} when it does not exist (default false). */
    public PgWalSourceBuilder createPublication(boolean create) {
        conf.set(PUBLICATION_CREATE, create);
        return this;
    }

    /**
     * Tables ({@code "table"} or {@code "schema.table"}, quoted parts allowed) that must be in the
     * publication; used to create it when {@link #createPublication} is on.
     */
    public PgWalSourceBuilder tables(String... qualifiedNames) {
        tables.addAll(Arrays.asList(qualifiedNames));
        return this;
    }

    public PgWalSourceBuilder statusInterval(Duration interval) {
        conf.set(STATUS_INTERVAL, interval);
        return this;
    }

    public PgWalSourceBuilder connectTimeout(Duration timeout) {
        conf.set(CONNECT_TIMEOUT, timeout);
        return this;
    }

    public PgWalSourceBuilder reconnect(int maxAttempts, Duration firstBackoff) {
        conf.set(RECONNECT_MAX_ATTEMPTS, maxAttempts);
        conf.set(RECONNECT_BACKOFF, firstBackoff);
        return this;
    }

    /**
     * When a restored checkpoint is older than the slot's confirmed position, continue from the
     * slot (losing the changes in between) instead of failing. Off by default.
     */
    public PgWalSourceBuilder allowSlotAhead(boolean allow) {
        conf.set(RESTORE_ALLOW_SLOT_AHEAD, allow);
        return this;
    }

    /**
     * Where a source without state starts (default {@link StartupMode#INITIAL}: the tables' rows,
     * then their changes).
     */
    public PgWalSourceBuilder startupMode(StartupMode mode) {
        conf.set(SCAN_STARTUP_MODE, mode.value());
        return this;
    }

    /** Snapshot chunks of at most {@code rows} rows and about {@code bytes} bytes of row data. */
    public PgWalSourceBuilder snapshotChunkSize(int rows, org.apache.flink.configuration.MemorySize bytes) {
        conf.set(SCAN_SNAPSHOT_CHUNK_SIZE, rows);
        conf.set(SCAN_SNAPSHOT_CHUNK_BYTES, bytes);
        return this;
    }

    /**
     * What to do with a value PostgreSQL accepted but Avro cannot hold (default {@link
     * UnrepresentableValues#NULL}: SQL NULL and a warning; {@link UnrepresentableValues#FAIL}: end
     * the job naming table, column, value and LSN).
     */
    public PgWalSourceBuilder unrepresentableValues(UnrepresentableValues handling) {
        conf.set(VALUES_UNREPRESENTABLE, handling.value());
        return this;
    }

    /**
     * TLS on every connection: pgjdbc's {@code sslmode} ({@code require}, {@code verify-ca},
     * {@code verify-full}, ...) and the file of the CA certificate(s) that signed the server's
     * certificate (PEM; null for none).
     */
    public PgWalSourceBuilder ssl(String mode, String rootCertFile) {
        conf.set(PgWalSourceOptions.SSL_MODE, mode);
        if (rootCertFile != null) {
            conf.set(PgWalSourceOptions.SSL_ROOT_CERT, rootCertFile);
        }
        return this;
    }

    /**
     * A client certificate (PEM file) and its private key (PKCS-8 DER or PKCS-12 file), with the
     * key's password (null when not encrypted; never logged).
     */
    public PgWalSourceBuilder sslClientCertificate(String certFile, String keyFile,
            String keyPassword) {
        conf.set(PgWalSourceOptions.SSL_CERT, certFile);
        conf.set(PgWalSourceOptions.SSL_KEY, keyFile);
        if (keyPassword != null) {
            conf.set(PgWalSourceOptions.SSL_KEY_PASSWORD, keyPassword);
        }
        return this;
    }

    /**
     * A pgjdbc connection property, set on every connection pgwal opens (SQL: option {@code
     * jdbc.properties.<name>}). The properties pgwal sets itself are refused.
     */
    public PgWalSourceBuilder jdbcProperty(String name, String value) {
        jdbcProperties.put(name, value);
        return this;
    }

    /**
     * How long the replication connection may go without a byte from the server before it is
     * taken for dead and reconnected (default 30 s).
     */
    public PgWalSourceBuilder deadConnectionAfter(Duration silence) {
        conf.set(PgWalSourceOptions.CONNECTION_DEAD_AFTER, silence);
        return this;
    }

    /**
     * Makes the slot a failover slot (PostgreSQL 17+), kept on physical standbys that have {@code
     * sync_replication_slots} on; an existing slot is altered. Off by default.
     */
    public PgWalSourceBuilder slotFailover(boolean failover) {
        conf.set(PgWalSourceOptions.SLOT_FAILOVER, failover);
        return this;
    }

    public PgWalSourceBuilder maxBatchSize(int records) {
        conf.set(FETCH_MAX_BATCH_SIZE, records);
        return this;
    }

    /**
     * Makes the source bounded: it finishes once every transaction whose commit record lies before
     * {@code lsn} is emitted. To read everything committed so far, pass {@code
     * pg_current_wal_insert_lsn()} (not {@code pg_current_wal_lsn()}, the write position, which can
     * lie before an asynchronous commit).
     */
    public PgWalSourceBuilder stopAtLsn(LogSequenceNumber lsn) {
        this.stopLsn = lsn.asLong();
        this.stopAtCurrentLsn = false;
        return this;
    }

    /** Makes the source bounded at the server's WAL position when the job starts. */
    public PgWalSourceBuilder stopAtCurrentLsn() {
        this.stopAtCurrentLsn = true;
        this.stopLsn = 0L;
        return this;
    }

    public PgWalSource build() {
        String plugin = conf.get(DECODING_PLUGIN_NAME);
        if (!"pgoutput".equals(plugin)) {
            throw new PgWalException("Option '" + DECODING_PLUGIN_NAME.key() + "' is '" + plugin
                    + "', but pgwal only decodes 'pgoutput'.");
        }
        int batch = conf.get(FETCH_MAX_BATCH_SIZE);
        if (batch < 1) {
            throw new PgWalException("Option '" + FETCH_MAX_BATCH_SIZE.key() + "' must be at least 1, is " + batch);
        }
        StartupMode mode = StartupMode.of(conf.get(SCAN_STARTUP_MODE));
        int chunkRows = conf.get(SCAN_SNAPSHOT_CHUNK_SIZE);
        if (chunkRows < 1) {
            throw new PgWalException("Option '" + SCAN_SNAPSHOT_CHUNK_SIZE.key()
                    + "' must be at least 1, is " + chunkRows);
        }
        long chunkBytes = conf.get(SCAN_SNAPSHOT_CHUNK_BYTES).getBytes();
        if (chunkBytes < 1) {
            throw new PgWalException("Option '" + SCAN_SNAPSHOT_CHUNK_BYTES.key()
                    + "' must be at least 1 byte");
        }
        if (mode == StartupMode.SNAPSHOT && (stopLsn != 0L || stopAtCurrentLsn)) {
            throw new PgWalException("Option 'scan.startup.mode' = 'snapshot' reads no stream, so"
                    + " a stop LSN has no meaning: use 'initial' with a stop LSN, or drop it");
        }
        PgWalConnectionConfig config = PgWalConnectionConfig.builder()
                .hostname(require(HOSTNAME))
                .port(conf.get(PORT))
                .database(require(DATABASE_NAME))
                .username(require(USERNAME))
                .password(conf.getOptional(PASSWORD).orElse(""))
                .slotName(require(SLOT_NAME))
                .publicationName(require(PUBLICATION_NAME))
                .tables(tables)
                .createSlot(conf.get(SLOT_CREATE))
                .slotFailover(conf.get(PgWalSourceOptions.SLOT_FAILOVER))
                .createPublication(conf.get(PUBLICATION_CREATE))
                .statusInterval(conf.get(STATUS_INTERVAL))
                .connectTimeout(conf.get(CONNECT_TIMEOUT))
                .deadAfter(conf.get(PgWalSourceOptions.CONNECTION_DEAD_AFTER))
                .allowSlotAhead(conf.get(RESTORE_ALLOW_SLOT_AHEAD))
                .unrepresentableValues(
                        UnrepresentableValues.fromString(conf.get(VALUES_UNREPRESENTABLE)))
                .tls(new PgWalConnectionConfig.Tls(
                        conf.getOptional(PgWalSourceOptions.SSL_MODE).orElse(null),
                        conf.getOptional(PgWalSourceOptions.SSL_ROOT_CERT).orElse(null),
                        conf.getOptional(PgWalSourceOptions.SSL_CERT).orElse(null),
                        conf.getOptional(PgWalSourceOptions.SSL_KEY).orElse(null),
                        conf.getOptional(PgWalSourceOptions.SSL_KEY_PASSWORD).orElse(null)))
                .jdbcProperties(jdbcProperties)
                .build();
        return new PgWalSource(config, stopLsn, stopAtCurrentLsn, batch,
                conf.get(RECONNECT_MAX_ATTEMPTS), conf.get(RECONNECT_BACKOFF), mode, chunkRows,
                chunkBytes);
    }

    private String require(ConfigOption<String> option) {
        return conf.getOptional(option).filter(v -> !v.isBlank()).orElseThrow(() ->
                new PgWalException("Option '" + option.key() + "' is required: " + describe(option)));
    }

    private static String describe(ConfigOption<?> option) {
        return new org.apache.flink.configuration.description.HtmlFormatter()
                .format(option.description());
    }
}
