package io.pgwal.bench.micro;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * What one benchmark processes per invocation (messages and their bytes), printed by each fork
 * and, when the system property {@value #FILE_PROPERTY} names a file, recorded there under the
 * benchmark's name, so that {@link MicroTable} can turn messages/s into bytes/s. JMH forks
 * inherit the system properties of the JVM that launched them.
 */
final class CaptureStats {

    static final String FILE_PROPERTY = "pgwal.micro.stats";

    private CaptureStats() {}

    static void record(BenchmarkParams params, CapturedStream stream, int[] processed)
            throws IOException {
        long bytes = stream.bytes(processed);
        System.out.printf("%n[capture] %s%n[capture] %s processes %d messages, %d bytes,"
                + " mean %.1f bytes/message%n", stream.describe(), params.getBenchmark(),
                processed.length, bytes, (double) bytes / processed.length);
        String file = System.getProperty(FILE_PROPERTY);
        if (file == null) {
            return;
        }
        Path path = Path.of(file);
        Properties p = load(path);
        p.setProperty(params.getBenchmark() + ".messages", Long.toString(processed.length));
        p.setProperty(params.getBenchmark() + ".bytes", Long.toString(bytes));
        try (Writer w = Files.newBufferedWriter(path)) {
            p.store(w, "messages and bytes per invocation of each micro-benchmark");
        }
    }

    static Properties load(Path path) throws IOException {
        Properties p = new Properties();
        if (Files.exists(path)) {
            try (Reader r = Files.newBufferedReader(path)) {
                p.load(r);
            }
        }
        return p;
    }
}
