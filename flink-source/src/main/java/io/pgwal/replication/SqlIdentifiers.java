package io.pgwal.replication;

import io.pgwal.PgWalException;
import java.util.regex.Pattern;

/**
 * Quoting and validation of SQL identifiers and literals. Stateless and thread-safe; no method
 * accepts or returns null. pgwal never concatenates an unquoted
 * name or value into SQL: catalog lookups bind parameters, and the few statements that cannot
 * (CREATE PUBLICATION, START_REPLICATION) use these helpers.
 */
public final class SqlIdentifiers {

    private static final Pattern SLOT_NAME = Pattern.compile("[a-z0-9_]{1,63}");

    private SqlIdentifiers() {}

    /** A schema-qualified table name. */
    public record QualifiedName(String schema, String name) {
        /** The name quoted for SQL: {@code "schema"."name"}. */
        public String quoted() {
            return quoteIdentifier(schema) + "." + quoteIdentifier(name);
        }

        @Override
        public String toString() {
            return schema + "." + name;
        }
    }

    /** Always double-quotes, doubling embedded double quotes, so any name is taken literally. */
    public static String quoteIdentifier(String identifier) {
        rejectNul(identifier, "identifier");
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    /** A standard SQL string literal (standard_conforming_strings, on by default since 9.1). */
    public static String quoteLiteral(String value) {
        rejectNul(value, "literal");
        return '\'' + value.replace("'", "''") + '\'';
    }

    /**
     * Parses {@code table}, {@code schema.table} or quoted parts such as {@code "My
     * Schema"."My.Table"}. Unquoted parts are folded to lower case, as PostgreSQL does.
     */
    public static QualifiedName parseQualifiedName(String qualified) {
        if (qualified == null || qualified.isBlank()) {
            throw new PgWalException("A table name is empty (option 'table-name' or tables(...))");
        }
        java.util.List<String> parts = new java.util.ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        boolean wasQuoted = false;
        for (int i = 0; i < qualified.length(); i++) {
            char c = qualified.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < qualified.length() && qualified.charAt(i + 1) == '"') {
                        current.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    current.append(c);
                }
            } else if (c == '"') {
                quoted = true;
                wasQuoted = true;
            } else if (c == '.') {
                parts.add(finish(current, wasQuoted, qualified));
                current.setLength(0);
                wasQuoted = false;
            } else {
                current.append(c);
            }
        }
        if (quoted) {
            throw new PgWalException("Table name '" + qualified + "' (option 'table-name') has an"
                    + " unterminated double quote");
        }
        parts.add(finish(current, wasQuoted, qualified));
        if (parts.size() == 1) {
            return new QualifiedName("public", parts.get(0));
        }
        if (parts.size() == 2) {
            return new QualifiedName(parts.get(0), parts.get(1));
        }
        throw new PgWalException("Table name '" + qualified + "' (option 'table-name') has "
                + parts.size() + " parts; expected 'table' or 'schema.table' (double-quote names"
                + " that contain dots)");
    }

    private static String finish(StringBuilder part, boolean wasQuoted, String whole) {
        String s = wasQuoted ? part.toString() : part.toString().trim().toLowerCase(java.util.Locale.ROOT);
        if (s.isEmpty()) {
            throw new PgWalException("Table name '" + whole + "' (option 'table-name') has an"
                    + " empty part");
        }
        return s;
    }

    /** Slot names follow PostgreSQL's rule: lower-case letters, digits and underscores, 1–63. */
    public static String validateSlotName(String slot) {
        if (slot == null || !SLOT_NAME.matcher(slot).matches()) {
            throw new PgWalException("Option 'slot.name' is '" + slot + "', but replication slot"
                    + " names may only contain lower-case letters, digits and underscores"
                    + " (1 to 63 characters)");
        }
        return slot;
    }

    private static void rejectNul(String s, String what) {
        if (s.indexOf('\0') >= 0) {
            throw new PgWalException("A SQL " + what + " contains a NUL character");
        }
    }
}
