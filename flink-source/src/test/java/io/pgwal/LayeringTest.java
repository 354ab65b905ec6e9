package io.pgwal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Only the SQL connector's package may use Flink's table classes: a DataStream job runs on
 * clusters without them (the standalone cluster of local-cluster.sh has none), so a reference from
 * the stream's code fails there with NoClassDefFoundError (TaskManagerKillIT found one).
 */
class LayeringTest {

    @Test
    void onlyTheTablePackageUsesFlinksTableClasses() throws IOException {
        Path main = Path.of("src/main/java/io/pgwal");
        List<Path> offenders;
        try (Stream<Path> files = Files.walk(main)) {
            offenders = files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> !main.relativize(p).startsWith("table"))
                    .filter(p -> {
                        try {
                            return Files.readString(p).contains("org.apache.flink.table.");
                        } catch (IOException e) {
                            throw new IllegalStateException(e);
                        }
                    })
                    .toList();
        }
        assertThat(offenders).isEmpty();
    }
}
