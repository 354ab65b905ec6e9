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
import org.postgresql.replication.LogSequenceNumber;

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
            // Create the slot before writing, so that the workload's changes are kept for us.
            queryString(admin, "SELECT pg_create_logical_replication_slot(?, 'pgoutput')::text", SLOT);
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
            DemoWorkload workload = new DemoWorkload(pg.getPostgresDatabase().getConnection());
            int changes = workload.runScripted();
            String stop = queryString(admin, "SELECT pg_current_wal_insert_lsn()::text");
            System.out.println("pgwal demo: wrote " + changes + " row changes and one message in"
                    + " 4 transactions; streaming slot " + SLOT + " up to " + stop);
            StreamExecutionEnvironment env = environment();
            env.fromSource(builder.stopAtLsn(LogSequenceNumber.valueOf(stop)).build(),
                            WatermarkStrategy.noWatermarks(), "pgwal")
                    .map(new ChangeFormatter())
                    .print();
            env.execute("pgwal demo");
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
