package io.beacon.infra.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store credentials: Kafka SASL, Cassandra and QuestDB passwords, inline or from secret files. */
class SecretsConfigTest {
  @TempDir Path dir;

  @Test
  void withoutCredentialsTheClientsConnectWithoutSasl() {
    BeaconConfig c = ConfigLoader.load(null, Map.of());
    assertThat(c.kafka().sasl().enabled()).isFalse();
    assertThat(c.kafka().clientProps()).containsOnly(Map.entry("bootstrap.servers", "127.0.0.1:9092"));
    assertThat(c.cassandra().username()).isEmpty();
    assertThat(c.questdb().password()).isEqualTo("quest");
  }

  @Test
  void kafkaPasswordFromAFileGivesTheClientsScram() throws IOException {
    Path secret = Files.writeString(dir.resolve("kafka"), "s3cr\"et\\x\n");
    BeaconConfig c = ConfigLoader.load(null, Map.of(
        "BEACON_KAFKA_SASL_USERNAME", "beacon-ingest",
        "BEACON_KAFKA_SASL_PASSWORD_FILE", secret.toString()));
    assertThat(c.kafka().sasl().password()).isEqualTo("s3cr\"et\\x");
    assertThat(c.kafka().clientProps()).containsEntry("security.protocol", "SASL_PLAINTEXT")
        .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
        .containsEntry("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required "
            + "username=\"beacon-ingest\" password=\"s3cr\\\"et\\\\x\";");
    assertThat(c.kafka().sasl().toString()).doesNotContain("s3cr");
  }

  @Test
  void cassandraAndQuestDbPasswordsFromFiles() throws IOException {
    Path cassandra = Files.writeString(dir.resolve("cassandra"), "c-pass\r\n");
    Path questdb = Files.writeString(dir.resolve("questdb"), "q-pass");
    BeaconConfig c = ConfigLoader.load(null, Map.of(
        "BEACON_CASSANDRA_USERNAME", "beacon_node",
        "BEACON_CASSANDRA_PASSWORD_FILE", cassandra.toString(),
        "BEACON_QUESTDB_USER", "beacon",
        "BEACON_QUESTDB_PASSWORD_FILE", questdb.toString()));
    assertThat(c.cassandra().password()).isEqualTo("c-pass");
    assertThat(c.questdb().password()).isEqualTo("q-pass");
    assertThat(c.cassandra().toString()).doesNotContain("c-pass");
    assertThat(c.questdb().toString()).doesNotContain("q-pass");
  }

  @Test
  void aMissingFileIsNamedWithItsVariableAndPath() {
    Path missing = dir.resolve("nope");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(
        "BEACON_KAFKA_SASL_USERNAME", "beacon-ingest",
        "BEACON_KAFKA_SASL_PASSWORD_FILE", missing.toString())))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).problems())
            .containsExactly("BEACON_KAFKA_SASL_PASSWORD_FILE " + missing + ": no such file"));
  }

  @Test
  void aMissingFileGivenInTheConfigFileIsNamedByItsKey() throws IOException {
    Path missing = dir.resolve("nope");
    Path config = Files.writeString(dir.resolve("node.yaml"),
        "cassandra:\n  username: beacon_node\n  passwordFile: " + missing + "\n");
    assertThatThrownBy(() -> ConfigLoader.load(config, Map.of()))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).problems())
            .containsExactly("cassandra.passwordFile " + missing + ": no such file"));
  }

  @Test
  void anEmptySecretFileIsRefused() throws IOException {
    Path empty = Files.writeString(dir.resolve("empty"), "\n");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(
        "BEACON_CASSANDRA_USERNAME", "beacon_node",
        "BEACON_CASSANDRA_PASSWORD_FILE", empty.toString())))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).problems())
            .containsExactly("BEACON_CASSANDRA_PASSWORD_FILE " + empty + ": is empty"));
  }

  @Test
  void anEmptyInlineSecretIsRefusedWhenAUserIsGiven() {
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(
        "BEACON_KAFKA_SASL_USERNAME", "beacon-ingest",
        "BEACON_CASSANDRA_USERNAME", "beacon_node",
        "BEACON_QUESTDB_PASSWORD", "")))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).problems()).containsExactlyInAnyOrder(
            "kafka.sasl.password: is required when kafka.sasl.username is set (BEACON_KAFKA_SASL_PASSWORD_FILE or "
                + "BEACON_KAFKA_SASL_PASSWORD)",
            "cassandra.password: is required when cassandra.username is set (BEACON_CASSANDRA_PASSWORD_FILE or "
                + "BEACON_CASSANDRA_PASSWORD)",
            "questdb.password: is required (BEACON_QUESTDB_PASSWORD_FILE or BEACON_QUESTDB_PASSWORD)"));
  }

  @Test
  void aSecretGivenBothInlineAndAsAFileIsRefused() throws IOException {
    Path secret = Files.writeString(dir.resolve("kafka"), "from-file");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(
        "BEACON_KAFKA_SASL_USERNAME", "beacon-ingest",
        "BEACON_KAFKA_SASL_PASSWORD", "inline",
        "BEACON_KAFKA_SASL_PASSWORD_FILE", secret.toString())))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).problems()).containsExactly(
            "BEACON_KAFKA_SASL_PASSWORD_FILE and BEACON_KAFKA_SASL_PASSWORD: give the secret either inline or as a "
                + "file, not both"))
        .hasMessageNotContaining("from-file").hasMessageNotContaining("inline\"");
  }

  @Test
  void aFileReplacesADefaultPasswordWithoutCountingAsBoth() throws IOException {
    // questdb.password defaults to QuestDB's own "quest": a file given alone is not "both".
    Path secret = Files.writeString(dir.resolve("questdb"), "q-pass");
    BeaconConfig c = ConfigLoader.load(null, Map.of("BEACON_QUESTDB_PASSWORD_FILE", secret.toString()));
    assertThat(c.questdb().password()).isEqualTo("q-pass");
  }

  @Test
  void aPasswordWithoutAUserAndAnUnknownMechanismAreRefused() {
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(
        "BEACON_KAFKA_SASL_PASSWORD", "x",
        "BEACON_KAFKA_SASL_MECHANISM", "GSSAPI")))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).problems()).containsExactlyInAnyOrder(
            "kafka.sasl.mechanism: must be one of SCRAM-SHA-512, SCRAM-SHA-256, PLAIN, was 'GSSAPI'",
            "kafka.sasl.username: is required when a Kafka SASL password is given"));
  }
}
