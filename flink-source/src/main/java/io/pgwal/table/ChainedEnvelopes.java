package io.pgwal.table;

import io.pgwal.avro.PgWalAvroSerializer;
import java.io.IOException;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The type of the envelopes between the SQL table's source and its chained converter ({@link
 * KeptRowsOperator}, {@link ChangelogFlatMap}): pgwal's Avro serialization, but handed over
 * without a copy.
 *
 * <p>Without object reuse Flink deep-copies every record passed to a chained operator; for the
 * envelopes that was a third of the task thread's time (JFR, {@code benchmarks/run.sh --ways sql}).
 * The copy protects a record from being changed by one consumer while another one reads it, or by
 * the producer after it emitted it. Neither happens here: the source emits a new envelope per
 * change and never touches it again, its only consumer is pgwal's converter, which reads it and
 * keeps none of its objects (every value is converted into new Flink data; bytes are copied out of
 * their buffers). Where the stream is not chained (operator chaining switched off), envelopes are
 * serialized as they always were.
 */
final class ChainedEnvelopes extends TypeInformation<GenericRecord> {

    private static final long serialVersionUID = 1L;

    static final ChainedEnvelopes INSTANCE = new ChainedEnvelopes();

    @Override
    public boolean isBasicType() {
        return false;
    }

    @Override
    public boolean isTupleType() {
        return false;
    }

    @Override
    public int getArity() {
        return 1;
    }

    @Override
    public int getTotalFields() {
        return 1;
    }

    @Override
    public Class<GenericRecord> getTypeClass() {
        return GenericRecord.class;
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    public TypeSerializer<GenericRecord> createSerializer(SerializerConfig config) {
        return new Serializer();
    }

    @Override
    public String toString() {
        return "ChainedEnvelopes<GenericRecord>";
    }

    @Override
    public boolean equals(Object obj) {
        return obj instanceof ChainedEnvelopes;
    }

    @Override
    public int hashCode() {
        return ChainedEnvelopes.class.hashCode();
    }

    @Override
    public boolean canEqual(Object obj) {
        return obj instanceof ChainedEnvelopes;
    }

    /** {@link PgWalAvroSerializer} whose copy is the record itself (see the class comment). */
    public static final class Serializer extends TypeSerializer<GenericRecord> {

        private static final long serialVersionUID = 1L;

        private final PgWalAvroSerializer avro = new PgWalAvroSerializer();

        @Override
        public boolean isImmutableType() {
            return false;
        }

        @Override
        public TypeSerializer<GenericRecord> duplicate() {
            return new Serializer();
        }

        @Override
        public GenericRecord createInstance() {
            return null;
        }

        @Override
        public GenericRecord copy(GenericRecord from) {
            return from;
        }

        @Override
        public GenericRecord copy(GenericRecord from, GenericRecord reuse) {
            return from;
        }

        @Override
        public int getLength() {
            return -1;
        }

        @Override
        public void serialize(GenericRecord record, DataOutputView target) throws IOException {
            avro.serialize(record, target);
        }

        @Override
        public GenericRecord deserialize(DataInputView source) throws IOException {
            return avro.deserialize(source);
        }

        @Override
        public GenericRecord deserialize(GenericRecord reuse, DataInputView source)
                throws IOException {
            return avro.deserialize(reuse, source);
        }

        @Override
        public void copy(DataInputView source, DataOutputView target) throws IOException {
            avro.copy(source, target);
        }

        @Override
        public boolean equals(Object obj) {
            return obj instanceof Serializer;
        }

        @Override
        public int hashCode() {
            return Serializer.class.hashCode();
        }

        @Override
        public TypeSerializerSnapshot<GenericRecord> snapshotConfiguration() {
            return new Snapshot();
        }
    }

    /** Restores {@link Serializer}; it has no configuration. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<GenericRecord> {
        public Snapshot() {
            super(Serializer::new);
        }
    }
}
