package io.pgwal.bench;

import io.pgwal.replication.PgWalConnectionConfig;
import io.pgwal.source.PgWalSource;
import io.pgwal.source.PgWalSourceBuilder;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * The embedded PostgreSQL server of the benchmark (zonky, bundled major version).
 *
 * <p>fsync and synchronous_commit are off: only the backlog write gets faster, the drains read
 * WAL that is already written. max_wal_size is large so no checkpoint runs during the write.
 */
public final class BenchPostgres implements AutoCloseable {

    private final EmbeddedPostgres pg;

    private BenchPostgres(EmbeddedPostgres pg) {
        this.pg = pg;
    }

    /** Starts a server with wal_level=logical. */
    public static BenchPostgres start() throws IOException {
        return new BenchPostgres(EmbeddedPostgres.builder()
                .setServerConfig("wal_level", "logical")
                .setServerConfig("max_replication_slots", "20")
                .setServerConfig("max_wal_senders", "20")
                .setServerConfig("max_wal_size", "4GB")
                .setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off")
                .start());
    }

    /**
     * A replication connection to the benchmark server on {@code port}: database postgres, user
     * postgres, an existing slot and publication, one captured table.
     */
    public static PgWalConnectionConfig.Builder connectionConfig(int port, String slot,
            String publication, String table) {
        return PgWalConnectionConfig.builder()
                .hostname("localhost").port(port).database("postgres")
                .username("postgres").password("")
                .slotName(slot).publicationName(publication)
                .tables(List.of(table))
                .createSlot(false).createPublication(false);
    }

    /** A pgwal source with the same settings as {@link #connectionConfig}. */
    public static PgWalSourceBuilder sourceBuilder(int port, String slot, String publication,
            String table) {
        return PgWalSource.builder()
                .hostname("localhost").port(port).database("postgres")
                .username("postgres").password("")
                .slotName(slot).createSlot(false)
                .publicationName(publication).createPublication(false)
                .tables(table)
                // The drains read the slot's backlog; the snapshot has its own benchmark.
                .startupMode(io.pgwal.source.StartupMode.COMMITTED_OFFSET);
    }

    public int port() {
        return pg.getPort();
    }

    public Connection connect() throws SQLException {
        return pg.getPostgresDatabase().getConnection();
    }

    @Override
    public void close() throws IOException {
        pg.close();
    }
}
