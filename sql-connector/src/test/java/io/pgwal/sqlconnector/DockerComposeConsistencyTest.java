package io.pgwal.sqlconnector;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The docker compose demo cannot be run here (no Docker engine), so its consistency is checked
 * statically: pinned images matching the build's Flink version, consistent ports, every mounted
 * host path present in the repository (or the connector jar this module builds), and a demo SQL
 * script whose connection options match the compose services and the init script.
 */
class DockerComposeConsistencyTest {

    private static Path docker;
    private static Map<String, Map<String, Object>> services;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void parseCompose() throws IOException {
        docker = Path.of(System.getProperty("pgwal.repo-root", "..")).resolve("docker").normalize();
        Map<String, Object> compose = new Yaml().load(Files.readString(docker.resolve("docker-compose.yml")));
        services = (Map<String, Map<String, Object>>) compose.get("services");
        assertThat(services).containsOnlyKeys("postgres", "jobmanager", "taskmanager", "sql-client");
    }

    @Test
    void imagesArePinned() {
        String flinkImage = "flink:" + System.getProperty("pgwal.flink.version", "2.3.0") + "-java17";
        assertThat(image("postgres")).isEqualTo("postgres:17");
        for (String s : List.of("jobmanager", "taskmanager", "sql-client")) {
            assertThat(image(s)).as(s).isEqualTo(flinkImage);
        }
        services.forEach((name, s) -> assertThat(image(name)).as(name).contains(":").doesNotEndWith(":latest"));
    }

    @Test
    void postgresIsLogicalAndInitialized() {
        assertThat(String.join(" ", strings(services.get("postgres").get("command")))).contains("wal_level=logical");
        assertThat(volumes("postgres")).contains("./postgres/init.sql:/docker-entrypoint-initdb.d/init.sql:ro");
    }

    @Test
    void portsAreConsistent() {
        Set<String> hostPorts = new HashSet<>();
        Map<String, String> published = new LinkedHashMap<>();
        services.forEach((name, s) -> {
            for (String p : strings(s.get("ports"))) {
                String[] parts = p.split(":");
                assertThat(parts).as(name + " port " + p).hasSize(2);
                assertThat(hostPorts.add(parts[0])).as("host port " + parts[0] + " used twice").isTrue();
                published.put(name, parts[1]);
            }
        });
        assertThat(published).containsEntry("postgres", "5432").containsEntry("jobmanager", "8081");
        assertThat(flinkProperty("jobmanager", "rest.port")).isEqualTo("8081");
        assertThat(flinkProperty("sql-client", "rest.port")).isEqualTo("8081");
        assertThat(flinkProperty("sql-client", "rest.address")).isEqualTo("jobmanager");
        assertThat(flinkProperty("taskmanager", "jobmanager.rpc.address")).isEqualTo("jobmanager");
        // The demo connects to the postgres service on its container port.
        Map<String, String> options = demoTableOptions();
        assertThat(options).containsEntry("hostname", "postgres").containsEntry("port", "5432");
    }

    @Test
    void mountedHostPathsExist() {
        String jar = System.getProperty("pgwal.sql-connector.jar-name", "pgwal-sql-connector-0.1.0-SNAPSHOT.jar");
        List<String> jarMounts = new ArrayList<>();
        services.forEach((name, s) -> {
            for (String v : volumes(name)) {
                String host = v.split(":")[0];
                assertThat(host).as(name + " volume " + v).startsWith(".");
                Path resolved = docker.resolve(host).normalize();
                if (host.startsWith("../sql-connector/target/")) {
                    assertThat(resolved.getFileName().toString()).as("the jar sql-connector builds").isEqualTo(jar);
                    assertThat(v.split(":")[1]).startsWith("/opt/flink/lib/");
                    jarMounts.add(name);
                } else {
                    assertThat(resolved).as(name + " mounts " + host).exists();
                }
            }
        });
        assertThat(jarMounts).containsExactlyInAnyOrder("jobmanager", "taskmanager", "sql-client");
        assertThat(volumes("sql-client")).contains("./sql:/opt/sql:ro");
        assertThat(strings(services.get("sql-client").get("command"))).contains("/opt/sql/demo.sql");
        assertThat(docker.resolve("sql/demo.sql")).exists();
    }

    @Test
    void demoSqlMatchesInitScript() throws IOException {
        String init = Files.readString(docker.resolve("postgres/init.sql"));
        Map<String, String> env = env("postgres");
        String demo = Files.readString(docker.resolve("sql/demo.sql"));
        Matcher tables = Pattern.compile("'table-name' = '([^']+)'").matcher(demo);
        int count = 0;
        while (tables.find()) {
            count++;
            assertThat(init).contains("CREATE TABLE public." + tables.group(1) + " (");
        }
        assertThat(count).isEqualTo(2);
        Map<String, String> o = demoTableOptions();
        assertThat(init).contains("CREATE PUBLICATION " + o.get("publication.name") + " FOR TABLE")
                .contains("CREATE ROLE " + o.get("username") + " WITH LOGIN REPLICATION PASSWORD '"
                        + o.get("password") + "'");
        assertThat(o.get("database-name")).isEqualTo(env.get("POSTGRES_DB"));
        assertThat(demo).contains("'connector' = 'pgwal'");
    }

    /** The options of the first CREATE TABLE in demo.sql. */
    private static Map<String, String> demoTableOptions() {
        try {
            String demo = Files.readString(docker.resolve("sql/demo.sql"));
            String with = demo.substring(demo.indexOf("WITH ("), demo.indexOf(");", demo.indexOf("WITH (")));
            Map<String, String> options = new LinkedHashMap<>();
            Matcher m = Pattern.compile("'([^']+)' = '([^']*)'").matcher(with);
            while (m.find()) {
                options.put(m.group(1), m.group(2));
            }
            return options;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String image(String service) {
        return (String) services.get(service).get("image");
    }

    private static List<String> volumes(String service) {
        return strings(services.get(service).get("volumes"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> env(String service) {
        Map<String, Object> env = (Map<String, Object>) services.get(service).get("environment");
        Map<String, String> out = new LinkedHashMap<>();
        env.forEach((k, v) -> out.put(k, String.valueOf(v)));
        return out;
    }

    /** A key of the FLINK_PROPERTIES block of a Flink service. */
    private static String flinkProperty(String service, String key) {
        for (String line : env(service).get("FLINK_PROPERTIES").split("\n")) {
            if (line.startsWith(key + ":")) {
                return line.substring(key.length() + 1).trim();
            }
        }
        return null;
    }

    private static List<String> strings(Object list) {
        List<String> out = new ArrayList<>();
        if (list instanceof List<?> l) {
            l.forEach(o -> out.add(String.valueOf(o)));
        } else if (list != null) {
            out.add(String.valueOf(list));
        }
        return out;
    }
}
