package io.pgwal.avro;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;

/**
 * Bounded LRU caches for {@link PgWalAvroSerializer}: Schema → (JSON bytes, datum writer) on
 * write and JSON bytes → (Schema, datum reader) on read, so each schema is printed and parsed
 * once * while it is in use, not once per record. Not thread-safe (one per serializer instance).
 */
final class SchemaCodecCache {

    static final int DEFAULT_CAPACITY = 1_000;

    /** What the writer needs for one schema. */
    record WriteEntry(byte[] json, GenericDatumWriter<GenericRecord> writer) {}

    /** What the reader needs for one schema. */
    record ReadEntry(Schema schema, GenericDatumReader<GenericRecord> reader) {}

    private final Map<Schema, WriteEntry> writes;
    private final Map<Key, ReadEntry> reads;
    private final Key probe = new Key(new byte[0], 0);
    private int parses;

    SchemaCodecCache(int capacity) {
        writes = lru(capacity);
        reads = lru(capacity);
    }

    private static <K, V> Map<K, V> lru(int capacity) {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > capacity;
            }
        };
    }

    WriteEntry forWrite(Schema schema) {
        WriteEntry e = writes.get(schema);
        if (e == null) {
            e = new WriteEntry(schema.toString().getBytes(StandardCharsets.UTF_8),
                    new GenericDatumWriter<>(schema, GenericData.get()));
            writes.put(schema, e);
        }
        return e;
    }

    /** The schema whose JSON is the first {@code len} bytes of {@code json} (not retained). */
    ReadEntry forRead(byte[] json, int len) {
        probe.set(json, len);
        ReadEntry e = reads.get(probe);
        if (e == null) {
            Schema schema = new Schema.Parser()
                    .parse(new String(json, 0, len, StandardCharsets.UTF_8));
            parses++;
            e = new ReadEntry(schema, new GenericDatumReader<>(schema, schema, GenericData.get()));
            reads.put(new Key(Arrays.copyOf(json, len), len), e);
        }
        return e;
    }

    /** How many schemas were parsed so far (for tests of the cache). */
    int parses() {
        return parses;
    }

    /** Content-compared bytes; the probe instance is reused for lookups without copying. */
    private static final class Key {
        private byte[] bytes;
        private int len;
        private int hash;

        Key(byte[] bytes, int len) {
            set(bytes, len);
        }

        void set(byte[] b, int n) {
            bytes = b;
            len = n;
            int h = 1;
            for (int i = 0; i < n; i++) {
                h = 31 * h + b[i];
            }
            hash = h;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.hash == hash
                    && Arrays.equals(k.bytes, 0, k.len, bytes, 0, len);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
