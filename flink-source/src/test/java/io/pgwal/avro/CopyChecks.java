package io.pgwal.avro;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.util.Utf8;

/** Checks a deep copy: equal to Avro's own deep copy, and no mutable object shared. */
final class CopyChecks {

    private CopyChecks() {}

    static void assertIndependentCopy(GenericRecord original, GenericRecord copy) {
        assertThat(copy).isEqualTo(GenericData.get().deepCopy(original.getSchema(), original))
                .isEqualTo(original);
        assertThat(copy.getSchema()).isSameAs(original.getSchema());
        Set<Object> mine = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        mutables(original, mine);
        Set<Object> theirs = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        mutables(copy, theirs);
        theirs.forEach(o -> assertThat(mine.contains(o))
                .as("shared with the original: %s", o).isFalse());
    }

    /** Every mutable object in {@code v}'s tree (records, Utf8, buffers, lists, maps). */
    private static void mutables(Object v, Set<Object> out) {
        if (v instanceof IndexedRecord r) {
            out.add(r);
            for (int i = 0; i < r.getSchema().getFields().size(); i++) {
                mutables(r.get(i), out);
            }
        } else if (v instanceof List<?> l && l != List.of()) { // List.of() is immutable
            out.add(l);
            l.forEach(x -> mutables(x, out));
        } else if (v instanceof Map<?, ?> m) {
            out.add(m);
            m.forEach((k, x) -> {
                mutables(k, out);
                mutables(x, out);
            });
        } else if (v instanceof Utf8 || v instanceof ByteBuffer) {
            out.add(v);
        }
    }
}
