package io.pgwal.avro;

import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The snapshot of {@link PgWalAvroSerializer}. It has no configuration: every record carries its
 * own writer schema, so state written by any version of any table stays readable. Compatible as
 * is with itself; incompatible with any other serializer's snapshot.
 */
public final class PgWalAvroSerializerSnapshot implements TypeSerializerSnapshot<GenericRecord> {

    private static final int VERSION = 1;

    /** Used by Flink to restore the snapshot reflectively. */
    public PgWalAvroSerializerSnapshot() {}

    @Override
    public int getCurrentVersion() {
        return VERSION;
    }

    @Override
    public void writeSnapshot(DataOutputView out) {
        // Nothing to write: the format is fully described by the records themselves.
    }

    @Override
    public void readSnapshot(int readVersion, DataInputView in, ClassLoader classLoader) {
        if (readVersion != VERSION) {
            throw new IllegalStateException("Unknown PgWalAvroSerializerSnapshot version "
                    + readVersion + "; this pgwal version reads version " + VERSION);
        }
    }

    @Override
    public TypeSerializer<GenericRecord> restoreSerializer() {
        return new PgWalAvroSerializer();
    }

    @Override
    public TypeSerializerSchemaCompatibility<GenericRecord> resolveSchemaCompatibility(
            TypeSerializerSnapshot<GenericRecord> oldSerializerSnapshot) {
        return oldSerializerSnapshot instanceof PgWalAvroSerializerSnapshot
                ? TypeSerializerSchemaCompatibility.compatibleAsIs()
                : TypeSerializerSchemaCompatibility.incompatible();
    }
}
