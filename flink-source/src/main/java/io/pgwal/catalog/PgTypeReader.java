package io.pgwal.catalog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Describes column types that the type table does not list as a {@link PgTypeInfo} tree, from
 * {@code pg_type}, {@code pg_enum} and a composite's {@code pg_attribute} rows: arrays (element
 * type from {@code typelem}), enums (labels in sort order), composites (attributes, recursively),
 * {@code hstore} (by type name, in any schema) and domains (replaced by their base type and its
 * type modifier). Types the table lists cost no query. OIDs are bound as parameters.
 *
 * <p>One instance per catalog read (it caches what it described); the caller owns the
 * connection. Not thread-safe.
 */
final class PgTypeReader implements AutoCloseable {

    /** Nesting beyond this (composites of arrays of composites ...) is kept as text. */
    private static final int MAX_DEPTH = 16;

    /** A true array type is the {@code typarray} of its element (int2vector, point are not). */
    private static final String TYPE_SQL = "SELECT t.typtype::text, t.typname,"
            + " CAST(t.typelem AS int8), t.typdelim::text, CAST(t.typbasetype AS int8),"
            + " t.typtypmod, CAST(t.typrelid AS int8), t.typelem <> 0 AND EXISTS (SELECT 1 FROM"
            + " pg_catalog.pg_type e WHERE e.oid = t.typelem AND e.typarray = t.oid)"
            + ", n.nspname FROM pg_catalog.pg_type t"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace"
            + " WHERE t.oid = CAST(? AS pg_catalog.oid)";

    private static final String ENUM_SQL = "SELECT enumlabel FROM pg_catalog.pg_enum"
            + " WHERE enumtypid = CAST(? AS pg_catalog.oid) ORDER BY enumsortorder";

    private static final String ATTRIBUTES_SQL = "SELECT attname, CAST(atttypid AS int8),"
            + " atttypmod, attndims FROM pg_catalog.pg_attribute"
            + " WHERE attrelid = CAST(? AS pg_catalog.oid) AND attnum > 0 AND NOT attisdropped"
            + " ORDER BY attnum";

    private final Connection connection;
    private final Map<String, PgTypeInfo> described = new HashMap<>();
    private PreparedStatement type;
    private PreparedStatement enumLabels;
    private PreparedStatement attributes;

    PgTypeReader(Connection connection) {
        this.connection = connection;
    }

    /**
     * The type {@code oid} (unsigned, in an int) with modifier {@code typmod}, as a column or
     * attribute with {@code dimensions} ({@code attndims}) declares it.
     *
     * @throws SQLException when a catalog query fails
     */
    PgTypeInfo describe(int oid, int typmod, int dimensions) throws SQLException {
        return describe(oid, typmod, dimensions, 0);
    }

    private PgTypeInfo describe(int oid, int typmod, int dimensions, int depth)
            throws SQLException {
        if (PgTypes.isKnown(oid)) {
            return PgTypeInfo.scalar(oid, typmod);
        }
        String key = oid + "/" + typmod + "/" + dimensions;
        PgTypeInfo cached = described.get(key);
        if (cached != null) {
            return cached;
        }
        PgTypeInfo info = read(oid, typmod, dimensions, depth);
        described.put(key, info);
        return info;
    }

    private PgTypeInfo read(int oid, int typmod, int dimensions, int depth) throws SQLException {
        if (type == null) {
            type = connection.prepareStatement(TYPE_SQL);
        }
        type.setLong(1, Integer.toUnsignedLong(oid));
        char typtype;
        String name;
        int elem;
        char delimiter;
        int base;
        int baseTypmod;
        int relid;
        boolean array;
        String schema;
        try (ResultSet rs = type.executeQuery()) {
            if (!rs.next()) {
                return PgTypeInfo.scalar(oid, typmod);
            }
            typtype = rs.getString(1).charAt(0);
            name = rs.getString(2);
            elem = (int) rs.getLong(3);
            delimiter = rs.getString(4).charAt(0);
            base = (int) rs.getLong(5);
            baseTypmod = rs.getInt(6);
            relid = (int) rs.getLong(7);
            array = rs.getBoolean(8);
            schema = rs.getString(9);
        }
        if (depth >= MAX_DEPTH) {
            return PgTypeInfo.scalar(oid, typmod, name);
        }
        if (typtype == 'd') {
            return describe(base, baseTypmod, dimensions, depth + 1);
        }
        if (array) {
            // An array column's atttypmod is its elements' modifier (numeric(10,2)[]).
            PgTypeInfo element = describe(elem, typmod, 0, depth + 1);
            if (element.kind() == PgTypeInfo.Kind.ARRAY) {
                // A domain over an array as element type: PostgreSQL has no arrays of those.
                return PgTypeInfo.scalar(oid, typmod, name);
            }
            return PgTypeInfo.array(oid, name, element, dimensions, delimiter);
        }
        if (typtype == 'e') {
            return PgTypeInfo.enumType(oid, name, labels(oid));
        }
        if (typtype == 'c') {
            return PgTypeInfo.composite(oid, schema + "." + name, attributes(relid, depth));
        }
        if (typtype == 'b' && name.equals("hstore")) {
            return PgTypeInfo.hstore(oid, name);
        }
        return PgTypeInfo.scalar(oid, typmod, name);
    }

    private List<String> labels(int oid) throws SQLException {
        if (enumLabels == null) {
            enumLabels = connection.prepareStatement(ENUM_SQL);
        }
        enumLabels.setLong(1, Integer.toUnsignedLong(oid));
        List<String> labels = new ArrayList<>();
        try (ResultSet rs = enumLabels.executeQuery()) {
            while (rs.next()) {
                labels.add(rs.getString(1));
            }
        }
        return labels;
    }

    private List<PgTypeInfo.Attribute> attributes(int relid, int depth) throws SQLException {
        if (attributes == null) {
            attributes = connection.prepareStatement(ATTRIBUTES_SQL);
        }
        attributes.setLong(1, Integer.toUnsignedLong(relid));
        record Row(String name, int oid, int typmod, int dims) {}
        List<Row> rows = new ArrayList<>();
        // Read them all first: describing an attribute reuses this statement.
        try (ResultSet rs = attributes.executeQuery()) {
            while (rs.next()) {
                rows.add(new Row(rs.getString(1), (int) rs.getLong(2), rs.getInt(3),
                        rs.getInt(4)));
            }
        }
        List<PgTypeInfo.Attribute> result = new ArrayList<>(rows.size());
        for (Row r : rows) {
            result.add(new PgTypeInfo.Attribute(r.name(),
                    describe(r.oid(), r.typmod(), r.dims(), depth + 1)));
        }
        return result;
    }

    @Override
    public void close() throws SQLException {
        for (PreparedStatement ps : new PreparedStatement[] {type, enumLabels, attributes}) {
            if (ps != null) {
                ps.close();
            }
        }
    }
}
