package io.pgwal.table;

import org.apache.flink.table.connector.ChangelogMode;

/**
 * How a pgwal SQL table turns changes into a changelog, decided at planning from the table's
 * REPLICA IDENTITY and option {@code changelog-mode}; it fixes the {@link ChangelogMode} the
 * source declares and whether pgwal keeps rows in state. In no shape does the planner need a
 * second copy of the rows to complete the changelog: where pgwal keeps rows it emits {@code -U}
 * itself, so the planner adds no {@code ChangelogNormalize}.
 */
enum ChangelogShape {

    /** REPLICA IDENTITY FULL, {@code all}: {@code +I -U +U -D} from the old rows PostgreSQL sends. */
    FULL_IMAGES(true, false, false),
    /** REPLICA IDENTITY FULL, {@code upsert}: {@code +I +U -D} (whole deleted rows), no state. */
    FULL_IMAGES_UPSERT(true, true, false),
    /** Key identity, {@code all}: the last row per key in state; {@code +I -U +U -D}, whole rows. */
    KEPT_ROWS(false, false, true),
    /** Key identity, {@code upsert}: {@code +I +U -D} (key-only deletes), no state. */
    UPSERT(false, true, false);

    private final boolean fullImages;
    private final boolean upsert;
    private final boolean keepsRows;

    ChangelogShape(boolean fullImages, boolean upsert, boolean keepsRows) {
        this.fullImages = fullImages;
        this.upsert = upsert;
        this.keepsRows = keepsRows;
    }

    /** Whether every UPDATE and DELETE carries the whole old row (REPLICA IDENTITY FULL). */
    boolean fullImages() {
        return fullImages;
    }

    /** Whether the changelog is an upsert stream on the declared primary key. */
    boolean upsert() {
        return upsert;
    }

    /** Whether pgwal keeps the last row per key in Flink state. */
    boolean keepsRows() {
        return keepsRows;
    }

    /** The mode the source declares to the planner. */
    ChangelogMode changelogMode() {
        // Key-only deletes only where PostgreSQL sends only the key of a deleted row.
        return upsert ? ChangelogMode.upsert(!fullImages) : ChangelogMode.all();
    }

    static ChangelogShape of(boolean fullIdentity, boolean upsertRequested) {
        if (fullIdentity) {
            return upsertRequested ? FULL_IMAGES_UPSERT : FULL_IMAGES;
        }
        return upsertRequested ? UPSERT : KEPT_ROWS;
    }
}
