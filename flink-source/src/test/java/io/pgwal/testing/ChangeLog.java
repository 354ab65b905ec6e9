package io.pgwal.testing;

import io.pgwal.avro.Envelope.FieldName;
import io.pgwal.avro.Envelope.SourceField;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * Change envelopes as lines (so a test sink can collect them), and a strict replay of such lines
 * into the table they describe: a row read or inserted twice, or a change to a row that is not
 * there, is a duplicate or a loss, reported as a problem. Values are compared in PostgreSQL's text
 * form, so use tables whose types print alike in both (integers, numeric, text, uuid).
 */
public final class ChangeLog {

    private static final String SEP = "\u0001";
    private static final String NULL = "\\N";

    private ChangeLog() {}

    /**
     * One envelope: its op, snapshot flag, position ({@code commit_lsn}, {@code tx_index}), txid,
     * old and new key, new row.
     */
    public record Entry(String op, boolean snapshot, long commitLsn, int txIndex, long txid,
            String beforeKey, String afterKey, String row) {

        /** The key the change is about (the new one, or the old one for a delete). */
        public String key() {
            return afterKey != null ? afterKey : beforeKey;
        }
    }

    /** The line of {@code envelope}, keys made of {@code keyColumns}. */
    public static String line(GenericRecord envelope, List<String> keyColumns) {
        GenericRecord source = Envelopes.source(envelope);
        GenericRecord before = (GenericRecord) envelope.get(FieldName.BEFORE);
        GenericRecord after = (GenericRecord) envelope.get(FieldName.AFTER);
        String afterKey = after == null ? null : key(after, keyColumns);
        String beforeKey = before == null ? afterKey : key(before, keyColumns);
        return String.join(SEP, Envelopes.op(envelope), String.valueOf(source.get(SourceField.SNAPSHOT)),
                String.valueOf(source.get(SourceField.COMMIT_LSN)), String.valueOf(source.get(SourceField.TX_INDEX)),
                String.valueOf(source.get(SourceField.TXID)),
                String.valueOf(beforeKey), String.valueOf(afterKey),
                after == null ? NULL : row(after));
    }

    public static Entry parse(String line) {
        String[] p = line.split(SEP, -1);
        return new Entry(p[0], Boolean.parseBoolean(p[1]), Long.parseLong(p[2]),
                Integer.parseInt(p[3]), Long.parseLong(p[4]), "null".equals(p[5]) ? null : p[5],
                "null".equals(p[6]) ? null : p[6], p[7]);
    }

    /**
     * The order to replay {@code entries} in: snapshot rows first (as they came), then the changes
     * by position. Changes of different keys may reach a sink out of commit order after a keyBy;
     * their positions give the commit order back.
     */
    public static List<Entry> inReplayOrder(List<Entry> entries) {
        List<Entry> ordered = new ArrayList<>(entries.stream().filter(Entry::snapshot).toList());
        entries.stream().filter(e -> !e.snapshot())
                .sorted(java.util.Comparator.comparingLong(Entry::commitLsn)
                        .thenComparingInt(Entry::txIndex))
                .forEach(ordered::add);
        return ordered;
    }

    public static List<Entry> parse(List<String> lines) {
        List<Entry> entries = new ArrayList<>(lines.size());
        lines.forEach(l -> entries.add(parse(l)));
        return entries;
    }

    private static String key(GenericRecord r, List<String> keyColumns) {
        List<String> parts = new ArrayList<>();
        for (String k : keyColumns) {
            Schema.Field f = r.getSchema().getField(k);
            parts.add(String.valueOf(Envelopes.toJava(f.schema(), r.get(f.pos()))));
        }
        return String.join(",", parts);
    }

    private static String row(GenericRecord r) {
        List<String> parts = new ArrayList<>();
        for (Schema.Field f : r.getSchema().getFields()) {
            Object v = Envelopes.toJava(f.schema(), r.get(f.pos()));
            parts.add(v == null ? NULL : v.toString());
        }
        return String.join("|", parts);
    }

    /**
     * Replays {@code entries} in order into key → row; every duplicate and loss is added to {@code
     * problems}.
     */
    public static Map<String, String> replay(List<Entry> entries, List<String> problems) {
        Map<String, String> rows = new LinkedHashMap<>();
        for (Entry e : entries) {
            switch (e.op()) {
                case "READ", "INSERT" -> {
                    if (rows.put(e.afterKey(), e.row()) != null) {
                        problems.add("duplicate " + e);
                    }
                }
                case "UPDATE" -> {
                    if (rows.remove(e.beforeKey()) == null) {
                        problems.add("update of a missing row " + e);
                    }
                    if (rows.put(e.afterKey(), e.row()) != null) {
                        problems.add("update onto an existing row " + e);
                    }
                }
                case "DELETE" -> {
                    if (rows.remove(e.beforeKey()) == null) {
                        problems.add("delete of a missing row " + e);
                    }
                }
                default -> problems.add("unexpected " + e);
            }
        }
        return rows;
    }

    /** The table as key → row, in the same text forms (columns in attribute order). */
    public static Map<String, String> table(TestPostgres pg, String table, List<String> keyColumns)
            throws SQLException {
        Map<String, String> rows = new LinkedHashMap<>();
        try (Connection c = pg.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT * FROM " + table)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> parts = new ArrayList<>();
                List<String> key = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    String v = rs.getString(i);
                    parts.add(v == null ? NULL : v);
                }
                for (String k : keyColumns) {
                    key.add(rs.getString(k));
                }
                rows.put(String.join(",", key), String.join("|", parts));
            }
        }
        return rows;
    }

    /**
     * What tells {@code replayed} from {@code table}, key by key: "missing k: row" for a row the
     * table has and the replay lacks, "extra k: row" for the opposite, "differs k: table / replay"
     * for a row both hold differently. Empty when they are equal. Unlike a map comparison, nothing
     * is cut off: every differing key is listed.
     */
    public static List<String> differences(Map<String, String> table, Map<String, String> replayed) {
        List<String> out = new ArrayList<>();
        table.forEach((k, row) -> {
            String other = replayed.get(k);
            if (other == null) {
                out.add("missing " + k + ": " + row);
            } else if (!other.equals(row)) {
                out.add("differs " + k + ": " + row + " / " + other);
            }
        });
        replayed.forEach((k, row) -> {
            if (!table.containsKey(k)) {
                out.add("extra " + k + ": " + row);
            }
        });
        return out;
    }
}
