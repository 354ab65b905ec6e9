package io.pgwal.table;

import org.apache.flink.table.data.RowData;
import org.apache.flink.util.function.ThrowingConsumer;

/**
 * The last full row per primary key (declared physical columns, no metadata), kept in Flink state
 * by {@link KeptRowsOperator}: the old row of an UPDATE or DELETE (PostgreSQL sends only its key)
 * and the unchanged TOAST values an UPDATE does not send come from here. Keys are {@link
 * ChangelogConverter#key} strings.
 */
interface RowStore {

    /** The row stored under {@code key}, or null when this job has not seen it. */
    RowData get(String key) throws Exception;

    void put(String key, RowData row) throws Exception;

    void remove(String key) throws Exception;

    /**
     * Hands every row stored under a key that starts with {@code keyPrefix} to {@code removed}
     * and removes it (a TRUNCATE of one table; the empty prefix empties the store).
     */
    void removeAll(String keyPrefix, ThrowingConsumer<RowData, Exception> removed)
            throws Exception;
}
