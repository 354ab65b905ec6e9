package io.pgwal.table;

import org.apache.flink.table.data.RowData;

/**
 * The last full row per key, kept in upsert mode for tables with toastable columns: an UPDATE
 * that leaves a TOASTed value unchanged does not send it, and the row is completed from here.
 */
interface RowStore {

    RowData get(String key) throws Exception;

    void put(String key, RowData row) throws Exception;

    void remove(String key) throws Exception;
}
