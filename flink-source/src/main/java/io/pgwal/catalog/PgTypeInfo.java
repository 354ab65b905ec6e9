package io.pgwal.catalog;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;
import javax.annotation.Nullable;

/**
 * The shape of a column's (base) type as far as its values' text form and Avro form depend on it:
 * a scalar of the type table {@link PgTypes}, or an array, enum, composite or {@code hstore},
 * described recursively from the catalog ({@link PgTypeReader}). Domains never appear: they are
 * replaced by their base type and its type modifier at every level. Immutable and comparable, so
 * a changed type (new enum labels, composite attributes) yields a new table schema.
 *
 * @param kind which of the shapes below
 * @param oid the (base) type's OID; for an array the array type's
 * @param typmod the type modifier of the scalar (or of an array's elements, as PostgreSQL keeps
 *     it); -1 when none
 * @param name {@code pg_type.typname}, for a composite qualified by its schema ({@code
 *     public.address}); null for a scalar of the type table whose name is its row's
 * @param element an array's element type (never itself an {@link Kind#ARRAY}), else null
 * @param dimensions an array's dimensions (≥ 1: {@code pg_attribute.attndims}, 0 read as 1),
 *     else 0
 * @param delimiter an array's element delimiter ({@code typdelim}: ',' except {@code ;} for box)
 * @param labels an enum's labels in their sort order ({@code pg_enum.enumsortorder}), else empty
 * @param attributes a composite's live attributes in attribute order, else empty
 */
public record PgTypeInfo(Kind kind, int oid, int typmod, String name,
        @Nullable PgTypeInfo element, int dimensions, char delimiter, List<String> labels,
        List<Attribute> attributes) implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The shapes of types pgwal maps structurally. */
    public enum Kind {
        /** A type of the type table, or any other type as its text form ({@link PgTypes#OTHER}). */
        SCALAR,
        ARRAY,
        ENUM,
        COMPOSITE,
        /** The {@code hstore} extension's type, recognised by name (its OID varies). */
        HSTORE
    }

    /** One attribute of a composite type: its exact name and type. */
    public record Attribute(String name, PgTypeInfo type) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    public PgTypeInfo {
        Objects.requireNonNull(kind, "kind");
        labels = List.copyOf(labels);
        attributes = List.copyOf(attributes);
    }

    /** A scalar type of the type table (or any other type, as text). */
    public static PgTypeInfo scalar(int oid, int typmod) {
        PgTypes.PgType t = PgTypes.of(oid);
        return new PgTypeInfo(Kind.SCALAR, oid, typmod,
                PgTypes.isKnown(oid) ? t.name() : null, null, 0, ',', List.of(), List.of());
    }

    /** A scalar whose name is known from the catalog. */
    public static PgTypeInfo scalar(int oid, int typmod, String name) {
        return new PgTypeInfo(Kind.SCALAR, oid, typmod, name, null, 0, ',', List.of(),
                List.of());
    }

    /** An array of {@code dimensions} levels of {@code element} (itself not an array). */
    public static PgTypeInfo array(int oid, String name, PgTypeInfo element, int dimensions,
            char delimiter) {
        return new PgTypeInfo(Kind.ARRAY, oid, element.typmod(), name, element,
                Math.max(1, dimensions), delimiter, List.of(), List.of());
    }

    public static PgTypeInfo enumType(int oid, String name, List<String> labels) {
        return new PgTypeInfo(Kind.ENUM, oid, -1, name, null, 0, ',', labels, List.of());
    }

    public static PgTypeInfo composite(int oid, String name, List<Attribute> attributes) {
        return new PgTypeInfo(Kind.COMPOSITE, oid, -1, name, null, 0, ',', List.of(),
                attributes);
    }

    public static PgTypeInfo hstore(int oid, String name) {
        return new PgTypeInfo(Kind.HSTORE, oid, -1, name, null, 0, ',', List.of(), List.of());
    }

    /** The type table's row of a scalar ({@link PgTypes#OTHER} for every other kind). */
    public PgTypes.PgType scalarType() {
        return kind == Kind.SCALAR ? PgTypes.of(oid) : PgTypes.OTHER;
    }
}
