package io.pgwal.source;

import static io.pgwal.testing.Envelopes.op;
import static io.pgwal.testing.Envelopes.table;
import static io.pgwal.testing.Envelopes.value;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.avro.UnrepresentableValues;
import io.pgwal.testing.FailsOnce;
import io.pgwal.testing.TestPostgres;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A table's life on PostgreSQL 15, as a new user lives it: schema changes made while changes wait
 * in the slot, values a constrained type allows but Avro cannot hold, a slot older than its
 * publication, partitioned tables and a slot made by another tool. Each either streams faithfully
 * or ends the job once (no restart loop) with a message naming the cause, the position and a fix,
 * and where the fix is ours to try, it is tried.
 */
class PgWalTableLifeITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension();

    private static TestPostgres pg;

    @BeforeAll
    static void startPostgres() {
        pg = TestPostgres.start(15, Map.of());
    }

    @AfterAll
    static void stopPostgres() {
        pg.close();
    }

    @Test
    void notNullAddedAfterNullRowsWereWrittenStillStreamsThem() throws Exception {
        pg.execute("CREATE TABLE invoice (id int PRIMARY KEY, region_id int)",
                "CREATE PUBLICATION invoice_pub FOR TABLE invoice",
                "SELECT pg_create_logical_replication_slot('invoice_slot', 'pgoutput')",
                "INSERT INTO invoice VALUES (1, NULL)",
                "UPDATE invoice SET region_id = 0 WHERE region_id IS NULL",
                "ALTER TABLE invoice ALTER COLUMN region_id SET NOT NULL",
                "INSERT INTO invoice VALUES (2, 7)");

        List<GenericRecord> records = readAll(pg.sourceBuilder("invoice_slot", "invoice_pub"));

        assertThat(records).extracting(r -> op(r) + " " + value(r, "after", "id") + " "
                        + value(r, "after", "region_id"))
                .containsExactly("INSERT 1 null", "UPDATE 1 0", "INSERT 2 7");
    }

    @Test
    void nanInAConstrainedNumericIsNullByDefault() throws Exception {
        pg.execute("CREATE TABLE quote (id int PRIMARY KEY, price numeric(12,2))",
                "CREATE PUBLICATION quote_pub FOR TABLE quote",
                "SELECT pg_create_logical_replication_slot('quote_slot', 'pgoutput')",
                "INSERT INTO quote VALUES (1, 'NaN'), (2, 1.50)");

        List<GenericRecord> records = readAll(pg.sourceBuilder("quote_slot", "quote_pub"));

        assertThat(records).extracting(r -> value(r, "after", "id"))
                .containsExactly(1, 2);
        assertThat(value(records.get(0), "after", "price")).isNull();
        assertThat(value(records.get(1), "after", "price")).isEqualTo(new BigDecimal("1.50"));
        Schema price = records.get(0).getSchema().getField("after").schema().getTypes().get(1)
                .getField("price").schema();
        assertThat(price.getTypes().get(1).getLogicalType().getName()).isEqualTo("decimal");
    }

    @Test
    void nanInAConstrainedNumericEndsTheJobOnceWhenAskedTo() throws Exception {
        pg.execute("CREATE TABLE quote_strict (id int PRIMARY KEY, price numeric(12,2))",
                "CREATE PUBLICATION quote_strict_pub FOR TABLE quote_strict",
                "SELECT pg_create_logical_replication_slot('quote_strict_slot', 'pgoutput')",
                "INSERT INTO quote_strict VALUES (1, 'NaN')");

        String failure = failsOnce(pg.sourceBuilder("quote_strict_slot", "quote_strict_pub")
                .unrepresentableValues(UnrepresentableValues.FAIL));

        assertThat(failure).contains("public.quote_strict").contains("\"price\"")
                .contains("numeric(12,2)").contains("NaN").containsPattern("LSN [0-9A-F]+/[0-9A-F]+")
                .contains("'values.unrepresentable' = 'null'");
    }

    /**
     * The same value in the initial snapshot, whose rows are converted on the task thread while
     * they are emitted: NULL by default, and with 'fail' one failure naming the chunk and column.
     */
    @Test
    void nanInTheSnapshotIsNullByDefaultAndEndsTheJobOnceWhenAskedTo() throws Exception {
        pg.execute("CREATE TABLE quote_snap (id int PRIMARY KEY, price numeric(12,2))",
                "CREATE PUBLICATION quote_snap_pub FOR TABLE quote_snap",
                "INSERT INTO quote_snap VALUES (1, 'NaN'), (2, 1.50)");
        PgWalSourceBuilder source = pg.sourceBuilder("quote_snap_slot", "quote_snap_pub")
                .startupMode(StartupMode.SNAPSHOT);

        List<GenericRecord> records = new ArrayList<>();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        try (CloseableIterator<GenericRecord> it = env.fromSource(source.build(),
                WatermarkStrategy.noWatermarks(), "pgwal").executeAndCollect()) {
            it.forEachRemaining(records::add);
        }
        assertThat(records).extracting(r -> op(r) + " " + value(r, "after", "id") + " "
                        + value(r, "after", "price"))
                .containsExactlyInAnyOrder("READ 1 null", "READ 2 1.50");

        String failure = failsOnce(source.unrepresentableValues(UnrepresentableValues.FAIL));
        assertThat(failure).contains("Snapshot of").contains("quote_snap").contains("\"price\"")
                .contains("NaN").contains("'values.unrepresentable' = 'null'");
    }

    @Test
    void slotOlderThanItsPublicationEndsTheJobOnceAndTheAdvanceItNamesWorks() throws Exception {
        pg.execute("CREATE TABLE early (id int PRIMARY KEY)",
                "SELECT pg_create_logical_replication_slot('early_slot', 'pgoutput')",
                "INSERT INTO early VALUES (1)",
                "CREATE PUBLICATION early_pub FOR TABLE early",
                "INSERT INTO early VALUES (2)");
        PgWalSourceBuilder source = pg.sourceBuilder("early_slot", "early_pub").createSlot(false);

        String failure = failsOnce(source);

        assertThat(failure).contains("'early_slot'").contains("before publication 'early_pub'")
                .contains("pg_drop_replication_slot('early_slot')")
                .contains("pg_replication_slot_advance('early_slot', pg_current_wal_lsn())");

        // The second way out, as the message gives it: skip what was written until now.
        pg.execute("SELECT pg_replication_slot_advance('early_slot', pg_current_wal_lsn())",
                "INSERT INTO early VALUES (3)");
        assertThat(readAll(source)).extracting(r -> value(r, "after", "id")).containsExactly(3);
    }

    @Test
    void partitionedTablePublishedPerPartitionIsRefusedWithAFixThatWorks() throws Exception {
        pg.execute("CREATE TABLE reading (taken date NOT NULL, v int,"
                        + " PRIMARY KEY (taken)) PARTITION BY RANGE (taken)",
                "CREATE TABLE reading_2025 PARTITION OF reading"
                        + " FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
                "CREATE TABLE reading_2026 PARTITION OF reading"
                        + " FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
                "CREATE PUBLICATION reading_pub FOR TABLE reading");
        PgWalSourceBuilder source = pg.sourceBuilder("reading_slot", "reading_pub")
                .tables("reading");

        String failure = failsOnce(source);

        assertThat(failure).contains("public.reading").contains("partitioned")
                .contains("ALTER PUBLICATION \"reading_pub\" SET (publish_via_partition_root = true)")
                .doesNotContain("ADD TABLE");

        pg.execute("ALTER PUBLICATION reading_pub SET (publish_via_partition_root = true)");
        pg.execute("SELECT pg_create_logical_replication_slot('reading_slot', 'pgoutput')",
                "INSERT INTO reading VALUES ('2025-06-01', 1), ('2026-06-01', 2)");
        assertThat(readAll(source)).extracting(r -> table(r) + " " + value(r, "after", "v"))
                .containsExactly("reading 1", "reading 2");
    }

    @Test
    void partitionedTableThroughAPublicationPgwalCreatesIncludingPartitionsAttachedLater()
            throws Exception {
        pg.execute("CREATE TABLE meter (taken date NOT NULL, v int,"
                        + " PRIMARY KEY (taken)) PARTITION BY RANGE (taken)",
                "CREATE TABLE meter_2025 PARTITION OF meter"
                        + " FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')");
        PgWalSourceBuilder source = pg.sourceBuilder("meter_slot", "meter_pub")
                .tables("meter").createPublication(true);
        // Creates the publication and the slot, reads nothing yet.
        readAll(source);

        pg.execute("INSERT INTO meter VALUES ('2025-06-01', 1)",
                "CREATE TABLE meter_2026 (taken date NOT NULL, v int, PRIMARY KEY (taken))",
                "ALTER TABLE meter ATTACH PARTITION meter_2026"
                        + " FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
                "INSERT INTO meter VALUES ('2026-06-01', 2)",
                "UPDATE meter SET v = 3 WHERE taken = '2026-06-01'",
                "ALTER TABLE meter DETACH PARTITION meter_2025",
                "INSERT INTO meter_2025 VALUES ('2025-07-01', 4)");

        assertThat(readAll(source)).extracting(r -> op(r) + " " + table(r) + " "
                        + value(r, "after", "v"))
                .containsExactly("INSERT meter 1", "INSERT meter 2", "UPDATE meter 3");
        assertThat(pg.queryString("SELECT pubviaroot FROM pg_publication"
                + " WHERE pubname = 'meter_pub'")).isEqualTo("t");
    }

    @Test
    void partitionedTablesAreSnapshottedThroughTheirRoot() throws Exception {
        pg.execute("CREATE TABLE gauge (id int, taken date, v int, PRIMARY KEY (id, taken))"
                        + " PARTITION BY RANGE (taken)",
                "CREATE TABLE gauge_2025 PARTITION OF gauge"
                        + " FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
                "CREATE TABLE gauge_2026 PARTITION OF gauge"
                        + " FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
                "INSERT INTO gauge SELECT i, DATE '2025-01-01' + (i % 700), i FROM"
                        + " generate_series(1, 1000) i",
                // Without a key: read in block ranges, which a partitioned table has none of.
                "CREATE TABLE loose (taken date, v int) PARTITION BY RANGE (taken)",
                "ALTER TABLE loose REPLICA IDENTITY FULL",
                "CREATE TABLE loose_2025 PARTITION OF loose"
                        + " FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
                "CREATE TABLE loose_2026 PARTITION OF loose"
                        + " FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
                "ALTER TABLE loose_2025 REPLICA IDENTITY FULL",
                "ALTER TABLE loose_2026 REPLICA IDENTITY FULL",
                "INSERT INTO loose SELECT DATE '2025-01-01' + (i % 700), i FROM"
                        + " generate_series(1, 300) i");
        PgWalSourceBuilder source = pg.sourceBuilder("gauge_slot", "gauge_pub")
                .tables("gauge", "loose").createPublication(true)
                .startupMode(StartupMode.SNAPSHOT)
                .snapshotChunkSize(100, org.apache.flink.configuration.MemorySize.parse("8mb"));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        List<GenericRecord> out = new ArrayList<>();
        try (CloseableIterator<GenericRecord> it = env.fromSource(source.build(),
                WatermarkStrategy.noWatermarks(), "pgwal").executeAndCollect()) {
            it.forEachRemaining(out::add);
        }

        assertThat(out).allSatisfy(r -> assertThat(op(r)).isEqualTo("READ"));
        assertThat(out.stream().filter(r -> table(r).equals("gauge"))
                .map(r -> (Integer) value(r, "after", "v")))
                .containsExactlyInAnyOrderElementsOf(
                        java.util.stream.IntStream.rangeClosed(1, 1000).boxed().toList());
        assertThat(out.stream().filter(r -> table(r).equals("loose"))
                .map(r -> (Integer) value(r, "after", "v")))
                .containsExactlyInAnyOrderElementsOf(
                        java.util.stream.IntStream.rangeClosed(1, 300).boxed().toList());
        assertThat(out).hasSize(1300);
    }

    @Test
    void twoPhaseSlotIsRefusedBeforeStreaming() throws Exception {
        pg.execute("CREATE TABLE prepared (id int PRIMARY KEY)",
                "CREATE PUBLICATION prepared_pub FOR TABLE prepared",
                "SELECT pg_create_logical_replication_slot('prepared_slot', 'pgoutput', false, true)",
                "BEGIN; INSERT INTO prepared VALUES (1); PREPARE TRANSACTION 'p1'",
                "COMMIT PREPARED 'p1'");

        String failure = failsOnce(pg.sourceBuilder("prepared_slot", "prepared_pub"));

        assertThat(failure).contains("'prepared_slot'").contains("two_phase = true")
                .contains("pg_drop_replication_slot('prepared_slot')");
    }

    @Test
    void aRowFilteredPublicationIsRefusedForTheSnapshot() throws Exception {
        pg.execute("CREATE TABLE regional (id int PRIMARY KEY, region text)",
                "CREATE PUBLICATION regional_pub FOR TABLE regional WHERE (region = 'EU')",
                "INSERT INTO regional VALUES (1, 'EU'), (2, 'US')");

        String failure = failsOnce(pg.sourceBuilder("regional_slot", "regional_pub")
                .startupMode(StartupMode.INITIAL));

        assertThat(failure).contains("regional_pub").contains("public.regional")
                .contains("region = 'EU'").contains("'committed-offset'");
        assertThat(pg.queryString("SELECT count(*) FROM pg_replication_slots"
                + " WHERE slot_name = 'regional_slot'")).isEqualTo("0");
    }

    /** Reads everything committed until now (a bounded job), with a fresh source. */
    private static List<GenericRecord> readAll(PgWalSourceBuilder source) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        List<GenericRecord> out = new ArrayList<>();
        try (CloseableIterator<GenericRecord> it = env.fromSource(
                source.stopAtCurrentLsn().build(), WatermarkStrategy.noWatermarks(), "pgwal")
                .executeAndCollect()) {
            it.forEachRemaining(out::add);
        }
        return out;
    }

    private static String failsOnce(PgWalSourceBuilder source) throws Exception {
        return FailsOnce.run(source.build());
    }
}
