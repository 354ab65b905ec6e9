package io.pgwal.snapshot;

import io.pgwal.PgWalException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * A {@link SnapshotFilter.KeyOrder} that asks PostgreSQL: the key's btree order depends on types
 * and collations that Java cannot reproduce. Only used for changes committed between two epochs of
 * the same table, which are few. Not thread-safe.
 */
public final class JdbcKeyOrder implements SnapshotFilter.KeyOrder {

    private final Supplier<Connection> connection;

    /** @param connection gives the (caller-owned) connection to ask on */
    public JdbcKeyOrder(Supplier<Connection> connection) {
        this.connection = connection;
    }

    @Override
    public int compare(List<String> types, List<String> a, List<String> b) {
        List<String> left = new ArrayList<>(types.size());
        List<String> right = new ArrayList<>(types.size());
        for (String type : types) {
            // "type" may end in the column's COLLATE clause, which CAST(... AS ...) would not take.
            left.add("?::" + type);
            right.add("?::" + type);
        }
        String l = "ROW(" + String.join(", ", left) + ")";
        String r = "ROW(" + String.join(", ", right) + ")";
        String sql = "SELECT CASE WHEN " + l + " < " + r + " THEN -1 WHEN " + l + " = " + r
                + " THEN 0 ELSE 1 END";
        try (PreparedStatement ps = connection.get().prepareStatement(sql)) {
            int p = 1;
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < types.size(); i++) {
                    ps.setString(p++, a.get(i));
                }
                for (int i = 0; i < types.size(); i++) {
                    ps.setString(p++, b.get(i));
                }
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            throw new PgWalException("Comparing a key with a snapshot chunk bound failed: "
                    + e.getMessage(), e);
        }
    }
}
