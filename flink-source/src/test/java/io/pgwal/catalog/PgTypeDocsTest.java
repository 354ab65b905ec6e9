package io.pgwal.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwal.catalog.PgTypes.PgType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * README's Avro type table and docs/sql.md's Flink SQL type table say what the type table {@link
 * PgTypes} says: every type it lists has a row naming it, with its Avro form and its SQL types.
 */
class PgTypeDocsTest {

    private static final Path ROOT = Path.of("..");

    @Test
    void readmeAvroTableMatchesTheTypeTable() throws IOException {
        List<String[]> rows = table(ROOT.resolve("README.md"), "### Avro types");
        for (PgType t : documented()) {
            String avro = cellFor(rows, t.docName())
                    .orElseThrow(() -> new AssertionError("README's Avro type table has no row"
                            + " for " + t.docName()));
            assertThat(avro).as("README row of %s", t.docName()).contains(t.avro().docName());
        }
        assertThat(rows).anySatisfy(r -> {
            assertThat(r[0]).contains("anything else");
            assertThat(r[1]).startsWith(PgTypes.OTHER.avro().docName());
        });
    }

    @Test
    void sqlDocTypeTableMatchesTheTypeTable() throws IOException {
        List<String[]> rows = table(ROOT.resolve("docs/sql.md"), "## Type mapping");
        for (PgType t : documented()) {
            String sql = cellFor(rows, t.docName())
                    .orElseThrow(() -> new AssertionError("docs/sql.md's type table has no row"
                            + " for " + t.docName()));
            assertThat(upperWords(sql)).as("docs/sql.md row of %s", t.docName())
                    .containsAll(upperWords(t.sqlDoc()));
        }
        assertThat(rows).anySatisfy(r -> {
            assertThat(r[0]).contains("all other types");
            assertThat(upperWords(r[1])).containsAll(upperWords(PgTypes.OTHER.sqlDoc()));
        });
    }

    /** The type table's rows and its kinds (arrays, enums, composites, hstore). */
    private static List<PgType> documented() {
        List<PgType> all = new ArrayList<>(PgTypes.all());
        all.addAll(PgTypes.kinds());
        return all;
    }

    /**
     * The second cell of the row whose first cell names {@code docName} (cells list names split by
     * commas; "a / b" rows pair their names with "x / y" values in order).
     */
    private static Optional<String> cellFor(List<String[]> rows, String docName) {
        String wanted = normalize(docName);
        for (String[] r : rows) {
            String[] names = r[0].split(" / ");
            String[] values = r[1].split(" / ");
            for (int i = 0; i < names.length; i++) {
                // Commas inside parentheses belong to the name: numeric(p, s).
                for (String name : names[i].split(",(?![^(]*\\))")) {
                    if (normalize(name).equals(wanted)) {
                        return Optional.of(values.length == names.length ? values[i] : r[1]);
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static String normalize(String name) {
        return name.replace("`", "").replace(" ", "").replaceAll("\\(p,s\\).*", "(p,s)")
                .toLowerCase(java.util.Locale.ROOT);
    }

    private static List<String> upperWords(String s) {
        List<String> words = new ArrayList<>();
        Matcher m = Pattern.compile("\\b[A-Z][A-Z_]+\\b").matcher(s);
        while (m.find()) {
            words.add(m.group());
        }
        return words;
    }

    /** The rows (first two cells) of the first Markdown table after {@code heading}. */
    private static List<String[]> table(Path file, String heading) throws IOException {
        List<String> lines = Files.readAllLines(file);
        int i = 0;
        while (i < lines.size() && !lines.get(i).startsWith(heading)) {
            i++;
        }
        assertThat(i).as("%s has a section %s", file, heading).isLessThan(lines.size());
        while (!lines.get(i).startsWith("|")) {
            i++;
        }
        List<String[]> rows = new ArrayList<>();
        for (i += 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
            String[] cells = lines.get(i).split("\\|");
            rows.add(new String[] {cells[1].trim(), cells[2].trim()});
        }
        return rows;
    }
}
