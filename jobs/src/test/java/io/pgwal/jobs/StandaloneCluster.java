package io.pgwal.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The standalone cluster of {@code local-cluster.sh} (a JobManager and TaskManagers as separate
 * JVMs) for the {@code *IT} tests, on a REST and an RPC port that were free when it started, so
 * that two checkouts can run these tests at once (the TaskManagers' ports are chosen by the OS).
 * The script's own defaults (18081, 16123) stay for people who run it by hand.
 */
final class StandaloneCluster implements AutoCloseable {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    private final int restPort;
    private final int rpcPort;

    private StandaloneCluster(int restPort, int rpcPort) {
        this.restPort = restPort;
        this.rpcPort = rpcPort;
    }

    /**
     * Starts a JobManager and {@code taskManagers} TaskManagers; {@code sql} adds Flink's table
     * planner and Paimon to their class path ({@code local-cluster.sh start --sql}).
     */
    static StandaloneCluster start(int taskManagers, boolean sql) throws Exception {
        int rest;
        int rpc;
        try (ServerSocket a = new ServerSocket(0); ServerSocket b = new ServerSocket(0)) {
            rest = a.getLocalPort();
            rpc = b.getLocalPort();
        }
        StandaloneCluster cluster = new StandaloneCluster(rest, rpc);
        List<String> args = new ArrayList<>(List.of("start"));
        if (sql) {
            args.add("--sql");
        }
        args.add(Integer.toString(taskManagers));
        try {
            cluster.run(args.toArray(String[]::new));
        } catch (Throwable t) {
            cluster.close(); // a JobManager or TaskManager that did start must not outlive the test
            throw t;
        }
        return cluster;
    }

    /** Runs {@code local-cluster.sh args} against this cluster; output in jobs/target. */
    void run(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", ROOT.resolve("local-cluster.sh").toString()));
        cmd.addAll(List.of(args));
        Path log = ROOT.resolve("jobs/target/local-cluster-" + args[0] + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("PGWAL_CLUSTER_REST_PORT", Integer.toString(restPort));
        pb.environment().put("PGWAL_CLUSTER_RPC_PORT", Integer.toString(rpcPort));
        int exit = pb.start().waitFor();
        assertThat(exit).as("local-cluster.sh " + String.join(" ", args) + " (see " + log + ")").isZero();
    }

    /** Submits {@code main} of the job jar with {@code args} (detached); returns the job id. */
    String submit(Class<?> main, List<String> args) throws Exception {
        File jar;
        try (Stream<Path> jars = Files.list(ROOT.resolve("jobs/target"))) {
            jar = jars.filter(p -> p.toString().endsWith("-job.jar")).findFirst().orElseThrow().toFile();
        }
        List<String> cmd = new ArrayList<>(List.of("submit", "-c", main.getName(), jar.getPath()));
        cmd.addAll(args);
        run(cmd.toArray(String[]::new));
        Matcher m = Pattern.compile("JobID ([0-9a-f]{32})").matcher(
                Files.readString(ROOT.resolve("jobs/target/local-cluster-submit.log")));
        assertThat(m.find()).as("job id in jobs/target/local-cluster-submit.log").isTrue();
        return m.group(1);
    }

    /** SIGKILLs the oldest running TaskManager and starts a new one. */
    void killTaskManager() throws Exception {
        run("kill-taskmanager");
        run("add-taskmanager");
    }

    /** The job's state from the REST API ({@code RUNNING}, {@code FINISHED}, ...; NONE if unknown). */
    String jobState(String jobId) throws Exception {
        String body = rest("GET", "/jobs/" + jobId);
        int i = body.indexOf("\"state\":\"");
        return i < 0 ? "NONE" : body.substring(i + 9, body.indexOf('"', i + 9));
    }

    /** Cancels the job and waits until it is CANCELED. */
    void cancel(String jobId) throws Exception {
        rest("PATCH", "/jobs/" + jobId + "?mode=cancel");
        await(() -> "CANCELED".equals(jobState(jobId)), "job " + jobId + " cancelled");
    }

    /** The JobManager's log so far. */
    String jobManagerLog() throws Exception {
        return Files.readString(ROOT.resolve("local-cluster/target/log/jm.log"));
    }

    private String rest(String method, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + restPort + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    @Override
    public void close() throws Exception {
        run("stop");
    }

    interface Check {
        boolean ok() throws Exception;
    }

    /** Polls {@code check} every 100 ms, failing with {@code what} after 3 minutes. */
    static void await(Check check, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (!check.ok()) {
            assertThat(System.nanoTime() - deadline).as(what).isNegative();
            Thread.sleep(100);
        }
    }
}
