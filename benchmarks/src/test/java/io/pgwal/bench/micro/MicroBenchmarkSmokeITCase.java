package io.pgwal.bench.micro;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.avro.Envelope.FieldName;
import io.pgwal.decoder.PgOutputMessage;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Proves the micro-benchmarks measure real work: the capture holds the expected pgoutput
 * stream, one invocation of each benchmark method processes every message and the converted
 * records are the backlog's changes; then JMH itself runs every benchmark once in this JVM.
 * Scores printed here are meaningless (no warm-up, 100 ms).
 */
class MicroBenchmarkSmokeITCase {

    private static final Blackhole BH = new Blackhole("Today's password is swordfish. I understand"
            + " instantiating Blackholes directly is dangerous.");

    private static CapturedStream stream;

    @BeforeAll
    static void capture() throws Exception {
        stream = CapturedStream.capture();
    }

    @Test
    void captureHoldsTheMixedBacklogAsRawPgoutputMessages() {
        int tx = CapturedStream.CHANGES / CapturedStream.TX_SIZE;
        assertThat(stream.countsByType()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "BEGIN", tx, "COMMIT", tx, "RELATION", 1,
                "INSERT", CapturedStream.CHANGES / 2,
                "UPDATE", CapturedStream.CHANGES / 4,
                "DELETE", CapturedStream.CHANGES / 4));
        assertThat(stream.messages()).hasSize(CapturedStream.STREAM_MESSAGES);
        // The bytes are pgoutput's: the first byte is the message type.
        assertThat(stream.messages().get(0)[0]).isEqualTo((byte) 'B');
        assertThat(stream.messages().get(1)[0]).isEqualTo((byte) 'R');
        assertThat(stream.messages().get(2)[0]).isEqualTo((byte) 'I');
        // An insert carries the whole row (jsonb payload, note of 40 x): well over 100 bytes.
        assertThat(stream.messages().get(2).length).isGreaterThan(100);
        assertThat(stream.changeIndexes()).hasSize(CapturedStream.CHANGES);
    }

    @Test
    void decodeInvocationDecodesEveryMessage() {
        DecodeBenchmark b = new DecodeBenchmark();
        b.prepare(stream);
        assertThat(b.decodeAll(BH)).isEqualTo(CapturedStream.STREAM_MESSAGES);
        assertThat(b.decodeChanges(BH)).isEqualTo(CapturedStream.CHANGES);
    }

    @Test
    void conversionInvocationConvertsEveryChangeToItsRecord() {
        AvroConvertBenchmark b = new AvroConvertBenchmark();
        b.prepare(stream);
        assertThat(b.decodeAndConvert(BH)).isEqualTo(CapturedStream.CHANGES);
        assertThat(b.convert(BH)).isEqualTo(CapturedStream.CHANGES);

        Map<String, Integer> ops = new HashMap<>();
        long insertedIdSum = 0;
        for (int k = 0; k < CapturedStream.CHANGES; k++) {
            GenericRecord r = b.record(k);
            String op = r.get(FieldName.OP).toString();
            ops.merge(op, 1, Integer::sum);
            if (op.equals("INSERT")) {
                insertedIdSum += (Long) ((GenericRecord) r.get(FieldName.AFTER)).get("id");
            }
        }
        assertThat(ops).containsExactlyInAnyOrderEntriesOf(Map.of(
                "INSERT", CapturedStream.CHANGES / 2,
                "UPDATE", CapturedStream.CHANGES / 4,
                "DELETE", CapturedStream.CHANGES / 4));
        // Mixed mode inserts ids 1..CHANGES/2, each once.
        long n = CapturedStream.CHANGES / 2;
        assertThat(insertedIdSum).isEqualTo(n * (n + 1) / 2);
        // The first change of the stream is the insert of id 1, in the first transaction.
        PgOutputMessage first = stream.decoded().get(stream.changeIndexes()[0]);
        assertThat(first).isInstanceOf(PgOutputMessage.Insert.class);
        GenericRecord source = (GenericRecord) b.record(0).get(FieldName.SOURCE);
        assertThat(source.toString()).contains("\"tx_index\": 0");
    }

    @Test
    void jmhRunsEveryBenchmarkAndRecordsItsBytes(@TempDir Path dir) throws Exception {
        Path stats = dir.resolve("stats.properties");
        System.setProperty(CaptureStats.FILE_PROPERTY, stats.toString());
        Collection<RunResult> results;
        try {
            results = new Runner(new OptionsBuilder()
                    .include(DecodeBenchmark.class.getName() + ".decodeChanges")
                    .include(AvroConvertBenchmark.class.getName() + ".decodeAndConvert")
                    .forks(0).warmupIterations(0).measurementIterations(1)
                    .measurementTime(TimeValue.milliseconds(100)).build()).run();
        } finally {
            System.clearProperty(CaptureStats.FILE_PROPERTY);
        }
        assertThat(results).hasSize(2);
        for (RunResult r : results) {
            assertThat(r.getPrimaryResult().getScore()).isPositive();
            assertThat(r.getPrimaryResult().getScoreUnit()).isEqualTo("ops/s");
        }
        Properties p = CaptureStats.load(stats);
        // Each benchmark captured its own stream: same messages, sizes differ by a few bytes
        // (the text of created_at drops trailing zeros of its microseconds).
        long expectedBytes = stream.bytes(stream.changeIndexes());
        for (String b : new String[] {DecodeBenchmark.class.getName() + ".decodeChanges",
                AvroConvertBenchmark.class.getName() + ".decodeAndConvert"}) {
            assertThat(p.getProperty(b + ".messages"))
                    .isEqualTo(Integer.toString(CapturedStream.CHANGES));
            assertThat(Long.parseLong(p.getProperty(b + ".bytes")))
                    .isBetween(expectedBytes - expectedBytes / 100,
                            expectedBytes + expectedBytes / 100);
        }
    }
}
