package io.beacon.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.datastax.oss.driver.api.core.CqlSession;
import com.sun.net.httpserver.HttpServer;
import io.beacon.collector.TestMmdb;
import io.beacon.devstack.LocalStack;
import io.beacon.testing.Curl;
import io.beacon.testing.Haproxy;
import io.beacon.testing.NodeProcess;
import io.beacon.testing.NodeProcess.Cluster;
import io.beacon.testing.RealStack;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The layer-4 variant of the ingest path (haproxy/haproxy-l4.cfg): a real HAProxy in TCP mode, sending PROXY
 * protocol v2 headers on traffic and health checks, in front of a real node whose collector port has
 * {@code collector.proxyProtocol} on, and of a plain HTTP server that does not take the header.
 */
@ExtendWith(RealStack.class)
class HaproxyL4Test {
  private static final Path WORK = Path.of("target", "edge-l4");
  private static final String RUN = UUID.randomUUID().toString().substring(0, 6).toUpperCase();
  private static final String PROPERTY = "B-L4" + RUN;
  private static final Path GEO = WORK.resolve("l4-geo.mmdb").toAbsolutePath();
  /** The test's client, as the balancer sees it: its geo is London, the balancer's own 127.0.0.1 is "XX". */
  private static final String CLIENT_SOURCE = "127.0.5.2";

  private static LocalStack stack;
  private static NodeProcess node;

  @BeforeAll
  static void startNode(LocalStack s) throws Exception {
    stack = s;
    Files.createDirectories(WORK);
    new TestMmdb().city("127.0.5.0/24", "GB", "England", "London")
        .city("127.0.0.0/24", "XX", "Loopback", "Balancer").write(GEO);
    Map<String, String> env = new HashMap<>(Map.of(
        "BEACON_NODE_VERTICLES_COLLECTOR_INSTANCES", "1",
        "BEACON_NODE_VERTICLES_BRIDGE_INSTANCES", "0",
        "BEACON_NODE_VERTICLES_QUERY_INSTANCES", "0",
        "BEACON_NODE_VERTICLES_RECOMPUTE_INSTANCES", "0",
        "BEACON_COLLECTOR_PROPERTY_REFRESH_MS", "500",
        "BEACON_COLLECTOR_GEO_DATABASE", GEO.toString(),
        "BEACON_COLLECTOR_PROXY_PROTOCOL", "true"));
    node = new NodeProcess("l4", stack, Cluster.fresh(2, 3_000), env).start().awaitReady(Duration.ofSeconds(150));
    String[] hostPort = stack.cassandraContactPoint().split(":");
    try (CqlSession cql = CqlSession.builder().withLocalDatacenter("datacenter1").withKeyspace("beacon")
        .addContactPoint(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1]))).build()) {
      cql.execute("INSERT INTO properties (property_id, name, time_zone, allowed_hostnames) VALUES (?, ?, ?, ?)",
          PROPERTY, "L4 test", "UTC", Set.of());
    }
  }

  @AfterAll
  static void stopNode() {
    if (node != null) {
      node.close();
    }
  }

  /**
   * The variant passes real traffic: tracker hits through the TCP balancer are answered 204, land in Kafka, and
   * carry the address of the PROXY header (the client's), not the balancer's. Its health checks send the header
   * too, so the server that does not take it is DOWN (its readiness on the management port alone would say UP),
   * and the node's collector refuses a connection that comes without one.
   */
  @Test
  void theLayer4VariantPassesRealTrafficWithTheClientsAddress() throws Exception {
    HttpServer plain = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    plain.createContext("/", x -> {
      byte[] ok = "plain HTTP, no PROXY protocol\n".getBytes(StandardCharsets.UTF_8);
      x.sendResponseHeaders(200, ok.length);
      x.getResponseBody().write(ok);
      x.close();
    });
    plain.start();
    Path backends = WORK.resolve("backends-l4-static.cfg");
    Files.writeString(backends, """
        backend collector_l4 from beacon_collector_l4
            server l4 127.0.0.1:%d check
            server plain 127.0.0.1:%d check
        """.formatted(node.collectorPort, plain.getAddress().getPort()));
    List<Path> configs = List.of(Haproxy.CONFIG_DIR.resolve("haproxy-l4.cfg"), backends);
    try (Haproxy lb = new Haproxy(WORK, WORK.resolve("no-tls-at-layer-4.pem"), configs,
        Map.of("BEACON_MANAGEMENT_PORT", Integer.toString(node.managementPort))).start();
         HaproxyTest.HitsTail kafka = new HaproxyTest.HitsTail(stack.kafkaBootstrap())) {
      await("the server without the PROXY protocol marked DOWN").atMost(Duration.ofSeconds(20))
          .ignoreExceptionsInstanceOf(IOException.class).until(() -> !lb.serverUp("collector_l4", "plain"));
      // The node (which takes the header) stays UP over several check rounds.
      await("the node behind the L4 balancer stays UP").during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
          .until(() -> lb.serverUp("collector_l4", "l4"));
      assertThat(lb.serverUp("collector_l4", "plain")).isFalse();

      // Straight to the node, without the header: the connection is closed.
      HttpClient direct = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      assertThatThrownBy(() -> direct.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.collectorPort + "/"))
          .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString()))
          .isInstanceOf(IOException.class);

      String client = "l4-" + RUN;
      // The property reaches the collector's cache within its refresh interval (0.5 s).
      await("the property known to the collector").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
          .until(() -> hit(lb, client, client + "-warm") == 204);
      int hits = 20;
      for (int i = 0; i < hits; i++) {
        assertThat(hit(lb, client, client + "-" + i)).as("hit %d through the L4 balancer", i).isEqualTo(204);
      }
      Map<String, String> countries = new HashMap<>();
      await("every hit in Kafka").atMost(Duration.ofSeconds(30)).until(() -> {
        kafka.poll(h -> client.equals(h.clientId()) && !h.requestId().endsWith("-warm"),
            h -> countries.put(h.requestId(), h.country()));
        return countries.size() == hits;
      });
      // The address in the PROXY header (127.0.5.2: London), not the balancer's connection (127.0.0.1: XX).
      assertThat(countries.values()).containsOnly("GB");
    } finally {
      plain.stop(0);
    }
  }

  /** A GA4 web page view through the L4 ingest frontend, from {@link #CLIENT_SOURCE}: its status. */
  private static int hit(Haproxy lb, String client, String requestId) throws IOException, InterruptedException {
    String query = "v=2&tid=" + PROPERTY + "&cid=" + client + "&en=page_view&_rid=" + requestId
        + "&dl=https%3A%2F%2Fl4.example%2Fpage";
    return Curl.request(CLIENT_SOURCE, "POST", "http://127.0.0.1:" + lb.ingestPort + "/g/collect?" + query, "",
        "Content-Type: text/plain;charset=UTF-8").status();
  }
}
