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
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSource;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
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
 * <p>The changelog follows a {@link ChangelogShape} (the table's REPLICA IDENTITY and option
 * {@code changelog-mode}): {@code ChangelogMode.all()} ({@code +I -U +U -D}, whole old rows) by
 * default, either from the old rows PostgreSQL sends (REPLICA IDENTITY FULL, no state) or from
 * the last row per key that pgwal keeps ({@link KeptRowsOperator}); so the planner adds no {@code
 * ChangelogNormalize}. With {@code changelog-mode} = upsert it is an upsert stream on the declared
 * primary key ({@code +I +U -D}) and pgwal keeps no state.
 *
 * <p>It is a {@link DataStreamScanProvider} (not a {@code SourceProvider} of a RowData source)
 * because the kept rows need keyed state next to the source. The conversion is chained to the
 * source in every shape (no shuffle: the envelopes are never serialized). Everything runs at
 * parallelism 1: one replication slot has one reader.
 */
public final class PgWalDynamicTableSource implements ScanTableSource, SupportsReadingMetadata {

    private final PgWalSource source;
    private final String schema;
    private final String table;
    private final String[] columns;
    private final DataType physicalDataType;
    /** Primary key positions among the declared columns; may be empty with full images. */
    private final int[] keyPositions;
    private final ChangelogShape shape;
    /** The captured tables by name; {@link #table} is the option (a name or a pattern). */
    private final Map<String, CapturedTable> captured;
    private List<String> metadataKeys = List.of();
    private DataType producedDataType;

    PgWalDynamicTableSource(PgWalSource source, String schema, String table, String[] columns,
            DataType physicalDataType, int[] keyPositions, ChangelogShape shape,
            Map<String, CapturedTable> captured) {
        this.captured = Map.copyOf(captured);
        this.source = source;
        this.schema = schema;
        this.table = table;
        this.columns = columns;
        this.physicalDataType = physicalDataType;
        this.keyPositions = keyPositions;
        this.shape = shape;
        this.producedDataType = physicalDataType;
    }

    /** How changes become rows, and whether pgwal keeps rows in state. */
    ChangelogShape shape() {
        return shape;
    }

    @Override
    public ChangelogMode getChangelogMode() {
        return shape.changelogMode();
    }

    @Override
    public ScanRuntimeProvider getScanRuntimeProvider(ScanContext context) {
        TypeInformation<RowData> producedType = context.createTypeInformation(producedDataType);
        TypeInformation<RowData> physicalType = context.createTypeInformation(physicalDataType);
        List<LogicalType> types = physicalDataType.getLogicalType().getChildren();
        List<PgWalMetadata> metadata = new ArrayList<>();
        metadataKeys.forEach(k -> metadata.add(PgWalMetadata.ofKey(k)));
        ChangelogConverter converter = new ChangelogConverter(schema, captured, columns,
                types.toArray(new LogicalType[0]), keyPositions, metadata, shape);
        boolean bounded = source.getBoundedness() == Boundedness.BOUNDED;
        return new DataStreamScanProvider() {
            @Override
            public DataStream<RowData> produceDataStream(ProviderContext provider,
                    StreamExecutionEnvironment env) {
                // Handed to the chained converter without Flink's copy per record.
                DataStreamSource<GenericRecord> envelopes = env.fromSource(source,
                        WatermarkStrategy.noWatermarks(), "pgwal " + schema + "." + table,
                        ChainedEnvelopes.INSTANCE);
                envelopes.setParallelism(1);
                // Stable uids, so that the source position (and the kept rows) survive savepoints.
                provider.generateUid("pgwal-source").ifPresent(envelopes::uid);
                SingleOutputStreamOperator<RowData> rows;
                if (shape.keepsRows()) {
                    // Keyed without a shuffle (parallelism 1 owns every key group), so that it
                    // chains to the source; the operator sets each row's key itself.
                    KeySelector<GenericRecord, String> noKey = e -> "";
                    // (An operator's factory chains by default: ChainingStrategy.ALWAYS.)
                    rows = DataStreamUtils.reinterpretAsKeyedStream(envelopes, noKey, Types.STRING)
                            .transform("pgwal changelog " + schema + "." + table, producedType,
                                    new KeptRowsOperator(converter, physicalType));
                    // A uid of its own: the state of the earlier layout (all rows in one map
                    // under the uid pgwal-changelog) must not be restored into this one unnoticed.
                    provider.generateUid("pgwal-kept-rows").ifPresent(rows::uid);
                } else {
                    rows = envelopes.flatMap(new ChangelogFlatMap(converter))
                            .name("pgwal changelog " + schema + "." + table);
                    provider.generateUid("pgwal-changelog").ifPresent(rows::uid);
                }
                rows.returns(producedType).setParallelism(1);
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
                physicalDataType, keyPositions, shape, captured);
        copy.metadataKeys = metadataKeys;
        copy.producedDataType = producedDataType;
        return copy;
    }

    @Override
    public String asSummaryString() {
        return "pgwal " + schema + "." + table + " (" + shape.name().toLowerCase(java.util.Locale.ROOT)
                .replace('_', ' ') + ")";
    }
}
