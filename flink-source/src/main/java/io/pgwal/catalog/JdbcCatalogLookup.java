package io.pgwal.catalog;

import io.pgwal.PgWalException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A {@link CatalogLookup} that reads {@code pg_attribute} and {@code pg_type} over JDBC with one
 * query per relation (the relation OID is a bind parameter), and one more per type the type
 * table does not list ({@link PgTypeReader}). Nested domains are resolved
 * to their innermost base type and that type's modifier.
 *
 * <p>The catalog is read when a Relation message arrives, so it describes the table <em>now</em>,
 * not necessarily when the change was written; {@link TableSchema} uses a column's facts only
 * when its type OID and modifier still match the Relation message's, and never its nullability.
 *
 * <p>Built from a {@link Connection} the caller owns (never closed here), or from
 * a {@link Supplier} of connections, which this object owns: it opens one lazily, closes it in
 * {@link #close()}, and opens a new one after a failed query. Not thread-safe.
 */
public final class JdbcCatalogLookup implements CatalogLookup, AutoCloseable {

    private final Supplier<Connection> connections;
    private final boolean ownsConnection;
    private Connection connection;

    /** Uses the given connection; the caller keeps ownership of it. */
    public JdbcCatalogLookup(Connection connection) {
        this.connection = Objects.requireNonNull(connection, "connection");
        this.connections = null;
        this.ownsConnection = false;
    }

    /** Opens connections from the supplier when needed and owns (closes) them. */
    public JdbcCatalogLookup(Supplier<Connection> connections) {
        this.connections = Objects.requireNonNull(connections, "connections");
        this.ownsConnection = true;
    }

    @Override
    public Map<String, PgColumn> columns(int relationOid) {
        try {
            // OIDs are unsigned 32-bit; the Relation message hands them over as a Java int.
            Map<String, PgColumn> result = new LinkedHashMap<>();
            for (PgColumn c : PgCatalog.columns(connection(), Integer.toUnsignedLong(relationOid))) {
                result.put(c.name(), c);
            }
            return Collections.unmodifiableMap(result);
        } catch (SQLException e) {
            // Start over with a fresh connection (if owned) next time.
            close();
            throw new PgWalException("Could not read the columns of relation OID "
                    + Integer.toUnsignedString(relationOid) + " from pg_attribute/pg_type: "
                    + e.getMessage() + ". The replication user needs to be able to read the "
                    + "system catalogs (it can by default) and the database must be reachable.", e);
        }
    }

    private Connection connection() {
        if (connection == null) {
            connection = Objects.requireNonNull(connections.get(), "supplied connection");
        }
        return connection;
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // Already failing or closing; the original problem is what matters.
            }
        }
    }

    /** Closes the connection if it came from the supplier. */
    @Override
    public void close() {
        if (ownsConnection) {
            closeQuietly(connection);
            connection = null;
        }
    }
}
