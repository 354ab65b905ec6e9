package io.pgwal.catalog;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one table of what pgwal knows about PostgreSQL types, by type OID: the form of their values
 * in Avro (which {@code avro.PgTypeMapping} turns into a schema and a converter from the text
 * format), whether they are of fixed length (never TOASTed), and which Flink SQL types a column of
 * the type may be declared as ({@code table.PgTypeCompatibility}). Every type it does not list
 * travels as PostgreSQL's text form ({@link #OTHER}). Domains are looked up by their base type.
 *
 * <p>Adding a type is a row here (with a converter in {@code PgTypeMapping} if its Avro form is
 * new) and its tests; {@code PgTypeDocsTest} checks README's and docs/sql.md's type tables
 * against this one, and its {@link #kinds()} (arrays, enums, composites, hstore: mapped by their
 * structure as {@link PgTypeInfo} describes it).
 */
public final class PgTypes {

    public static final int BOOL = 16;
    public static final int BYTEA = 17;
    public static final int CHAR = 18;
    public static final int NAME = 19;
    public static final int INT8 = 20;
    public static final int INT2 = 21;
    public static final int INT4 = 23;
    public static final int TEXT = 25;
    public static final int OID = 26;
    public static final int JSON = 114;
    public static final int MONEY = 790;
    public static final int FLOAT4 = 700;
    public static final int FLOAT8 = 701;
    public static final int BPCHAR = 1042;
    public static final int VARCHAR = 1043;
    public static final int DATE = 1082;
    public static final int TIME = 1083;
    public static final int TIMESTAMP = 1114;
    public static final int TIMESTAMPTZ = 1184;
    public static final int INTERVAL = 1186;
    public static final int NUMERIC = 1700;
    public static final int UUID = 2950;
    public static final int JSONB = 3802;

    /** How a type's values are represented in Avro. */
    public enum AvroForm {
        BOOLEAN("boolean"),
        INT("int"),
        LONG("long"),
        FLOAT("float"),
        DOUBLE("double"),
        /** decimal(p,s) for a numeric(p,s) Avro can express, else the exact text. */
        DECIMAL("decimal(p,s)"),
        STRING("string"),
        UUID("uuid"),
        BYTES("bytes"),
        DATE("date"),
        TIME_MICROS("time-micros"),
        LOCAL_TIMESTAMP_MICROS("local-timestamp-micros"),
        TIMESTAMP_MICROS("timestamp-micros"),
        /** Record {@code pgwal.Interval {months:int, days:int, micros:long}}: lossless. */
        INTERVAL("record pgwal.Interval"),
        /** Exact cents as decimal(19,2) (money is an int64 of cents). */
        MONEY("decimal(19,2)"),
        /** An array (per dimension) of the element's form, items nullable. */
        ARRAY("array"),
        /** A record of the composite's attributes, fields nullable. */
        RECORD("record"),
        /** A map of nullable strings. */
        MAP("map");

        private final String docName;

        AvroForm(String docName) {
            this.docName = docName;
        }

        /** The Avro type or logical type's name, as the docs write it. */
        public String docName() {
            return docName;
        }
    }

    /**
     * One PostgreSQL type.
     *
     * @param oid {@code pg_type.oid}, or 0 for {@link #OTHER}
     * @param name {@code pg_type.typname}
     * @param docName the name the docs use (the SQL standard spelling, e.g. {@code integer})
     * @param avro the Avro form of its values
     * @param fixedLength {@code typlen > 0}: never TOASTed, so pgoutput always sends the value
     * @param sqlTypes the names of the Flink SQL type roots ({@code LogicalTypeRoot}; as names, so
     *     that the stream does not need Flink's table classes) a column of this type may be
     *     declared as (lossless
     *     widening only); for numeric, those of a numeric(p,s) with p ≤ 38
     * @param sqlDoc those types as the docs and error messages write them
     */
    public record PgType(int oid, String name, String docName, AvroForm avro, boolean fixedLength,
            Set<String> sqlTypes, String sqlDoc) {}

    private static final Set<String> STRING_ROOTS = Set.of("CHAR", "VARCHAR");

    /** Any type not listed: its text form, declared as STRING. */
    public static final PgType OTHER = new PgType(0, "other", "all other types", AvroForm.STRING,
            false, STRING_ROOTS, "STRING");

    private static final Map<Integer, PgType> TYPES = new LinkedHashMap<>();

    /**
     * The kinds of types mapped by their structure rather than by OID ({@link PgTypeInfo}), with
     * their Avro form and SQL types, for the docs: their rows have OID 0.
     */
    private static final List<PgType> KINDS = List.of(
            new PgType(0, "array", "arrays", AvroForm.ARRAY, false,
                    Set.of("ARRAY"), "ARRAY<T>"),
            new PgType(0, "enum", "enum types", AvroForm.STRING, true, STRING_ROOTS, "STRING"),
            new PgType(0, "composite", "composite types", AvroForm.RECORD, false,
                    Set.of("ROW"), "ROW<...>"),
            new PgType(0, "hstore", "hstore", AvroForm.MAP, false,
                    Set.of("MAP"), "MAP<STRING, STRING>"));

    static {
        add(BOOL, "bool", "boolean", AvroForm.BOOLEAN, true, "BOOLEAN", "BOOLEAN");
        add(INT2, "int2", "smallint", AvroForm.INT, true, "SMALLINT, INT or BIGINT",
                "SMALLINT", "INTEGER", "BIGINT");
        add(INT4, "int4", "integer", AvroForm.INT, true, "INT or BIGINT",
                "INTEGER", "BIGINT");
        add(INT8, "int8", "bigint", AvroForm.LONG, true, "BIGINT", "BIGINT");
        add(OID, "oid", "oid", AvroForm.LONG, true, "BIGINT", "BIGINT");
        add(FLOAT4, "float4", "real", AvroForm.FLOAT, true, "FLOAT or DOUBLE",
                "FLOAT", "DOUBLE");
        add(FLOAT8, "float8", "double precision", AvroForm.DOUBLE, true, "DOUBLE",
                "DOUBLE");
        add(NUMERIC, "numeric", "numeric(p,s)", AvroForm.DECIMAL, false, "DECIMAL(p, s)",
                "DECIMAL");
        add(TEXT, "text", "text", AvroForm.STRING, false, "STRING");
        add(VARCHAR, "varchar", "varchar", AvroForm.STRING, false, "STRING");
        add(BPCHAR, "bpchar", "char", AvroForm.STRING, false, "STRING");
        add(NAME, "name", "name", AvroForm.STRING, true, "STRING");
        add(CHAR, "char", "\"char\"", AvroForm.STRING, true, "STRING");
        add(JSON, "json", "json", AvroForm.STRING, false, "STRING");
        add(JSONB, "jsonb", "jsonb", AvroForm.STRING, false, "STRING");
        add(UUID, "uuid", "uuid", AvroForm.UUID, true, "STRING");
        add(BYTEA, "bytea", "bytea", AvroForm.BYTES, false, "BYTES",
                "BINARY", "VARBINARY");
        add(DATE, "date", "date", AvroForm.DATE, true, "DATE", "DATE");
        add(TIME, "time", "time", AvroForm.TIME_MICROS, true, "TIME",
                "TIME_WITHOUT_TIME_ZONE");
        add(TIMESTAMP, "timestamp", "timestamp", AvroForm.LOCAL_TIMESTAMP_MICROS, true,
                "TIMESTAMP(p)", "TIMESTAMP_WITHOUT_TIME_ZONE");
        add(TIMESTAMPTZ, "timestamptz", "timestamptz", AvroForm.TIMESTAMP_MICROS, true,
                "TIMESTAMP_LTZ(p)", "TIMESTAMP_WITH_LOCAL_TIME_ZONE");
        add(INTERVAL, "interval", "interval", AvroForm.INTERVAL, true,
                "ROW<months INT, days INT, micros BIGINT>", "ROW");
        add(MONEY, "money", "money", AvroForm.MONEY, true, "DECIMAL(p, 2) with 19 <= p <= 38",
                "DECIMAL");
    }

    private PgTypes() {}

    /** Declarable as STRING (CHAR/VARCHAR) when no SQL type roots are given. */
    private static void add(int oid, String name, String docName, AvroForm avro,
            boolean fixedLength, String sqlDoc, String... sql) {
        Set<String> roots = sql.length == 0 ? STRING_ROOTS : Set.of(sql);
        TYPES.put(oid, new PgType(oid, name, docName, avro, fixedLength, roots, sqlDoc));
    }

    /** The type with this OID, or {@link #OTHER}. */
    public static PgType of(int oid) {
        return TYPES.getOrDefault(oid, OTHER);
    }

    /** True when the type has a row of its own (not {@link #OTHER}). */
    public static boolean isKnown(int oid) {
        return TYPES.containsKey(oid);
    }

    /** Every listed type, in the table's order. */
    public static List<PgType> all() {
        return Collections.unmodifiableList(new ArrayList<>(TYPES.values()));
    }

    /** The kinds of types mapped by their structure (arrays, enums, composites, hstore). */
    public static List<PgType> kinds() {
        return KINDS;
    }

    /**
     * The precision and scale of a {@code numeric} type modifier, or null when unconstrained.
     * PostgreSQL 15+ stores the scale as an 11-bit signed number (it may be negative).
     */
    public static NumericTypmod numeric(int typmod) {
        if (typmod < 4) {
            return null;
        }
        int precision = ((typmod - 4) >> 16) & 0xffff;
        int scale = (((typmod - 4) & 0x7ff) ^ 1024) - 1024;
        return new NumericTypmod(precision, scale);
    }

    /** A numeric's declared precision and scale. */
    public record NumericTypmod(int precision, int scale) {

        /** Whether an Avro decimal (one fixed scale, 0 ≤ scale ≤ precision) holds its values. */
        public boolean fitsAvroDecimal() {
            return precision >= 1 && scale >= 0 && scale <= precision;
        }

        @Override
        public String toString() {
            return "numeric(" + precision + "," + scale + ")";
        }
    }
}
