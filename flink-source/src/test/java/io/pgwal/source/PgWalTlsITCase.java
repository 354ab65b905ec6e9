package io.pgwal.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.avro.Envelope;
import io.pgwal.testing.FailsOnce;
import io.pgwal.testing.TestCertificates;
import io.pgwal.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
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
 * A server that accepts its user only over TLS with a client certificate ({@code hostssl ...
 * cert}; the same user without TLS is rejected), so every connection pgwal opens (setup checks,
 * snapshot, replication, catalog) must use the TLS options. The user has only REPLICATION and
 * SELECT on the captured table, and the publication was made by the table's owner: least
 * privilege, end to end. A wrong CA or a missing grant ends the job once, naming the option or the
 * grant.
 */
class PgWalTlsITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension();

    private static Path dir;
    private static TestCertificates ca;
    private static TestCertificates otherCa;
    private static Path[] client;
    private static TestPostgres pg;

    @BeforeAll
    static void startPostgres() throws Exception {
        dir = Files.createTempDirectory("pgwal-tls");
        ca = TestCertificates.authority(dir, "pgwal-test");
        otherCa = TestCertificates.authority(dir, "someone-else");
        Path[] server = ca.server("server");
        client = ca.client("certuser");
        pg = TestPostgres.start(0, Map.of("ssl", "on",
                "ssl_cert_file", server[0].toString(), "ssl_key_file", server[1].toString(),
                "ssl_ca_file", ca.caCertFile().toString()));
        pg.prependHba(
                "hostssl all certuser 127.0.0.1/32 cert",
                "hostssl all certuser ::1/128 cert",
                "hostssl replication certuser 127.0.0.1/32 cert",
                "hostssl replication certuser ::1/128 cert",
                "host all certuser all reject",
                "host replication certuser all reject");
        pg.execute("CREATE ROLE certuser LOGIN REPLICATION",
                "CREATE TABLE secure (id int PRIMARY KEY, v text)",
                "CREATE TABLE unreadable (id int PRIMARY KEY)",
                "GRANT SELECT ON secure TO certuser",
                "CREATE PUBLICATION secure_pub FOR TABLE secure",
                "CREATE PUBLICATION unreadable_pub FOR TABLE unreadable",
                "INSERT INTO secure VALUES (1, 'a'), (2, 'b'), (3, 'c')");
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        pg.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static PgWalSourceBuilder asCertUser(String slot, String publication,
            TestCertificates trusted) {
        return pg.sourceBuilder(slot, publication).username("certuser").password("")
                .ssl("verify-full", trusted.caCertFile().toString())
                .sslClientCertificate(client[0].toString(), client[1].toString(), null);
    }

    @Test
    void snapshotAndStreamOverVerifiedTlsWithAClientCertificateAndLeastPrivilege()
            throws Exception {
        PgWalSource source = asCertUser("secure_slot", "secure_pub", ca)
                .startupMode(StartupMode.INITIAL).stopAtCurrentLsn().build();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.enableCheckpointing(200);
        List<GenericRecord> out = new ArrayList<>();
        try (CloseableIterator<GenericRecord> it = env
                .fromSource(source, WatermarkStrategy.noWatermarks(), "pgwal").executeAndCollect()) {
            it.forEachRemaining(out::add);
        }

        assertThat(out).extracting(r -> Envelope.op(r) + " " + Envelope.after(r).get("id"))
                .containsExactlyInAnyOrder("READ 1", "READ 2", "READ 3");
        // The stream ran too: the slot exists and was confirmed by the job's checkpoints.
        assertThat(pg.queryString("SELECT count(*) FROM pg_replication_slots"
                + " WHERE slot_name = 'secure_slot'")).isEqualTo("1");
    }

    @Test
    void theServerRejectsTheUserWithoutTls() {
        // What makes the test above prove that every connection pgwal opened used TLS.
        java.util.Properties p = new java.util.Properties();
        p.setProperty("user", "certuser");
        p.setProperty("sslmode", "disable");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> java.sql.DriverManager.getConnection(pg.jdbcUrl(), p).close())
                .isInstanceOf(java.sql.SQLException.class)
                .hasMessageContaining("certuser");
    }

    @Test
    void aServerCertificateOfAnotherCaEndsTheJobOnceNamingTheOption() throws Exception {
        String failure = FailsOnce.run(asCertUser("other_slot", "secure_pub", otherCa).build());

        assertThat(failure).contains("TLS handshake failed").contains("'ssl.root-cert'")
                .contains("certuser");
    }

    @Test
    void aTableTheUserMayNotReadIsRefusedNamingTheGrant() throws Exception {
        String failure = FailsOnce.run(asCertUser("unreadable_slot", "unreadable_pub", ca)
                .startupMode(StartupMode.INITIAL).build());

        assertThat(failure).contains("GRANT SELECT ON \"public\".\"unreadable\" TO \"certuser\"");
    }
}
