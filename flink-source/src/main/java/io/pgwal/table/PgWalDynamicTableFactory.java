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
import java.sql.SQLException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
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
        PgWalSource source = buildSource(options, schema, table, jdbc);
        PgTable info;
        Set<String> sent = new HashSet<>();
        try (Connection c = ReplicationSetup.connect(source.config(), false)) {
            info = PgCatalog.table(c, schema, table)
                    .orElseThrow(() -> new ValidationException("Table '" + schema + "." + table
                            + "' (options '" + SCHEMA_NAME.key() + "' and '" + TABLE_NAME.key()
                            + "') does not exist in database '"
                            + options.get(PgWalSourceOptions.DATABASE_NAME) + "'."));
            // The columns pgoutput will send: the publication's column list (PostgreSQL 15+),
            // never a generated column before PostgreSQL 18 (and then only a listed one).
            var published = PgCatalog.publishedColumns(c, source.config().publicationName(),
                    schema, table);
            boolean generatedSent = c.getMetaData().getDatabaseMajorVersion() >= 18
                    && published.isPresent();
            for (var col : info.columns()) {
                boolean listed = published.map(l -> l.contains(col.name())).orElse(true);
                if (listed && (!col.generated() || generatedSent)) {
                    sent.add(col.name());
                }
            }
        } catch (SQLException | PgWalException e) {
            throw new ValidationException("Cannot read the definition of " + schema + "." + table
                    + " from " + source.config().jdbcUrl() + " (options '"
                    + PgWalSourceOptions.HOSTNAME.key() + "', '" + PgWalSourceOptions.PORT.key()
                    + "', '" + PgWalSourceOptions.USERNAME.key() + "'): " + e.getMessage(), e);
        }
        TableValidator.Result shape =
                TableValidator.validate(info, context.getCatalogTable().getResolvedSchema(), sent,
                        source.config().publicationName(), upsert);
        CapturedTable captured = new CapturedTable(Integer.toUnsignedLong(info.oid()),
                shape.typeOids(), shape.typeModifiers(), truncateHandling(options));
        return new PgWalDynamicTableSource(source, schema, table, shape.columns(),
                context.getPhysicalRowDataType(), shape.keyPositions(), shape.shape(),
                captured);
    }

    private static PgWalSource buildSource(ReadableConfig options, String schema, String table,
            Map<String, String> jdbcProperties) {
        PgWalSourceBuilder builder = PgWalSource.builder().options(options)
                .tables(quote(schema) + "." + quote(table));
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
