package io.pgwal.bench;

import io.pgwal.avro.AvroChangeConverter;
import io.pgwal.avro.ChangeSource;
import io.pgwal.catalog.JdbcCatalogLookup;
import io.pgwal.decoder.PgOutputDecoder;
import io.pgwal.decoder.PgOutputMessage;
import io.pgwal.replication.PgWalConnectionConfig;
import io.pgwal.replication.ReplicationSession;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.util.List;

/**
 * Drains one slot with a pgjdbc replication stream, doing one of three amounts of work per
 * message: none (raw, counts changes by their first byte only), decode, or decode + Avro.
 * Stops once the expected number of changes arrived; fails on a time-out.
 */
final class Drain {

    enum Work { RAW, DECODE, AVRO }

    /**
     * How long to wait when the stream has nothing buffered: by default 1 ms, what the pgwal source
     * waits (PgWalSplitReader.BULK_READ_WAIT_NANOS), so the drains read the way the source does;
     * {@code -Dbench.idleParkMicros=0} re-polls at once (pgjdbc's read then blocks up to 1 ms).
     */
    static final long IDLE_PARK_NANOS = Long.getLong("bench.idleParkMicros", 1000) * 1000;

    private Drain() {}

    /** Returns the number of Insert/Update/Delete messages seen. */
    static long run(Work work, int port, String slot, long expected, Connection catalogConn,
            long timeoutMillis) throws Exception {
        PgWalConnectionConfig config = BenchPostgres.connectionConfig(port, slot, Backlog.PUBLICATION, "public.orders")
                .jdbcProperties(System.getProperty("bench.rcvbuf") == null ? java.util.Map.of()
                        : java.util.Map.of("receiveBufferSize", System.getProperty("bench.rcvbuf")))
                .build();
        PgOutputDecoder decoder = new PgOutputDecoder(1);
        AvroChangeConverter avro = work == Work.AVRO
                ? new AvroChangeConverter("postgres", new JdbcCatalogLookup(catalogConn)) : null;
        long changes = 0;
        long deadline = System.currentTimeMillis() + timeoutMillis;
        long sink = 0; // consumed so the JIT cannot drop the work
        long commitLsn = 0;
        long commitTime = 0;
        long xid = 0;
        int txIndex = 0;
        try (ReplicationSession session = ReplicationSession.open(config, null)) {
            while (changes < expected) {
                ByteBuffer buf = session.readPending();
                if (buf == null) {
                    if (System.currentTimeMillis() > deadline) {
                        throw new IllegalStateException(work + " timed out after " + changes
                                + " of " + expected + " changes");
                    }
                    if (IDLE_PARK_NANOS > 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(IDLE_PARK_NANOS);
                    } else {
                        Thread.onSpinWait();
                    }
                    continue;
                }
                if (work == Work.RAW) {
                    byte type = buf.get(buf.position());
                    if (type == 'I' || type == 'U' || type == 'D') {
                        changes++;
                    }
                    sink += buf.remaining();
                    continue;
                }
                PgOutputMessage m = decoder.decode(buf);
                long lsn = session.lastReceiveLsn().asLong();
                if (m instanceof PgOutputMessage.Begin b) {
                    commitLsn = b.finalLsn();
                    commitTime = b.commitTimeMicros();
                    xid = b.xid();
                    txIndex = 0;
                } else if (m instanceof PgOutputMessage.Relation r) {
                    if (avro != null) {
                        avro.onRelation(r);
                    }
                } else if (m instanceof PgOutputMessage.Insert
                        || m instanceof PgOutputMessage.Update
                        || m instanceof PgOutputMessage.Delete) {
                    changes++;
                    if (avro != null) {
                        ChangeSource src = new ChangeSource(lsn, commitLsn, txIndex++, xid,
                                commitTime);
                        Object rec = m instanceof PgOutputMessage.Insert i ? avro.insert(i, src)
                                : m instanceof PgOutputMessage.Update u ? avro.update(u, src)
                                : avro.delete((PgOutputMessage.Delete) m, src);
                        sink += rec.hashCode();
                    } else {
                        sink += m.hashCode();
                    }
                }
            }
        }
        if (sink == 42) {
            System.err.print("");
        }
        return changes;
    }
}
