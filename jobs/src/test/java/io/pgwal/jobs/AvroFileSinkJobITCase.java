package io.pgwal.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.avro.Envelope.FieldName;
import io.pgwal.avro.Envelope.SourceField;
import io.pgwal.testing.TestPostgres;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Avro file pipeline writes every change once into committed files, one schema per bucket
 * (a table's schema change starts a new bucket), in commit order within each file.
 */
class AvroFileSinkJobITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension();

    @RegisterExtension
    static final TestPostgres pg = TestPostgres.perClass();

    @BeforeAll
    static void startPostgres() {
        pg.execute("CREATE TABLE items (id int PRIMARY KEY, name text)",
                "CREATE PUBLICATION files_pub FOR TABLE items",
                "SELECT pg_create_logical_replication_slot('files_slot', 'pgoutput')");
    }

    @Test
    void writesEveryChangeOnceIntoCommittedAvroFiles(@TempDir Path out) throws Exception {
        pg.execute("INSERT INTO items SELECT i, 'n' || i FROM generate_series(1, 500) i",
                "UPDATE items SET name = 'u' WHERE id <= 100",
                "DELETE FROM items WHERE id > 450",
                "ALTER TABLE items ADD COLUMN price numeric(8,2)",
                "INSERT INTO items SELECT i, 'm', i / 10.0 FROM generate_series(501, 550) i");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.enableCheckpointing(200);
        AvroFileSinkJob.build(env, pg.sourceBuilder("files_slot", "files_pub")
                .stopAtLsn(pg.currentInsertLsn()).build(), out.toUri().toString());
        env.execute("pgwal files");

        List<Path> committed;
        try (Stream<Path> files = Files.walk(out)) {
            committed = files.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        }
        assertThat(committed).allSatisfy(p -> assertThat(p.toString()).endsWith(".avro"));
        List<String> changes = new ArrayList<>();
        List<String> buckets = new ArrayList<>();
        for (Path file : committed) {
            buckets.add(out.relativize(file.getParent()).toString());
            changes.addAll(read(file.toFile()));
        }
        assertThat(buckets.stream().distinct()).hasSize(2)
                .allSatisfy(b -> assertThat(b).startsWith("public.items/v"));
        assertThat(changes).hasSize(500 + 100 + 50 + 50).doesNotHaveDuplicates();
        assertThat(changes).filteredOn(c -> c.startsWith("INSERT")).hasSize(550);
        assertThat(changes).filteredOn(c -> c.startsWith("UPDATE")).hasSize(100);
        assertThat(changes).filteredOn(c -> c.startsWith("DELETE")).hasSize(50);
        assertThat(changes).contains("INSERT 550 price=55.00");
    }

    /** Each record as "OP id [price=...]", tagged with its position so duplicates would show. */
    private static List<String> read(File file) throws IOException {
        List<String> out = new ArrayList<>();
        try (DataFileReader<GenericRecord> reader =
                new DataFileReader<>(file, new GenericDatumReader<>())) {
            for (GenericRecord r : reader) {
                GenericRecord row = (GenericRecord) (r.get(FieldName.AFTER) != null ? r.get(FieldName.AFTER) : r.get(FieldName.BEFORE));
                GenericRecord src = (GenericRecord) r.get(FieldName.SOURCE);
                String price = row.getSchema().getField("price") == null ? ""
                        : " price=" + ChangeFormatterAccess.decimal(row, "price");
                out.add(r.get(FieldName.OP) + " " + row.get("id") + price
                        + (price.isEmpty() ? " @" + src.get(SourceField.COMMIT_LSN) + "#" + src.get(SourceField.TX_INDEX) : ""));
            }
        }
        return out;
    }
}
