package io.pgwal.testing;

import java.sql.Array;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.postgresql.util.PGInterval;

/** JDBC's values in the shape {@link Envelopes#toJava} gives pgwal's Avro values. */
public final class JdbcValues {

    private JdbcValues() {}

    /** pgjdbc's interval as pgwal's (months, days, micros), exactly (no double seconds). */
    public static List<Object> interval(PGInterval i) {
        return List.of(i.getYears() * 12 + i.getMonths(), i.getDays(),
                ((i.getHours() * 60L + i.getMinutes()) * 60L + i.getWholeSeconds()) * 1_000_000L
                        + i.getMicroSeconds());
    }

    /** A JDBC array (of any dimensions) as nested lists; null stays null. */
    public static List<Object> array(Array a) throws SQLException {
        return a == null ? null : list((Object[]) a.getArray());
    }

    private static List<Object> list(Object[] items) {
        List<Object> out = new ArrayList<>(items.length);
        for (Object item : items) {
            out.add(item instanceof Object[] sub ? list(sub) : item);
        }
        return out;
    }
}
