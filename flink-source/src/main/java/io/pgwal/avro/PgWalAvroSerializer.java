package io.pgwal.avro;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Serializes Avro {@link GenericRecord}s of any schema, self-describing: {@code int} length + the
 * writer schema as JSON (UTF-8), then {@code int} length + the record in Avro binary encoding.
 *
 * <p>Why: one pgwal stream carries records of many tables and schema versions, and Flink gives a
 * serializer no per-record type, so each record must carry its schema. The cost is the schema's
 * JSON on every record (typically a few hundred bytes to a few KB, often more than the row) on the
 * network and in state; in exchange there is no external schema registry and no Kryo. Printing
 * and parsing happen once per schema thanks to {@link SchemaCodecCache} (LRU of 1,000 schemas
 * each way). Reading a record yields strings as {@link org.apache.avro.util.Utf8}.
 *
 * <p>Not thread-safe: {@link #duplicate()} returns a fresh instance with its own caches.
 */
public final class PgWalAvroSerializer extends TypeSerializer<GenericRecord> {

    private static final long serialVersionUID = 1L;

    private transient SchemaCodecCache cache;
    private transient ByteArrayOutputStream buffer;
    private transient BinaryEncoder encoder;
    private transient BinaryDecoder decoder;
    private transient byte[] scratch;
    private transient byte[] data;

    private SchemaCodecCache cache() {
        if (cache == null) {
            cache = new SchemaCodecCache(SchemaCodecCache.DEFAULT_CAPACITY);
        }
        return cache;
    }

    /** Parsed schemas so far (for tests that check parsing happens once per schema). */
    int schemaParses() {
        return cache().parses();
    }

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public TypeSerializer<GenericRecord> duplicate() {
        return new PgWalAvroSerializer();
    }

    /** There is no schema to create an instance of; Flink copes with null here. */
    @Override
    public GenericRecord createInstance() {
        return null;
    }

    @Override
    public GenericRecord copy(GenericRecord from) {
        return from == null ? null : DeepCopy.record(from);
    }

    @Override
    public GenericRecord copy(GenericRecord from, GenericRecord reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(GenericRecord record, DataOutputView target) throws IOException {
        SchemaCodecCache.WriteEntry e = cache().forWrite(record.getSchema());
        if (buffer == null) {
            buffer = new ByteArrayOutputStream(256);
        }
        buffer.reset();
        encoder = EncoderFactory.get().directBinaryEncoder(buffer, encoder);
        e.writer().write(record, encoder);
        encoder.flush();
        target.writeInt(e.json().length);
        target.write(e.json());
        target.writeInt(buffer.size());
        buffer.writeTo(new DataOutputViewStream(target));
    }

    @Override
    public GenericRecord deserialize(DataInputView source) throws IOException {
        return deserialize(null, source);
    }

    @Override
    public GenericRecord deserialize(GenericRecord reuse, DataInputView source) throws IOException {
        int schemaLen = source.readInt();
        byte[] json = readFully(source, schemaLen);
        SchemaCodecCache.ReadEntry e = cache().forRead(json, schemaLen);
        int dataLen = source.readInt();
        if (data == null || data.length < dataLen) {
            data = new byte[Math.max(dataLen, 1024)];
        }
        source.readFully(data, 0, dataLen);
        // Avro copies bytes and strings out of the buffer, so it can be reused for the next one.
        decoder = DecoderFactory.get().binaryDecoder(data, 0, dataLen, decoder);
        // Reusing an instance of another schema would mix fields; only reuse on the same schema.
        GenericRecord target = reuse != null && reuse.getSchema() == e.schema() ? reuse : null;
        return e.reader().read(target, decoder);
    }

    private byte[] readFully(DataInputView source, int len) throws IOException {
        if (scratch == null || scratch.length < len) {
            scratch = new byte[Math.max(len, 1024)];
        }
        source.readFully(scratch, 0, len);
        return scratch;
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        // Schema, then record; through a buffer, as not every DataOutputView grows in
        // write(DataInputView, int).
        for (int part = 0; part < 2; part++) {
            int len = source.readInt();
            target.writeInt(len);
            target.write(readFully(source, len), 0, len);
        }
    }

    @Override
    public boolean equals(Object obj) {
        return obj instanceof PgWalAvroSerializer;
    }

    @Override
    public int hashCode() {
        return PgWalAvroSerializer.class.hashCode();
    }

    @Override
    public TypeSerializerSnapshot<GenericRecord> snapshotConfiguration() {
        return new PgWalAvroSerializerSnapshot();
    }

    /** Adapts a DataOutputView to the OutputStream ByteArrayOutputStream.writeTo wants. */
    private static final class DataOutputViewStream extends java.io.OutputStream {
        private final DataOutputView out;

        DataOutputViewStream(DataOutputView out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }
    }
}
