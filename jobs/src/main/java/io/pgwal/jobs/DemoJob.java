package io.pgwal.jobs;

import io.pgwal.source.PgWalSource;
import io.pgwal.source.PgWalSourceBuilder;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The pgwal demo: streams a PostgreSQL database's changes through Flink and prints each change
 * envelope as one line of JSON.
 *
 * <p>With no arguments it starts an embedded PostgreSQL (wal_level=logical), creates a demo
 * schema and publication, writes a few transactions, streams them with checkpoints every second,
 * and ends. {@code --follow} keeps writing and streaming until Ctrl-C. Any option of {@code
 * PgWalSourceOptions} can be given as {@code --key value} (e.g. {@code --hostname db --username
 * flink --password ... --database-name shop --slot.name s --publication.name p}) or in a
 * properties file with {@code --config file}; with {@code --hostname} the demo reads that server
 * (unbounded, until Ctrl-C) instead of starting its own.
 */
public final class DemoJob {

    private static final String SLOT = "pgwal_demo";
    private static final String PUBLICATION = "pgwal_demo";

    private DemoJob() {}

    public static void main(String[] args) throws Exception {
        DemoArguments arguments = DemoArguments.parse(args);
        if (arguments.options().containsKey("hostname")) {
            runAgainstServer(arguments);
        } else {
            runEmbedded(arguments.follow());
        }
    }

    private static void runAgainstServer(DemoArguments arguments) throws Exception {
        PgWalSource source = PgWalSource.builder()
                .options(Configuration.fromMap(arguments.options()))
                .build();
        System.out.println("pgwal demo: streaming " + source.config() + " until Ctrl-C");
        StreamExecutionEnvironment env = environment();
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "pgwal")
                .map(new ChangeFormatter())
                .print();
        env.execute("pgwal demo");
    }

    private static void runEmbedded(boolean follow) throws Exception {
        System.out.println("pgwal demo: starting an embedded PostgreSQL with wal_level=logical ...");
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder()
                        .setServerConfig("wal_level", "logical")
                        .setServerConfig("max_replication_slots", "4")
                        .setServerConfig("max_wal_senders", "4")
                        .start();
                Connection admin = pg.getPostgresDatabase().getConnection()) {
            execute(admin, resource("demo-schema.sql"));
            PgWalSourceBuilder builder = PgWalSource.builder()
                    .hostname("localhost")
                    .port(pg.getPort())
                    .database("postgres")
                    .username("postgres")
                    .slotName(SLOT)
                    .publicationName(PUBLICATION)
                    .tables("demo.customers", "demo.orders");
            if (follow) {
                follow(pg, builder);
                return;
            }
            // scan.startup.mode = initial (the default): the rows already in the tables first,
            // then the changes made after them. pgwal creates the slot.
            DemoProgress.reset();
            StreamExecutionEnvironment env = environment();
            PgWalSource source = builder.build();
            env.fromSource(source, WatermarkStrategy.noWatermarks(), "pgwal")
                    .map(new DemoProgress()).returns(source.getProducedType())
                    .map(new ChangeFormatter())
                    .print();
            JobClient job = env.executeAsync("pgwal demo");
            long seeded = queryLong(admin, "SELECT (SELECT count(*) FROM demo.customers)"
                    + " + (SELECT count(*) FROM demo.orders)");
            System.out.println("pgwal demo: the tables hold " + seeded + " rows; reading them"
                    + " (op READ), then streaming");
            DemoProgress.await(seeded, job);
            DemoWorkload workload = new DemoWorkload(pg.getPostgresDatabase().getConnection());
            int changes = workload.runScripted();
            System.out.println("pgwal demo: snapshot read; wrote " + changes + " row changes and one"
                    + " message in 4 transactions");
            DemoProgress.await(seeded + changes + 1, job);
            job.cancel().get();
            System.out.println("pgwal demo: done. Slot " + SLOT + " confirmed_flush_lsn = "
                    + queryString(admin, "SELECT confirmed_flush_lsn::text FROM"
                            + " pg_replication_slots WHERE slot_name = ?", SLOT)
                    + " (moved only by completed checkpoints)");
        }
    }

    private static void follow(EmbeddedPostgres pg, PgWalSourceBuilder builder) throws Exception {
        StreamExecutionEnvironment env = environment();
        env.fromSource(builder.build(), WatermarkStrategy.noWatermarks(), "pgwal")
                .map(new ChangeFormatter())
                .print();
        JobClient job = env.executeAsync("pgwal demo (follow)");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            job.cancel();
            stopped.countDown();
        }));
        System.out.println("pgwal demo: writing a transaction every second; Ctrl-C to stop");
        DemoWorkload workload = new DemoWorkload(pg.getPostgresDatabase().getConnection());
        workload.runScripted();
        for (long step = 0; !stopped.await(1, java.util.concurrent.TimeUnit.SECONDS); step++) {
            workload.runOneStep(step);
        }
    }

    private static StreamExecutionEnvironment environment() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.enableCheckpointing(Duration.ofSeconds(1).toMillis());
        return env;
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = DemoJob.class.getClassLoader().getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static long queryLong(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Counts the records that passed (the local cluster runs in this JVM), so the demo knows when
     * the snapshot is through and when the changes have arrived.
     */
    private static final class DemoProgress
            implements org.apache.flink.api.common.functions.MapFunction<
                    org.apache.avro.generic.GenericRecord, org.apache.avro.generic.GenericRecord> {
        private static final java.util.concurrent.atomic.AtomicLong SEEN =
                new java.util.concurrent.atomic.AtomicLong();

        static void reset() {
            SEEN.set(0);
        }

        /** Waits until {@code records} passed; fails when the job ended or after two minutes. */
        static void await(long records, JobClient job) throws Exception {
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (SEEN.get() < records) {
                if (job.getJobStatus().get().isGloballyTerminalState()
                        || System.nanoTime() > deadline) {
                    throw new IllegalStateException("pgwal demo: expected " + records
                            + " records, got " + SEEN.get() + " (job " + job.getJobStatus().get() + ")");
                }
                Thread.sleep(50);
            }
        }

        @Override
        public org.apache.avro.generic.GenericRecord map(org.apache.avro.generic.GenericRecord r) {
            SEEN.incrementAndGet();
            return r;
        }
    }

    private static String queryString(Connection c, String sql, String... params)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setString(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }
}
