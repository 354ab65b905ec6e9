package io.pgwal.jobs;

import io.pgwal.avro.Envelope;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.functions.sink.filesystem.BucketAssigner;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.SimpleVersionedStringSerializer;

/**
 * Buckets change envelopes by table and schema version ({@code schema.table/v<fingerprint>}), so
 * every Avro file holds records of one schema; logical messages go to {@code _messages}.
 */
final class TableSchemaBucketAssigner implements BucketAssigner<GenericRecord, String> {

    @Override
    public String getBucketId(GenericRecord record, Context context) {
        String table = Envelope.table(record);
        String prefix = table == null ? "_messages" : Envelope.schema(record) + "." + table;
        long fingerprint = SchemaNormalization.parsingFingerprint64(record.getSchema());
        return prefix.replace('/', '_') + "/v" + Long.toHexString(fingerprint);
    }

    @Override
    public SimpleVersionedSerializer<String> getSerializer() {
        return SimpleVersionedStringSerializer.INSTANCE;
    }
}
