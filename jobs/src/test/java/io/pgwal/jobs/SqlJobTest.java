package io.pgwal.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SqlJobTest {

    @Test
    void splitsAtSemicolonsThatEndALineAndSkipsCommentLines() {
        assertThat(SqlJob.statements("""
                -- the source
                SET 'parallelism.default' = '2';
                CREATE TABLE t (id INT)
                  WITH ('connector' = 'x', 'k' = 'a;b');
                  -- indented comment
                INSERT INTO u SELECT * FROM t;

                SELECT 1""")).containsExactly(
                "SET 'parallelism.default' = '2'",
                "CREATE TABLE t (id INT)\n  WITH ('connector' = 'x', 'k' = 'a;b')",
                "INSERT INTO u SELECT * FROM t",
                "SELECT 1");
    }
}
