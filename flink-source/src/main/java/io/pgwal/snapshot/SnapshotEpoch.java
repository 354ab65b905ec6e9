package io.pgwal.snapshot;

import io.pgwal.source.split.PgWalPosition;
import java.io.IOException;
import java.io.Serializable;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * A database snapshot aligned with a WAL position: it holds exactly the transactions whose commit
 * record lies before {@code lsn}, and a logical slot streaming from {@code lsn} or earlier sends
 * every later one. Such a pair comes from creating a logical slot with an exported snapshot
 * ({@code CREATE_REPLICATION_SLOT ... (SNAPSHOT 'export')}, whose {@code consistent_point} is
 * {@code lsn}); see {@link EpochHolder}.
 *
 * @param id increases with every epoch a source opens (an unfinished chunk is re-read in the
 *     newest one when its epoch is gone)
 * @param snapshotName the exported snapshot, importable with {@code SET TRANSACTION SNAPSHOT}
 *     while the session that exported it lives
 * @param lsn the consistent point
 */
public record SnapshotEpoch(long id, String snapshotName, long lsn) implements Serializable {

    private static final long serialVersionUID = 1L;

    void write(DataOutputView out) throws IOException {
        out.writeLong(id);
        out.writeUTF(snapshotName);
        out.writeLong(lsn);
    }

    static SnapshotEpoch read(DataInputView in) throws IOException {
        return new SnapshotEpoch(in.readLong(), in.readUTF(), in.readLong());
    }

    @Override
    public String toString() {
        return "epoch " + id + " (snapshot " + snapshotName + " at " + PgWalPosition.lsn(lsn) + ")";
    }
}
