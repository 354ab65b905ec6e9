package io.pgwal.table;

import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.table.data.RowData;
import org.apache.flink.util.Collector;

/** The stateless conversion, chained to the source: every shape but {@link ChangelogShape#KEPT_ROWS}. */
final class ChangelogFlatMap implements FlatMapFunction<GenericRecord, RowData> {

    private static final long serialVersionUID = 1L;

    private final ChangelogConverter converter;

    ChangelogFlatMap(ChangelogConverter converter) {
        this.converter = converter;
    }

    @Override
    public void flatMap(GenericRecord envelope, Collector<RowData> out) throws Exception {
        converter.convert(envelope, null, out);
    }
}
