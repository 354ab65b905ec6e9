package io.pgwal.jobs;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.paimon.catalog.Catalog;
import org.apache.paimon.catalog.CatalogContext;
import org.apache.paimon.catalog.CatalogFactory;
import org.apache.paimon.catalog.Identifier;
import org.apache.paimon.data.InternalRow;
import org.apache.paimon.reader.RecordReader;
import org.apache.paimon.table.Table;
import org.apache.paimon.table.source.ReadBuilder;
import org.apache.paimon.table.source.Split;
import org.apache.paimon.table.source.StreamTableScan;

/**
 * Reads a Paimon table of a local warehouse with Paimon's own Java API (no Flink job): its latest
 * snapshot, its rows, and the changelog of every snapshot. The tables read here have the columns
 * {@code (id INT, version INT, name STRING)}, key {@code id}.
 */
final class PaimonLake {

    /** One row, or one record of the changelog ({@code kind}: {@code +I}, {@code -U}, {@code +U}, {@code -D}). */
    record Row(String kind, int id, int version, String name) {}

    private final Path warehouse;
    private final Identifier table;

    PaimonLake(Path warehouse, String database, String table) {
        this.warehouse = warehouse;
        this.table = Identifier.create(database, table);
    }

    /** The id of the latest snapshot (Paimon commits one per checkpoint with data), 0 if none yet. */
    long latestSnapshotId() throws Exception {
        try (Catalog catalog = catalog()) {
            if (!catalog.listTables(table.getDatabaseName()).contains(table.getObjectName())) {
                return 0;
            }
            return catalog.getTable(table).latestSnapshot().map(s -> s.id()).orElse(0L);
        }
    }

    /** The table's rows in its latest snapshot, by id. */
    Map<Integer, Row> rows() throws Exception {
        Map<Integer, Row> rows = new TreeMap<>();
        try (Catalog catalog = catalog()) {
            ReadBuilder read = catalog.getTable(table).newReadBuilder();
            forEach(read, read.newScan().plan().splits(), r -> rows.put(r.id(), r));
        }
        return rows;
    }

    /**
     * Every changelog record the table holds, from its first snapshot to its latest (with {@code
     * 'changelog-producer' = 'input'} that is exactly what the sink wrote), in commit order.
     */
    List<Row> changelog() throws Exception {
        List<Row> changes = new ArrayList<>();
        try (Catalog catalog = catalog()) {
            Table t = catalog.getTable(table);
            long latest = t.latestSnapshot().orElseThrow().id();
            ReadBuilder read = t.copy(Map.of("scan.mode", "from-snapshot", "scan.snapshot-id", "1"))
                    .newReadBuilder();
            StreamTableScan scan = read.newStreamScan();
            // Each plan() moves on by one snapshot (compactions bring no changelog); checkpoint()
            // is the next snapshot to read.
            for (long step = 0; scan.checkpoint() == null || scan.checkpoint() <= latest; step++) {
                if (step > 2 * latest + 2) {
                    throw new IllegalStateException("the changelog scan stopped before snapshot "
                            + latest + " (next: " + scan.checkpoint() + ")");
                }
                forEach(read, scan.plan().splits(), changes::add);
            }
        }
        return changes;
    }

    private static void forEach(ReadBuilder read, List<Split> splits, Consumer<Row> action)
            throws Exception {
        try (RecordReader<InternalRow> reader = read.newRead().createReader(splits)) {
            reader.forEachRemaining(r -> action.accept(new Row(r.getRowKind().shortString(),
                    r.getInt(0), r.getInt(1), r.isNullAt(2) ? null : r.getString(2).toString())));
        }
    }

    private Catalog catalog() {
        return CatalogFactory.createCatalog(CatalogContext.create(
                new org.apache.paimon.fs.Path(warehouse.toUri().toString())));
    }
}
