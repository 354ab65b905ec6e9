package io.pgwal.source;

import io.pgwal.PgWalException;

/**
 * Where a pgwal source starts when it has no state to restore (option {@code scan.startup.mode};
 * the keys and values of Flink CDC's postgres-cdc). A restored source always continues where its
 * checkpoint left off.
 */
public enum StartupMode {
    /** Read every captured table's rows (op READ), then stream the changes after them. */
    INITIAL("initial"),
    /** Read every captured table's rows, then finish: a bounded job that needs no slot. */
    SNAPSHOT("snapshot"),
    /** Stream from the slot's confirmed position; no snapshot. */
    COMMITTED_OFFSET("committed-offset");

    private final String value;

    StartupMode(String value) {
        this.value = value;
    }

    /** The option value. */
    public String value() {
        return value;
    }

    /** Whether a snapshot is read first. */
    public boolean snapshots() {
        return this != COMMITTED_OFFSET;
    }

    /** Whether the slot is streamed (after the snapshot, if any). */
    public boolean streams() {
        return this != SNAPSHOT;
    }

    /**
     * @throws PgWalException naming the option and its values when {@code value} is none of them
     */
    public static StartupMode of(String value) {
        for (StartupMode m : values()) {
            if (m.value.equalsIgnoreCase(value.trim())) {
                return m;
            }
        }
        throw new PgWalException("Option 'scan.startup.mode' is '" + value + "'; use 'initial'"
                + " (snapshot, then stream), 'snapshot' (snapshot only) or 'committed-offset'"
                + " (stream from the slot, no snapshot)");
    }

    @Override
    public String toString() {
        return value;
    }
}
