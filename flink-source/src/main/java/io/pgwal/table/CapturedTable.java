package io.pgwal.table;

import java.io.Serializable;

/**
 * What the SQL table was planned on, for checks at each change: a change of another relation
 * (the table dropped and created again under its name) or of a column whose type changed beyond
 * the declared SQL type ends the job instead of producing a plausible wrong row.
 *
 * @param relationOid the table's OID at planning ({@code pg_class.oid}, unsigned)
 * @param typeOids each declared column's type OID at planning, in declared order
 * @param typeModifiers each declared column's type modifier at planning
 * @param truncate what a TRUNCATE does to the changelog
 */
record CapturedTable(long relationOid, int[] typeOids, int[] typeModifiers,
        TruncateHandling truncate) implements Serializable {

    /** Option {@code changelog.truncate}: what a TRUNCATE of the table does. */
    enum TruncateHandling {
        /** End the job: a changelog cannot retract rows it does not hold (the default). */
        FAIL,
        /** Go on: the truncated rows stay in the SQL result (documented, opt-in). */
        IGNORE
    }

    CapturedTable {
        typeOids = typeOids.clone();
        typeModifiers = typeModifiers.clone();
    }
}
