package io.pgwal.table;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * Reads a table's columns, types and replica identity from the PostgreSQL catalog over a plain
 * JDBC connection. Names are always bound as parameters, never spliced into SQL.
 */
final class PgTableInspector {

    private static final String TABLE_SQL = "SELECT c.oid, c.relreplident"
            + " FROM pg_catalog.pg_class c"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p')";

    /**
     * The live columns; a domain is described by its base type (following domains over domains),
     * as the source's Avro mapping does, while the display type keeps the declared name.
     */
    private static final String COLUMNS_SQL = "WITH RECURSIVE cols AS ("
            + "  SELECT a.attnum, a.attname, a.attstorage, a.atttypid, a.atttypmod"
            + "  FROM pg_catalog.pg_attribute a"
            + "  WHERE a.attrelid = ? AND a.attnum > 0 AND NOT a.attisdropped"
            + "), base AS ("
            + "  SELECT attnum, atttypid AS typid, atttypmod AS typmod, 0 AS depth FROM cols"
            + "  UNION ALL"
            + "  SELECT b.attnum, t.typbasetype, t.typtypmod, b.depth + 1"
            + "  FROM base b JOIN pg_catalog.pg_type t ON t.oid = b.typid"
            + "  WHERE t.typtype = 'd' AND b.depth < 100"
            + ")"
            + " SELECT c.attname, t.typname, t.typtype,"
            + " pg_catalog.format_type(c.atttypid, c.atttypmod), b.typmod, c.attstorage"
            + " FROM cols c"
            + " JOIN (SELECT DISTINCT ON (attnum) attnum, typid, typmod FROM base"
            + "       ORDER BY attnum, depth DESC) b ON b.attnum = c.attnum"
            + " JOIN pg_catalog.pg_type t ON t.oid = b.typid"
            + " ORDER BY c.attnum";

    /** The primary key (identity d) or the replica identity index (identity i), in key order. */
    private static final String IDENTITY_SQL = "SELECT a.attname FROM pg_catalog.pg_index i"
            + " CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)"
            + " JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
            + " WHERE i.indrelid = ?"
            + " AND CASE WHEN ? = 'i' THEN i.indisreplident ELSE i.indisprimary END"
            + " ORDER BY k.ord";

    private PgTableInspector() {}

    /** The table, or empty when no ordinary or partitioned table of that name exists. */
    static Optional<PgTableInfo> inspect(String jdbcUrl, Properties props, String schema,
            String table) throws SQLException {
        // DriverManager only finds drivers of the system class path by itself; with the connector
        // added by ADD JAR the (relocated) driver must register itself first.
        if (!org.postgresql.Driver.isRegistered()) {
            org.postgresql.Driver.register();
        }
        try (Connection c = DriverManager.getConnection(jdbcUrl, props)) {
            long oid;
            char identity;
            try (PreparedStatement ps = c.prepareStatement(TABLE_SQL)) {
                ps.setString(1, schema);
                ps.setString(2, table);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    oid = rs.getLong(1);
                    identity = rs.getString(2).charAt(0);
                }
            }
            List<PgColumn> columns = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(COLUMNS_SQL)) {
                ps.setLong(1, oid);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        columns.add(new PgColumn(rs.getString(1), rs.getString(2),
                                rs.getString(3).charAt(0), rs.getString(4), rs.getInt(5),
                                rs.getString(6).charAt(0) != 'p'));
                    }
                }
            }
            List<String> key = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(IDENTITY_SQL)) {
                ps.setLong(1, oid);
                ps.setString(2, String.valueOf(identity));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        key.add(rs.getString(1));
                    }
                }
            }
            return Optional.of(new PgTableInfo(schema, table, identity, List.copyOf(columns),
                    List.copyOf(key)));
        }
    }
}
