package io.pgwal.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwal.avro.Envelope.FieldName;
import io.pgwal.testing.ChangeLog;
import io.pgwal.testing.ChangeLog.Entry;
import io.pgwal.testing.Envelopes;
import io.pgwal.testing.TestPostgres;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The snapshot of every shape of table: without a key (REPLICA IDENTITY FULL, read in block
 * ranges), with UUID and composite text keys (chunk bounds in the key's collation), empty, with
 * rows larger than a chunk's byte limit; and a table the snapshot must refuse.
 */
class PgWalSnapshotTablesITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(2)
                    .build());

    @RegisterExtension
    static final TestPostgres pg = TestPostgres.perClass();

    @Test
    void tableWithoutKeyIsReadInBlockRanges() throws Exception {
        pg.execute("CREATE TABLE nokey (a int, b text) WITH (fillfactor = 50)",
                "ALTER TABLE nokey REPLICA IDENTITY FULL",
                "INSERT INTO nokey SELECT i % 100, 'v' || (i % 3) FROM generate_series(1, 5000) i",
                "DELETE FROM nokey WHERE a = 7",
                "CREATE PUBLICATION nokey_pub FOR TABLE nokey");
        List<GenericRecord> out = snapshot("nokey", 400, "8mb");
        List<String> rows = new ArrayList<>();
        out.forEach(r -> rows.add(Envelopes.value(r, "after", "a") + "|" + Envelopes.value(r, "after", "b")));
        List<String> expected = new ArrayList<>();
        try (var c = pg.connect(); var s = c.createStatement();
                var rs = s.executeQuery("SELECT a, b FROM nokey")) {
            while (rs.next()) {
                expected.add(rs.getInt(1) + "|" + rs.getString(2));
            }
        }
        assertThat(expected).hasSize(4950);
        assertThat(rows).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(out).allSatisfy(r -> assertThat(Envelopes.op(r)).isEqualTo("READ"));
    }

    @Test
    void uuidAndCompositeTextKeysAreCutInTheirOwnOrder() throws Exception {
        pg.execute("CREATE TABLE by_uuid (id uuid PRIMARY KEY, n int)",
                "INSERT INTO by_uuid SELECT md5(i::text)::uuid, i FROM generate_series(1, 1000) i",
                // Mixed case, accents and quotes: bounds are literals in the column's collation.
                "CREATE TABLE by_name (region text COLLATE \"C\", name text, n int,"
                        + " PRIMARY KEY (region, name))",
                "INSERT INTO by_name SELECT CASE i % 4 WHEN 0 THEN 'Nord' WHEN 1 THEN 'nord'"
                        + " WHEN 2 THEN 'Süd''s' ELSE 'ost\\x' END, 'n' || i || E'\\t\\\\', i"
                        + " FROM generate_series(1, 1000) i",
                // Integers sort differently as text: bounds must follow the key's own order.
                "CREATE TABLE by_int (id int PRIMARY KEY)",
                "INSERT INTO by_int SELECT i FROM generate_series(1, 1000) i",
                "CREATE PUBLICATION keys_pub FOR TABLE by_uuid, by_name, by_int");
        List<String> problems = new ArrayList<>();
        List<GenericRecord> out = snapshot("keys_pub", null, 37, "8mb");
        List<Entry> uuids = new ArrayList<>();
        List<Entry> names = new ArrayList<>();
        // Every chunk holds at most 37 rows; 1,000 rows make 28 chunks per table.
        assertThat(out).allSatisfy(r -> assertThat(Envelopes.txIndex(r)).isLessThan(37));
        for (String table : List.of("by_uuid", "by_name", "by_int")) {
            assertThat(out).filteredOn(r -> Envelopes.table(r).equals(table))
                    .hasSize(1000)
                    .filteredOn(r -> Envelopes.txIndex(r) == 0).hasSize(28);
        }
        for (GenericRecord r : out) {
            if (Envelopes.table(r).equals("by_int")) {
                continue;
            }
            if (Envelopes.table(r).equals("by_uuid")) {
                uuids.add(ChangeLog.parse(ChangeLog.line(r, List.of("id"))));
            } else {
                names.add(ChangeLog.parse(ChangeLog.line(r, List.of("region", "name"))));
            }
        }
        Map<String, String> uuidRows = ChangeLog.replay(uuids, problems);
        Map<String, String> nameRows = ChangeLog.replay(names, problems);
        assertThat(problems).isEmpty();
        assertThat(uuidRows).isEqualTo(ChangeLog.table(pg, "by_uuid", List.of("id")));
        assertThat(nameRows).isEqualTo(ChangeLog.table(pg, "by_name", List.of("region", "name")));
        assertThat(nameRows).containsKey("Süd's,n2\t\\");
    }

    @Test
    void emptyTableFinishes() throws Exception {
        pg.execute("CREATE TABLE empty_t (id int PRIMARY KEY)",
                "CREATE PUBLICATION empty_t_pub FOR TABLE empty_t");
        assertThat(snapshot("empty_t", 10, "8mb")).isEmpty();
    }

    @Test
    void rowsLargerThanTheChunkByteLimitComeOnePerChunk() throws Exception {
        pg.execute("CREATE TABLE wide (id int PRIMARY KEY, payload text)",
                "INSERT INTO wide SELECT i, repeat(md5(i::text), 10000) FROM generate_series(1, 6) i",
                "CREATE PUBLICATION wide_pub FOR TABLE wide");
        List<GenericRecord> out = snapshot("wide", 1000, "1kb");
        assertThat(out).hasSize(6);
        assertThat(out).allSatisfy(r -> assertThat(Envelopes.txIndex(r)).isZero());
        assertThat(out).allSatisfy(r -> assertThat(((CharSequence) ((GenericRecord) r.get(FieldName.AFTER))
                .get("payload")).length()).isEqualTo(320_000));
    }

    @Test
    void tableWhoseUpdatesCannotBePublishedIsRefusedBeforeReading() {
        pg.execute("CREATE TABLE unkeyed (a int)", "INSERT INTO unkeyed VALUES (1)",
                "CREATE PUBLICATION unkeyed_pub FOR TABLE unkeyed");
        PgWalSource source = pg.sourceBuilder("unkeyed_slot", "unkeyed_pub")
                .startupMode(StartupMode.INITIAL).build();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        // With checkpointing Flink would restart a failed job for ever; a definite error must not.
        env.enableCheckpointing(200);
        long started = System.nanoTime();
        assertThatThrownBy(() -> {
            try (CloseableIterator<GenericRecord> it = env
                    .fromSource(source, WatermarkStrategy.noWatermarks(), "pgwal")
                    .executeAndCollect()) {
                it.hasNext();
            }
        }).hasStackTraceContaining("public.unkeyed")
                .hasStackTraceContaining("REPLICA IDENTITY FULL")
                .hasStackTraceContaining("primary key");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
    }

    /** Reads publication {@code name + "_pub"} with {@code scan.startup.mode} = snapshot. */
    private static List<GenericRecord> snapshot(String name, int chunkRows, String chunkBytes)
            throws Exception {
        return snapshot(name + "_pub", null, chunkRows, chunkBytes);
    }

    private static List<GenericRecord> snapshot(String publication, String table, int chunkRows,
            String chunkBytes) throws Exception {
        PgWalSourceBuilder b = pg.sourceBuilder(publication + "_slot", publication)
                .startupMode(StartupMode.SNAPSHOT)
                .snapshotChunkSize(chunkRows, MemorySize.parse(chunkBytes));
        if (table != null) {
            b.tables(table);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        List<GenericRecord> out = new ArrayList<>();
        try (CloseableIterator<GenericRecord> it = env
                .fromSource(b.build(), WatermarkStrategy.noWatermarks(), "pgwal")
                .executeAndCollect()) {
            it.forEachRemaining(out::add);
        }
        // Snapshot-only: no slot is needed, none is created, and the epoch's temporary slot is gone.
        assertThat(pg.queryString("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '"
                + publication + "_slot' OR slot_name LIKE 'pgwal_snapshot_%'")).isEqualTo("0");
        return out;
    }
}
