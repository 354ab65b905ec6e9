package io.pgwal.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwal.PgWalException;
import io.pgwal.replication.SqlIdentifiers.QualifiedName;
import org.junit.jupiter.api.Test;

/** Quoting, qualified-name parsing and slot-name rules. */
class SqlIdentifiersTest {

    @Test
    void quotesEveryIdentifierAndLiteral() {
        assertThat(SqlIdentifiers.quoteIdentifier("orders")).isEqualTo("\"orders\"");
        assertThat(SqlIdentifiers.quoteIdentifier("Order \"Items\"")).isEqualTo("\"Order \"\"Items\"\"\"");
        assertThat(SqlIdentifiers.quoteLiteral("it's")).isEqualTo("'it''s'");
        assertThat(SqlIdentifiers.quoteIdentifier("x\"; DROP TABLE t; --"))
                .isEqualTo("\"x\"\"; DROP TABLE t; --\"");
        assertThat(SqlIdentifiers.quoteLiteral("a'); DROP TABLE t; --"))
                .isEqualTo("'a''); DROP TABLE t; --'");
        assertThatThrownBy(() -> SqlIdentifiers.quoteIdentifier("a\0b")).isInstanceOf(PgWalException.class);
        assertThatThrownBy(() -> SqlIdentifiers.quoteLiteral("a\0b")).isInstanceOf(PgWalException.class);
    }

    @Test
    void parsesQualifiedNamesLikePostgres() {
        assertThat(SqlIdentifiers.parseQualifiedName("Orders")).isEqualTo(new QualifiedName("public", "orders"));
        assertThat(SqlIdentifiers.parseQualifiedName("shop.orders")).isEqualTo(new QualifiedName("shop", "orders"));
        assertThat(SqlIdentifiers.parseQualifiedName("\"My Schema\".\"My.Table\""))
                .isEqualTo(new QualifiedName("My Schema", "My.Table"));
        assertThat(SqlIdentifiers.parseQualifiedName("\"a\"\"b\"")).isEqualTo(new QualifiedName("public", "a\"b"));
        assertThat(new QualifiedName("My Schema", "x\"y").quoted()).isEqualTo("\"My Schema\".\"x\"\"y\"");
        assertThat(SqlIdentifiers.parseQualifiedName("\"Sch\".tbl")).isEqualTo(new QualifiedName("Sch", "tbl"));
        assertThatThrownBy(() -> SqlIdentifiers.parseQualifiedName("a.b.c"))
                .hasMessageContaining("3 parts").hasMessageContaining("table-name");
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
}
