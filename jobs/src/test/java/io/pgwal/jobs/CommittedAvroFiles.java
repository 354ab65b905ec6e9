package io.pgwal.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.FileVisitResult;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
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
        // The sink renames and removes its hidden in-progress files while a job runs: a file that
        // vanishes between the directory listing and its attributes is skipped, not an error.
        List<Path> found = new ArrayList<>();
        Files.walkFileTree(out, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isRegularFile() && !file.getFileName().toString().startsWith(".")) {
                    found.add(file);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof java.nio.file.NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }
        });
        found.sort(Comparator.naturalOrder());
        return found;
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
