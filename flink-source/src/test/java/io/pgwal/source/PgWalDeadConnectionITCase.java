package io.pgwal.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.testing.CollectingSink;
import io.pgwal.testing.TcpProxy;
import io.pgwal.testing.TestPostgres;
import io.pgwal.testing.ThrottledIdJob;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The network path of the replication connection goes silent without a reset (no FIN, no RST:
 * the bytes simply stop, both ways). Without detection the reader would wait for the operating
 * system's TCP timeouts, about 15 minutes. With {@code connection.dead-after} = 3 s it takes the
 * connection for dead, ends the old walsender (which still holds the slot until the server's
 * wal_sender_timeout, 60 s here) and reconnects; what was committed meanwhile arrives once.
 */
class PgWalDeadConnectionITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension();

    @RegisterExtension
    static final TestPostgres pg = TestPostgres.perClass();
    private static TcpProxy proxy;

    @BeforeAll
    static void startPostgres() {
        pg.execute("CREATE TABLE d (id int PRIMARY KEY)", "CREATE PUBLICATION d_pub FOR TABLE d",
                "SELECT pg_create_logical_replication_slot('d_slot', 'pgoutput')");
        proxy = TcpProxy.start(pg.host(), pg.port());
    }

    @AfterAll
    static void stop() {
        proxy.close();
    }

    @Test
    void aSilentConnectionIsDetectedAndReplaced() throws Exception {
        PgWalSource source = pg.sourceBuilder("d_slot", "d_pub").port(proxy.port())
                .deadConnectionAfter(Duration.ofSeconds(3))
                .reconnect(10, Duration.ofMillis(200))
                .build();
        JobClient job = ThrottledIdJob.start(source, "dead");
        try {
            pg.execute("INSERT INTO d VALUES (1)");
            ThrottledIdJob.awaitOutput("dead", 1);
            int before = proxy.connectionsAccepted();

            proxy.silenceOpen();
            long silencedAt = System.nanoTime();
            pg.execute("INSERT INTO d VALUES (2)");
            List<String> out = ThrottledIdJob.awaitOutput("dead", 2);
            Duration recovered = Duration.ofNanos(System.nanoTime() - silencedAt);

            System.out.println("pgwal: silent connection replaced after " + recovered.toMillis()
                    + " ms");
            assertThat(recovered).isLessThan(Duration.ofSeconds(30));
            assertThat(proxy.connectionsAccepted()).isGreaterThan(before);
            Thread.sleep(1_000);
            assertThat(CollectingSink.output("dead")).hasSize(2);
            assertThat(out).hasSize(2);
        } finally {
            job.cancel().get(30, TimeUnit.SECONDS);
        }
    }
}
