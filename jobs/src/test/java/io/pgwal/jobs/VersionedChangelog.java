package io.pgwal.jobs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A changelog of a table written by {@link VersionedWriter} (each UPDATE adds one to {@code
 * version}), checked row by row against the table's final state: a row's versions (of its {@code
 * +I} and {@code +U} records) must be consecutive and each there once, up to its version in
 * PostgreSQL; a deleted row's records end in one {@code -D}. The first version is the one the
 * snapshot read (or 0 for a row inserted later), so a snapshot row lost together with the updates
 * before the next one would go unseen here; the comparison of the final states sees a lost row.
 */
record VersionedChangelog(long records, long lost, long duplicated, List<String> problems) {

    /**
     * Checks {@code changelog} against {@code postgres}, the table's final state (id -> "version
     * name"): a missing version, a missing delete or a missing row counts as lost; a version or a
     * delete twice, a version beyond PostgreSQL's or a delete of a row that exists counts as
     * duplicated. {@code problems} names the first 20 rows with either.
     */
    static VersionedChangelog check(List<PaimonLake.Row> changelog, Map<Integer, String> postgres) {
        Map<Integer, List<Integer>> versions = new HashMap<>();
        Map<Integer, Integer> deletes = new HashMap<>();
        for (PaimonLake.Row r : changelog) {
            switch (r.kind()) {
                case "+I", "+U" -> versions.computeIfAbsent(r.id(), k -> new ArrayList<>()).add(r.version());
                case "-D" -> deletes.merge(r.id(), 1, Integer::sum);
                default -> { } // -U: the old row, already counted as the version before
            }
        }
        long lost = 0;
        long duplicated = 0;
        List<String> problems = new ArrayList<>();
        TreeSet<Integer> ids = new TreeSet<>(versions.keySet());
        ids.addAll(deletes.keySet());
        ids.addAll(postgres.keySet());
        for (int id : ids) {
            List<Integer> vs = versions.getOrDefault(id, List.of());
            TreeSet<Integer> distinct = new TreeSet<>(vs);
            int d = deletes.getOrDefault(id, 0);
            String now = postgres.get(id);
            long rowLost = distinct.isEmpty() ? 0 : distinct.last() - distinct.first() + 1 - distinct.size();
            long rowDuplicated = vs.size() - distinct.size() + Math.max(0, d - 1);
            if (now != null) {
                int last = Integer.parseInt(now.substring(0, now.indexOf(' ')));
                rowLost += distinct.isEmpty() ? 1 : Math.max(0, last - distinct.last());
                rowDuplicated += distinct.isEmpty() || distinct.last() <= last ? 0 : 1;
                rowDuplicated += d; // deleted in Paimon, present in PostgreSQL
            } else if (!distinct.isEmpty() && d == 0) {
                rowLost++; // its delete
            }
            if (rowLost + rowDuplicated > 0 && problems.size() < 20) {
                problems.add("id " + id + ": versions " + vs + ", " + d + " deletes, PostgreSQL " + now);
            }
            lost += rowLost;
            duplicated += rowDuplicated;
        }
        return new VersionedChangelog(changelog.size(), lost, duplicated, problems);
    }
}
