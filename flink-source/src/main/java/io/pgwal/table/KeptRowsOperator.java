package io.pgwal.table;

import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.TimestampedCollector;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.binary.BinaryRowData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.table.runtime.typeutils.RowDataSerializer;
import org.apache.flink.util.function.ThrowingConsumer;

/**
 * The conversion for tables whose UPDATEs and DELETEs identify the old row by its key only
 * (REPLICA IDENTITY DEFAULT or USING INDEX) in {@code changelog-mode} = all: keeps the last row
 * per primary key in keyed state ({@link ChangelogShape#KEPT_ROWS}), so that it can emit {@code
 * -U}/{@code -D} with the whole old row and complete unchanged TOAST values. This is the only copy
 * of the rows: the source declares {@code ChangelogMode.all()}, so the planner adds no {@code
 * ChangelogNormalize}.
 *
 * <p>It is chained to the source (the stream is reinterpreted as keyed, without a shuffle, so the
 * Avro envelopes are never serialized). The state is keyed by {@link ChangelogConverter#key} of
 * the row, one value per row, so heap and RocksDB backends checkpoint it incrementally per key;
 * the operator sets the current key itself before each access because an UPDATE that changes the
 * key reads the old key's row and writes the new key's. It runs at parallelism 1, like the source
 * (one slot, one reader), and therefore owns every key group.
 *
 * <p>Rows are kept in their binary form ({@link BinaryRowData}, the format of the state's own
 * serializer, so the state's layout is unchanged): converted once when stored, they are written
 * by each checkpoint as they are (heap state writes every row at every checkpoint), and they are
 * a few objects per row for the garbage collector instead of one per value.
 */
final class KeptRowsOperator extends AbstractStreamOperator<RowData>
        implements OneInputStreamOperator<GenericRecord, RowData> {

    private static final long serialVersionUID = 1L;

    /** The keyed value state: the last row (declared physical columns) per key string. */
    static final String STATE_NAME = "pgwal-last-row";

    private final ChangelogConverter converter;
    private final TypeInformation<RowData> rowType;
    private transient ValueState<RowData> rows;
    private transient TimestampedCollector<RowData> collector;
    private transient RowStore store;
    private transient RowDataSerializer binary;

    /** @param rowType the declared physical columns' {@link InternalTypeInfo} */
    KeptRowsOperator(ChangelogConverter converter, TypeInformation<RowData> rowType) {
        this.converter = converter;
        this.rowType = rowType;
    }

    @Override
    public void open() throws Exception {
        super.open();
        rows = getPartitionedState(new ValueStateDescriptor<>(STATE_NAME, rowType));
        collector = new TimestampedCollector<>(output);
        store = new Store();
        binary = ((InternalTypeInfo<RowData>) rowType).toRowSerializer();
    }

    @Override
    public void processElement(StreamRecord<GenericRecord> element) throws Exception {
        collector.setTimestamp(element);
        converter.convert(element.getValue(), store, collector);
    }

    private final class Store implements RowStore {
        @Override
        public RowData get(String key) throws Exception {
            setCurrentKey(key);
            return rows.value();
        }

        @Override
        public void put(String key, RowData row) throws Exception {
            setCurrentKey(key);
            // A stored row is never changed afterwards, so a binary row is kept as it is.
            rows.update(row instanceof BinaryRowData ? row : binary.toBinaryRow(row).copy());
        }

        @Override
        public void remove(String key) throws Exception {
            setCurrentKey(key);
            rows.clear();
        }

        @Override
        public void removeAll(String keyPrefix, ThrowingConsumer<RowData, Exception> removed)
                throws Exception {
            KeyedStateBackend<String> backend = getKeyedStateBackend();
            List<String> keys;
            // Collected first: the state is modified while the keys are visited.
            try (Stream<String> all = backend.getKeys(STATE_NAME, VoidNamespace.INSTANCE)) {
                keys = all.filter(k -> k.startsWith(keyPrefix)).toList();
            }
            for (String key : keys) {
                setCurrentKey(key);
                RowData row = rows.value();
                if (row != null) {
                    rows.clear();
                    removed.accept(row);
                }
            }
        }
    }
}
