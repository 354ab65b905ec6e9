package io.pgwal.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwal.PgWalException;
import java.util.Map;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.postgresql.replication.LogSequenceNumber;

/** The builder validates options with messages that name them, and reads Flink configurations. */
class PgWalSourceBuilderTest {

    private static PgWalSourceBuilder complete() {
        return PgWalSource.builder().hostname("db").database("shop").username("flink")
                .password("secret-pw").slotName("s").publicationName("p");
    }

    @Test
    void missingOptionsAreNamed() {
        assertThatThrownBy(() -> PgWalSource.builder().database("d").username("u").slotName("s")
                .publicationName("p").build())
                .isInstanceOf(PgWalException.class)
                .hasMessageStartingWith("Option 'hostname' is required")
                .hasMessageContaining("Host name or IP address of the PostgreSQL server.");
        assertThatThrownBy(() -> complete().slotName(" ").build()).hasMessageContaining("'slot.name'");
        assertThatThrownBy(() -> complete().maxBatchSize(0).build())
                .hasMessageContaining("fetch.max-batch-size");
        assertThatThrownBy(() -> complete().options(Configuration.fromMap(
                Map.of("decoding.plugin.name", "wal2json"))).build())
                .hasMessageContaining("decoding.plugin.name").hasMessageContaining("wal2json");
    }

    @Test
    void readsFlinkConfigurationAndHidesThePassword() {
        PgWalSource source = PgWalSource.builder().options(Configuration.fromMap(Map.of(
                "hostname", "db", "port", "6543", "username", "flink", "password", "secret-pw",
                "database-name", "shop", "slot.name", "s", "publication.name", "p",
                "slot.create", "false"))).build();
        assertThat(source.config().port()).isEqualTo(6543);
        assertThat(source.config().createSlot()).isFalse();
        assertThat(source.toString()).doesNotContain("secret-pw");
        assertThat(source.getBoundedness()).isEqualTo(Boundedness.CONTINUOUS_UNBOUNDED);
        assertThat(complete().stopAtLsn(LogSequenceNumber.valueOf("0/10")).build().getBoundedness())
                .isEqualTo(Boundedness.BOUNDED);
    }
}
