package io.pgwal.snapshot;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/** Writing and reading the small building blocks of snapshot state (checkpoint formats). */
final class SnapshotIo {

    private SnapshotIo() {}

    /** A list of strings; null stands for "unbounded" and is written as -1. */
    static void writeStrings(DataOutputView out, List<String> values) throws IOException {
        if (values == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(values.size());
        for (String v : values) {
            byte[] b = v.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            out.writeInt(b.length);
            out.write(b);
        }
    }

    static List<String> readStrings(DataInputView in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        List<String> values = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] b = new byte[in.readInt()];
            in.readFully(b);
            values.add(new String(b, java.nio.charset.StandardCharsets.UTF_8));
        }
        return values;
    }
}
