package io.pgwal.snapshot;

import io.pgwal.avro.AvroChangeConverter;
import io.pgwal.avro.UnrepresentableValues;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.avro.generic.GenericRecord;

/**
 * Converts a chunk's rows to op READ envelopes on two threads and hands them out in COPY's order
 * on the calling thread: the chunk is cut into blocks of {@value #BLOCK_ROWS} rows, the caller
 * converts the even blocks and one helper thread the odd ones, at most {@value #AHEAD} blocks
 * ahead. Converted records wait at most a few blocks, so they die young (no garbage collector
 * copies); the caller also emits every record (and, with Flink's object reuse off, copies it), so
 * two threads keep a reader's conversion off the critical path.
 *
 * <p>The caller's thread is Flink's task thread; the helper is one daemon thread per reader,
 * started at the first large chunk and stopped by {@link #close()}. A failure on the helper (a
 * value that cannot be converted) is thrown on the caller's thread, as if it had converted the
 * row itself. Not for concurrent use.
 */
public final class PairedChunkConverter implements AutoCloseable {

    /** Rows per block (a chunk of fewer than two blocks is converted by the caller alone). */
    static final int BLOCK_ROWS = 256;
    /** Blocks the helper may have converted and not yet handed out. */
    static final int AHEAD = 2;

    private final AvroChangeConverter callers;
    private final AvroChangeConverter helpers;
    private final String threadName;
    private ExecutorService helper;

    /**
     * @param threadName the helper thread's name
     */
    public PairedChunkConverter(String database, UnrepresentableValues unrepresentable,
            String threadName) {
        this.callers = AvroChangeConverter.forGivenSchemas(database, unrepresentable);
        this.helpers = AvroChangeConverter.forGivenSchemas(database, unrepresentable);
        this.threadName = threadName;
    }

    /**
     * Hands each row of {@code rows}, in order, to {@code out} on the calling thread, as {@link
     * ChunkRows#convert} does.
     *
     * @throws io.pgwal.PgWalException as {@link ChunkRows#convert}, whichever thread met the row
     */
    public void convert(ChunkRows rows, Consumer<GenericRecord> out) {
        int n = rows.size();
        if (n < 2 * BLOCK_ROWS) {
            rows.convert(callers, out);
            return;
        }
        int blocks = (n + BLOCK_ROWS - 1) / BLOCK_ROWS;
        // A block's records, or the Throwable its conversion threw.
        BlockingQueue<Object> ready = new ArrayBlockingQueue<>(AHEAD);
        AtomicBoolean stop = new AtomicBoolean();
        Future<?> odd = helper().submit(() -> {
            for (int b = 0; b < blocks && !stop.get(); b++) {
                if (callersBlock(b)) {
                    continue;
                }
                Object result;
                try {
                    List<GenericRecord> block = new ArrayList<>(BLOCK_ROWS);
                    rows.convert(helpers, b * BLOCK_ROWS, Math.min(n, (b + 1) * BLOCK_ROWS),
                            block::add);
                    result = block;
                } catch (Throwable t) {
                    result = t;
                }
                try {
                    ready.put(result);
                } catch (InterruptedException e) {
                    return;
                }
                if (result instanceof Throwable) {
                    return;
                }
            }
        });
        try {
            for (int b = 0; b < blocks; b++) {
                if (callersBlock(b)) {
                    rows.convert(callers, b * BLOCK_ROWS, Math.min(n, (b + 1) * BLOCK_ROWS), out);
                    continue;
                }
                Object result = ready.take();
                if (result instanceof RuntimeException e) {
                    throw e;
                }
                if (result instanceof Error e) {
                    throw e;
                }
                if (result instanceof Throwable t) {
                    throw new IllegalStateException("Converting a snapshot chunk failed", t);
                }
                @SuppressWarnings("unchecked")
                List<GenericRecord> block = (List<GenericRecord>) result;
                block.forEach(out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while converting a snapshot chunk", e);
        } finally {
            // Normally the helper is done; after a failure it may wait to hand out a block.
            stop.set(true);
            odd.cancel(true);
        }
    }

    /**
     * Whether the caller converts block {@code b} (the even ones; the helper the odd ones). Giving
     * the helper two blocks in three or four in five, as the caller also emits every record,
     * measured the same within this machine's noise.
     */
    private static boolean callersBlock(int b) {
        return b % 2 == 0;
    }

    private ExecutorService helper() {
        if (helper == null) {
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            helper = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, threadName);
                t.setDaemon(true);
                t.setContextClassLoader(loader);
                return t;
            });
        }
        return helper;
    }

    /** Stops the helper thread, if it was started. */
    @Override
    public void close() {
        if (helper != null) {
            helper.shutdownNow();
            helper = null;
        }
    }
}
