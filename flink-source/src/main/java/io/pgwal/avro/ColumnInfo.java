package io.pgwal.avro;

/**
 * What the catalog says about one column.
 *
 * @param name the column name
 * @param notNull {@code pg_attribute.attnotnull}
 * @param toastable {@code attstorage != 'p'}: the value may be sent as "unchanged TOAST" (not sent
 *     at all) in an UPDATE
 * @param baseTypeOid for a domain the OID of its (innermost) base type, else the column's type OID
 * @param typeType {@code pg_type.typtype} of the column's own type: 'b' base, 'e' enum, 'd'
 *     domain, 'c' composite, 'r' range, 'm' multirange, 'p' pseudo
 * @param baseTypeModifier the type modifier that applies to {@code baseTypeOid}: the column's
 *     {@code atttypmod}, or for a domain the innermost domain's {@code typtypmod} (so that a domain
 *     over {@code numeric(12,2)} maps to {@code decimal(12,2)}); -1 when there is none
 * @param typeName the column type's name as {@code format_type} prints it (for documentation in
 *     the Avro schema), or null when unknown
 * @param typeOid the column's own type ({@code atttypid}); with {@code typeModifier} it tells
 *     whether these facts describe the same column version as a Relation message (a column renamed,
 *     retyped or dropped and re-added since has other ones)
 * @param typeModifier the column's own type modifier ({@code atttypmod})
 */
public record ColumnInfo(
        String name,
        boolean notNull,
        boolean toastable,
        int baseTypeOid,
        char typeType,
        int baseTypeModifier,
        String typeName,
        int typeOid,
        int typeModifier) {

    /** Column info of a column that is not of a domain type: its own type is its base type. */
    public ColumnInfo(String name, boolean notNull, boolean toastable, int baseTypeOid,
            char typeType, int baseTypeModifier, String typeName) {
        this(name, notNull, toastable, baseTypeOid, typeType, baseTypeModifier, typeName,
                baseTypeOid, baseTypeModifier);
    }

    /** Column info without a type modifier or type name, of a type that is not a domain. */
    public ColumnInfo(
            String name, boolean notNull, boolean toastable, int baseTypeOid, char typeType) {
        this(name, notNull, toastable, baseTypeOid, typeType, -1, null);
    }

    /** Whether these facts are about a column of the given type OID and modifier. */
    public boolean hasType(int oid, int modifier) {
        return typeOid == oid && typeModifier == modifier;
    }
}
