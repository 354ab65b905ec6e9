package io.pgwal.table;

import static io.pgwal.table.SqlTestSupport.withOptions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwal.testing.TestPostgres;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A pgwal table that cannot be read correctly is rejected when a query is planned, with a {@link
 * ValidationException} naming the option or column at fault; a correct one passes.
 */
class PgWalTableValidationITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension();

    @RegisterExtension
    static final TestPostgres pg = TestPostgres.perClass();

    @BeforeAll
    static void startPostgres() {
        pg.execute("CREATE TABLE items (id int PRIMARY KEY, name text, price numeric(10, 2),"
                        + " created timestamptz)",
                "CREATE TABLE keyless (a int, b text)",
                "CREATE TABLE full_items (id int PRIMARY KEY, name text)",
                "ALTER TABLE full_items REPLICA IDENTITY FULL",
                "CREATE PUBLICATION val_pub FOR TABLE items, keyless, full_items");
    }

    @Test
    void correctDeclarationsPass() {
        plan("id INT, name STRING, price DECIMAL(12, 2), created TIMESTAMP_LTZ(3), PRIMARY KEY (id) NOT ENFORCED",
                withOptions(pg, "s", "val_pub", "items"));
        // FULL identity: no key needed; a subset of the columns may be declared.
        plan("name STRING", withOptions(pg, "s", "val_pub", "full_items"));
    }

    @Test
    void aColumnThePublicationNeverSendsIsRejected() {
        pg.execute("CREATE TABLE listed (id int PRIMARY KEY, shown text, hidden text,"
                        + " total int GENERATED ALWAYS AS (id * 2) STORED)",
                "CREATE PUBLICATION listed_pub FOR TABLE listed (id, shown)",
                "CREATE PUBLICATION all_pub FOR TABLE listed");
        plan("id INT, shown STRING, PRIMARY KEY (id) NOT ENFORCED",
                withOptions(pg, "s", "listed_pub", "listed"));
        assertRejected("id INT, hidden STRING, PRIMARY KEY (id) NOT ENFORCED",
                withOptions(pg, "s", "listed_pub", "listed"), "'hidden'", "listed_pub",
                "column list");
        // PostgreSQL 17 never sends a generated column.
        assertRejected("id INT, total INT, PRIMARY KEY (id) NOT ENFORCED",
                withOptions(pg, "s", "all_pub", "listed"), "'total'", "generated column");
    }

    @Test
    void missingRequiredOption() {
        String options = withOptions(pg, "s", "val_pub", "items").replaceFirst("'hostname' = '[^']*', ", "");
        assertRejected("id INT, PRIMARY KEY (id) NOT ENFORCED", options, "Missing required options", "hostname");
    }

    @Test
    void unknownOption() {
        assertRejected("id INT, PRIMARY KEY (id) NOT ENFORCED",
                withOptions(pg, "s", "val_pub", "items") + ", 'slot.nmae' = 'x'", "Unsupported options", "slot.nmae");
    }

    @Test
    void badStopLsn() {
        assertRejected("id INT, PRIMARY KEY (id) NOT ENFORCED",
                withOptions(pg, "s", "val_pub", "items") + ", 'scan.bounded.stop-lsn' = 'soon'",
                "'scan.bounded.stop-lsn'", "'soon'");
    }

    @Test
    void unknownTable() {
        assertRejected("id INT, PRIMARY KEY (id) NOT ENFORCED", withOptions(pg, "s", "val_pub", "nope"),
                "Table 'public.nope'", "'table-name'", "does not exist");
    }

    @Test
    void declaredColumnNotInTable() {
        assertRejected("id INT, colour STRING, PRIMARY KEY (id) NOT ENFORCED", withOptions(pg, "s", "val_pub", "items"),
                "Column 'colour'", "no such column");
    }

    @Test
    void incompatibleTypes() {
        assertRejected("id DATE, PRIMARY KEY (id) NOT ENFORCED", withOptions(pg, "s", "val_pub", "items"),
                "Column 'id' is declared as DATE", "PostgreSQL type integer", "INT or BIGINT");
        assertRejected("id INT, price DECIMAL(12, 3), PRIMARY KEY (id) NOT ENFORCED",
                withOptions(pg, "s", "val_pub", "items"), "Column 'price'", "numeric(10,2)", "DECIMAL(p, 2)");
        assertRejected("id INT, created TIMESTAMP(6), PRIMARY KEY (id) NOT ENFORCED",
                withOptions(pg, "s", "val_pub", "items"), "Column 'created'", "timestamp with time zone",
                "TIMESTAMP_LTZ");
    }

    @Test
    void upsertTableNeedsTheReplicaIdentityKey() {
        assertRejected("id INT, name STRING", withOptions(pg, "s", "val_pub", "items"),
                "REPLICA IDENTITY DEFAULT", "PRIMARY KEY (id) NOT ENFORCED");
        assertRejected("id INT, name STRING, PRIMARY KEY (name) NOT ENFORCED", withOptions(pg, "s", "val_pub", "items"),
                "PRIMARY KEY (id) NOT ENFORCED", "declared: [name]");
        assertRejected("a INT, b STRING", withOptions(pg, "s", "val_pub", "keyless"),
                "no primary key", "REPLICA IDENTITY FULL");
    }

    /** Plans {@code SELECT *} over the table, which creates (and validates) the source. */
    private static void plan(String columns, String options) {
        StreamTableEnvironment tEnv = SqlTestSupport.tableEnv();
        tEnv.executeSql("CREATE TABLE t (" + columns + ") WITH (" + options + ")");
        tEnv.sqlQuery("SELECT * FROM t").explain();
    }

    private static void assertRejected(String columns, String options, String... fragments) {
        assertThatThrownBy(() -> plan(columns, options)).satisfies(e -> {
            Throwable cause = ExceptionUtils.findThrowable(e, t -> t instanceof ValidationException
                    && t.getMessage() != null && t.getMessage().contains(fragments[0])).orElse(null);
            assertThat(cause).as(ExceptionUtils.stringifyException(e)).isNotNull();
            assertThat(cause.getMessage()).contains(fragments);
        });
    }
}
