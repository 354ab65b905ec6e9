package io.pgwal.avro;

import io.pgwal.catalog.PgColumn;
import io.pgwal.catalog.CatalogLookup;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An in-memory {@link CatalogLookup} for unit tests: what the catalog would say about each
 * relation, plus how often it was asked (the converter must ask once per relation version).
 */
final class MapCatalog implements CatalogLookup {

    private final Map<Integer, Map<String, PgColumn>> relations = new HashMap<>();
    int lookups;

    /** Declares a column of a relation (replacing an earlier declaration of the same name). */
    MapCatalog column(int relationOid, PgColumn info) {
        relations.computeIfAbsent(relationOid, k -> new LinkedHashMap<>()).put(info.name(), info);
        return this;
    }

    MapCatalog drop(int relationOid, String column) {
        relations.getOrDefault(relationOid, new HashMap<>()).remove(column);
        return this;
    }

    @Override
    public Map<String, PgColumn> columns(int relationOid) {
        lookups++;
        return Map.copyOf(relations.getOrDefault(relationOid, Map.of()));
    }
}
