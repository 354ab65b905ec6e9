package io.pgwal.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The README's demo command does what the README says: reads the rows already in the tables
 * (op READ), streams the changes made after them, then ends.
 */
class DemoJobITCase {

    @Test
    void demoStreamsEveryChangeAndEnds() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (PrintStream tee = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
            System.setOut(tee);
            DemoJob.main(new String[0]);
        } finally {
            System.setOut(original);
        }
        List<String> lines = Arrays.asList(captured.toString(StandardCharsets.UTF_8).split("\n"));
        List<String> changes = lines.stream().filter(l -> l.contains("\"op\": ")).toList();

        assertThat(changes).filteredOn(l -> l.contains("\"op\": \"INSERT\"")).hasSize(7);
        assertThat(changes).filteredOn(l -> l.contains("\"op\": \"UPDATE\"")).hasSize(4);
        assertThat(changes).filteredOn(l -> l.contains("\"op\": \"DELETE\"")).hasSize(1);
        assertThat(changes).filteredOn(l -> l.contains("\"op\": \"MESSAGE\"")).hasSize(1);
        assertThat(changes).filteredOn(l -> l.contains("\"op\": \"READ\"")).hasSize(5)
                .anySatisfy(l -> assertThat(l).contains("\"name\": \"Edsger Dijkstra\""));
        assertThat(changes).hasSize(5 + 13);
        // Values read as what they mean: exact decimals, UUIDs, ISO timestamps, X/Y LSNs.
        assertThat(changes).anySatisfy(l -> assertThat(l).contains("\"amount\": 20.00"));
        assertThat(changes).anySatisfy(l -> assertThat(l).contains("\"name\": \"Ada Lovelace\""));
        assertThat(changes).allSatisfy(l -> assertThat(l).containsPattern("\"commit_lsn\": \"[0-9A-F]+/[0-9A-F]+\""));
        // The key change of customer 3 shows its old key in the before image.
        assertThat(changes).anySatisfy(l -> assertThat(l)
                .contains("\"before\": {\"id\": 3}").contains("\"id\": 30"));
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("pgwal demo: done."));
    }
}
