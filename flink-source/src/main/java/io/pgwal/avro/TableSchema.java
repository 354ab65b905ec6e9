package io.pgwal.avro;

import io.pgwal.catalog.CatalogLookup;
import io.pgwal.catalog.PgColumn;
import io.pgwal.catalog.PgTypeInfo;
import io.pgwal.catalog.PgTypes;
import io.pgwal.avro.Envelope.FieldName;
import io.pgwal.decoder.PgOutputMessage.Relation;
import io.pgwal.decoder.PgOutputMessage.RelationColumn;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.avro.JsonProperties;
import org.apache.avro.Schema;
import org.apache.avro.util.Utf8;

/**
 * The Avro schemas and value converters of one version of one table (one Relation message plus
 * what the catalog said about it).
 *
 * <p>Names: namespace {@code pgwal.<db>.<schema>}, records {@code <table>} (row), {@code
 * <table>_key} and {@code <table>_envelope}, all sanitized with {@link AvroNames}; the original
 * PostgreSQL names are kept in {@code pg.name} properties (records also get {@code pg.schema}),
 * and fields carry {@code pg.type} (type name, or {@code oid:<n>} when unknown), {@code
 * pg.type_oid} and {@code pg.typmod}.
 *
 * <p>Nullability: a row field is plain {@code T} only for a replica identity column (identity
 * DEFAULT or USING INDEX) of a fixed-length type, which always has a value; every other row field
 * is {@code ["null", T]}. A NOT NULL in today's catalog is not trusted, because it may have been
 * added after the change being converted was written, and pgoutput does not send nullability.
 * Key fields are plain {@code T}: replica identity columns are always sent in the old key.
 *
 * <p>Envelope fields in order: {@code op}, {@code before} ({@code ["null", row]} with replica
 * identity FULL, else {@code ["null", <table>_key]}), {@code after}, {@code unchanged_toast}
 * (original names of columns whose value was not sent; their {@code after} value is null) and
 * {@code source}.
 */
public final class TableSchema {

    static final int ENV_OP = 0;
    static final int ENV_BEFORE = 1;
    static final int ENV_AFTER = 2;
    static final int ENV_UNCHANGED_TOAST = 3;
    static final int ENV_SOURCE = 4;

    private final Relation relation;
    private final Map<String, PgColumn> catalog;
    private final Schema rowSchema;
    private final Schema keySchema;
    private final Schema envelopeSchema;
    private final ValueConverter[] converters;
    /** Per column its converter from the binary format; null for all when a column has none. */
    private final ValueConverter[] binaryConverters;
    private final boolean[] nullable;
    private final int[] keyColumns;
    private final Utf8[] pgNames;
    /**
     * The names for the {@code source} records, as Java strings: immutable, so every record shares
     * them, also through Flink's copy between chained operators (a {@link Utf8} would be copied).
     */
    private final String database;
    private final String schemaName;
    private final String tableName;
    private final Long relationOid;

    private TableSchema(String database, Relation relation, Map<String, PgColumn> catalog) {
        this.relation = relation;
        this.catalog = Map.copyOf(catalog);
        this.database = database;
        this.schemaName = relation.namespace();
        this.tableName = relation.name();
        this.relationOid = Integer.toUnsignedLong(relation.relationId());
        String namespace = PgWalSchemas.NAMESPACE + "." + AvroNames.sanitize(database) + "."
                + AvroNames.sanitize(relation.namespace());
        String table = AvroNames.sanitize(relation.name());

        List<RelationColumn> columns = relation.columns();
        int n = columns.size();
        List<String> fieldNames = AvroNames.uniqueNames(
                columns.stream().map(RelationColumn::name).toList());
        converters = new ValueConverter[n];
        ValueConverter[] binary = new ValueConverter[n];
        boolean allBinary = true;
        nullable = new boolean[n];
        pgNames = new Utf8[n];
        List<Schema.Field> rowFields = new ArrayList<>(n);
        List<Schema.Field> keyFields = new ArrayList<>();
        List<Integer> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            RelationColumn col = columns.get(i);
            PgColumn info = catalog.get(col.name());
            if (info != null && !info.hasType(col.typeOid(), col.typeModifier())) {
                // The column was renamed, retyped or re-added since this Relation message: the
                // catalog describes another version of it, so only the message's facts count.
                info = null;
            }
            // The Relation message describes the WAL data, the catalog the table now: its type's
            // shape (domain base, array elements, enum labels, composite attributes) is used only
            // for a column of the same type OID and modifier, and never for a type the message
            // itself identifies as a built-in of the type table.
            PgTypeInfo type = info != null && !PgTypeMapping.isMapped(col.typeOid())
                    ? info.type() : PgTypeInfo.scalar(col.typeOid(), col.typeModifier());
            PgTypeMapping.Mapping m = PgTypeMapping.map(type, col.name());
            converters[i] = m.converter();
            nullable[i] = !neverNull(col, relation.replicaIdentity());
            pgNames[i] = new Utf8(col.name());
            String typeName = info != null && info.typeName() != null ? info.typeName()
                    : m.pgTypeName() != null ? m.pgTypeName()
                    : "oid:" + Integer.toUnsignedString(col.typeOid());
            binary[i] = type.kind() == PgTypeInfo.Kind.SCALAR
                    ? PgBinaryValues.of(type.oid(), m.converter(), col.name(), typeName) : null;
            allBinary &= binary[i] != null;
            rowFields.add(column(fieldNames.get(i), col, m.schema(), nullable[i], typeName));
            if (col.key()) {
                keyFields.add(column(fieldNames.get(i), col,
                        PgTypeMapping.map(type, col.name()).schema(), false, typeName));
                keys.add(i);
            }
        }
        keyColumns = keys.stream().mapToInt(Integer::intValue).toArray();
        binaryConverters = allBinary ? binary : null;
        rowSchema = record(table, namespace, "A row of " + relation.namespace() + "."
                + relation.name(), rowFields, relation.name());
        keySchema = record(table + "_key", namespace, "The replica identity of "
                + relation.namespace() + "." + relation.name(), keyFields, relation.name());
        Schema beforeType = isFullIdentity() ? rowSchema : keySchema;
        envelopeSchema = record(table + "_envelope", namespace, "A change of "
                + relation.namespace() + "." + relation.name(), List.of(
                        new Schema.Field(FieldName.OP, PgWalSchemas.OP, "the kind of change"),
                        PgWalSchemas.nullableField(FieldName.BEFORE, beforeType,
                                "the old row (replica identity FULL) or old key; null if not sent"),
                        PgWalSchemas.nullableField(FieldName.AFTER, rowSchema, "the new row"),
                        new Schema.Field(FieldName.UNCHANGED_TOAST,
                                Schema.createArray(Schema.create(Schema.Type.STRING)),
                                "columns whose unchanged TOAST value was not sent (null in after)",
                                List.of()),
                        new Schema.Field(FieldName.SOURCE, PgWalSchemas.SOURCE, "where it comes from")),
                relation.name());
    }

    /**
     * True when every change this Relation message describes has a value in the column: a
     * replica identity column (identity DEFAULT or USING INDEX, whose columns PostgreSQL keeps NOT
     * NULL while they are the identity) of a fixed-length type (never TOASTed, so never sent as
     * "unchanged"). The Relation message comes from the catalog of the change's own time; the
     * catalog read now may say NOT NULL for a column that was nullable when an older change was
     * written, so its {@code attnotnull} is not used.
     */
    private static boolean neverNull(RelationColumn col, char replicaIdentity) {
        return col.key() && replicaIdentity != 'f' && PgTypes.of(col.typeOid()).fixedLength();
    }

    /** Derives the schemas of a relation version with the catalog's facts about its columns. */
    public static TableSchema derive(
            String database, Relation relation, Map<String, PgColumn> catalog) {
        return new TableSchema(database, relation, catalog);
    }

    /**
     * True when {@code other} describes the same table version as this one (the transaction id of
     * the Relation message does not matter), so this object and its Schemas can be reused.
     */
    public boolean describes(Relation other, Map<String, PgColumn> otherCatalog) {
        return relation.relationId() == other.relationId()
                && relation.replicaIdentity() == other.replicaIdentity()
                && relation.namespace().equals(other.namespace())
                && relation.name().equals(other.name())
                && relation.columns().equals(other.columns())
                && catalog.equals(otherCatalog);
    }

    private static Schema.Field column(
            String fieldName, RelationColumn col, Schema type, boolean nullable, String typeName) {
        Schema.Field f = nullable
                ? new Schema.Field(fieldName, PgWalSchemas.nullable(type), null,
                        JsonProperties.NULL_VALUE)
                : new Schema.Field(fieldName, type, null);
        f.addProp("pg.name", col.name());
        f.addProp("pg.type", typeName);
        // An Integer when it fits, as the JSON parser reads it back: otherwise a schema would
        // not equal itself after a print/parse round trip (e.g. through PgWalAvroSerializer).
        long oid = Integer.toUnsignedLong(col.typeOid());
        f.addProp("pg.type_oid", oid <= Integer.MAX_VALUE ? (Object) (int) oid : (Object) oid);
        f.addProp("pg.typmod", col.typeModifier());
        return f;
    }

    private Schema record(
            String name, String namespace, String doc, List<Schema.Field> fields, String pgName) {
        String pgSchema = relation.namespace();
        Schema s = Schema.createRecord(name, doc, namespace, false, fields);
        s.addProp("pg.name", pgName);
        s.addProp("pg.schema", pgSchema);
        return s;
    }

    public Relation relation() {
        return relation;
    }

    public int relationId() {
        return relation.relationId();
    }

    /** The relation's OID as an unsigned value, boxed once for the records' source field. */
    Long relationOid() {
        return relationOid;
    }

    public boolean isFullIdentity() {
        return relation.replicaIdentity() == 'f';
    }

    /** The table's row record. */
    public Schema rowSchema() {
        return rowSchema;
    }

    /** The record of the replica identity columns (empty without a key). */
    public Schema keySchema() {
        return keySchema;
    }

    /** The change envelope record. */
    public Schema envelopeSchema() {
        return envelopeSchema;
    }

    /** The schema of the envelope's {@code before} value: the row or the key record. */
    public Schema beforeSchema() {
        return isFullIdentity() ? rowSchema : keySchema;
    }

    public int columnCount() {
        return converters.length;
    }

    /** The converter of column {@code i} (Relation message order). */
    public ValueConverter converter(int i) {
        return converters[i];
    }

    /**
     * True when every column has a converter from PostgreSQL's binary format ({@link
     * PgBinaryValues}: scalar types, domains over them included), so that the table can be read
     * with {@code COPY ... (FORMAT binary)}.
     */
    public boolean readsBinary() {
        return binaryConverters != null;
    }

    /** Column {@code i}'s converter from the binary format, or null (see {@link #readsBinary}). */
    @Nullable
    public ValueConverter binaryConverter(int i) {
        return binaryConverters == null ? null : binaryConverters[i];
    }

    /** Whether column {@code i}'s row field accepts null. */
    public boolean isNullable(int i) {
        return nullable[i];
    }

    /**
     * Whether column {@code i} is in the replica identity's key (identity DEFAULT or USING
     * INDEX), whose values identify the row and so are never replaced by NULL.
     */
    public boolean isIdentityKey(int i) {
        return !isFullIdentity() && relation.columns().get(i).key();
    }

    /** Column indexes (Relation message order) of the key fields, in key record order. */
    int[] keyColumns() {
        return keyColumns;
    }

    Utf8 pgName(int i) {
        return pgNames[i];
    }

    String database() {
        return database;
    }

    String schemaName() {
        return schemaName;
    }

    String tableName() {
        return tableName;
    }

    /** "schema.table" for messages. */
    String qualifiedName() {
        return relation.namespace() + "." + relation.name();
    }

    @Override
    public String toString() {
        return "TableSchema[" + qualifiedName() + ", " + envelopeSchema.getFullName() + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TableSchema t && t.describes(relation, catalog)
                && Objects.equals(t.database, database);
    }

    @Override
    public int hashCode() {
        return Objects.hash(relation.relationId(), relation.columns());
    }
}
