package io.pgwal.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.testing.TestPostgres;
import io.pgwal.testing.ThrottledIdJob;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * PostgreSQL crashes (immediate shutdown) and restarts on the same data directory while a large
 * transaction is half read: the reader retries until the server is back, the transaction is
 * replayed after crash recovery, and the output is exact, without any job restart. (A fast
 * shutdown would not do: the walsender first sends everything still unsent, so the reader would
 * have the whole transaction before the server went down.)
 */
class PgWalServerRestartITCase {

    private static final int ROWS = 20_000;

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension();

    @RegisterExtension
    static final TestPostgres pg = TestPostgres.perClass();

    @BeforeAll
    static void startPostgres() {
        pg.execute("CREATE TABLE s (id int PRIMARY KEY, pad text)",
                "CREATE PUBLICATION s_pub FOR TABLE s",
                "SELECT pg_create_logical_replication_slot('s_slot', 'pgoutput')");
    }

    @Test
    void survivesAServerRestartWithoutLossOrDuplicates() throws Exception {
        assertThat(pg.isEmbedded()).isTrue();
        pg.execute("INSERT INTO s SELECT i, repeat(md5(i::text), 32) FROM generate_series(1, "
                + ROWS + ") i");
        PgWalSource source = pg.sourceBuilder("s_slot", "s_pub")
                .maxBatchSize(100)
                .reconnect(10, Duration.ofMillis(200))
                .stopAtLsn(pg.currentInsertLsn())
                .build();
        JobClient job = ThrottledIdJob.start(source, "restart");

        List<String> out = ThrottledIdJob.awaitOutput("restart", 1_000);
        pg.crashAndRestart();
        int seenAtRestart = out.size();
        job.getJobExecutionResult().get(2, TimeUnit.MINUTES);

        assertThat(seenAtRestart).isLessThan(ROWS);
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= ROWS; i++) {
            expected.add(Integer.toString(i));
        }
        assertThat(out).hasSize(ROWS).isEqualTo(expected);
    }

}
