package io.beacon.infra.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.beacon.cli.ClusterCerts;
import io.beacon.devstack.LocalStack;
import io.beacon.testing.FreePorts;
import io.beacon.testing.NodeProcess;
import io.beacon.testing.NodeProcess.Cluster;
import io.beacon.testing.RealStack;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
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

  @Test
  void withTlsOnlyNodesCertifiedByTheClustersCaJoinOrSendABusMessage() throws Exception {
    Path certs = Path.of("target", "cluster-certs", UUID.randomUUID().toString());
    ClusterCerts.create(certs, List.of("tls-a", "tls-b"), 30);
    Path otherCa = Path.of("target", "cluster-certs", UUID.randomUUID().toString());
    ClusterCerts.create(otherCa, List.of("tls-rogue"), 30);
    Cluster cluster = Cluster.fresh(4, 3_000);
    int busPort = FreePorts.one();
    Map<String, String> aEnv = new HashMap<>(tls(certs, "tls-a", COLLECTOR_X4_ONLY));
    aEnv.put("BEACON_CLUSTER_EVENT_BUS_PORT", Integer.toString(busPort));
    try (NodeProcess a = new NodeProcess("tls-a", stack, cluster, aEnv).start();
         NodeProcess b = new NodeProcess("tls-b", stack, cluster, tls(certs, "tls-b", QUERY_ONLY)).start()) {
      a.awaitReady(START);
      b.awaitReady(START);
      await("both nodes in one cluster").atMost(Duration.ofSeconds(30)).ignoreExceptionsInstanceOf(IOException.class)
          .until(() -> cluster(a).getJsonArray("members").size() == 2);
      // Over the TLS event bus: a request on A answered by B's query verticle.
      assertThat(a.getFrom(a.collectorPort, "/").statusCode()).isEqualTo(200);

      // A process whose certificate another CA signed: its handshake is refused before a byte of a message is
      // read, and so is a connection without TLS.
      assertThat(refused(busPort, otherCa.resolve("tls-rogue.p12"), otherCa.resolve("tls-rogue.password")))
          .as("event bus, foreign certificate").isTrue();
      assertThat(refused(busPort, null, null)).as("event bus, no certificate").isTrue();

      // A node with that certificate cannot join: the members' handshake refuses it and it stops (exit 1).
      try (NodeProcess rogue = new NodeProcess("tls-rogue", stack, cluster,
          tls(otherCa, "tls-rogue", QUERY_ONLY)).start()) {
        await("the foreign node gives up").atMost(START).until(() -> !rogue.process().isAlive());
        assertThat(rogue.process().exitValue()).isNotZero();
        assertThat(rogue.log()).contains("SSLHandshakeException");
        assertThat(cluster(a).getJsonArray("members")).hasSize(2);
      }
    }
  }

  /** A node's TLS settings from {@code beacon cluster-certs}' files, as an operator passes them. */
  private static Map<String, String> tls(Path dir, String node, Map<String, String> roles) throws IOException {
    Map<String, String> env = new HashMap<>(roles);
    env.put("BEACON_CLUSTER_TLS_ENABLED", "true");
    env.put("BEACON_CLUSTER_TLS_KEY_STORE", dir.resolve(node + ".p12").toAbsolutePath().toString());
    env.put("BEACON_CLUSTER_TLS_KEY_STORE_PASSWORD", Files.readString(dir.resolve(node + ".password")).strip());
    env.put("BEACON_CLUSTER_TLS_TRUST_STORE", dir.resolve("truststore.p12").toAbsolutePath().toString());
    env.put("BEACON_CLUSTER_TLS_TRUST_STORE_PASSWORD", Files.readString(dir.resolve("truststore.password")).strip());
    return env;
  }

  /**
   * Whether the event bus port refuses a client: with the key store given, a TLS client presenting its
   * certificate (and trusting any server, as an attacker would); without, plain TCP bytes. Refused: the
   * handshake fails, or the connection is closed without an answer.
   */
  private static boolean refused(int port, Path keyStore, Path password) throws Exception {
    byte[] frame = "not a cluster member\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    if (keyStore == null) {
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
        s.setSoTimeout(10_000);
        s.getOutputStream().write(frame);
        s.getOutputStream().flush();
        return s.getInputStream().read() == -1;
      } catch (java.net.SocketException e) {
        return true;
      }
    }
    char[] pass = Files.readString(password).strip().toCharArray();
    java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
    try (var in = Files.newInputStream(keyStore)) {
      ks.load(in, pass);
    }
    javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(
        javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, pass);
    javax.net.ssl.TrustManager trustAll = new javax.net.ssl.X509TrustManager() {
      @Override
      public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {
      }

      @Override
      public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {
      }

      @Override
      public java.security.cert.X509Certificate[] getAcceptedIssuers() {
        return new java.security.cert.X509Certificate[0];
      }
    };
    javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), new javax.net.ssl.TrustManager[] {trustAll}, null);
    try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      s.startHandshake();
      // TLS 1.3: the server's verdict on the client certificate arrives after the client's handshake ends.
      s.getOutputStream().write(frame);
      s.getOutputStream().flush();
      return s.getInputStream().read() == -1;
    } catch (javax.net.ssl.SSLException | java.net.SocketException e) {
      return true;
    }
  }

  private static JsonObject cluster(NodeProcess n) throws Exception {
    return new JsonObject(n.get("/cluster").body());
  }

  private static void signal(NodeProcess n, String sig) throws Exception {
    new ProcessBuilder("kill", "-" + sig, Long.toString(n.process().pid())).inheritIO().start().waitFor();
  }
}
