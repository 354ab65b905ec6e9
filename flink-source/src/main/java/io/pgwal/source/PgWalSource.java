package io.pgwal.source;

import io.pgwal.PgWalException;
import io.pgwal.catalog.PgCatalog;
import io.pgwal.avro.PgWalAvroTypeInfo;
import io.pgwal.replication.PgWalConnectionConfig;
import io.pgwal.replication.ReplicationSetup;
import io.pgwal.source.enumerator.PgWalEnumerator;
import io.pgwal.source.enumerator.PgWalEnumeratorState;
import io.pgwal.source.enumerator.PgWalEnumeratorStateSerializer;
import io.pgwal.source.reader.PgWalSourceReader;
import io.pgwal.source.split.PgWalPosition;
import io.pgwal.source.split.PgWalSourceSplit;
import io.pgwal.source.split.PgWalSplitSerializer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.postgresql.replication.LogSequenceNumber;

/**
 * A Flink source that streams a PostgreSQL logical replication slot (plugin {@code pgoutput}) as
 * Avro change envelopes, exactly once.
 *
 * <p>By default ({@link StartupMode#INITIAL}) a source without state first reads the captured
 * tables' rows as snapshot splits, one per chunk, which every subtask reads; then exactly one
 * stream split reads the slot, whatever the parallelism. Its state is a {@link PgWalPosition}
 * precise to the record inside a transaction; the slot's confirmed LSN is moved only when a
 * checkpoint covering it completes. Build one with {@link #builder()}.
 *
 * <p>The records are {@link GenericRecord}s whose schema differs per table (and per table
 * version); {@link PgWalAvroTypeInfo} serializes them self-describing, so they can be shuffled and
 * kept in state without Kryo.
 */
public final class PgWalSource
        implements Source<GenericRecord, PgWalSourceSplit, PgWalEnumeratorState>,
                ResultTypeQueryable<GenericRecord> {

    private static final long serialVersionUID = 1L;

    private final PgWalConnectionConfig config;
    private final long stopLsn;
    private final boolean stopAtCurrentLsn;
    private final int maxBatchSize;
    private final int maxReconnectAttempts;
    private final Duration reconnectBackoff;
    private final StartupMode startupMode;
    private final int chunkRows;
    private final long chunkBytes;

    PgWalSource(
            PgWalConnectionConfig config,
            long stopLsn,
            boolean stopAtCurrentLsn,
            int maxBatchSize,
            int maxReconnectAttempts,
            Duration reconnectBackoff,
            StartupMode startupMode,
            int chunkRows,
            long chunkBytes) {
        this.config = config;
        this.startupMode = startupMode;
        this.chunkRows = chunkRows;
        this.chunkBytes = chunkBytes;
        this.stopLsn = stopLsn;
        this.stopAtCurrentLsn = stopAtCurrentLsn;
        this.maxBatchSize = maxBatchSize;
        this.maxReconnectAttempts = maxReconnectAttempts;
        this.reconnectBackoff = reconnectBackoff;
    }

    /** A builder with the options of {@link PgWalSourceOptions}. */
    public static PgWalSourceBuilder builder() {
        return new PgWalSourceBuilder();
    }

    /** The connection and replication settings (the password is hidden in {@code toString}). */
    public PgWalConnectionConfig config() {
        return config;
    }

    @Override
    public Boundedness getBoundedness() {
        return stopLsn != 0L || stopAtCurrentLsn || !startupMode.streams()
                ? Boundedness.BOUNDED
                : Boundedness.CONTINUOUS_UNBOUNDED;
    }

    @Override
    public SourceReader<GenericRecord, PgWalSourceSplit> createReader(SourceReaderContext context) {
        return new PgWalSourceReader(config, maxBatchSize, maxReconnectAttempts, reconnectBackoff,
                new Configuration(), context);
    }

    @Override
    public SplitEnumerator<PgWalSourceSplit, PgWalEnumeratorState> createEnumerator(
            SplitEnumeratorContext<PgWalSourceSplit> context) {
        long stop = stopAtCurrentLsn ? currentServerLsn() : stopLsn;
        return new PgWalEnumerator(context, config, startupMode, stop, chunkRows, chunkBytes,
                PgWalEnumerator.initialState(startupMode, stop));
    }

    @Override
    public SplitEnumerator<PgWalSourceSplit, PgWalEnumeratorState> restoreEnumerator(
            SplitEnumeratorContext<PgWalSourceSplit> context, PgWalEnumeratorState state) {
        // The stop LSN of a restored source is in its splits; a new stream split (after a
        // snapshot) gets the configured one.
        long stop = stopAtCurrentLsn ? currentServerLsn() : stopLsn;
        return new PgWalEnumerator(context, config, startupMode, stop, chunkRows, chunkBytes,
                state);
    }

    /** Where a source without state starts. */
    public StartupMode startupMode() {
        return startupMode;
    }

    @Override
    public SimpleVersionedSerializer<PgWalSourceSplit> getSplitSerializer() {
        return PgWalSplitSerializer.INSTANCE;
    }

    @Override
    public SimpleVersionedSerializer<PgWalEnumeratorState> getEnumeratorCheckpointSerializer() {
        return new PgWalEnumeratorStateSerializer();
    }

    @Override
    public TypeInformation<GenericRecord> getProducedType() {
        return new PgWalAvroTypeInfo();
    }

    /**
     * The server's current WAL position ({@link PgCatalog#SERVER_WAL_LSN}: the insert position, or
     * on a standby the replay position): every transaction that has committed lies before it.
     */
    private long currentServerLsn() {
        try (Connection c = ReplicationSetup.connect(config, false);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT " + PgCatalog.SERVER_WAL_LSN + "::text")) {
            rs.next();
            return LogSequenceNumber.valueOf(rs.getString(1)).asLong();
        } catch (SQLException e) {
            throw new PgWalException("Cannot read the current WAL position of " + config.jdbcUrl()
                    + " for a bounded read: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "PgWalSource{" + config + ", scan.startup.mode=" + startupMode + (stopLsn != 0L ? ", stop=" + PgWalPosition.lsn(stopLsn) : "")
                + (stopAtCurrentLsn ? ", stop at the current WAL position" : "") + "}";
    }
}
