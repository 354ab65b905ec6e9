package io.pgwal.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.avro.Envelope.FieldName;
import io.pgwal.avro.PgWalAvroTypeInfo;
import io.pgwal.testing.Envelopes;
import io.pgwal.testing.TestPostgres;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.replication.LogSequenceNumber;

/**
 * Records of different tables, and of one table before and after a schema change, cross a network
 * shuffle ({@code keyBy}) and live in keyed state with generic types (Kryo) disabled.
 */
class PgWalKeyByITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(2)
                    .build());

    @RegisterExtension
    static final TestPostgres pg = TestPostgres.perClass();

    @BeforeAll
    static void startPostgres() {
        pg.execute("CREATE TABLE a (id int PRIMARY KEY, x text)",
                "CREATE TABLE b (id bigint PRIMARY KEY, amount numeric(10,3), at timestamptz)",
                "CREATE PUBLICATION kb_pub FOR TABLE a, b",
                "SELECT pg_create_logical_replication_slot('kb_slot', 'pgoutput')");
    }

    @Test
    void recordsCrossKeyByAndStateWithoutKryo() throws Exception {
        pg.execute("INSERT INTO a SELECT i, 'x' || i FROM generate_series(1, 50) i",
                "INSERT INTO b SELECT i, i / 7.0, now() FROM generate_series(1, 30) i",
                "ALTER TABLE a ADD COLUMN y int DEFAULT 7",
                "INSERT INTO a VALUES (51, 'after alter', 8)",
                "UPDATE b SET amount = 0 WHERE id = 30");
        LogSequenceNumber stop = pg.currentInsertLsn();
        PgWalSource source = pg.sourceBuilder("kb_slot", "kb_pub").stopAtLsn(stop).build();

        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        List<String> out = new ArrayList<>();
        try (CloseableIterator<String> it = env
                .fromSource(source, WatermarkStrategy.noWatermarks(), "pgwal")
                .keyBy(Envelopes::table, Types.STRING)
                .process(new LastPerTable())
                .executeAndCollect()) {
            it.forEachRemaining(out::add);
        }

        assertThat(out).hasSize(82);
        assertThat(out).contains("a 51 INSERT x=after alter y=8", "b 31 UPDATE x=null y=null");
        assertThat(out).filteredOn(s -> s.startsWith("a 50 ")).containsExactly("a 50 INSERT x=x50 y=null");
    }

    /** Keeps the previous record of each table in state (through the custom serializer). */
    private static final class LastPerTable extends KeyedProcessFunction<String, GenericRecord, String> {
        private transient ValueState<GenericRecord> last;
        private transient ValueState<Integer> count;

        @Override
        public void open(org.apache.flink.api.common.functions.OpenContext ctx) {
            last = getRuntimeContext().getState(new ValueStateDescriptor<>("last", new PgWalAvroTypeInfo()));
            count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.INT));
        }

        @Override
        public void processElement(GenericRecord r, Context ctx, Collector<String> out) throws Exception {
            int n = count.value() == null ? 1 : count.value() + 1;
            count.update(n);
            last.update(r);
            GenericRecord stored = last.value();
            GenericRecord after = (GenericRecord) stored.get(FieldName.AFTER);
            boolean hasY = after.getSchema().getField("y") != null;
            out.collect(ctx.getCurrentKey() + " " + n + " " + Envelopes.op(stored)
                    + " x=" + (after.getSchema().getField("x") == null ? null : after.get("x"))
                    + " y=" + (hasY ? after.get("y") : null));
        }
    }
}
