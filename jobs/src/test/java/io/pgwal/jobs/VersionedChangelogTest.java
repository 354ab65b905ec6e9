package io.pgwal.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VersionedChangelogTest {

    private static final Map<Integer, String> POSTGRES = Map.of(1, "3 c", 2, "0 x");

    private static PaimonLake.Row row(String kind, int id, int version) {
        return new PaimonLake.Row(kind, id, version, "n");
    }

    /** Row 1 read at version 1 and updated twice, row 2 inserted, row 3 inserted and deleted. */
    private static List<PaimonLake.Row> exact() {
        return List.of(row("+I", 1, 1), row("-U", 1, 1), row("+U", 1, 2), row("+I", 2, 0),
                row("+I", 3, 0), row("-U", 1, 2), row("+U", 1, 3), row("-D", 3, 0));
    }

    @Test
    void anExactChangelogPasses() {
        VersionedChangelog c = VersionedChangelog.check(exact(), POSTGRES);
        assertThat(c.lost()).isZero();
        assertThat(c.duplicated()).isZero();
        assertThat(c.problems()).isEmpty();
        assertThat(c.records()).isEqualTo(8);
    }

    @Test
    void seesLostVersionsRowsAndDeletes() {
        assertThat(VersionedChangelog.check(without(exact(), 2), POSTGRES).lost()).isEqualTo(1); // version 2
        assertThat(VersionedChangelog.check(without(exact(), 6), POSTGRES).lost()).isEqualTo(1); // version 3
        assertThat(VersionedChangelog.check(without(exact(), 3), POSTGRES).lost()).isEqualTo(1); // row 2
        assertThat(VersionedChangelog.check(without(exact(), 7), POSTGRES).lost()).isEqualTo(1); // the delete
    }

    @Test
    void seesRepeatedVersionsAndDeletes() {
        List<PaimonLake.Row> twice = new java.util.ArrayList<>(exact());
        twice.add(row("+U", 1, 2));
        twice.add(row("-D", 3, 0));
        twice.add(row("-D", 2, 0));
        VersionedChangelog c = VersionedChangelog.check(twice, POSTGRES);
        assertThat(c.duplicated()).isEqualTo(3);
        assertThat(c.problems()).hasSize(3);
    }

    private static List<PaimonLake.Row> without(List<PaimonLake.Row> rows, int index) {
        List<PaimonLake.Row> copy = new java.util.ArrayList<>(rows);
        copy.remove(index);
        return copy;
    }
}
