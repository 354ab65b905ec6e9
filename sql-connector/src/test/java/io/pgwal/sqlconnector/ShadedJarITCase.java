package io.pgwal.sqlconnector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.sql.Driver;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.apache.flink.table.factories.DynamicTableSourceFactory;
import org.apache.flink.table.factories.Factory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shaded SQL connector jar (built by {@code package}, checked by failsafe afterwards) holds the
 * connector, registers its table factory, carries pgjdbc, Avro and Jackson only under {@code
 * io/pgwal/shaded/}, and leaves Flink and logging to the cluster.
 */
class ShadedJarITCase {

    private static List<String> entries;
    private static Path jar;

    @BeforeAll
    static void readJar() throws IOException {
        jar = Path.of(System.getProperty("pgwal.sql-connector.jar", "target/missing.jar"));
        assertThat(jar).as("run through `mvn verify`, which builds the jar first").isRegularFile();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            entries = zip.stream().map(ZipEntry::getName).toList();
        }
    }

    @Test
    void tableFactoryIsRegistered() throws IOException {
        assertThat(service("org.apache.flink.table.factories.Factory"))
                .contains("io.pgwal.table.PgWalDynamicTableFactory");
        assertThat(entries).contains("io/pgwal/table/PgWalDynamicTableFactory.class",
                "io/pgwal/source/PgWalSource.class");
    }

    @Test
    void dependenciesAreRelocated() throws IOException {
        assertThat(entries).contains("io/pgwal/shaded/org/postgresql/Driver.class",
                "io/pgwal/shaded/org/apache/avro/Schema.class",
                "io/pgwal/shaded/com/fasterxml/jackson/databind/ObjectMapper.class");
        // pgjdbc's JDBC driver registration follows the relocation.
        assertThat(service("java.sql.Driver")).contains("io.pgwal.shaded.org.postgresql.Driver")
                .doesNotContain("\norg.postgresql").doesNotStartWith("org.postgresql");
    }

    @Test
    void nothingUnrelocatedAndNoFlink() {
        // Also no multi-release variants (META-INF/versions/N/org/postgresql/...): not relocated.
        assertThat(entries.stream().filter(e -> e.endsWith(".class")).map(e -> e.replaceFirst("^META-INF/versions/\\d+/", "")))
                .noneMatch(e -> e.startsWith("org/postgresql/"))
                .noneMatch(e -> e.startsWith("org/apache/avro/"))
                .noneMatch(e -> e.startsWith("com/fasterxml/"))
                .noneMatch(e -> e.startsWith("org/apache/flink/"))
                .noneMatch(e -> e.startsWith("org/slf4j/"))
                .noneMatch(e -> e.startsWith("org/apache/logging/"))
                .allMatch(e -> e.startsWith("io/pgwal/"), "only pgwal's packages");
        assertThat(entries).noneMatch(e -> e.startsWith("META-INF/versions/") && e.endsWith(".class"));
    }

    /**
     * Flink discovers the factory from the jar and it links against Flink's classes alone (this
     * test's class path has Flink but neither pgwal, pgjdbc nor Avro unshaded).
     */
    @Test
    void factoryLoadsFromTheJarAlone() throws Exception {
        assertThatThrownBy(() -> Class.forName("org.postgresql.Driver"))
                .as("the test class path must not provide pgjdbc").isInstanceOf(ClassNotFoundException.class);
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()},
                ShadedJarITCase.class.getClassLoader())) {
            List<Factory> factories = new ArrayList<>();
            ServiceLoader.load(Factory.class, loader).forEach(factories::add);
            Factory pgwal = factories.stream().filter(f -> f.factoryIdentifier().equals("pgwal"))
                    .findFirst().orElseThrow();
            assertThat(pgwal).isInstanceOf(DynamicTableSourceFactory.class);
            assertThat(pgwal.getClass().getClassLoader()).isSameAs(loader);
            assertThat(pgwal.requiredOptions()).extracting(o -> o.key())
                    .contains("hostname", "slot.name", "table-name");
            // The relocated JDBC driver loads and still takes jdbc:postgresql: URLs.
            Driver driver = (Driver) Class.forName("io.pgwal.shaded.org.postgresql.Driver", true, loader)
                    .getDeclaredConstructor().newInstance();
            assertThat(driver.acceptsURL("jdbc:postgresql://localhost:5432/shop")).isTrue();
            // Avro, relocated, parses a schema (its Jackson is relocated too).
            Class<?> parser = Class.forName("io.pgwal.shaded.org.apache.avro.Schema$Parser", true, loader);
            Object schema = parser.getMethod("parse", String.class).invoke(
                    parser.getDeclaredConstructor().newInstance(), "{\"type\": \"long\"}");
            assertThat(schema.toString()).isEqualTo("\"long\"");
        }
    }

    @Test
    void jarIsSmallEnoughToBeShadedOnly() throws IOException {
        // Flink's own jars are tens of MB; pgwal with its three dependencies is a few MB.
        assertThat(Files.size(jar)).isBetween(500_000L, 10_000_000L);
    }

    private static String service(String name) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            ZipEntry e = zip.getEntry("META-INF/services/" + name);
            assertThat(e).as("META-INF/services/" + name).isNotNull();
            try (InputStream in = zip.getInputStream(e)) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
    }
}
