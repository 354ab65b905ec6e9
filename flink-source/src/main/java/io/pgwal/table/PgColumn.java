package io.pgwal.table;

import java.io.Serializable;

/**
 * One column of a captured table as the PostgreSQL catalog describes it.
 *
 * @param name the column name (exact, unquoted)
 * @param typeName {@code pg_type.typname}, e.g. {@code int4}, {@code numeric}, {@code _int4}
 * @param typeType {@code pg_type.typtype}: {@code b} base, {@code e} enum, {@code d} domain, ...
 * @param displayType the type as {@code format_type} prints it, e.g. {@code numeric(12,2)}
 * @param typeModifier {@code pg_attribute.atttypmod} (-1 when unconstrained)
 * @param toastable whether the value may be stored out of line ({@code attstorage <> 'p'}), so
 *     that an UPDATE may leave it unsent
 */
public record PgColumn(String name, String typeName, char typeType, String displayType,
        int typeModifier, boolean toastable) implements Serializable {

    /** Precision of a {@code numeric(p,s)}, or -1 for an unconstrained numeric. */
    public int numericPrecision() {
        return typeModifier < 4 ? -1 : ((typeModifier - 4) >> 16) & 0xffff;
    }

    /** Scale of a {@code numeric(p,s)} (PostgreSQL stores it as a signed 11-bit value). */
    public int numericScale() {
        if (typeModifier < 4) {
            return -1;
        }
        return (((typeModifier - 4) & 0x7ff) ^ 1024) - 1024;
    }
}
