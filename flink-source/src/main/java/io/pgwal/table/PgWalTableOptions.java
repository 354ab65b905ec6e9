package io.pgwal.table;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/**
 * The options the SQL connector adds to {@link io.pgwal.source.PgWalSourceOptions}: which table a
 * {@code CREATE TABLE ... WITH ('connector' = 'pgwal')} captures, and an optional end of the read.
 */
public final class PgWalTableOptions {

    private PgWalTableOptions() {}

    public static final ConfigOption<String> SCHEMA_NAME = ConfigOptions.key("schema-name")
            .stringType().defaultValue("public")
            .withDescription("Schema of the captured PostgreSQL table (exact name, not quoted).");

    public static final ConfigOption<String> TABLE_NAME = ConfigOptions.key("table-name")
            .stringType().noDefaultValue()
            .withDescription("The captured PostgreSQL table (exact name, not quoted), or, when no"
                    + " table has that name, a Java regular expression matching the whole names of"
                    + " several tables of one shape in 'schema-name' (sharded tables; metadata"
                    + " column table_name tells them apart). They must be in the publication; one"
                    + " SQL table per slot.");

    public static final ConfigOption<String> SCAN_BOUNDED_STOP_LSN =
            ConfigOptions.key("scan.bounded.stop-lsn").stringType().noDefaultValue()
                    .withDescription("Makes the read bounded: an LSN 'X/Y' (every transaction"
                            + " committed before it is read, then the source finishes) or 'current'"
                            + " (the server's WAL position when the job starts). Unbounded when"
                            + " unset.");

    public static final ConfigOption<String> CHANGELOG_TRUNCATE =
            ConfigOptions.key("changelog.truncate").stringType().defaultValue("fail")
                    .withDescription("What a TRUNCATE of the table does: 'fail' ends the job"
                            + " (a changelog cannot retract rows it does not hold, and going on"
                            + " would leave them in every result); 'ignore' goes on and the"
                            + " truncated rows stay.");

    public static final ConfigOption<String> CHANGELOG_MODE =
            ConfigOptions.key("changelog-mode").stringType().defaultValue("all")
                    .withDescription("'all' (the default): a full changelog (+I -U +U -D with"
                            + " whole old rows); for a table whose REPLICA IDENTITY is not FULL"
                            + " pgwal keeps the last row per key in state to produce it."
                            + " 'upsert': an upsert changelog on the primary key (+I +U -D), no"
                            + " state in pgwal; an UPDATE that leaves a TOAST value unsent then"
                            + " ends the job unless the identity is FULL.");
}
