package io.pgwal.jobs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;

/**
 * Runs a Flink SQL script on a cluster without the SQL client: {@code local-cluster.sh submit -c
 * io.pgwal.jobs.SqlJob pgwal-jobs-*-job.jar --sql-file pipeline.sql}. A {@code SET 'key' =
 * 'value'} sets a configuration option as in the SQL client; every other statement goes to {@link
 * TableEnvironment#executeSql} in order ({@code CREATE CATALOG/TABLE}, {@code INSERT INTO}, ...).
 * An {@code INSERT} submits its job and the program goes on without waiting for it. The job jar
 * brings the pgwal table connector; the cluster's class path must hold Flink's table planner and
 * any other connector the script uses ({@code local-cluster.sh start --sql} adds the planner and
 * Paimon).
 *
 * <p>Statements end with a {@code ;} at the end of a line; lines starting with {@code --} are
 * comments. A {@code ;} inside a statement must therefore not end its line.
 */
public final class SqlJob {

    private static final Pattern SET = Pattern.compile(
            "SET\\s+'([^']+)'\\s*=\\s*'([^']*)'", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

    private SqlJob() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2 || !args[0].equals("--sql-file")) {
            throw new IllegalArgumentException("Usage: SqlJob --sql-file <script.sql>, found "
                    + String.join(" ", args));
        }
        TableEnvironment tEnv = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
        for (String statement : statements(Files.readString(Path.of(args[1])))) {
            Matcher set = SET.matcher(statement);
            if (set.matches()) { // the SQL client's command; executeSql() does not take it
                tEnv.getConfig().set(set.group(1), set.group(2));
                continue;
            }
            TableResult result = tEnv.executeSql(statement);
            result.getJobClient().ifPresent(job -> System.out.println("SqlJob: submitted job "
                    + job.getJobID() + " for: " + firstLine(statement)));
        }
    }

    /** The statements of {@code script}, without comment lines and the closing {@code ;}. */
    static List<String> statements(String script) {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : script.split("\n", -1)) {
            String trimmed = line.strip();
            if (trimmed.startsWith("--")) {
                continue;
            }
            boolean ends = trimmed.endsWith(";");
            current.append(ends ? line.substring(0, line.lastIndexOf(';')) : line).append('\n');
            if (ends) {
                add(statements, current);
            }
        }
        add(statements, current);
        return statements;
    }

    private static void add(List<String> statements, StringBuilder current) {
        String statement = current.toString().strip();
        if (!statement.isEmpty()) {
            statements.add(statement);
        }
        current.setLength(0);
    }

    private static String firstLine(String statement) {
        int nl = statement.indexOf('\n');
        return nl < 0 ? statement : statement.substring(0, nl) + " ...";
    }
}
