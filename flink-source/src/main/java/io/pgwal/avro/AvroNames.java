package io.pgwal.avro;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns PostgreSQL identifiers (any Unicode, quoted names with spaces, leading digits) into Avro
 * names ({@code [A-Za-z_][A-Za-z0-9_]*}). The original name is kept in a {@code pg.name} property
 * by {@link TableSchema}.
 */
public final class AvroNames {

    private AvroNames() {}

    /** Replaces each character Avro does not allow with '_'; prefixes '_' to a leading digit. */
    public static String sanitize(String name) {
        if (name.isEmpty()) {
            return "_";
        }
        StringBuilder sb = new StringBuilder(name.length() + 1);
        if (name.charAt(0) >= '0' && name.charAt(0) <= '9') {
            sb.append('_');
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9') || c == '_';
            sb.append(ok ? c : '_');
        }
        return sb.toString();
    }

    /**
     * Sanitizes names and makes them unique: in list order, a name already taken gets the first
     * free suffix {@code _2}, {@code _3}, ... — deterministic for a given column order.
     */
    public static List<String> uniqueNames(List<String> names) {
        Set<String> used = new HashSet<>();
        List<String> result = new ArrayList<>(names.size());
        for (String name : names) {
            String base = sanitize(name);
            String candidate = base;
            for (int k = 2; used.contains(candidate); k++) {
                candidate = base + "_" + k;
            }
            used.add(candidate);
            result.add(candidate);
        }
        return result;
    }
}
