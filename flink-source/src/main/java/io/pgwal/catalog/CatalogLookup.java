package io.pgwal.catalog;

import java.util.Map;

/**
 * Column facts that pgoutput's Relation message does not carry (NOT NULL, storage, domain base
 * types, the shapes of arrays, enums, composites and hstore: {@link PgTypeInfo}), read from the PostgreSQL catalog.
 *
 * <p>Called once per relation version (per Relation message), never per row.
 */
public interface CatalogLookup {

    /**
     * The live, non-system columns of a relation by column name; an empty map when the relation
     * does not exist (any more).
     */
    Map<String, PgColumn> columns(int relationOid);
}
