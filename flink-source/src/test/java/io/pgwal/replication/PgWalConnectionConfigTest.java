package io.pgwal.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwal.PgWalException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** Defaults, validation that names the option, JDBC settings, and that the password stays hidden. */
class PgWalConnectionConfigTest {

    private static PgWalConnectionConfig.Builder valid() {
        return PgWalConnectionConfig.builder().hostname("db").database("shop").username("flink")
                .password("hunter2").slotName("s").publicationName("p");
    }

    @Test
    void defaults() {
        PgWalConnectionConfig c = valid().build();
        assertThat(c.port()).isEqualTo(5432);
        assertThat(c.createSlot()).isTrue();
        assertThat(c.createPublication()).isFalse();
        assertThat(c.protocolVersion()).isEqualTo(1);
        assertThat(c.statusInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.connectTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.allowSlotAhead()).isFalse();
        assertThat(c.tables()).isEmpty();
        assertThat(PgWalConnectionConfig.builder().hostname("h").database("d").username("u")
                .slotName("s").publicationName("p").build().password()).isEmpty();
    }

    @Test
    void missingRequiredValuesNameTheOption() {
        assertThatThrownBy(() -> valid().hostname(null).build()).hasMessageContaining("'hostname'");
        assertThatThrownBy(() -> valid().database(" ").build()).hasMessageContaining("'database-name'");
        assertThatThrownBy(() -> valid().username(null).build()).hasMessageContaining("'username'");
        assertThatThrownBy(() -> valid().slotName(null).build()).hasMessageContaining("'slot.name'");
        assertThatThrownBy(() -> valid().publicationName("").build())
                .isInstanceOf(PgWalException.class).hasMessageContaining("'publication.name'");
    }

    @Test
    void badValuesNameTheOption() {
        assertThatThrownBy(() -> valid().slotName("My-Slot").build()).hasMessageContaining("slot.name");
        assertThatThrownBy(() -> valid().publicationName("it's").build())
                .hasMessageContaining("publication.name").hasMessageContaining("single quote");
        assertThatThrownBy(() -> valid().port(0).build()).hasMessageContaining("'port'");
        assertThatThrownBy(() -> valid().port(65536).build()).hasMessageContaining("'port'");
        assertThatThrownBy(() -> valid().hostname("db/x?socketFactory=evil").build())
                .hasMessageContaining("'hostname'");
        assertThatThrownBy(() -> valid().statusInterval(Duration.ZERO).build())
                .hasMessageContaining("status-interval");
        assertThatThrownBy(() -> valid().connectTimeout(Duration.ofSeconds(-1)).build())
                .hasMessageContaining("connect.timeout");
        assertThatThrownBy(() -> valid().protocolVersion(0).build()).hasMessageContaining("1 to 4");
        assertThatThrownBy(() -> valid().protocolVersion(5).build()).hasMessageContaining("1 to 4");
        assertThat(valid().protocolVersion(4).build().protocolVersion()).isEqualTo(4);
        assertThatThrownBy(() -> valid().tables(List.of("a.b.c")).build()).hasMessageContaining("table-name");
        assertThatThrownBy(() -> valid().tables(List.of("\"open")).build()).hasMessageContaining("table-name");
    }

    @Test
    void tablesKeepTheirQuotedSpelling() {
        PgWalConnectionConfig c = valid().tables(List.of("\"My Schema\".\"My.Table\"", "Orders")).build();
        assertThat(c.tables()).containsExactly("\"My Schema\".\"My.Table\"", "Orders");
        assertThat(c.tables().stream().map(SqlIdentifiers::parseQualifiedName))
                .containsExactly(new SqlIdentifiers.QualifiedName("My Schema", "My.Table"),
                        new SqlIdentifiers.QualifiedName("public", "orders"));
    }

    @Test
    void jdbcUrlAndProperties() {
        PgWalConnectionConfig c = valid().jdbcProperties(Map.of("tcpKeepAlive", "true"))
                .tls(new PgWalConnectionConfig.Tls("verify-full", "/ca.crt", null, null, "k3y"))
                .connectTimeout(Duration.ofSeconds(7)).build();
        assertThat(c.jdbcUrl()).isEqualTo("jdbc:postgresql://db:5432/shop").doesNotContain("hunter2");
        Properties plain = c.jdbcProperties(false);
        assertThat(plain).containsEntry("user", "flink").containsEntry("password", "hunter2")
                .containsEntry("connectTimeout", "7").containsEntry("ApplicationName", "pgwal")
                .containsEntry("tcpKeepAlive", "true").containsEntry("sslmode", "verify-full")
                .containsEntry("sslrootcert", "/ca.crt").containsEntry("sslpassword", "k3y")
                .doesNotContainKey("sslcert").doesNotContainKey("replication");
        assertThat(c.toString()).doesNotContain("k3y").contains("verify-full");
        // What pgwal sets itself cannot be overridden through the pass-through properties.
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> valid()
                        .jdbcProperties(Map.of("user", "x")).build())
                .hasMessageContaining("jdbc.properties.user");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new PgWalConnectionConfig.Tls(
                "verify", null, null, null, null)).hasMessageContaining("ssl.mode");
        assertThat(c.jdbcProperties(true)).containsEntry("replication", "database")
                .containsEntry("assumeMinServerVersion", "10").containsEntry("preferQueryMode", "simple");
        assertThat(PgWalConnectionConfig.builder().hostname("::1").database("my db").username("u")
                .slotName("s").publicationName("p").build().jdbcUrl())
                .isEqualTo("jdbc:postgresql://[::1]:5432/my%20db");
    }

    @Test
    void toStringNeverShowsThePassword() throws Exception {
        PgWalConnectionConfig c = valid().build();
        assertThat(c.toString()).doesNotContain("hunter2").contains("***").contains("flink@db:5432/shop");
        assertThat(valid().password("").build().toString()).contains("<none>");
        // Serializable (it travels with the job) and equal after the trip.
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(c);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertThat(in.readObject()).isEqualTo(c).hasSameHashCodeAs(c);
        }
    }

    @Test
    void equalityCoversEverySetting() {
        PgWalConnectionConfig c = valid().build();
        assertThat(valid().build()).isEqualTo(c);
        assertThat(valid().password("other").build()).isNotEqualTo(c);
        assertThat(valid().statusInterval(Duration.ofSeconds(1)).build()).isNotEqualTo(c);
        assertThat(valid().connectTimeout(Duration.ofSeconds(1)).build()).isNotEqualTo(c);
        assertThat(valid().jdbcProperties(Map.of("tcpKeepAlive", "true")).build()).isNotEqualTo(c);
        assertThat(valid().tls(new PgWalConnectionConfig.Tls("require", null, null, null, null))
                .build()).isNotEqualTo(c);
        assertThat(valid().deadAfter(Duration.ofSeconds(5)).build()).isNotEqualTo(c);
        assertThat(valid().slotFailover(true).build()).isNotEqualTo(c);
    }
}
