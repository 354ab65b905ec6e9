package io.pgwal.catalog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads tables and columns from the PostgreSQL catalog over JDBC: the one place that knows the
 * catalog queries. Names and OIDs are always bound as parameters, never spliced into SQL. Needs
 * PostgreSQL 12+ ({@code attgenerated}, {@code pg_partition_tree}).
 */
public final class PgCatalog {

    /**
     * The live columns of a relation (bind: its OID), each with the innermost base type of a
     * (possibly nested) domain: the recursion walks {@code typbasetype} while the type is a
     * domain and the deepest step wins. A domain's {@code typtypmod} is the modifier of its base
     * type ({@code CREATE DOMAIN d AS numeric(12,2)}). Read with {@link #column(ResultSet)}.
     */
    static final String COLUMNS_SQL = """
            WITH RECURSIVE cols AS (
              SELECT a.attnum, a.attname, a.attnotnull, a.attstorage, a.atttypid, a.atttypmod,
                     a.attgenerated, a.attcollation, a.attndims,
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
                   c.atttypmod, c.attgenerated <> '' AS generated,
                   (SELECT 'COLLATE ' || pg_catalog.quote_ident(cn.nspname) || '.'
                           || pg_catalog.quote_ident(co.collname)
                    FROM pg_catalog.pg_collation co
                    JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
                    WHERE co.oid = c.attcollation AND c.attcollation <> 100) AS collation,
                   c.attndims
            FROM cols c
            JOIN (SELECT DISTINCT ON (attnum) attnum, typid, typmod
                  FROM base ORDER BY attnum, depth DESC) b ON b.attnum = c.attnum
            ORDER BY c.attnum""";

    /** An ordinary or partitioned table by schema and name (bind both). */
    private static final String TABLE_SQL = "SELECT cl.oid::int8, cl.relreplident::text"
            + " FROM pg_catalog.pg_class cl JOIN pg_catalog.pg_namespace n"
            + " ON n.oid = cl.relnamespace WHERE n.nspname = ? AND cl.relname = ?"
            + " AND cl.relkind IN ('r', 'p')";

    /** The primary key (identity d) or the replica identity index (identity i), in key order. */
    private static final String IDENTITY_SQL = "SELECT a.attname FROM pg_catalog.pg_index i"
            + " CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)"
            + " JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
            + " WHERE i.indrelid = CAST(? AS pg_catalog.oid)"
            + " AND CASE WHEN ? = 'i' THEN i.indisreplident ELSE i.indisprimary END"
            + " ORDER BY k.ord";

    private static final String PARTITIONS_SQL = "SELECT relid::oid::int8 FROM"
            + " pg_catalog.pg_partition_tree(CAST(? AS pg_catalog.oid)) WHERE isleaf"
            + " AND relid::oid <> CAST(? AS pg_catalog.oid)";

    /**
     * SQL for the server's WAL position: the insert position on a primary (every committed
     * transaction lies before it; {@code pg_current_wal_lsn()}, the write position, can lie
     * before an asynchronous commit), the replay position on a standby (which has no insert
     * position: the functions of a primary fail during recovery).
     */
    public static final String SERVER_WAL_LSN = "(CASE WHEN pg_catalog.pg_is_in_recovery()"
            + " THEN pg_catalog.pg_last_wal_replay_lsn()"
            + " ELSE pg_catalog.pg_current_wal_insert_lsn() END)";

    /** The columns a publication sends of a table (PostgreSQL 15+; bind all three names). */
    private static final String PUBLISHED_COLUMNS_SQL = "SELECT attnames"
            + " FROM pg_catalog.pg_publication_tables"
            + " WHERE pubname = ? AND schemaname = ? AND tablename = ?";

    private PgCatalog() {}

    /**
     * The names of the columns publication {@code publication} sends of table {@code
     * schema.name} ({@code pg_publication_tables.attnames}: its column list, or all columns
     * pgoutput publishes, which on PostgreSQL 18 include stored generated columns when the
     * publication's {@code publish_generated_columns = stored}; PostgreSQL 15 lists generated
     * columns here although it never sends them); empty when the server is older
     * than PostgreSQL 15 (no column lists: every column but generated ones is sent) or the
     * publication does not list the table itself (then the same holds).
     *
     * @throws SQLException when the query fails
     */
    public static Optional<List<String>> publishedColumns(Connection c, String publication,
            String schema, String name) throws SQLException {
        if (c.getMetaData().getDatabaseMajorVersion() < 15) {
            return Optional.empty();
        }
        try (PreparedStatement ps = c.prepareStatement(PUBLISHED_COLUMNS_SQL)) {
            ps.setString(1, publication);
            ps.setString(2, schema);
            ps.setString(3, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || rs.getArray(1) == null) {
                    return Optional.empty();
                }
                return Optional.of(List.of((String[]) rs.getArray(1).getArray()));
            }
        }
    }

    /**
     * The ordinary or partitioned table {@code schema.name} (exact names), or empty when there is
     * none.
     *
     * @throws SQLException when a catalog query fails
     */
    public static Optional<PgTable> table(Connection c, String schema, String name)
            throws SQLException {
        long oid;
        char identity;
        try (PreparedStatement ps = c.prepareStatement(TABLE_SQL)) {
            ps.setString(1, schema);
            ps.setString(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                oid = rs.getLong(1);
                identity = rs.getString(2).charAt(0);
            }
        }
        List<PgColumn> columns = columns(c, oid);
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
        List<Integer> partitions = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(PARTITIONS_SQL)) {
            ps.setLong(1, oid);
            ps.setLong(2, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    partitions.add((int) rs.getLong(1));
                }
            }
        }
        return Optional.of(new PgTable((int) oid, schema, name, identity, columns, key,
                partitions));
    }

    /**
     * The live columns of relation {@code oid} (unsigned) in attribute order, each with the shape
     * of its type ({@link PgTypeReader}: one more query per type the type table does not list).
     *
     * @throws SQLException when a catalog query fails
     */
    static List<PgColumn> columns(Connection c, long oid) throws SQLException {
        record Row(PgColumn column, int dims) {}
        List<Row> rows = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(COLUMNS_SQL)) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new Row(column(rs), rs.getInt(12)));
                }
            }
        }
        List<PgColumn> columns = new ArrayList<>(rows.size());
        try (PgTypeReader types = new PgTypeReader(c)) {
            for (Row r : rows) {
                PgColumn col = r.column();
                columns.add(PgTypes.isKnown(col.baseTypeOid()) ? col : col.withType(
                        types.describe(col.baseTypeOid(), col.baseTypeModifier(), r.dims())));
            }
        }
        return columns;
    }

    /** One row of {@link #COLUMNS_SQL}, with a scalar type shape. */
    private static PgColumn column(ResultSet rs) throws SQLException {
        return new PgColumn(
                rs.getString(1),
                rs.getBoolean(2),
                rs.getBoolean(3),
                (int) rs.getLong(4),
                rs.getString(5).charAt(0),
                rs.getInt(6),
                rs.getString(7),
                (int) rs.getLong(8),
                rs.getInt(9),
                rs.getBoolean(10),
                rs.getString(11));
    }
}
