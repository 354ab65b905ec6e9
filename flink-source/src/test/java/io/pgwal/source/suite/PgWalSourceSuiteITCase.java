package io.pgwal.source.suite;

import io.pgwal.testing.TestPostgres;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.connector.testframe.TestResource;
import org.apache.flink.connector.testframe.environment.MiniClusterTestEnvironment;
import org.apache.flink.connector.testframe.external.ExternalContextFactory;
import org.apache.flink.connector.testframe.junit.annotations.TestContext;
import org.apache.flink.connector.testframe.junit.annotations.TestEnv;
import org.apache.flink.connector.testframe.junit.annotations.TestExternalSystem;
import org.apache.flink.connector.testframe.junit.annotations.TestSemantics;
import org.apache.flink.connector.testframe.testsuites.SourceTestSuiteBase;
import org.apache.flink.core.execution.CheckpointingMode;

/**
 * Flink's own connector test suite against the pgwal source, a real PostgreSQL and a MiniCluster:
 * single split (bounded and unbounded), savepoint, scale up and down, metrics, idle readers and a
 * TaskManager failure, with exactly-once semantics.
 */
class PgWalSourceSuiteITCase extends SourceTestSuiteBase<String> {

    private static final AtomicInteger CONTEXTS = new AtomicInteger();

    @TestEnv
    MiniClusterTestEnvironment flink = new MiniClusterTestEnvironment();

    @TestExternalSystem
    PostgresResource postgres = new PostgresResource();

    @TestContext
    ExternalContextFactory<PgWalExternalContext> contexts =
            name -> new PgWalExternalContext(postgres.pg, CONTEXTS.incrementAndGet());

    @TestSemantics
    CheckpointingMode[] semantics = new CheckpointingMode[] {CheckpointingMode.EXACTLY_ONCE};

    /** The embedded PostgreSQL shared by every case of the suite. */
    static final class PostgresResource implements TestResource {
        TestPostgres pg;

        @Override
        public void startUp() {
            pg = TestPostgres.start();
        }

        @Override
        public void tearDown() {
            pg.close();
        }
    }
}
