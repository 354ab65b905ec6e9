package io.pgwal.jobs;

import io.pgwal.source.PgWalSource;
import io.pgwal.source.PgWalSourceBuilder;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.filesystem.OutputFileConfig;
import org.postgresql.replication.LogSequenceNumber;

/**
 * The exactly-once pipeline: a pgwal source streams the captured tables into Avro files with
 * Flink's {@link FileSink}, whose part files are committed when a checkpoint completes; the slot
 * is confirmed only then too. Files land in {@code <output>/<schema>.<table>/v<schema
 * fingerprint>/}.
 *
 * <p>Arguments: {@code --output DIR} (any Flink file system URI), optionally {@code
 * --checkpoint-interval 10s} and {@code --stop-at-lsn X/Y}, plus pgwal source options as {@code
 * --key value} or {@code --config file.properties}.
 */
public final class AvroFileSinkJob {

    private AvroFileSinkJob() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>(DemoArguments.parse(args).options());
        String output = options.remove("output");
        if (output == null) {
            throw new IllegalArgumentException("--output DIR is required");
        }
        Duration interval = Duration.parse("PT" + options.getOrDefault("checkpoint-interval", "10s")
                .toUpperCase(java.util.Locale.ROOT));
        options.remove("checkpoint-interval");
        String stop = options.remove("stop-at-lsn");
        PgWalSourceBuilder source = PgWalSource.builder().options(Configuration.fromMap(options));
        if (stop != null) {
            source.stopAtLsn(LogSequenceNumber.valueOf(stop));
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.enableCheckpointing(interval.toMillis());
        build(env, source.build(), output);
        env.execute("pgwal to Avro files");
    }

    /** Adds the pipeline to {@code env}. */
    static void build(StreamExecutionEnvironment env, PgWalSource source, String output) {
        build(env, source, output, r -> r);
    }

    /** Adds the pipeline with a step between source and sink (tests inject failures there). */
    static void build(StreamExecutionEnvironment env, PgWalSource source, String output,
            MapFunction<GenericRecord, GenericRecord> between) {
        build(env, source, output, between, 1);
    }

    /**
     * The same with the source at {@code sourceParallelism} (its snapshot chunks are read in
     * parallel; the stream is still one split); the step and the sink stay at 1.
     */
    static void build(StreamExecutionEnvironment env, PgWalSource source, String output,
            MapFunction<GenericRecord, GenericRecord> between, int sourceParallelism) {
        FileSink<GenericRecord> sink = FileSink
                .forBulkFormat(new Path(output), new AvroBulkWriter.Factory())
                .withBucketAssigner(new TableSchemaBucketAssigner())
                .withOutputFileConfig(OutputFileConfig.builder().withPartSuffix(".avro").build())
                .build();
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "pgwal").uid("pgwal-source")
                .setParallelism(sourceParallelism)
                .map(between).returns(source.getProducedType()).uid("between").setParallelism(1)
                .sinkTo(sink).uid("avro-files").setParallelism(1);
    }
}
