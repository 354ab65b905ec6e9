package io.pgwal.avro;

import io.pgwal.PgWalException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A {@link CatalogLookup} that reads {@code pg_attribute} and {@code pg_type} over JDBC with one
 * prepared query per relation (the relation OID is a bind parameter). Nested domains are resolved
 * to their innermost base type and that type's modifier.
 *
 * <p>The catalog is read when a Relation message arrives, so it describes the table <em>now</em>,
 * not necessarily when the change was written; {@link TableSchema} uses a column's facts only
 * when its type OID and modifier still match the Relation message's, and never its nullability.
 *
 * <p>Built from a {@link Connection} the caller owns (only the statement is closed here), or from
 * a {@link Supplier} of connections, which this object owns: it opens one lazily, closes it in
 * {@link #close()}, and opens a new one after a failed query. Not thread-safe.
 */
public final class JdbcCatalogLookup implements CatalogLookup, AutoCloseable {

    // Column facts plus, per column, the innermost base type of a (possibly nested) domain: the
    // recursion walks typbasetype while the type is a domain; the deepest step wins. A domain's
    // typtypmod is the modifier of its base type (CREATE DOMAIN d AS numeric(12,2)).
    static final String QUERY = """
            WITH RECURSIVE cols AS (
              SELECT a.attnum, a.attname, a.attnotnull, a.attstorage, a.atttypid, a.atttypmod,
                     t.typtype, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type_name
              FROM pg_catalog.pg_attribute a
              JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
              WHERE a.attrelid = CAST(? AS pg_catalog.oid) AND a.attnum > 0 AND NOT a.attisdropped
            ), base AS (
              SELECT c.attnum, c.atttypid AS typid, c.atttypmod AS typmod, 0 AS depth FROM cols c
              UNION ALL
              SELECT b.attnum, t.typbasetype, t.typtypmod, b.depth + 1
              FROM base b JOIN pg_catalog.pg_type t ON t.oid = b.typid
              WHERE t.typtype = 'd' AND b.depth < 100
            )
            SELECT c.attname, c.attnotnull, c.attstorage <> 'p' AS toastable,
                   CAST(b.typid AS int8) AS base_oid, c.typtype::text AS typtype,
                   b.typmod AS base_typmod, c.type_name, CAST(c.atttypid AS int8) AS type_oid,
                   c.atttypmod
            FROM cols c
            JOIN (SELECT DISTINCT ON (attnum) attnum, typid, typmod
                  FROM base ORDER BY attnum, depth DESC) b ON b.attnum = c.attnum
            ORDER BY c.attnum""";

    private final Supplier<Connection> connections;
    private final boolean ownsConnection;
    private Connection connection;
    private PreparedStatement statement;

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
    public Map<String, ColumnInfo> columns(int relationOid) {
        try {
            PreparedStatement ps = statement();
            // OIDs are unsigned 32-bit; the Relation message hands them over as a Java int.
            ps.setLong(1, Integer.toUnsignedLong(relationOid));
            Map<String, ColumnInfo> result = new LinkedHashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String name = rs.getString(1);
                    result.put(name, new ColumnInfo(
                            name,
                            rs.getBoolean(2),
                            rs.getBoolean(3),
                            (int) rs.getLong(4),
                            rs.getString(5).charAt(0),
                            rs.getInt(6),
                            rs.getString(7),
                            (int) rs.getLong(8),
                            rs.getInt(9)));
                }
            }
            return Collections.unmodifiableMap(result);
        } catch (SQLException e) {
            // Start over with a fresh statement (and, if owned, connection) next time.
            close();
            throw new PgWalException("Could not read the columns of relation OID "
                    + Integer.toUnsignedString(relationOid) + " from pg_attribute/pg_type: "
                    + e.getMessage() + ". The replication user needs to be able to read the "
                    + "system catalogs (it can by default) and the database must be reachable.", e);
        }
    }

    private PreparedStatement statement() throws SQLException {
        if (statement == null) {
            if (connection == null) {
                connection = Objects.requireNonNull(connections.get(), "supplied connection");
            }
            statement = connection.prepareStatement(QUERY);
        }
        return statement;
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

    /** Closes the statement, and the connection if it came from the supplier. */
    @Override
    public void close() {
        closeQuietly(statement);
        statement = null;
        if (ownsConnection) {
            closeQuietly(connection);
            connection = null;
        }
    }
}
