package io.beacon.infra.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.beacon.devstack.LocalStack;
import io.beacon.testing.NodeProcess;
import io.beacon.testing.NodeProcess.Cluster;
import io.beacon.testing.RealStack;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Real Beacon nodes as separate processes, clustered through Ignite, against the real stack. */
@ExtendWith(RealStack.class)
class ClusterTest {
  private static final Duration START = Duration.ofSeconds(150);
  private static final Map<String, String> COLLECTOR_X4_ONLY = Map.of(
      "BEACON_NODE_VERTICLES_COLLECTOR_INSTANCES", "4",
      "BEACON_NODE_VERTICLES_BRIDGE_INSTANCES", "0",
      "BEACON_NODE_VERTICLES_QUERY_INSTANCES", "0",
      "BEACON_NODE_VERTICLES_RECOMPUTE_INSTANCES", "0");
  private static final Map<String, String> QUERY_ONLY = Map.of(
      "BEACON_NODE_VERTICLES_COLLECTOR_INSTANCES", "0",
      "BEACON_NODE_VERTICLES_BRIDGE_INSTANCES", "0",
      "BEACON_NODE_VERTICLES_QUERY_INSTANCES", "1",
      "BEACON_NODE_VERTICLES_RECOMPUTE_INSTANCES", "0");

  private static LocalStack stack;

  @BeforeAll
  static void stack(LocalStack s) {
    stack = s;
  }

  @Test
  void nodesShareOneEventBusScaleByConfigAndSurviveAKill() throws Exception {
    Cluster cluster = Cluster.fresh(4, 3_000);
    try (NodeProcess a = new NodeProcess("node-a", stack, cluster, COLLECTOR_X4_ONLY).start();
         NodeProcess b = new NodeProcess("node-b", stack, cluster, QUERY_ONLY).start()) {
      a.awaitReady(START);
      b.awaitReady(START);
      await("both nodes in one cluster").atMost(Duration.ofSeconds(30)).ignoreExceptionsInstanceOf(IOException.class)
          .until(() -> cluster(a).getJsonArray("members").size() == 2);

      // A request sent on node A is answered by the query verticle that only node B runs.
      JsonObject roles = cluster(a).getJsonObject("roles");
      assertThat(roles.getJsonObject("query").getString("node")).isEqualTo("node-b");
      assertThat(roles.getJsonObject("collector").getString("node")).isEqualTo("node-a");
      assertThat(roles.getValue("bridge")).isNull();
      assertThat(roles.getValue("recompute")).isNull();

      // Scaling by config: four collector instances on A, and nothing else deployed there.
      String metrics = a.get("/metrics").body();
      assertThat(metrics).containsPattern("beacon_verticle_instances\\{node=\"node-a\",role=\"collector\"} 4\\.0");
      assertThat(metrics).doesNotContainPattern("beacon_verticle_instances\\{[^}]*role=\"(query|bridge|recompute)\"");
      assertThat(a.log()).contains("Deployed role collector x4 on node node-a");
      assertThat(metrics).contains("beacon_cluster_members{node=\"node-a\"} 2.0");
      // Readiness is exported for alerting: the collector node depends on Kafka and Cassandra only.
      await("readiness gauges").atMost(Duration.ofSeconds(15)).ignoreExceptionsInstanceOf(IOException.class)
          .untilAsserted(() -> assertThat(a.get("/metrics").body())
              .contains("beacon_node_ready{node=\"node-a\"} 1.0")
              .contains("beacon_dependency_up{dependency=\"kafka\",node=\"node-a\"} 1.0")
              .contains("beacon_dependency_up{dependency=\"cassandra\",node=\"node-a\"} 1.0")
              .doesNotContain("dependency=\"questdb\""));
      assertThat(a.getFrom(a.collectorPort, "/").body()).contains("Beacon collector on node-a");
      assertThat(b.getFrom(b.queryPort, "/").body()).contains("Beacon dashboard on node-b");

      // kill -9 of B: A notices, keeps serving, and no longer finds a query role.
      b.kill();
      await("node-a sees node-b gone").atMost(Duration.ofSeconds(30)).ignoreExceptionsInstanceOf(IOException.class)
          .until(() -> cluster(a).getJsonArray("members").size() == 1);
      assertThat(cluster(a).getValue("roles") instanceof JsonObject r && r.getValue("query") == null).isTrue();
      assertThat(a.get("/health").statusCode()).isEqualTo(200);
      assertThat(a.get("/ready").statusCode()).isEqualTo(200);
      assertThat(a.getFrom(a.collectorPort, "/").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void aNodeCutOffFromTheClusterLeavesInsteadOfServingAlone() throws Exception {
    Cluster cluster = Cluster.fresh(4, 3_000);
    try (NodeProcess a = new NodeProcess("seg-a", stack, cluster, COLLECTOR_X4_ONLY).start();
         NodeProcess b = new NodeProcess("seg-b", stack, cluster, QUERY_ONLY).start()) {
      a.awaitReady(START);
      b.awaitReady(START);
      await().atMost(Duration.ofSeconds(30)).ignoreExceptionsInstanceOf(IOException.class).until(() -> cluster(a).getJsonArray("members").size() == 2);

      // Freeze B past the failure-detection timeout: the cluster (A) drops it.
      signal(b, "STOP");
      try {
        await("seg-a drops the frozen seg-b").atMost(Duration.ofSeconds(60)).ignoreExceptionsInstanceOf(IOException.class)
            .until(() -> cluster(a).getJsonArray("members").size() == 1);
      } finally {
        signal(b, "CONT");
      }
      // B wakes up segmented: it must leave (exit 75 for its supervisor) rather than serve alone.
      await("seg-b leaves").atMost(Duration.ofSeconds(60)).until(() -> !b.process().isAlive());
      assertThat(b.process().exitValue()).as(b.logTail()).isEqualTo(75);
      assertThat(a.get("/ready").statusCode()).isEqualTo(200);
    }
  }

  private static JsonObject cluster(NodeProcess n) throws Exception {
    return new JsonObject(n.get("/cluster").body());
  }

  private static void signal(NodeProcess n, String sig) throws Exception {
    new ProcessBuilder("kill", "-" + sig, Long.toString(n.process().pid())).inheritIO().start().waitFor();
  }
}
