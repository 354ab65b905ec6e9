package io.pgwal.catalog;

import java.io.Serializable;
import javax.annotation.Nullable;

/**
 * What the PostgreSQL catalog says about one column of a table, now (which may differ from what a
 * Relation message of an older change says: see {@link #hasType}).
 *
 * @param name the column name (exact, unquoted)
 * @param notNull {@code pg_attribute.attnotnull}
 * @param toastable {@code attstorage <> 'p'}: the value may be sent as "unchanged TOAST" (not sent
 *     at all) in an UPDATE
 * @param baseTypeOid for a domain the OID of its (innermost) base type, else the column's type OID
 * @param typeType {@code pg_type.typtype} of the column's own type: 'b' base, 'e' enum, 'd'
 *     domain, 'c' composite, 'r' range, 'm' multirange, 'p' pseudo
 * @param baseTypeModifier the type modifier that applies to {@code baseTypeOid}: the column's
 *     {@code atttypmod}, or for a domain the innermost domain's {@code typtypmod} (so that a domain
 *     over {@code numeric(12,2)} maps to {@code decimal(12,2)}); -1 when there is none
 * @param typeName the column type's name as {@code format_type} prints it (e.g. {@code
 *     numeric(12,2)}, or a domain's name), or null when unknown
 * @param typeOid the column's own type ({@code atttypid}); with {@code typeModifier} it tells
 *     whether these facts describe the same column version as a Relation message (a column renamed,
 *     retyped or dropped and re-added since has other ones)
 * @param typeModifier the column's own type modifier ({@code atttypmod})
 * @param generated whether it is a generated column ({@code attgenerated <> ''}), which a
 *     snapshot reads only where pgoutput sends it (PostgreSQL 18, published)
 * @param collation the column's collation as {@code COLLATE "schema"."name"} when it is not the
 *     database default, else null (the snapshot compares key bounds in the column's own order)
 * @param type the shape of the (base) type: a scalar of the type table, or an array, enum,
 *     composite or hstore with what the catalog says of its elements, labels or attributes
 */
public record PgColumn(
        String name,
        boolean notNull,
        boolean toastable,
        int baseTypeOid,
        char typeType,
        int baseTypeModifier,
        @Nullable String typeName,
        int typeOid,
        int typeModifier,
        boolean generated,
        @Nullable String collation,
        PgTypeInfo type) implements Serializable {

    private static final long serialVersionUID = 2L;

    /** A column whose (base) type is a scalar of the type table (or travels as text). */
    public PgColumn(String name, boolean notNull, boolean toastable, int baseTypeOid,
            char typeType, int baseTypeModifier, @Nullable String typeName, int typeOid,
            int typeModifier, boolean generated, @Nullable String collation) {
        this(name, notNull, toastable, baseTypeOid, typeType, baseTypeModifier, typeName, typeOid,
                typeModifier, generated, collation,
                PgTypeInfo.scalar(baseTypeOid, baseTypeModifier));
    }

    /** A column of a type that is not a domain: its own type is its base type. */
    public PgColumn(String name, boolean notNull, boolean toastable, int baseTypeOid,
            char typeType, int baseTypeModifier, String typeName) {
        this(name, notNull, toastable, baseTypeOid, typeType, baseTypeModifier, typeName,
                baseTypeOid, baseTypeModifier);
    }

    /** A column without a type modifier or type name, of a type that is not a domain. */
    public PgColumn(
            String name, boolean notNull, boolean toastable, int baseTypeOid, char typeType) {
        this(name, notNull, toastable, baseTypeOid, typeType, -1, null);
    }

    /** A column that is not generated, in the database's default collation. */
    public PgColumn(String name, boolean notNull, boolean toastable, int baseTypeOid,
            char typeType, int baseTypeModifier, String typeName, int typeOid, int typeModifier) {
        this(name, notNull, toastable, baseTypeOid, typeType, baseTypeModifier, typeName, typeOid,
                typeModifier, false, null);
    }

    /** Whether these facts are about a column of the given type OID and modifier. */
    public boolean hasType(int oid, int modifier) {
        return typeOid == oid && typeModifier == modifier;
    }

    /** The same column with the shape of its type as the catalog describes it. */
    public PgColumn withType(PgTypeInfo t) {
        return new PgColumn(name, notNull, toastable, baseTypeOid, typeType, baseTypeModifier,
                typeName, typeOid, typeModifier, generated, collation, t);
    }

    /** The row of the type table for the column's (base) type. */
    public PgTypes.PgType baseType() {
        return PgTypes.of(baseTypeOid);
    }

    /** The type for SQL, with the column's collation when it is not the default. */
    public String typeWithCollation() {
        return collation == null ? typeName : typeName + " " + collation;
    }
}
