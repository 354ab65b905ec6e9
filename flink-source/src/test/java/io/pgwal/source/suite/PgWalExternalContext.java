package io.pgwal.source.suite;

import io.pgwal.source.PgWalSource;
import io.pgwal.source.PgWalSourceBuilder;
import io.pgwal.testing.TestPostgres;
import java.net.URL;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.connector.testframe.external.ExternalSystemSplitDataWriter;
import org.apache.flink.connector.testframe.external.source.DataStreamSourceExternalContext;
import org.apache.flink.connector.testframe.external.source.TestingSourceSettings;

/**
 * One test case's slice of PostgreSQL for Flink's source test suite: its own table, publication and
 * slot (created before any data is written, so the slot keeps all of it). Each {@code
 * writeRecords} call is one transaction. The suite asks for one writer per "split" it imagines;
 * for pgwal they all write into the same table, whose changes form the one stream.
 */
final class PgWalExternalContext implements DataStreamSourceExternalContext<String> {

    private final TestPostgres pg;
    private final String table;

    PgWalExternalContext(TestPostgres pg, int id) {
        this.pg = pg;
        this.table = "suite_" + id;
        pg.execute("CREATE TABLE " + table + " (id bigserial PRIMARY KEY, payload text NOT NULL)",
                "CREATE PUBLICATION " + table + "_pub FOR TABLE " + table,
                "SELECT pg_create_logical_replication_slot('" + table + "_slot', 'pgoutput')");
    }

    @Override
    public Source<String, ?, ?> createSource(TestingSourceSettings settings) {
        PgWalSourceBuilder b = pg.sourceBuilder(table + "_slot", table + "_pub")
                .maxBatchSize(64);
        if (settings.getBoundedness() == Boundedness.BOUNDED) {
            b.stopAtCurrentLsn();
        }
        return new PayloadSource(b.build());
    }

    @Override
    public ExternalSystemSplitDataWriter<String> createSourceSplitDataWriter(
            TestingSourceSettings settings) {
        return new ExternalSystemSplitDataWriter<>() {
            @Override
            public void writeRecords(List<String> records) {
                try (Connection c = pg.connect();
                        PreparedStatement ps = c.prepareStatement(
                                "INSERT INTO " + table + " (payload) VALUES (?)")) {
                    c.setAutoCommit(false);
                    for (String r : records) {
                        ps.setString(1, r);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                    c.commit();
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public void close() {}
        };
    }

    @Override
    public List<String> generateTestData(TestingSourceSettings settings, int splitIndex, long seed) {
        Random random = new Random(seed);
        int n = 20 + random.nextInt(80);
        List<String> data = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            data.add("split" + splitIndex + "-" + i + "-" + Long.toHexString(random.nextLong()));
        }
        return data;
    }

    @Override
    public TypeInformation<String> getProducedType() {
        return Types.STRING;
    }

    @Override
    public List<URL> getConnectorJarPaths() {
        return Collections.emptyList();
    }

    @Override
    public void close() {
        // Drop the slot: an abandoned slot would retain WAL for the rest of the suite.
        pg.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                + " WHERE slot_name = '" + table + "_slot' AND NOT active");
    }

    @Override
    public String toString() {
        return "PgWalExternalContext(" + table + ")";
    }
}
