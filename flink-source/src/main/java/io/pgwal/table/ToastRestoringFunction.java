package io.pgwal.table;

import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.table.data.RowData;
import org.apache.flink.util.Collector;

/**
 * Upsert-mode conversion for tables with toastable columns: keeps the last row per primary key in
 * keyed state (checkpointed with the source position, so both restore together) and completes
 * UPDATEs that did not send unchanged TOAST values.
 *
 * <p>The stream is keyed by a constant: an UPDATE that changes the primary key must read the
 * row stored under the old key and write it under the new one, which per-key state cannot do. The
 * source has a single split, so this costs no parallelism; the map state scales with the table.
 */
final class ToastRestoringFunction extends KeyedProcessFunction<Integer, GenericRecord, RowData> {

    private static final long serialVersionUID = 1L;

    private final ChangelogConverter converter;
    private final TypeInformation<RowData> rowType;
    private transient MapState<String, RowData> rows;
    private transient RowStore store;

    ToastRestoringFunction(ChangelogConverter converter, TypeInformation<RowData> rowType) {
        this.converter = converter;
        this.rowType = rowType;
    }

    @Override
    public void open(OpenContext openContext) {
        rows = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("pgwal-last-rows", Types.STRING, rowType));
        store = new RowStore() {
            @Override
            public RowData get(String key) throws Exception {
                return rows.get(key);
            }

            @Override
            public void put(String key, RowData row) throws Exception {
                rows.put(key, row);
            }

            @Override
            public void remove(String key) throws Exception {
                rows.remove(key);
            }
        };
    }

    @Override
    public void processElement(GenericRecord envelope, Context ctx, Collector<RowData> out)
            throws Exception {
        converter.convert(envelope, store, out);
    }
}
