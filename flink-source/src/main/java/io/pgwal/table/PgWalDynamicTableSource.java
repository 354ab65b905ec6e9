package io.pgwal.table;

import io.pgwal.source.PgWalSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSource;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.ProviderContext;
import org.apache.flink.table.connector.source.DataStreamScanProvider;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.connector.source.ScanTableSource;
import org.apache.flink.table.connector.source.abilities.SupportsReadingMetadata;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.LogicalType;

/**
 * The pgwal SQL table: a {@link PgWalSource} whose Avro envelopes are converted to changelog rows
 * of one captured table.
 *
 * <p>It is a {@link DataStreamScanProvider} (not a {@code SourceProvider} of a RowData source)
 * because upsert mode with toastable columns needs keyed state next to the source (see {@link
 * ToastRestoringFunction}); in the other cases the conversion is a flatMap chained to the source,
 * so the envelopes are never serialized. Everything runs at parallelism 1: one replication slot
 * has one reader.
 *
 * <p>Changelog mode: {@code +I -U +U -D} when the table has REPLICA IDENTITY FULL (whole old rows
 * are sent); otherwise upsert ({@code +I +U -D}, deletes may carry only the key) on the declared
 * primary key, which must equal the replica identity key.
 */
public final class PgWalDynamicTableSource implements ScanTableSource, SupportsReadingMetadata {

    private final PgWalSource source;
    private final String schema;
    private final String table;
    private final String[] columns;
    private final DataType physicalDataType;
    /** Primary key positions in upsert mode, empty in retract mode. */
    private final int[] keyPositions;
    private final boolean keepRows;
    private final CapturedTable captured;
    private List<String> metadataKeys = List.of();
    private DataType producedDataType;

    PgWalDynamicTableSource(PgWalSource source, String schema, String table, String[] columns,
            DataType physicalDataType, int[] keyPositions, boolean keepRows,
            CapturedTable captured) {
        this.captured = captured;
        this.source = source;
        this.schema = schema;
        this.table = table;
        this.columns = columns;
        this.physicalDataType = physicalDataType;
        this.keyPositions = keyPositions;
        this.keepRows = keepRows;
        this.producedDataType = physicalDataType;
    }

    /** Whether the changelog is an upsert stream on the primary key (REPLICA IDENTITY not FULL). */
    public boolean isUpsert() {
        return keyPositions.length > 0;
    }

    @Override
    public ChangelogMode getChangelogMode() {
        return isUpsert() ? ChangelogMode.upsert(true) : ChangelogMode.all();
    }

    @Override
    public ScanRuntimeProvider getScanRuntimeProvider(ScanContext context) {
        TypeInformation<RowData> producedType = context.createTypeInformation(producedDataType);
        TypeInformation<RowData> physicalType = context.createTypeInformation(physicalDataType);
        List<LogicalType> types = physicalDataType.getLogicalType().getChildren();
        List<PgWalMetadata> metadata = new ArrayList<>();
        metadataKeys.forEach(k -> metadata.add(PgWalMetadata.ofKey(k)));
        ChangelogConverter converter = new ChangelogConverter(schema, table, columns,
                types.toArray(new LogicalType[0]), keyPositions, metadata, captured);
        boolean bounded = source.getBoundedness() == Boundedness.BOUNDED;
        return new DataStreamScanProvider() {
            @Override
            public DataStream<RowData> produceDataStream(ProviderContext provider,
                    StreamExecutionEnvironment env) {
                DataStreamSource<GenericRecord> envelopes = env.fromSource(source,
                        WatermarkStrategy.noWatermarks(), "pgwal " + schema + "." + table);
                envelopes.setParallelism(1);
                // Stable uids, so that the source position (and the kept rows) survive savepoints.
                provider.generateUid("pgwal-source").ifPresent(envelopes::uid);
                SingleOutputStreamOperator<RowData> rows = keepRows
                        ? envelopes.keyBy(e -> 0, Types.INT)
                                .process(new ToastRestoringFunction(converter, physicalType))
                        : envelopes.flatMap(new ChangelogFlatMap(converter));
                rows.returns(producedType).setParallelism(1)
                        .name("pgwal changelog " + schema + "." + table);
                provider.generateUid("pgwal-changelog").ifPresent(rows::uid);
                return rows;
            }

            @Override
            public boolean isBounded() {
                return bounded;
            }
        };
    }

    @Override
    public Map<String, DataType> listReadableMetadata() {
        Map<String, DataType> out = new LinkedHashMap<>();
        for (PgWalMetadata m : PgWalMetadata.values()) {
            out.put(m.key(), m.dataType());
        }
        return out;
    }

    @Override
    public void applyReadableMetadata(List<String> keys, DataType producedDataType) {
        this.metadataKeys = List.copyOf(keys);
        this.producedDataType = producedDataType;
    }

    @Override
    public DynamicTableSource copy() {
        PgWalDynamicTableSource copy = new PgWalDynamicTableSource(source, schema, table, columns,
                physicalDataType, keyPositions, keepRows, captured);
        copy.metadataKeys = metadataKeys;
        copy.producedDataType = producedDataType;
        return copy;
    }

    @Override
    public String asSummaryString() {
        return "pgwal " + schema + "." + table + (isUpsert() ? " (upsert)" : " (retract)");
    }
}
