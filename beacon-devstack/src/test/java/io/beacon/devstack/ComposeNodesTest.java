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
  private static final Path COMPOSE = Path.of("docker-compose.yml");

  @Test
  void composeNodesAreTheRehearsalsNodes() {
    List<ComposeNodes.Node> nodes = ComposeNodes.read(COMPOSE);
    assertThat(nodes).extracting(ComposeNodes.Node::service).containsExactly("beacon-1", "beacon-2", "beacon-3");
    assertThat(nodes).filteredOn(ComposeNodes.Node::ingest).extracting(ComposeNodes.Node::roleList)
        .containsExactly("collector+bridge", "collector+bridge");
    assertThat(nodes).filteredOn(ComposeNodes.Node::serves).extracting(ComposeNodes.Node::roleList)
        .containsExactly("collector+query+recompute");
    for (ComposeNodes.Node node : nodes) {
      assertThat(node.configFile()).exists();
      assertThat(node.restarts()).as("compose restarts %s; so does the rehearsal while it starts", node.service()).isTrue();
      assertThat(node.env()).containsEntry("BEACON_KAFKA_REPLICATION_FACTOR", "3")
          .containsEntry("BEACON_CASSANDRA_REPLICATION_FACTOR", "3")
          .containsEntry("BEACON_NODE_NAME", node.service());
    }
  }

  @Test
  void rehearsalEnvironmentHasExactlyComposesKeysPlusOneHostPorts(@TempDir Path run) {
    QuestDbServer questdb = new QuestDbServer(Path.of("."), run, Rehearsal.QUESTDB_HTTP_PORT, Rehearsal.QUESTDB_PG_PORT);
    List<ComposeNodes.Node> nodes = ComposeNodes.read(COMPOSE);
    Set<Integer> collectorPorts = new HashSet<>();
    for (int i = 0; i < nodes.size(); i++) {
      ComposeNodes.Node node = nodes.get(i);
      Map<String, String> env = Rehearsal.nodeEnv(node, i, nodes.size(), run, "127.0.0.1:19092", "127.0.0.1:19042",
          questdb, "pw");
      Set<String> composeKeys = new HashSet<>(node.env().keySet());
      composeKeys.remove("BEACON_OPTS"); // the node's heap flags, not its environment
      Set<String> expected = new HashSet<>(composeKeys);
      expected.addAll(ComposeNodes.REHEARSAL_ONLY);
      assertThat(env.keySet()).containsExactlyInAnyOrderElementsOf(expected);
      ComposeNodes.KEPT.forEach(k -> assertThat(env).containsEntry(k, node.env().get(k)));
      // No container host name survives: everything runs on the loopback.
      assertThat(env.values()).noneMatch(v -> v.matches(".*(kafka-\\d|cassandra-\\d|questdb:|beacon-\\d:|0\\.0\\.0\\.0).*"));
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
}
