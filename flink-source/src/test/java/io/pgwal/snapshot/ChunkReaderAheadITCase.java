package io.pgwal.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.avro.AvroChangeConverter;
import io.pgwal.avro.Envelope.FieldName;
import io.pgwal.avro.UnrepresentableValues;
import io.pgwal.catalog.JdbcCatalogLookup;
import io.pgwal.replication.PgWalConnectionConfig;
import io.pgwal.replication.ReplicationSetup;
import io.pgwal.replication.SqlIdentifiers.QualifiedName;
import io.pgwal.testing.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A chunk reader with a second connection starts the next chunk's COPY while it drains the
 * current one: every chunk still reads exactly its rows, in order, whether the next chunk came
 * as announced, came in another order (the early COPY is dropped) or the second connection cannot
 * be opened (then one connection reads everything).
 */
class ChunkReaderAheadITCase {

    @RegisterExtension
    static final TestPostgres pg = TestPostgres.perClass();

    private static final int CHUNKS = 10;
    private static final int ROWS_PER_CHUNK = 100;

    @BeforeAll
    static void table() {
        pg.execute("CREATE TABLE ahead (id int8 PRIMARY KEY, body text)",
                "INSERT INTO ahead SELECT g, 'row ' || g FROM generate_series(1, "
                        + CHUNKS * ROWS_PER_CHUNK + ") g");
    }

    @Test
    void everyChunkReadsItsRowsWhenTheNextStartsEarly() throws Exception {
        try (Session s = new Session(true)) {
            for (int i = 0; i < CHUNKS; i++) {
                ChunkReader.Next next = i + 1 < CHUNKS
                        ? new ChunkReader.Next(s.table, chunk(i + 1), s.epoch) : null;
                assertThat(ids(s.reader.readRows(s.table, chunk(i), s.epoch, next)))
                        .as("chunk %d", i).isEqualTo(expected(i));
            }
            assertThat(s.reader.chunksStartedAhead()).isEqualTo(CHUNKS - 1);
            assertThat(s.opened).isEqualTo(1);
        }
    }

    @Test
    void aChunkOtherThanTheAnnouncedOneDropsTheEarlyCopy() throws Exception {
        try (Session s = new Session(true)) {
            assertThat(ids(s.reader.readRows(s.table, chunk(0), s.epoch,
                    new ChunkReader.Next(s.table, chunk(1), s.epoch)))).isEqualTo(expected(0));
            // Chunk 5 instead of 1, announcing 1 again; then 1, announcing nothing.
            assertThat(ids(s.reader.readRows(s.table, chunk(5), s.epoch,
                    new ChunkReader.Next(s.table, chunk(1), s.epoch)))).isEqualTo(expected(5));
            assertThat(ids(s.reader.readRows(s.table, chunk(1), s.epoch, null)))
                    .isEqualTo(expected(1));
            assertThat(ids(s.reader.readRows(s.table, chunk(2), s.epoch, null)))
                    .isEqualTo(expected(2));
            assertThat(s.reader.chunksStartedAhead()).isEqualTo(2);
        }
    }

    /**
     * A COPY started early waits while Flink takes the previous chunk; a short
     * idle_in_transaction_session_timeout (as managed servers set) must not end it meanwhile.
     */
    @Test
    void anEarlyCopyOutlivesTheSessionsIdleTimeouts() throws Exception {
        try (Session s = new Session(true, "SET idle_in_transaction_session_timeout = '100ms';"
                + " SET statement_timeout = '100ms'")) {
            for (int i = 0; i < 3; i++) {
                assertThat(ids(s.reader.readRows(s.table, chunk(i), s.epoch,
                        new ChunkReader.Next(s.table, chunk(i + 1), s.epoch))))
                        .isEqualTo(expected(i));
                Thread.sleep(400);
            }
            assertThat(s.reader.chunksStartedAhead()).isEqualTo(3);
        }
    }

    @Test
    void withoutASecondConnectionOneReadsEverything() throws Exception {
        try (Session s = new Session(false)) {
            for (int i = 0; i < 3; i++) {
                assertThat(ids(s.reader.readRows(s.table, chunk(i), s.epoch,
                        new ChunkReader.Next(s.table, chunk(i + 1), s.epoch))))
                        .isEqualTo(expected(i));
            }
            assertThat(s.reader.chunksStartedAhead()).isZero();
            assertThat(s.opened).as("tried once, then not again").isEqualTo(1);
        }
    }

    /** Keys (i * 100, (i + 1) * 100]. */
    private static SnapshotChunk chunk(int i) {
        return new SnapshotChunk(i, 0, i == 0 ? null : List.of(Long.toString(
                (long) i * ROWS_PER_CHUNK)), List.of(Long.toString((long) (i + 1) * ROWS_PER_CHUNK)));
    }

    private static List<Long> expected(int i) {
        List<Long> ids = new ArrayList<>();
        for (long id = (long) i * ROWS_PER_CHUNK + 1; id <= (long) (i + 1) * ROWS_PER_CHUNK; id++) {
            ids.add(id);
        }
        return ids;
    }

    private static List<Long> ids(ChunkRows rows) {
        List<Long> ids = new ArrayList<>();
        rows.convert(AvroChangeConverter.forGivenSchemas(pg.database(),
                UnrepresentableValues.NULL), r -> ids.add(
                        (Long) ((GenericRecord) r.get(FieldName.AFTER)).get("id")));
        ids.sort(Long::compare);
        return ids;
    }

    /** An exported snapshot, the table, and a reader whose second lane works or fails. */
    private static final class Session implements AutoCloseable {
        final Connection exporter;
        final Connection first;
        final SnapshotTable table;
        final SnapshotEpoch epoch;
        final ChunkReader reader;
        int opened;

        Session(boolean secondWorks) throws Exception {
            this(secondWorks, null);
        }

        /** {@code sessionSql}: run on both readers' connections first. */
        Session(boolean secondWorks, String sessionSql) throws Exception {
            PgWalConnectionConfig config = PgWalConnectionConfig.builder().hostname(pg.host())
                    .port(pg.port()).database(pg.database()).username(pg.user())
                    .password(pg.password()).slotName("unused").publicationName("unused")
                    .build();
            exporter = pg.connect();
            exporter.setAutoCommit(false);
            exporter.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try (Statement st = exporter.createStatement();
                    ResultSet rs = st.executeQuery("SELECT pg_export_snapshot()")) {
                rs.next();
                epoch = new SnapshotEpoch(1, rs.getString(1), 0x1000L);
            }
            first = ReplicationSetup.connect(config, false);
            run(first, sessionSql);
            table = SnapshotPlanner.describe(first, new QualifiedName("public", "ahead"), "unused");
            Supplier<ChunkReader.Lane> second = () -> {
                opened++;
                if (!secondWorks) {
                    throw new io.pgwal.PgWalException("no second connection here");
                }
                Connection c = ReplicationSetup.connect(config, false);
                run(c, sessionSql);
                return lane(c);
            };
            reader = new ChunkReader(lane(first), second);
        }

        private static void run(Connection c, String sql) {
            if (sql == null) {
                return;
            }
            try (Statement st = c.createStatement()) {
                st.execute(sql);
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        private static ChunkReader.Lane lane(Connection c) {
            return new ChunkReader.Lane(c, new AvroChangeConverter(pg.database(),
                    new JdbcCatalogLookup(c), UnrepresentableValues.NULL));
        }

        @Override
        public void close() throws Exception {
            reader.close();
            first.close();
            exporter.rollback();
            exporter.close();
        }
    }
}
