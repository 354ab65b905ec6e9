package io.pgwal.snapshot;

import io.pgwal.PgWalException;
import io.pgwal.catalog.PgCatalog;
import io.pgwal.catalog.PgColumn;
import io.pgwal.catalog.PgTable;
import io.pgwal.decoder.PgOutputMessage.RelationColumn;
import io.pgwal.replication.PgWalConnectionConfig;
import io.pgwal.replication.ReplicationSetup;
import io.pgwal.replication.SqlIdentifiers;
import io.pgwal.replication.SqlIdentifiers.QualifiedName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plans a snapshot inside an epoch's snapshot: which tables (the configured ones, else the
 * publication's), their columns and chunk keys, and the chunks.
 *
 * <p>Chunks are sized by rows and by bytes: a chunk holds at most {@code chunkRows} rows and about
 * {@code chunkBytes} bytes of row data (by the average row width of a sample of up to 1,000 rows,
 * {@code pg_column_size}), and at least one row. Key-range bounds come from one pass over the key
 * index ({@code ORDER BY key OFFSET n-1 LIMIT 1} from the previous bound), block ranges from the
 * table's size in blocks.
 *
 * <p>Refuses, before anything is read, a table whose updates and deletes PostgreSQL cannot publish
 * (REPLICA IDENTITY NOTHING, or DEFAULT without a primary key).
 */
public final class SnapshotPlanner {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotPlanner.class);

    /** The tables and their chunks, in table order and, within a table, in key order. */
    public record Plan(List<SnapshotTable> tables, List<SnapshotChunk> chunks) {}

    private SnapshotPlanner() {}

    /**
     * @throws PgWalException for a refused or missing table (naming it and the fix), or when the
     *     catalog cannot be read
     */
    public static Plan plan(PgWalConnectionConfig config, SnapshotEpoch epoch, int chunkRows,
            long chunkBytes) {
        try (Connection c = ReplicationSetup.connect(config, false)) {
            ChunkReader.beginInSnapshot(c, epoch);
            List<SnapshotTable> tables = new ArrayList<>();
            for (QualifiedName name : tableNames(c, config)) {
                tables.add(describe(c, name, config.publicationName()));
            }
            List<SnapshotChunk> chunks = new ArrayList<>();
            for (int t = 0; t < tables.size(); t++) {
                long started = System.nanoTime();
                int before = chunks.size();
                cut(c, tables.get(t), t, chunkRows, chunkBytes, chunks);
                LOG.info("Snapshot of {}: {} chunks (planned in {} ms)", tables.get(t),
                        chunks.size() - before, (System.nanoTime() - started) / 1_000_000);
            }
            c.commit();
            return new Plan(tables, chunks);
        } catch (SQLException e) {
            throw new PgWalException("Planning the snapshot of " + config.jdbcUrl() + " failed: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Checks, without a snapshot, that every captured table exists and can be snapshotted exactly,
     * before anything is created on the server.
     *
     * @throws PgWalException for a missing or refused table
     */
    public static void check(PgWalConnectionConfig config) {
        try (Connection c = ReplicationSetup.connect(config, false)) {
            for (QualifiedName name : tableNames(c, config)) {
                describe(c, name, config.publicationName());
                checkCanRead(c, config, name);
                checkNoRowFilter(c, config, name);
            }
        } catch (SQLException e) {
            throw new PgWalException("Checking the tables to snapshot on " + config.jdbcUrl()
                    + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * A publication row filter (PostgreSQL 15+) limits the rows the stream sends; the snapshot
     * would read the others too and emit rows the publication leaves out, so such a table is
     * refused before anything is read.
     */
    private static void checkNoRowFilter(Connection c, PgWalConnectionConfig config,
            QualifiedName name) throws SQLException {
        if (c.getMetaData().getDatabaseMajorVersion() < 15) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT rowfilter FROM"
                + " pg_catalog.pg_publication_tables WHERE pubname = ? AND schemaname = ?"
                + " AND tablename = ? AND rowfilter IS NOT NULL")) {
            ps.setString(1, config.publicationName());
            ps.setString(2, name.schema());
            ps.setString(3, name.name());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    throw new PgWalException("Publication '" + config.publicationName() + "'"
                            + " (option 'publication.name') publishes only the rows of " + name
                            + " WHERE " + rs.getString(1) + ", and the initial snapshot does not"
                            + " apply row filters: it would emit the other rows too. Use a"
                            + " publication without a row filter for this table, or start with"
                            + " 'scan.startup.mode' = 'committed-offset' (no snapshot)");
                }
            }
        }
    }

    /** The snapshot reads each table with SELECT (the stream itself needs no table privilege). */
    private static void checkCanRead(Connection c, PgWalConnectionConfig config,
            QualifiedName name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_catalog.has_table_privilege("
                + "pg_catalog.to_regclass(?), 'SELECT')")) {
            ps.setString(1, name.quoted());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next() && !rs.getBoolean(1)) {
                    throw new PgWalException("User '" + config.username() + "' (option"
                            + " 'username') may not read table " + name + ", which the initial"
                            + " snapshot reads: run GRANT SELECT ON " + name.quoted() + " TO "
                            + SqlIdentifiers.quoteIdentifier(config.username()) + " (or start"
                            + " with 'scan.startup.mode' = 'committed-offset', which reads no"
                            + " table)");
                }
            }
        }
    }

    private static List<QualifiedName> tableNames(Connection c, PgWalConnectionConfig config)
            throws SQLException {
        List<QualifiedName> names = new ArrayList<>();
        if (!config.tables().isEmpty()) {
            config.tables().forEach(t -> names.add(SqlIdentifiers.parseQualifiedName(t)));
            return names;
        }
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = ?")) {
            ps.setString(1, config.publicationName());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new PgWalException("Publication '" + config.publicationName() + "' (option"
                            + " 'publication.name') does not exist in database '" + config.database()
                            + "', so the snapshot does not know which tables to read. Create it, or"
                            + " name the tables (option 'table-name' / tables(...))");
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT schemaname, tablename FROM"
                + " pg_catalog.pg_publication_tables WHERE pubname = ? ORDER BY 1, 2")) {
            ps.setString(1, config.publicationName());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.add(new QualifiedName(rs.getString(1), rs.getString(2)));
                }
            }
        }
        return names;
    }

    /**
     * The table as the snapshot reads it: exactly the columns the publication's stream sends of
     * it ({@link PgCatalog#publishedColumns}: a column list, PostgreSQL 18's published generated
     * columns), else every column that is not generated, so READ records have the same columns
     * as streamed ones.
     */
    static SnapshotTable describe(Connection c, QualifiedName name, String publication)
            throws SQLException {
        PgTable t = PgCatalog.table(c, name.schema(), name.name()).orElseThrow(() ->
                new PgWalException("Table " + name + " (option 'table-name' / tables, or the"
                        + " publication) does not exist: the snapshot cannot read it"));
        char identity = t.replicaIdentity();
        // The replica identity index, else the primary key: the columns pgoutput sends as the old
        // key, which is what the stream's snapshot filter judges a row by.
        List<String> key = t.identityColumns();
        if (identity == 'n' || (identity == 'd' && key.isEmpty())) {
            throw new PgWalException("Table " + name + " has " + (identity == 'n'
                    ? "REPLICA IDENTITY NOTHING" : "no primary key and REPLICA IDENTITY DEFAULT")
                    + ", so PostgreSQL cannot publish which row an UPDATE or DELETE changed and the"
                    + " snapshot could not be kept exact. Add a primary key, or run ALTER TABLE "
                    + name.quoted() + " REPLICA IDENTITY FULL (or USING INDEX on a unique index of"
                    + " NOT NULL columns), or leave the table out of the capture");
        }
        // Key types carry the column's collation (when not the database default), so that bound
        // literals compare in the column's own order wherever they are used.
        List<String> keyTypes = new ArrayList<>();
        for (String k : key) {
            keyTypes.add(t.column(k).orElseThrow().typeWithCollation());
        }
        List<RelationColumn> columns = new ArrayList<>();
        List<String> types = new ArrayList<>();
        Optional<List<String>> published = PgCatalog.publishedColumns(c, publication,
                name.schema(), name.name());
        // Before PostgreSQL 18 pgoutput never sends generated columns, though PostgreSQL 15's
        // pg_publication_tables lists them.
        boolean generatedSent = c.getMetaData().getDatabaseMajorVersion() >= 18;
        for (PgColumn col : t.columns()) {
            boolean sent = published.map(p -> p.contains(col.name())).orElse(!col.generated())
                    && (generatedSent || !col.generated());
            if (!sent) {
                continue;
            }
            boolean isKey = identity == 'f' || key.contains(col.name());
            columns.add(new RelationColumn(isKey, col.name(), col.typeOid(), col.typeModifier()));
            types.add(col.typeName());
        }
        return new SnapshotTable(t.oid(), name.schema(), name.name(), identity, columns, types,
                key, keyTypes, t.partitions());
    }

    private static void cut(Connection c, SnapshotTable t, int tableIndex, int chunkRows,
            long chunkBytes, List<SnapshotChunk> chunks) throws SQLException {
        double width = averageRowBytes(c, t);
        long rows = (long) Math.min(chunkRows, Math.max(1.0, chunkBytes / Math.max(1.0, width)));
        if (t.byBlocks()) {
            long blocks;
            long blockSize;
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_catalog.pg_relation_size("
                    + "CAST(? AS pg_catalog.oid)), current_setting('block_size')::int8")) {
                ps.setLong(1, Integer.toUnsignedLong(t.oid()));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    blockSize = rs.getLong(2);
                    blocks = rs.getLong(1) / blockSize;
                }
            }
            // Rows per block from the sample's width; a block range of about `rows` rows.
            long perChunk = Math.max(1, (long) (rows * Math.max(1.0, width) / blockSize));
            long start = 0;
            // The last chunk is open-ended: blocks added after the snapshot hold no row it sees,
            // but a partitioned or growing table needs no exact block count to be complete.
            while (start + perChunk < blocks) {
                chunks.add(new SnapshotChunk(chunks.size(), tableIndex, List.of(Long.toString(start)),
                        List.of(Long.toString(start + perChunk))));
                start += perChunk;
            }
            chunks.add(new SnapshotChunk(chunks.size(), tableIndex, List.of(Long.toString(start)),
                    null));
            return;
        }
        String keyList = ChunkReader.quotedKey(t);
        List<String> lower = null;
        while (true) {
            String sql = "SELECT " + textKey(t) + " FROM " + t.quotedName()
                    + (lower == null ? "" : " WHERE " + ChunkReader.rowCompare(t, ">", lower))
                    + " ORDER BY " + keyList + " OFFSET " + (rows - 1) + " LIMIT 1";
            List<String> upper = null;
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
                if (rs.next()) {
                    upper = new ArrayList<>();
                    for (int i = 1; i <= t.chunkKey().size(); i++) {
                        upper.add(rs.getString(i));
                    }
                }
            }
            chunks.add(new SnapshotChunk(chunks.size(), tableIndex, lower, upper));
            if (upper == null) {
                return;
            }
            lower = upper;
        }
    }

    /**
     * The key columns as text, aliased: an output column named like a key column would make
     * {@code ORDER BY key} sort by the text instead of the key's own order.
     */
    private static String textKey(SnapshotTable t) {
        List<String> cols = new ArrayList<>();
        for (int i = 0; i < t.chunkKey().size(); i++) {
            cols.add(SqlIdentifiers.quoteIdentifier(t.chunkKey().get(i)) + "::text AS pgwal_k" + i);
        }
        return String.join(", ", cols);
    }

    private static double averageRowBytes(Connection c, SnapshotTable t) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT coalesce(avg(pg_catalog.pg_column_size(r.*)), 0) FROM (SELECT * FROM "
                        + t.quotedName() + " LIMIT 1000) r")) {
            rs.next();
            return rs.getDouble(1);
        }
    }
}
