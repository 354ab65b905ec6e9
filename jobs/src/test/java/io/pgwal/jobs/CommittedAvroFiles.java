package io.pgwal.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;

/** Reads what the FileSink committed: every part file that is not hidden (in progress or pending). */
final class CommittedAvroFiles {

    private CommittedAvroFiles() {}

    /** The committed part files under {@code out}, by name. */
    static List<Path> list(Path out) throws IOException {
        if (!Files.exists(out)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(out)) {
            return files.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted(Comparator.naturalOrder()).toList();
        }
    }

    /**
     * The records of each committed part file, file by file, in file order, each mapped at once
     * (so a large output need not be held as Avro records).
     */
    static <T> List<List<T>> read(Path out, Function<GenericRecord, T> mapper) throws IOException {
        List<List<T>> result = new ArrayList<>();
        for (Path p : list(out)) {
            List<T> records = new ArrayList<>();
            try (DataFileReader<GenericRecord> reader =
                    new DataFileReader<>(p.toFile(), new GenericDatumReader<>())) {
                reader.forEach(r -> records.add(mapper.apply(r)));
            }
            result.add(records);
        }
        return result;
    }
}
