package io.pgwal.jobs;

import java.io.IOException;
import org.apache.avro.Schema;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.core.fs.FSDataOutputStream;

/**
 * Writes one Avro container file per part file. The schema is the first record's: {@link
 * TableSchemaBucketAssigner} puts records of one table version (one schema) in each bucket.
 */
final class AvroBulkWriter implements BulkWriter<GenericRecord> {

    private final FSDataOutputStream out;
    private DataFileWriter<GenericRecord> writer;
    private Schema schema;

    AvroBulkWriter(FSDataOutputStream out) {
        this.out = out;
    }

    @Override
    public void addElement(GenericRecord record) throws IOException {
        if (writer == null) {
            schema = record.getSchema();
            writer = new DataFileWriter<>(new GenericDatumWriter<GenericRecord>(schema));
            writer.setCodec(CodecFactory.deflateCodec(1));
            writer.create(schema, out);
        } else if (!schema.equals(record.getSchema())) {
            throw new IOException("A part file takes records of one schema; got "
                    + record.getSchema().getFullName() + " after " + schema.getFullName());
        }
        writer.append(record);
    }

    @Override
    public void flush() throws IOException {
        if (writer != null) {
            writer.flush();
        }
    }

    @Override
    public void finish() throws IOException {
        // Flush but do not close: the stream belongs to the FileSink, which commits it.
        flush();
    }

    /** Creates the writers; serializable as FileSink requires. */
    static final class Factory implements BulkWriter.Factory<GenericRecord> {
        @Override
        public BulkWriter<GenericRecord> create(FSDataOutputStream out) {
            return new AvroBulkWriter(out);
        }
    }
}
