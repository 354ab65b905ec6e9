package io.pgwal.jobs;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.table.functions.ScalarFunction;

/**
 * A SQL function for failovers in SQL pipelines: {@code fail_once(x)} is true, except that the
 * call number {@link #arm armed} throws, once. Calls are counted across job attempts (the
 * MiniCluster runs in the test's JVM, so the static counter is shared with the test).
 */
public class FailOnce extends ScalarFunction {

    private static final AtomicLong CALLS = new AtomicLong();
    private static final AtomicLong FAIL_AT = new AtomicLong(-1);
    private static final AtomicLong FAILED = new AtomicLong();

    /** Makes call number {@code call} (counting from 1, from now) throw. */
    static void arm(long call) {
        CALLS.set(0);
        FAILED.set(0);
        FAIL_AT.set(call);
    }

    /** How many times it threw since {@link #arm}. */
    static long failures() {
        return FAILED.get();
    }

    public boolean eval(Integer ignored) {
        long n = CALLS.incrementAndGet();
        if (n == FAIL_AT.get() && FAIL_AT.compareAndSet(n, -1)) {
            FAILED.incrementAndGet();
            throw new IllegalStateException("injected failure at call " + n);
        }
        return true;
    }

    @Override
    public boolean isDeterministic() {
        return false;
    }
}
