package io.pgwal.bench.micro;

import io.pgwal.catalog.CatalogLookup;
import io.pgwal.avro.ChangeSource;
import io.pgwal.catalog.PgColumn;
import io.pgwal.catalog.JdbcCatalogLookup;
import io.pgwal.bench.BenchPostgres;
import io.pgwal.bench.OrdersBacklog;
import io.pgwal.decoder.PgOutputDecoder;
import io.pgwal.decoder.PgOutputMessage;
import io.pgwal.replication.PgWalConnectionConfig;
import io.pgwal.replication.ReplicationSession;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * pgoutput messages captured from a real server, the input of the micro-benchmarks.
 *
 * <p>{@link #capture()} starts an embedded PostgreSQL, writes a mixed backlog of {@link #CHANGES}
 * changes (per transaction of {@link #TX_SIZE}: half inserts, a quarter updates, a quarter
 * deletes) into the orders table of the drain benchmark, drains the slot with a
 * {@link ReplicationSession} keeping a copy of every message's bytes, snapshots the catalog
 * facts the Avro converter needs, and closes the server again. The messages' sizes and the
 * stream's shape are the real ones; only the replication transport is not part of what is
 * measured afterwards.
 */
public final class CapturedStream {

    /** Changes (Insert + Update + Delete messages) in the captured stream. */
    public static final int CHANGES = 20_000;
    /** Changes per transaction. */
    public static final int TX_SIZE = 1_000;
    /**
     * Every message of the stream: the changes, one Begin and one Commit per transaction and one
     * Relation (pgoutput describes the table once per session). Checked by {@link #capture()}.
     */
    public static final int STREAM_MESSAGES = CHANGES + 2 * (CHANGES / TX_SIZE) + 1;

    static final String DATABASE = "postgres";
    private static final String SLOT = "micro_bench";
    private static final long DRAIN_TIMEOUT_MILLIS = 120_000;

    private final List<byte[]> messages;
    private final List<PgOutputMessage> decoded;
    private final List<ChangeSource> sources;
    private final Map<Integer, Map<String, PgColumn>> catalog;

    private CapturedStream(List<byte[]> messages, List<PgOutputMessage> decoded,
            List<ChangeSource> sources, Map<Integer, Map<String, PgColumn>> catalog) {
        this.messages = Collections.unmodifiableList(messages);
        this.decoded = Collections.unmodifiableList(decoded);
        this.sources = Collections.unmodifiableList(sources);
        this.catalog = Collections.unmodifiableMap(catalog);
    }

    /** Captures the stream; the embedded server is closed when this returns (or throws). */
    public static CapturedStream capture() throws Exception {
        try (BenchPostgres pg = BenchPostgres.start(); Connection c = pg.connect()) {
            OrdersBacklog.createSchema(c);
            OrdersBacklog.createSlot(c, SLOT);
            long written = OrdersBacklog.write(c, CHANGES, TX_SIZE, "mixed");
            if (written != CHANGES) {
                throw new IllegalStateException("wrote " + written + " of " + CHANGES);
            }
            CapturedStream s = drain(pg.port(), c);
            if (s.messages.size() != STREAM_MESSAGES) {
                throw new IllegalStateException("captured " + s.messages.size()
                        + " messages, the benchmarks' @OperationsPerInvocation assumes "
                        + STREAM_MESSAGES + ": " + s.describe());
            }
            return s;
        }
    }

    /**
     * Reads the slot until all changes and the Commit of the last transaction arrived. Each
     * message is decoded once here only to know where to stop, to attach its change source
     * (receive LSN, commit LSN, index in the transaction, xid, commit time) and to read the
     * catalog for each relation while the server is up.
     */
    private static CapturedStream drain(int port, Connection catalogConn) throws Exception {
        PgWalConnectionConfig config = BenchPostgres.connectionConfig(port, SLOT,
                OrdersBacklog.PUBLICATION, "public.orders").build();
        PgOutputDecoder decoder = new PgOutputDecoder(1);
        JdbcCatalogLookup jdbc = new JdbcCatalogLookup(catalogConn);
        List<byte[]> messages = new ArrayList<>();
        List<PgOutputMessage> decoded = new ArrayList<>();
        List<ChangeSource> sources = new ArrayList<>();
        Map<Integer, Map<String, PgColumn>> catalog = new HashMap<>();
        PgOutputMessage.Begin tx = null;
        int txIndex = 0;
        int changes = 0;
        long deadline = System.currentTimeMillis() + DRAIN_TIMEOUT_MILLIS;
        try (ReplicationSession session = ReplicationSession.open(config, null); jdbc) {
            while (true) {
                ByteBuffer buf = session.readPending();
                if (buf == null) {
                    if (System.currentTimeMillis() > deadline) {
                        throw new IllegalStateException("capture timed out after " + changes
                                + " of " + CHANGES + " changes");
                    }
                    Thread.sleep(1);
                    continue;
                }
                byte[] bytes = new byte[buf.remaining()];
                buf.get(buf.position(), bytes);
                PgOutputMessage m = decoder.decode(ByteBuffer.wrap(bytes));
                ChangeSource src = null;
                if (m instanceof PgOutputMessage.Begin b) {
                    tx = b;
                    txIndex = 0;
                } else if (m instanceof PgOutputMessage.Relation r) {
                    catalog.put(r.relationId(), jdbc.columns(r.relationId()));
                } else if (isChange(m)) {
                    changes++;
                    src = new ChangeSource(session.lastReceiveLsn().asLong(), tx.finalLsn(),
                            txIndex++, tx.xid(), tx.commitTimeMicros());
                }
                messages.add(bytes);
                decoded.add(m);
                sources.add(src);
                if (changes == CHANGES && m instanceof PgOutputMessage.Commit) {
                    return new CapturedStream(messages, decoded, sources, catalog);
                }
            }
        }
    }

    static boolean isChange(PgOutputMessage m) {
        return m instanceof PgOutputMessage.Insert || m instanceof PgOutputMessage.Update
                || m instanceof PgOutputMessage.Delete;
    }

    /** Every captured message's bytes, in stream order. */
    public List<byte[]> messages() {
        return messages;
    }

    /** The captured messages as decoded during the capture, in stream order. */
    public List<PgOutputMessage> decoded() {
        return decoded;
    }

    /** Indexes (into {@link #messages()}) of the Insert, Update and Delete messages. */
    public int[] changeIndexes() {
        return java.util.stream.IntStream.range(0, decoded.size())
                .filter(i -> isChange(decoded.get(i))).toArray();
    }

    /** The change source of message {@code i}; null for anything but a change. */
    public ChangeSource source(int i) {
        return sources.get(i);
    }

    /** The catalog facts read during the capture, served without a server. */
    public CatalogLookup catalog() {
        return oid -> catalog.getOrDefault(oid, Map.of());
    }

    /** Sum of the byte lengths of the messages at the given indexes. */
    public long bytes(int[] indexes) {
        long sum = 0;
        for (int i : indexes) {
            sum += messages.get(i).length;
        }
        return sum;
    }

    /** Message count per type, e.g. {BEGIN=20, COMMIT=20, DELETE=5000, ...}. */
    public Map<String, Integer> countsByType() {
        Map<String, Integer> counts = new TreeMap<>();
        for (PgOutputMessage m : decoded) {
            counts.merge(m.type().name(), 1, Integer::sum);
        }
        return counts;
    }

    /** One line: message count, types, bytes, mean size. */
    public String describe() {
        long total = bytes(java.util.stream.IntStream.range(0, messages.size()).toArray());
        return String.format("%d messages %s, %d bytes, mean %.1f bytes/message",
                messages.size(), countsByType(), total, (double) total / messages.size());
    }
}
