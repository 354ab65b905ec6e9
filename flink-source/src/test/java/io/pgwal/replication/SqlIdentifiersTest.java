package io.pgwal.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwal.PgWalException;
import io.pgwal.replication.SqlIdentifiers.QualifiedName;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Quoting, qualified-name parsing, slot-name rules, and the config's validation. */
class SqlIdentifiersTest {

    @Test
    void quotesEveryIdentifierAndLiteral() {
        assertThat(SqlIdentifiers.quoteIdentifier("orders")).isEqualTo("\"orders\"");
        assertThat(SqlIdentifiers.quoteIdentifier("Order \"Items\"")).isEqualTo("\"Order \"\"Items\"\"\"");
        assertThat(SqlIdentifiers.quoteLiteral("it's")).isEqualTo("'it''s'");
        assertThatThrownBy(() -> SqlIdentifiers.quoteIdentifier("a\0b")).isInstanceOf(PgWalException.class);
    }

    @Test
    void parsesQualifiedNamesLikePostgres() {
        assertThat(SqlIdentifiers.parseQualifiedName("Orders")).isEqualTo(new QualifiedName("public", "orders"));
        assertThat(SqlIdentifiers.parseQualifiedName("shop.orders")).isEqualTo(new QualifiedName("shop", "orders"));
        assertThat(SqlIdentifiers.parseQualifiedName("\"My Schema\".\"My.Table\""))
                .isEqualTo(new QualifiedName("My Schema", "My.Table"));
        assertThat(SqlIdentifiers.parseQualifiedName("\"a\"\"b\"")).isEqualTo(new QualifiedName("public", "a\"b"));
        assertThat(new QualifiedName("My Schema", "x\"y").quoted()).isEqualTo("\"My Schema\".\"x\"\"y\"");
        assertThatThrownBy(() -> SqlIdentifiers.parseQualifiedName("a.b.c")).hasMessageContaining("3 parts");
        assertThatThrownBy(() -> SqlIdentifiers.parseQualifiedName("\"open")).hasMessageContaining("quote");
        assertThatThrownBy(() -> SqlIdentifiers.parseQualifiedName("a.")).hasMessageContaining("empty");
    }

    @Test
    void slotNamesFollowPostgresRules() {
        assertThat(SqlIdentifiers.validateSlotName("pgwal_slot_1")).isEqualTo("pgwal_slot_1");
        for (String bad : new String[] {"", "Upper", "has-dash", "x;drop", "a".repeat(64)}) {
            assertThatThrownBy(() -> SqlIdentifiers.validateSlotName(bad))
                    .isInstanceOf(PgWalException.class).hasMessageContaining("slot.name");
        }
    }

    @Test
    void configValidatesAndHidesThePassword() {
        PgWalConnectionConfig.Builder b = PgWalConnectionConfig.builder()
                .hostname("db").database("shop").username("flink").password("hunter2")
                .slotName("s").publicationName("p");
        PgWalConnectionConfig c = b.build();
        assertThat(c.toString()).doesNotContain("hunter2").contains("***");
        assertThat(c.jdbcUrl()).isEqualTo("jdbc:postgresql://db:5432/shop");
        assertThat(c.jdbcProperties(true)).containsEntry("replication", "database")
                .containsEntry("preferQueryMode", "simple").containsEntry("password", "hunter2");
        assertThat(c.jdbcProperties(false)).doesNotContainKey("replication");
        assertThat(PgWalConnectionConfig.builder().hostname("::1").database("my db").username("u")
                .slotName("s").publicationName("p").build().jdbcUrl())
                .isEqualTo("jdbc:postgresql://[::1]:5432/my%20db");
        assertThatThrownBy(() -> PgWalConnectionConfig.builder().database("d").username("u")
                .slotName("s").publicationName("p").build()).hasMessageContaining("'hostname'");
        assertThatThrownBy(() -> b.publicationName("it's").build()).hasMessageContaining("publication.name");
        assertThatThrownBy(() -> b.publicationName("p").port(0).build()).hasMessageContaining("'port'");
        assertThatThrownBy(() -> b.port(5432).statusInterval(Duration.ZERO).build())
                .hasMessageContaining("status-interval");
        assertThatThrownBy(() -> b.statusInterval(Duration.ofSeconds(1)).protocolVersion(5).build())
                .hasMessageContaining("1 to 4");
    }
}
