package io.pgwal.bench.micro;

import io.pgwal.decoder.PgOutputDecoder;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.Blackhole;

/**
 * pgoutput decoding of captured messages, single-threaded: one operation is one message, so the
 * score is messages/s per core. {@code decodeAll} decodes the whole stream (Begin, Relation,
 * changes, Commit), {@code decodeChanges} only the Insert/Update/Delete messages (the same
 * messages {@link AvroConvertBenchmark} converts).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class DecodeBenchmark {

    private byte[][] all;
    private byte[][] changes;
    private PgOutputDecoder decoder;

    @Setup(Level.Trial)
    public void setup(BenchmarkParams params) throws Exception {
        CapturedStream stream = CapturedStream.capture();
        prepare(stream);
        boolean onlyChanges = params.getBenchmark().endsWith(".decodeChanges");
        CaptureStats.record(params, stream, onlyChanges ? stream.changeIndexes()
                : IntStream.range(0, all.length).toArray());
    }

    void prepare(CapturedStream stream) {
        List<byte[]> messages = stream.messages();
        all = messages.toArray(new byte[0][]);
        changes = IntStream.of(stream.changeIndexes()).mapToObj(messages::get)
                .toArray(byte[][]::new);
        decoder = new PgOutputDecoder(1);
    }

    /** Returns the number of messages decoded (for the smoke test; JMH consumes it). */
    @Benchmark
    @OperationsPerInvocation(CapturedStream.STREAM_MESSAGES)
    public int decodeAll(Blackhole bh) {
        return decode(all, bh);
    }

    @Benchmark
    @OperationsPerInvocation(CapturedStream.CHANGES)
    public int decodeChanges(Blackhole bh) {
        return decode(changes, bh);
    }

    private int decode(byte[][] messages, Blackhole bh) {
        for (byte[] m : messages) {
            bh.consume(decoder.decode(ByteBuffer.wrap(m)));
        }
        return messages.length;
    }
}
