package io.beacon.infra.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir Path dir;

  @Test
  void defaultsRunEveryRoleOnce() {
    BeaconConfig c = ConfigLoader.load(null, Map.of());
    assertThat(c.node().roles()).containsExactlyInAnyOrder(Role.values());
    for (Role r : Role.values()) {
      assertThat(c.node().instances(r)).isEqualTo(1);
    }
    assertThat(c.node().name()).isNotBlank();
    assertThat(c.kafka().bootstrap()).isEqualTo("127.0.0.1:9092");
  }

  @Test
  void fileOverridesDefaultsAndEnvOverridesFile() throws IOException {
    Path f = write("""
        node:
          name: edge-1
          verticles:
            collector: { instances: 4 }
            query: { instances: 0 }
        kafka:
          bootstrap: file-broker:9092
        """);
    BeaconConfig c = ConfigLoader.load(f, Map.of(
        "BEACON_KAFKA_BOOTSTRAP", "env-broker:19092",
        "BEACON_CASSANDRA_CONTACT_POINTS", "c1:9042, c2:9042",
        "BEACON_NODE_VERTICLES_BRIDGE_INSTANCES", "0",
        "BEACON_CLUSTER_FAILURE_DETECTION_TIMEOUT_MS", "3000",
        "PATH", "/usr/bin"));
    assertThat(c.node().name()).isEqualTo("edge-1");
    assertThat(c.node().instances(Role.COLLECTOR)).isEqualTo(4);
    assertThat(c.node().roles()).containsExactlyInAnyOrder(Role.COLLECTOR, Role.RECOMPUTE);
    assertThat(c.kafka().bootstrap()).isEqualTo("env-broker:19092");
    assertThat(c.cassandra().contactPoints()).containsExactly("c1:9042", "c2:9042");
    assertThat(c.cluster().failureDetectionTimeoutMs()).isEqualTo(3000);
    // untouched keys keep their defaults
    assertThat(c.questdb().pgPort()).isEqualTo(8812);
  }

  @Test
  void unknownKeyInFileIsNamed() throws IOException {
    Path f = write("kafka:\n  bootstrapp: x:1\n");
    assertThatThrownBy(() -> ConfigLoader.load(f, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("kafka.bootstrapp");
  }

  @Test
  void wrongTypeIsNamed() throws IOException {
    Path f = write("http:\n  collector:\n    port: eighty\n");
    assertThatThrownBy(() -> ConfigLoader.load(f, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("http.collector.port");
  }

  @Test
  void unknownRoleIsNamed() throws IOException {
    Path f = write("node:\n  verticles:\n    colector: { instances: 1 }\n");
    assertThatThrownBy(() -> ConfigLoader.load(f, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("colector");
  }

  @Test
  void everyInvalidValueIsReportedWithItsKey() {
    ConfigException e = (ConfigException) org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
        () -> ConfigLoader.load(null, Map.of(
            "BEACON_HTTP_MANAGEMENT_PORT", "70000",
            "BEACON_KAFKA_HITS_PARTITIONS", "0",
            "BEACON_CASSANDRA_CONTACT_POINTS", "no-port-here",
            "BEACON_NODE_VERTICLES_QUERY_INSTANCES", "-1")));
    assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("http.management.port:"));
    assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("kafka.hits.partitions:"));
    assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("cassandra.contactPoints:"));
    assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("node.verticles.query.instances:"));
  }

  @Test
  void adHocReportsHaveACapOnGroupsSetByRecomputeMaxGroups() {
    assertThat(ConfigLoader.load(null, Map.of()).recompute().maxGroups()).isEqualTo(100_000);
    assertThat(ConfigLoader.load(null, Map.of("BEACON_RECOMPUTE_MAX_GROUPS", "5000")).recompute().maxGroups())
        .isEqualTo(5000);
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("BEACON_RECOMPUTE_MAX_GROUPS", "0")))
        .hasMessageContaining("recompute.maxGroups: must be 1-10000000, was 0");
  }

  @Test
  void theCardinalityCapOfRebuiltDaysIsRecomputeMaxValuesPerDimension() {
    assertThat(ConfigLoader.load(null, Map.of()).recompute().maxValuesPerDimension()).isEqualTo(1000);
    assertThat(ConfigLoader.load(null, Map.of("BEACON_RECOMPUTE_MAX_VALUES_PER_DIMENSION", "0")).recompute()
        .maxValuesPerDimension()).isZero();
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("BEACON_RECOMPUTE_MAX_VALUES_PER_DIMENSION", "-1")))
        .hasMessageContaining("recompute.maxValuesPerDimension: must be 0-1000000 (0: no cap), was -1");
  }

  @Test
  void edgeKeysTakeCidrRangesAndTheProxyProtocolSwitch() {
    BeaconConfig defaults = ConfigLoader.load(null, Map.of());
    assertThat(defaults.collector().trustedProxies()).isEmpty();
    assertThat(defaults.collector().proxyProtocol()).isFalse();
    assertThat(defaults.query().trustedProxies()).isEmpty();
    assertThat(defaults.query().proxyProtocol()).isFalse();
    BeaconConfig c = ConfigLoader.load(null, Map.of(
        "BEACON_COLLECTOR_TRUSTED_PROXIES", "10.0.0.11, 172.30.0.0/24,2001:db8::/32",
        "BEACON_COLLECTOR_PROXY_PROTOCOL", "true",
        "BEACON_QUERY_TRUSTED_PROXIES", "172.30.0.0/24",
        "BEACON_QUERY_PROXY_PROTOCOL", "true",
        "BEACON_QUERY_SECURE_COOKIES", "true"));
    assertThat(c.collector().trustedProxies()).containsExactly("10.0.0.11", "172.30.0.0/24", "2001:db8::/32");
    assertThat(c.collector().proxyProtocol()).isTrue();
    assertThat(c.query().trustedProxies()).containsExactly("172.30.0.0/24");
    assertThat(c.query().proxyProtocol()).isTrue();
    assertThat(c.query().secureCookies()).isTrue();
    ConfigException e = (ConfigException) org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
        () -> ConfigLoader.load(null, Map.of(
            "BEACON_COLLECTOR_TRUSTED_PROXIES", "lb-1",
            "BEACON_QUERY_TRUSTED_PROXIES", "10.0.0.1/8")));
    assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("collector.trustedProxies:").contains("'lb-1'"));
    assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("query.trustedProxies:").contains("10.0.0.0/8"));
  }

  @Test
  void noRoleAtAllIsRejected() {
    Map<String, String> env = Map.of(
        "BEACON_NODE_VERTICLES_COLLECTOR_INSTANCES", "0", "BEACON_NODE_VERTICLES_BRIDGE_INSTANCES", "0",
        "BEACON_NODE_VERTICLES_QUERY_INSTANCES", "0", "BEACON_NODE_VERTICLES_RECOMPUTE_INSTANCES", "0");
    assertThatThrownBy(() -> ConfigLoader.load(null, env)).hasMessageContaining("node.verticles");
  }

  @Test
  void misspelledEnvironmentVariableIsAnError() {
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("BEACON_KAFKA_BOOTSTRAPP", "x:1")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("BEACON_KAFKA_BOOTSTRAPP");
  }

  @Test
  void missingAndMalformedFilesAreClear() throws IOException {
    assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("nope.yaml"), Map.of()))
        .hasMessageContaining("file not found");
    Path bad = write("kafka: [unclosed\n");
    assertThatThrownBy(() -> ConfigLoader.load(bad, Map.of())).hasMessageContaining("not valid YAML");
  }

  @Test
  void upperSnakeSpelling() {
    assertThat(ConfigLoader.upperSnake("failureDetectionTimeoutMs")).isEqualTo("FAILURE_DETECTION_TIMEOUT_MS");
    assertThat(ConfigLoader.upperSnake("httpUrl")).isEqualTo("HTTP_URL");
  }

  private Path write(String yaml) throws IOException {
    Path f = Files.createTempFile(dir, "beacon", ".yaml");
    Files.writeString(f, yaml);
    return f;
  }

  @Test
  void fsyncPolicyReadsItsConfigSpellingAndNamesTheKeyWhenWrong() {
    assertThat(ConfigLoader.load(null, Map.of()).collector().spool().fsync()).isEqualTo(FsyncPolicy.ALWAYS);
    assertThat(ConfigLoader.load(null, Map.of("BEACON_COLLECTOR_SPOOL_FSYNC", "interval")).collector().spool().fsync())
        .isEqualTo(FsyncPolicy.INTERVAL);
    ConfigException e = (ConfigException) org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
        () -> ConfigLoader.load(null, Map.of("BEACON_COLLECTOR_SPOOL_FSYNC", "sometimes")));
    assertThat(e.problems()).containsExactly("collector.spool.fsync: must be one of always, interval, never, was 'sometimes'");
  }
}
