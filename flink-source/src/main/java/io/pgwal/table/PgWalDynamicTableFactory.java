package io.pgwal.table;

import static io.pgwal.table.PgWalTableOptions.SCAN_BOUNDED_STOP_LSN;
import static io.pgwal.table.PgWalTableOptions.SCHEMA_NAME;
import static io.pgwal.table.PgWalTableOptions.TABLE_NAME;

import io.pgwal.PgWalException;
import io.pgwal.catalog.PgCatalog;
import io.pgwal.catalog.PgTable;
import io.pgwal.replication.ReplicationSetup;
import io.pgwal.source.PgWalSource;
import io.pgwal.source.PgWalSourceBuilder;
import io.pgwal.source.PgWalSourceOptions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.factories.DynamicTableSourceFactory;
import org.apache.flink.table.factories.FactoryUtil;
import org.postgresql.replication.LogSequenceNumber;

/**
 * The {@code 'connector' = 'pgwal'} SQL table factory. Validation connects to the database and
 * checks the declared columns against the captured table (see {@link TableValidator}); every
 * error is a {@link ValidationException} naming the offending option or column.
 */
public final class PgWalDynamicTableFactory implements DynamicTableSourceFactory {

    public static final String IDENTIFIER = "pgwal";

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        Set<ConfigOption<?>> required = new HashSet<>(PgWalSourceOptions.REQUIRED);
        required.add(TABLE_NAME);
        return required;
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        Set<ConfigOption<?>> optional = new HashSet<>(PgWalSourceOptions.OPTIONAL);
        optional.addAll(Set.of(SCHEMA_NAME, SCAN_BOUNDED_STOP_LSN,
                PgWalTableOptions.CHANGELOG_TRUNCATE, PgWalTableOptions.CHANGELOG_MODE));
        return optional;
    }

    @Override
    public DynamicTableSource createDynamicTableSource(Context context) {
        FactoryUtil.TableFactoryHelper helper = FactoryUtil.createTableFactoryHelper(this, context);
        helper.validateExcept(PgWalSourceOptions.JDBC_PROPERTIES_PREFIX);
        ReadableConfig options = helper.getOptions();
        String schema = options.get(SCHEMA_NAME);
        String table = options.get(TABLE_NAME);

        Map<String, String> jdbc = new HashMap<>();
        context.getCatalogTable().getOptions().forEach((k, v) -> {
            if (k.startsWith(PgWalSourceOptions.JDBC_PROPERTIES_PREFIX)) {
                jdbc.put(k.substring(PgWalSourceOptions.JDBC_PROPERTIES_PREFIX.length()), v);
            }
        });
        boolean upsert = upsertMode(options);
        // The connection settings to plan with; the source gets the tables found.
        PgWalSource planning = buildSource(options, schema, List.of(), jdbc);
        Map<String, PgTable> infos = new LinkedHashMap<>();
        Map<String, Set<String>> sentColumns = new LinkedHashMap<>();
        try (Connection c = ReplicationSetup.connect(planning.config(), false)) {
            for (String name : tableNames(c, schema, table, options)) {
                PgTable info = PgCatalog.table(c, schema, name).orElseThrow(() ->
                        new ValidationException("Table '" + schema + "." + name + "' (options '"
                                + SCHEMA_NAME.key() + "' and '" + TABLE_NAME.key()
                                + "') does not exist in database '"
                                + options.get(PgWalSourceOptions.DATABASE_NAME) + "'."));
                // The columns pgoutput will send: the publication's column list (PostgreSQL
                // 15+), never a generated column before PostgreSQL 18 (and then only a listed one).
                var published = PgCatalog.publishedColumns(c,
                        planning.config().publicationName(), schema, name);
                boolean generatedSent = c.getMetaData().getDatabaseMajorVersion() >= 18
                        && published.isPresent();
                Set<String> sent = new HashSet<>();
                for (var col : info.columns()) {
                    boolean listed = published.map(l -> l.contains(col.name())).orElse(true);
                    if (listed && (!col.generated() || generatedSent)) {
                        sent.add(col.name());
                    }
                }
                infos.put(name, info);
                sentColumns.put(name, sent);
            }
        } catch (SQLException | PgWalException e) {
            throw new ValidationException("Cannot read the definition of " + schema + "." + table
                    + " from " + planning.config().jdbcUrl() + " (options '"
                    + PgWalSourceOptions.HOSTNAME.key() + "', '" + PgWalSourceOptions.PORT.key()
                    + "', '" + PgWalSourceOptions.USERNAME.key() + "'): " + e.getMessage(), e);
        }
        TableValidator.Result shape = null;
        String first = null;
        Map<String, CapturedTable> captured = new LinkedHashMap<>();
        for (Map.Entry<String, PgTable> e : infos.entrySet()) {
            TableValidator.Result r = TableValidator.validate(e.getValue(),
                    context.getCatalogTable().getResolvedSchema(), sentColumns.get(e.getKey()),
                    planning.config().publicationName(), upsert);
            if (shape == null) {
                shape = r;
                first = e.getKey();
            } else if (r.shape() != shape.shape()) {
                throw new ValidationException("Option '" + TABLE_NAME.key() + "' = '" + table
                        + "' matches tables whose changes take different forms: " + schema + "."
                        + first + " is " + describe(shape.shape()) + ", " + schema + "."
                        + e.getKey() + " is " + describe(r.shape()) + ". Give them the same"
                        + " REPLICA IDENTITY, or declare one SQL table per form.");
            }
            captured.put(e.getKey(), new CapturedTable(
                    Integer.toUnsignedLong(e.getValue().oid()), r.typeOids(), r.typeModifiers(),
                    truncateHandling(options)));
        }
        PgWalSource source = buildSource(options, schema, List.copyOf(captured.keySet()), jdbc);
        return new PgWalDynamicTableSource(source, schema, table, shape.columns(),
                context.getPhysicalRowDataType(), shape.keyPositions(), shape.shape(),
                captured);
    }

    private static String describe(ChangelogShape shape) {
        return shape.keepsRows() ? "keyed (REPLICA IDENTITY DEFAULT or USING INDEX)"
                : shape.fullImages() ? "sent whole (REPLICA IDENTITY FULL)"
                : "an upsert stream on its key";
    }

    /**
     * The tables option {@code table-name} names in {@code schema}: the table of that exact name
     * if there is one, else every table (not a partition) whose whole name matches it as a Java
     * regular expression, as Flink CDC's {@code table-name} does for sharded tables. A pattern
     * that matches nothing, or an invalid one, is an error naming the option.
     */
    private static List<String> tableNames(Connection c, String schema, String table,
            ReadableConfig options) throws SQLException {
        List<String> names = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT c.relname FROM pg_catalog.pg_class c"
                + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ?"
                + " AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
        }
        if (names.contains(table)) {
            return List.of(table);
        }
        Pattern pattern;
        try {
            pattern = Pattern.compile(table);
        } catch (PatternSyntaxException e) {
            throw new ValidationException("Table '" + schema + "." + table + "' (options '"
                    + SCHEMA_NAME.key() + "' and '" + TABLE_NAME.key() + "') does not exist in"
                    + " database '" + options.get(PgWalSourceOptions.DATABASE_NAME) + "', and"
                    + " as a pattern it is not a valid regular expression: " + e.getDescription());
        }
        List<String> matched = names.stream().filter(n -> pattern.matcher(n).matches()).toList();
        if (matched.isEmpty()) {
            throw new ValidationException("Table '" + schema + "." + table + "' (options '"
                    + SCHEMA_NAME.key() + "' and '" + TABLE_NAME.key() + "') does not exist in"
                    + " database '" + options.get(PgWalSourceOptions.DATABASE_NAME) + "', and"
                    + " as a pattern it matches no table of schema '" + schema + "'.");
        }
        return matched;
    }

    private static PgWalSource buildSource(ReadableConfig options, String schema,
            List<String> tables, Map<String, String> jdbcProperties) {
        PgWalSourceBuilder builder = PgWalSource.builder().options(options);
        tables.forEach(t -> builder.tables(quote(schema) + "." + quote(t)));
        jdbcProperties.forEach(builder::jdbcProperty);
        options.getOptional(SCAN_BOUNDED_STOP_LSN).ifPresent(stop -> {
            if ("current".equalsIgnoreCase(stop.trim())) {
                builder.stopAtCurrentLsn();
            } else {
                LogSequenceNumber lsn = LogSequenceNumber.valueOf(stop.trim());
                if (lsn.asLong() == 0L) {
                    throw new ValidationException("Option '" + SCAN_BOUNDED_STOP_LSN.key()
                            + "' must be an LSN like '0/16B3748' or 'current', not '" + stop
                            + "'.");
                }
                builder.stopAtLsn(lsn);
            }
        });
        try {
            return builder.build();
        } catch (PgWalException e) {
            throw new ValidationException(e.getMessage(), e);
        }
    }

    private static CapturedTable.TruncateHandling truncateHandling(ReadableConfig options) {
        String v = options.get(PgWalTableOptions.CHANGELOG_TRUNCATE).trim();
        return switch (v.toLowerCase(java.util.Locale.ROOT)) {
            case "fail" -> CapturedTable.TruncateHandling.FAIL;
            case "ignore" -> CapturedTable.TruncateHandling.IGNORE;
            default -> throw new ValidationException("Option '"
                    + PgWalTableOptions.CHANGELOG_TRUNCATE.key() + "' is '" + v
                    + "'; it must be 'fail' or 'ignore'.");
        };
    }

    /** Option {@code changelog-mode}: true for 'upsert', false for 'all'. */
    private static boolean upsertMode(ReadableConfig options) {
        String v = options.get(PgWalTableOptions.CHANGELOG_MODE).trim();
        return switch (v.toLowerCase(java.util.Locale.ROOT)) {
            case "all" -> false;
            case "upsert" -> true;
            default -> throw new ValidationException("Option '"
                    + PgWalTableOptions.CHANGELOG_MODE.key() + "' is '" + v
                    + "'; it must be 'all' or 'upsert'.");
        };
    }

    /** A quoted SQL identifier, for the publication's table list. */
    private static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }
}
