package io.pgwal.snapshot;

import io.pgwal.PgWalException;
import io.pgwal.avro.AvroChangeConverter;
import io.pgwal.avro.ChangeSource;
import io.pgwal.avro.TableSchema;
import io.pgwal.decoder.CopyBinaryRow;
import io.pgwal.decoder.CopyTextRow;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.apache.avro.generic.GenericRecord;

/**
 * The rows of one snapshot chunk as COPY sent them (text rows, or binary tuples), back to back,
 * with the table schema to convert them with: what the fetcher thread hands to the task thread,
 * which converts them while it emits ({@link #convert}).
 *
 * <p>Why bytes and not records: a chunk waits whole in the hand-over queue before it is emitted,
 * and records held that long survive young collections. A chunk's records take several times the
 * memory of its rows' text (boxed values, Avro records, a source record each) and copying them
 * between generations made the garbage collector the largest cost of a snapshot with a small heap.
 * The conversion also moves from the fetcher thread, which reads the next chunk meanwhile, to the
 * task thread.
 *
 * <p>Filled by one thread, then read by another after a safe hand-over (Flink's element queue).
 */
public final class ChunkRows {

    private final SnapshotTable table;
    private final SnapshotChunk chunk;
    private final SnapshotEpoch epoch;
    private final TableSchema schema;
    /** The rows are binary COPY tuples ({@link CopyBinaryRow}), else COPY text rows. */
    private final boolean binary;
    /**
     * The first segments of a chunk are this small (a chunk of a few rows stays small); rows
     * never move once added, so a growing chunk copies nothing.
     */
    static final int FIRST_SEGMENT_BYTES = 64 * 1024;
    /** Small segments a chunk uses before it switches to {@link #LARGE_SEGMENT_BYTES}. */
    private static final int SMALL_SEGMENTS = 4;
    /**
     * The later segments' size: with G1, just under one heap region, so each is a humongous
     * object. A chunk's rows wait in the hand-over queue across several young collections; as
     * ordinary young objects G1 copied them at every one (the largest part of its work during a
     * snapshot), while a humongous byte array is never copied and is freed by the first young
     * collection after the chunk is emitted (G1's eager reclaim of humongous primitive arrays).
     * Without G1, 256 KB.
     */
    static final int LARGE_SEGMENT_BYTES = largeSegmentBytes();

    private static int largeSegmentBytes() {
        try {
            var hotspot = java.lang.management.ManagementFactory.getPlatformMXBean(
                    com.sun.management.HotSpotDiagnosticMXBean.class);
            if (Boolean.parseBoolean(hotspot.getVMOption("UseG1GC").getValue())) {
                long region = Long.parseLong(hotspot.getVMOption("G1HeapRegionSize").getValue());
                if (region >= 1 << 20 && region <= 1 << 26) {
                    // Room for the array header, so the array fits in one region.
                    return (int) region - 64;
                }
            }
        } catch (RuntimeException | LinkageError e) {
            // not HotSpot, or the options are not readable: the default below
        }
        return 256 * 1024;
    }

    private final List<byte[]> segments = new ArrayList<>();
    private byte[] segment;
    private int segmentUsed;
    /** Per row: its segment's index and its end in it (rows of a segment are back to back). */
    private int[] rowSegments = new int[256];
    private int[] rowEnds = new int[256];
    private int rows;
    private long bytes;

    ChunkRows(SnapshotTable table, SnapshotChunk chunk, SnapshotEpoch epoch, TableSchema schema) {
        this(table, chunk, epoch, schema, false);
    }

    /** {@code binary}: the rows will be binary COPY tuples, one per {@link #add}. */
    ChunkRows(SnapshotTable table, SnapshotChunk chunk, SnapshotEpoch epoch, TableSchema schema,
            boolean binary) {
        this.table = table;
        this.chunk = chunk;
        this.epoch = epoch;
        this.schema = schema;
        this.binary = binary;
    }

    void add(byte[] row) {
        add(row, 0);
    }

    /** Adds the row in {@code message[from, message.length)}. */
    void add(byte[] message, int from) {
        int length = message.length - from;
        if (segment == null || segmentUsed + length > segment.length) {
            int size = segments.size() < SMALL_SEGMENTS ? FIRST_SEGMENT_BYTES : LARGE_SEGMENT_BYTES;
            segment = new byte[Math.max(size, length)];
            segments.add(segment);
            segmentUsed = 0;
        }
        System.arraycopy(message, from, segment, segmentUsed, length);
        segmentUsed += length;
        if (rows == rowEnds.length) {
            rowEnds = Arrays.copyOf(rowEnds, rows * 2);
            rowSegments = Arrays.copyOf(rowSegments, rows * 2);
        }
        rowSegments[rows] = segments.size() - 1;
        rowEnds[rows] = segmentUsed;
        rows++;
        bytes += length;
    }

    /** True when the rows are binary COPY tuples, false for COPY text rows. */
    public boolean isBinary() {
        return binary;
    }

    /** Rows in the chunk. */
    public int size() {
        return rows;
    }

    /** Bytes of row text held. */
    public long bytes() {
        return bytes;
    }

    public SnapshotEpoch epoch() {
        return epoch;
    }

    /**
     * Hands each row, in COPY's order, to {@code out} as an op READ envelope at the epoch's
     * position ({@code commit_lsn} = the epoch's LSN, {@code tx_index} = the row's index).
     *
     * @throws PgWalException naming the table and chunk when a row cannot be converted (as the
     *     option {@code values.unrepresentable} says for values Avro cannot hold)
     */
    public void convert(AvroChangeConverter converter, Consumer<GenericRecord> out) {
        convert(converter, 0, rows, out);
    }

    /** {@link #convert} of the rows {@code [from, to)} only. */
    public void convert(AvroChangeConverter converter, int from, int to,
            Consumer<GenericRecord> out) {
        int columns = table.columns().size();
        try {
            for (int i = from; i < to; i++) {
                int s = rowSegments[i];
                int start = i > 0 && rowSegments[i - 1] == s ? rowEnds[i - 1] : 0;
                byte[] segment = segments.get(s);
                out.accept(converter.read(schema, binary
                        ? CopyBinaryRow.parse(segment, start, rowEnds[i], columns)
                        : CopyTextRow.parse(segment, start, rowEnds[i], columns),
                        ChangeSource.snapshotRow(epoch.lsn(), i)));
            }
        } catch (PgWalException e) {
            throw new PgWalException("Snapshot of " + table + ", " + chunk + ": " + e.getMessage(),
                    e);
        }
    }
}
