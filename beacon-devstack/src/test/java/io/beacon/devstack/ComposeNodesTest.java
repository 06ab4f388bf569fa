package io.beacon.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rehearsal's nodes come from docker-compose.yml, and the two must not drift apart (no servers started). */
class ComposeNodesTest {
  /** One run's generated secrets for the tests that read them: the cluster's certificates take keytool seconds. */
  @TempDir
  static Path generatedRun;
  private static StoreAuth generatedAuth;

  private static synchronized StoreAuth generated() throws Exception {
    if (generatedAuth == null) {
      generatedAuth = StoreAuth.generate(StoreAuth.read(COMPOSE, ComposeNodes.read(COMPOSE)), generatedRun);
    }
    return generatedAuth;
  }

  private static final Path COMPOSE = Path.of("docker-compose.yml");

  /**
   * A service starts once what it needs serves, not merely once its container started: every dependency names its
   * condition, and one waiting for a healthy service waits for a service that has a health check.
   */
  @Test
  @SuppressWarnings("unchecked")
  void everyDependencyWaitsForItsConditionAndHealthyMeansAHealthCheck() {
    Map<String, Map<String, Object>> services =
        (Map<String, Map<String, Object>>) ComposeNodes.load(COMPOSE).get("services");
    Set<String> conditions = Set.of("service_healthy", "service_completed_successfully", "service_started");
    for (var service : services.entrySet()) {
      Object dependsOn = service.getValue().get("depends_on");
      if (dependsOn == null) {
        continue;
      }
      assertThat(dependsOn).as("%s: depends_on names each dependency's condition", service.getKey())
          .isInstanceOf(Map.class);
      for (var dep : ((Map<String, Map<String, Object>>) dependsOn).entrySet()) {
        Object condition = dep.getValue().get("condition");
        assertThat(conditions).as("%s -> %s", service.getKey(), dep.getKey()).contains(String.valueOf(condition));
        if ("service_healthy".equals(condition)) {
          assertThat(services.get(dep.getKey())).as("%s waits for %s to be healthy", service.getKey(), dep.getKey())
              .containsKey("healthcheck");
        }
      }
    }
  }

  @Test
  void composeNodesAreTheRehearsalsNodes() {
    List<ComposeNodes.Node> nodes = ComposeNodes.read(COMPOSE);
    assertThat(nodes).extracting(ComposeNodes.Node::service).containsExactly("beacon-1", "beacon-2", "beacon-3",
        "beacon-4");
    assertThat(nodes).filteredOn(ComposeNodes.Node::ingest).extracting(ComposeNodes.Node::roleList)
        .containsExactly("collector+bridge", "collector+bridge");
    // Two serve nodes: the dashboard and the reports survive one of them (issue 18, item 5).
    assertThat(nodes).filteredOn(ComposeNodes.Node::serves).extracting(ComposeNodes.Node::roleList)
        .containsExactly("collector+query+recompute", "collector+query+recompute");
    for (ComposeNodes.Node node : nodes) {
      assertThat(node.configFile()).exists();
      assertThat(node.restarts()).as("compose restarts %s; so does the rehearsal while it starts", node.service()).isTrue();
      assertThat(node.env()).containsEntry("BEACON_KAFKA_REPLICATION_FACTOR", "3")
          .containsEntry("BEACON_CASSANDRA_REPLICATION_FACTOR", "3")
          .containsEntry("BEACON_NODE_NAME", node.service());
    }
  }

  @Test
  void rehearsalEnvironmentHasExactlyComposesKeysPlusOneHostPorts() throws Exception {
    Path run = generatedRun;
    QuestDbServer questdb = new QuestDbServer(Path.of("."), run, Rehearsal.QUESTDB_HTTP_PORT, Rehearsal.QUESTDB_PG_PORT);
    List<ComposeNodes.Node> nodes = ComposeNodes.read(COMPOSE);
    StoreAuth auth = generated();
    Set<Integer> collectorPorts = new HashSet<>();
    for (int i = 0; i < nodes.size(); i++) {
      ComposeNodes.Node node = nodes.get(i);
      Map<String, String> env = Rehearsal.nodeEnv(node, i, nodes.size(), run, "127.0.0.1:19092", "127.0.0.1:19042",
          questdb, "pw", auth::localize);
      Set<String> composeKeys = new HashSet<>(node.env().keySet());
      composeKeys.remove("BEACON_OPTS"); // the node's heap flags, not its environment
      Set<String> expected = new HashSet<>(composeKeys);
      expected.addAll(ComposeNodes.REHEARSAL_ONLY);
      assertThat(env.keySet()).containsExactlyInAnyOrderElementsOf(expected);
      ComposeNodes.KEPT.forEach(k -> assertThat(env).containsEntry(k, node.env().get(k)));
      // No container host name survives: everything runs on the loopback.
      assertThat(env.values()).noneMatch(v -> v.matches(".*(kafka-\\d|cassandra-\\d|questdb:|beacon-\\d:|0\\.0\\.0\\.0).*"));
      // Secrets: compose's /run/secrets/<name> is the run's generated file of that name, owner-only.
      for (String k : List.of("BEACON_KAFKA_SASL_PASSWORD_FILE", "BEACON_CASSANDRA_PASSWORD_FILE",
          "BEACON_QUESTDB_PASSWORD_FILE")) {
        Path file = Path.of(env.get(k));
        assertThat(file).as(k).isRegularFile().hasParent(run.resolve("secrets"))
            .hasFileName(node.env().get(k).substring("/run/secrets/".length()));
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
            .isEqualTo("rw-------");
        assertThat(Files.readString(file).strip()).hasSizeGreaterThanOrEqualTo(32);
      }
      assertThat(env.values()).noneMatch(v -> v.contains("/run/secrets/"));
      // Mutual TLS between the nodes, as compose runs it: each node its own key store, signed by the run's CA.
      assertThat(env).containsEntry("BEACON_CLUSTER_TLS_ENABLED", "true");
      Path keyStore = Path.of(env.get("BEACON_CLUSTER_TLS_KEY_STORE"));
      assertThat(keyStore).hasParent(run.resolve("secrets")).hasFileName("cluster_keystore_" + node.service().replace('-', '_'));
      java.security.KeyStore ks = java.security.KeyStore.getInstance(keyStore.toFile(),
          Files.readString(Path.of(env.get("BEACON_CLUSTER_TLS_KEY_STORE_PASSWORD_FILE"))).strip().toCharArray());
      java.security.cert.X509Certificate cert =
          (java.security.cert.X509Certificate) ks.getCertificate(ks.aliases().nextElement());
      assertThat(cert.getSubjectX500Principal().getName()).contains("CN=" + node.service());
      java.security.KeyStore trust = java.security.KeyStore.getInstance(
          Path.of(env.get("BEACON_CLUSTER_TLS_TRUST_STORE")).toFile(),
          Files.readString(Path.of(env.get("BEACON_CLUSTER_TLS_TRUST_STORE_PASSWORD_FILE"))).strip().toCharArray());
      cert.verify(trust.getCertificate(trust.aliases().nextElement()).getPublicKey());
      collectorPorts.add(Integer.parseInt(env.get("BEACON_HTTP_COLLECTOR_PORT")));
    }
    assertThat(collectorPorts).hasSize(nodes.size());
  }

  @Test
  void aKeyAddedToOrRemovedFromComposeFailsLoudly() {
    Set<String> keys = new HashSet<>(ComposeNodes.KEPT);
    keys.addAll(ComposeNodes.LOCALIZED);
    assertThat(ComposeNodes.keyProblems("beacon-1", keys)).isEmpty();

    Set<String> added = new HashSet<>(keys);
    added.add("BEACON_COLLECTOR_SOMETHING_NEW");
    assertThat(ComposeNodes.keyProblems("beacon-1", added)).singleElement().asString()
        .contains("BEACON_COLLECTOR_SOMETHING_NEW", "unknown to the rehearsal");

    Set<String> removed = new HashSet<>(keys);
    removed.remove("BEACON_CLUSTER_MIN_MEMBERS");
    assertThat(ComposeNodes.keyProblems("beacon-1", removed)).singleElement().asString()
        .contains("no longer sets BEACON_CLUSTER_MIN_MEMBERS");

    Set<String> port = new HashSet<>(keys);
    port.add("BEACON_HTTP_COLLECTOR_PORT");
    assertThat(ComposeNodes.keyProblems("beacon-1", port)).singleElement().asString()
        .contains("BEACON_HTTP_COLLECTOR_PORT", "overrides for one host");
  }

  @Test
  void aComposeFileThatDriftedIsRefusedWithEveryDifference(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("deploy"));
    Files.writeString(dir.resolve("deploy/node.yaml"), "node:\n  verticles:\n    collector: { instances: 1 }\n");
    Files.writeString(dir.resolve("docker-compose.yml"), String.join("\n",
        "services:",
        "  beacon-1:",
        "    environment:",
        "      BEACON_KAFKA_BOOTSTRAP: kafka-1:9092",
        "      BEACON_NEW_SETTING: x",
        "    volumes: ['./deploy/node.yaml:/etc/beacon/node.yaml:ro']",
        ""));
    assertThatThrownBy(() -> ComposeNodes.read(dir.resolve("docker-compose.yml")))
        .isInstanceOf(LocalStackException.class)
        .hasMessageContaining("BEACON_NEW_SETTING")
        .hasMessageContaining("no longer sets BEACON_CASSANDRA_CONTACT_POINTS");
  }

  /** Compose's store authentication is what the rehearsal runs (StoreAuth): users, secrets, settings, ACL users. */
  @Test
  void composeStoreAuthenticationIsTheRehearsals() throws Exception {
    Path run = generatedRun;
    List<ComposeNodes.Node> nodes = ComposeNodes.read(COMPOSE);
    StoreAuth.Compose compose = StoreAuth.read(COMPOSE, nodes);
    assertThat(compose.scramUsers()).containsKeys("broker", "admin", "beacon-ingest", "beacon-serve", "beacon-spark");
    assertThat(nodes).extracting(n -> n.env().get("BEACON_KAFKA_SASL_USERNAME"))
        .containsExactly("beacon-ingest", "beacon-ingest", "beacon-serve", "beacon-serve");
    assertThat(nodes).allSatisfy(n -> assertThat(n.env()).containsEntry("BEACON_CASSANDRA_USERNAME", "beacon_node"));
    StoreAuth auth = generated();
    // Alertmanager sends its password file's bytes as they are: no newline after the relay's password.
    assertThat(Files.readString(run.resolve("secrets/alertmanager_smtp_password"))).doesNotEndWith("\n")
        .isEqualTo(auth.secret("alertmanager_smtp_password"));
    // The job's credential options point at the run's secret files, never at a container path or a secret's value.
    assertThat(auth.sparkJobOptions()).containsExactlyInAnyOrder(
        "--kafka-sasl-username=beacon-spark",
        "--kafka-sasl-password-file=" + run.resolve("secrets/kafka_spark_password"),
        "--cassandra-username=beacon_spark",
        "--cassandra-password-file=" + run.resolve("secrets/cassandra_spark_password"),
        "--spark-auth-secret-file=" + run.resolve("secrets/spark_auth_secret"));
    // The CQL the rehearsal runs has every secret filled in, and the roles file replaces the default superuser.
    List<String> roles = auth.statements(Path.of(StoreAuth.CASSANDRA_ROLES));
    assertThat(String.join("\n", roles)).doesNotContain("${").contains("DROP ROLE IF EXISTS cassandra")
        .contains(auth.secret("cassandra_node_password"));
    assertThat(String.join("\n", auth.statements(Path.of(StoreAuth.CASSANDRA_SETUP))))
        .contains("'datacenter1': 3").contains(auth.secret("cassandra_admin_password"));
  }

  @Test
  void composeStoreAuthenticationThatDriftedIsRefusedWithEveryDifference() throws Exception {
    String text = Files.readString(COMPOSE);
    Path dir = Files.createTempDirectory("compose-auth");
    Files.createDirectories(dir.resolve("deploy/kafka"));
    Files.copy(Path.of(StoreAuth.ACLS), dir.resolve(StoreAuth.ACLS));
    Path drifted = dir.resolve("docker-compose.yml");
    Files.writeString(drifted, text
        .replace("KAFKA_SUPER_USERS: User:broker;User:controller;User:admin", "KAFKA_SUPER_USERS: User:broker")
        .replace("BEACON_KAFKA_SASL_USERNAME: beacon-serve", "BEACON_KAFKA_SASL_USERNAME: beacon-nobody")
        .replace("BEACON_CASSANDRA_AUTHORIZER: CassandraAuthorizer", "BEACON_CASSANDRA_AUTHORIZER: AllowAllAuthorizer")
        .replace("secrets: [spark_auth_secret, kafka_spark_password, cassandra_spark_password]",
            "secrets: [spark_auth_secret, kafka_spark_password]"));
    List<ComposeNodes.Node> nodes = ComposeNodes.read(COMPOSE);
    List<ComposeNodes.Node> driftedNodes = nodes.stream().map(n -> n.service().equals("beacon-3")
        ? new ComposeNodes.Node(n.service(), withEntry(n.env(), "BEACON_KAFKA_SASL_USERNAME", "beacon-nobody"),
            n.configFile(), n.roles(), n.restart()) : n).toList();
    assertThatThrownBy(() -> StoreAuth.read(drifted, driftedNodes))
        .isInstanceOf(LocalStackException.class)
        .hasMessageContaining("KAFKA_SUPER_USERS is 'User:broker'")
        .hasMessageContaining("beacon-3: BEACON_KAFKA_SASL_USERNAME 'beacon-nobody' is not a SCRAM user")
        .hasMessageContaining("cassandra-1: BEACON_CASSANDRA_AUTHORIZER is 'AllowAllAuthorizer'")
        .hasMessageContaining("spark-job: BEACON_SPARK_CASSANDRA_PASSWORD_FILE names /run/secrets/cassandra_spark_password, "
            + "but the service does not mount the secret cassandra_spark_password");
  }

  private static Map<String, String> withEntry(Map<String, String> env, String key, String value) {
    Map<String, String> copy = new java.util.LinkedHashMap<>(env);
    copy.put(key, value);
    return copy;
  }
}
