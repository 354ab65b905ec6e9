package io.pgwal.avro;

import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * Flink type information for pgwal's Avro records of any table and schema version, serialized by
 * {@link PgWalAvroSerializer} (self-describing: schema JSON + Avro binary per record; see there
 * for the cost). Use it with {@code returns(...)}/{@code fromSource(..., typeInfo)} so records
 * cross {@code keyBy} and live in state without Kryo, also with generic types disabled.
 *
 * <p>It is a key type: records (e.g. the {@code before} key record) can be keys. Equality and
 * hashing are Avro's ({@link org.apache.avro.generic.GenericData#compare}), so records of
 * different schemas (also different versions of one table) are different keys.
 */
public final class PgWalAvroTypeInfo extends TypeInformation<GenericRecord> {

    private static final long serialVersionUID = 1L;

    /** The shared instance (the type info is stateless). */
    public static final PgWalAvroTypeInfo INSTANCE = new PgWalAvroTypeInfo();

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
        return true;
    }

    @Override
    public TypeSerializer<GenericRecord> createSerializer(SerializerConfig config) {
        return new PgWalAvroSerializer();
    }

    @Override
    public String toString() {
        return "PgWalAvroTypeInfo<GenericRecord>";
    }

    @Override
    public boolean equals(Object obj) {
        return obj instanceof PgWalAvroTypeInfo;
    }

    @Override
    public int hashCode() {
        return PgWalAvroTypeInfo.class.hashCode();
    }

    @Override
    public boolean canEqual(Object obj) {
        return obj instanceof PgWalAvroTypeInfo;
    }
}
