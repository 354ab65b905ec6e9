package io.pgwal.jobs;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;

/**
 * The step between source and sink of the chaos tests: passes records through, counts them across
 * job attempts (a MiniCluster runs in the test's JVM, so static state is shared with the test),
 * and fails the job when armed: at a given record count, or in the next checkpoint.
 */
final class FailureInjector implements MapFunction<GenericRecord, GenericRecord>, CheckpointedFunction {

    private static final AtomicLong SEEN = new AtomicLong();
    private static final AtomicLong FAIL_AT_RECORD = new AtomicLong(-1);
    private static final AtomicLong FAIL_IN_CHECKPOINT = new AtomicLong(0);
    private static final AtomicLong INJECTED = new AtomicLong();
    private static volatile int lastInsertId;
    private static final java.util.List<String> FAILED_AT = new java.util.concurrent.CopyOnWriteArrayList<>();

    static void reset() {
        SEEN.set(0);
        FAIL_AT_RECORD.set(-1);
        FAIL_IN_CHECKPOINT.set(0);
        INJECTED.set(0);
        FAILED_AT.clear();
    }

    /** The records at which armed record failures were thrown. */
    static java.util.List<String> failedAt() {
        return FAILED_AT;
    }

    /** Records that reached this step so far, across attempts (replays count again). */
    static long seen() {
        return SEEN.get();
    }

    /** Failures thrown so far. */
    static long injected() {
        return INJECTED.get();
    }

    /** Fails the job at record number {@code n} of {@link #seen()}. */
    static void failAtRecord(long n) {
        FAIL_AT_RECORD.set(n);
    }

    /** Fails the next checkpoint's snapshot, once. */
    static void failNextCheckpoint() {
        FAIL_IN_CHECKPOINT.set(1);
    }

    /** The row id of the last INSERT that passed here. */
    static int lastInsertId() {
        return lastInsertId;
    }

    @Override
    public GenericRecord map(GenericRecord r) {
        if ("INSERT".equals(io.pgwal.testing.Envelopes.op(r))) {
            lastInsertId = (Integer) io.pgwal.testing.Envelopes.value(r, "after", "id");
        }
        long n = SEEN.incrementAndGet();
        if (n >= FAIL_AT_RECORD.get() && FAIL_AT_RECORD.get() >= 0
                && FAIL_AT_RECORD.compareAndSet(FAIL_AT_RECORD.get(), -1)) {
            INJECTED.incrementAndGet();
            FAILED_AT.add(r.getSchema().getName().equals("events_envelope")
                    ? ExactlyOnceChaosITCase.ChaosReport.describe(r) : String.valueOf(r.get("op")));
            throw new IllegalStateException("injected failure at record " + n);
        }
        return r;
    }

    @Override
    public void snapshotState(FunctionSnapshotContext ctx) {
        if (FAIL_IN_CHECKPOINT.compareAndSet(1, 0)) {
            INJECTED.incrementAndGet();
            throw new IllegalStateException("injected failure in checkpoint " + ctx.getCheckpointId());
        }
    }

    @Override
    public void initializeState(FunctionInitializationContext ctx) {}
}
