package io.pgwal.bench.micro;

import io.pgwal.avro.AvroChangeConverter;
import io.pgwal.avro.ChangeSource;
import io.pgwal.decoder.PgOutputDecoder;
import io.pgwal.decoder.PgOutputMessage;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.apache.avro.generic.GenericRecord;
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
 * Avro conversion of the captured Insert/Update/Delete messages, single-threaded: one operation
 * is one change message, so the score is messages/s per core. The stream's Relation message is
 * given to the converter once in the setup (catalog facts from the capture's snapshot, no
 * server). {@code decodeAndConvert} is the per-change work of the source (decode + convert);
 * {@code convert} converts messages decoded in the setup, i.e. conversion alone.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class AvroConvertBenchmark {

    private byte[][] bytes;
    private PgOutputMessage[] decoded;
    private ChangeSource[] sources;
    private PgOutputDecoder decoder;
    private AvroChangeConverter converter;

    @Setup(Level.Trial)
    public void setup(BenchmarkParams params) throws Exception {
        CapturedStream stream = CapturedStream.capture();
        prepare(stream);
        CaptureStats.record(params, stream, stream.changeIndexes());
    }

    void prepare(CapturedStream stream) {
        int[] changes = stream.changeIndexes();
        bytes = new byte[changes.length][];
        decoded = new PgOutputMessage[changes.length];
        sources = new ChangeSource[changes.length];
        for (int k = 0; k < changes.length; k++) {
            bytes[k] = stream.messages().get(changes[k]);
            decoded[k] = stream.decoded().get(changes[k]);
            sources[k] = stream.source(changes[k]);
        }
        decoder = new PgOutputDecoder(1);
        converter = new AvroChangeConverter(CapturedStream.DATABASE, stream.catalog());
        for (PgOutputMessage m : stream.decoded()) {
            if (m instanceof PgOutputMessage.Relation r) {
                converter.onRelation(r);
            }
        }
    }

    /** Returns the number of records produced (for the smoke test; JMH consumes it). */
    @Benchmark
    @OperationsPerInvocation(CapturedStream.CHANGES)
    public int decodeAndConvert(Blackhole bh) {
        for (int k = 0; k < bytes.length; k++) {
            bh.consume(convert(decoder.decode(ByteBuffer.wrap(bytes[k])), sources[k]));
        }
        return bytes.length;
    }

    @Benchmark
    @OperationsPerInvocation(CapturedStream.CHANGES)
    public int convert(Blackhole bh) {
        for (int k = 0; k < decoded.length; k++) {
            bh.consume(convert(decoded[k], sources[k]));
        }
        return decoded.length;
    }

    /** The record of the k-th change message, converted from its bytes. */
    GenericRecord record(int k) {
        return convert(decoder.decode(ByteBuffer.wrap(bytes[k])), sources[k]);
    }

    private GenericRecord convert(PgOutputMessage m, ChangeSource src) {
        if (m instanceof PgOutputMessage.Insert i) {
            return converter.insert(i, src);
        }
        if (m instanceof PgOutputMessage.Update u) {
            return converter.update(u, src);
        }
        return converter.delete((PgOutputMessage.Delete) m, src);
    }
}
