package io.beacon.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.beacon.devstack.LocalStack;
import io.beacon.testing.Haproxy;
import io.beacon.testing.NodeProcess;
import io.beacon.testing.Prometheus;
import io.beacon.testing.NodeProcess.Cluster;
import io.beacon.testing.RealStack;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The project's real haproxy.cfg in front of two real Beacon nodes on loopback. */
@ExtendWith(RealStack.class)
class HaproxyTest {
  private static final Path WORK = Path.of("target", "edge");
  private static final Map<String, String> COLLECTOR_AND_QUERY = Map.of(
      "BEACON_NODE_VERTICLES_COLLECTOR_INSTANCES", "1",
      "BEACON_NODE_VERTICLES_BRIDGE_INSTANCES", "0",
      "BEACON_NODE_VERTICLES_QUERY_INSTANCES", "1",
      "BEACON_NODE_VERTICLES_RECOMPUTE_INSTANCES", "0");
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  private static NodeProcess a;
  private static NodeProcess b;
  private static Path cert;
  private static List<Path> configs;

  @BeforeAll
  static void nodes(LocalStack stack) throws Exception {
    Files.createDirectories(WORK);
    cert = selfSignedCertificate();
    Cluster cluster = Cluster.fresh(4, 3_000);
    a = new NodeProcess("lb-a", stack, cluster, COLLECTOR_AND_QUERY).start();
    b = new NodeProcess("lb-b", stack, cluster, COLLECTOR_AND_QUERY).start();
    a.awaitReady(Duration.ofSeconds(150));
    b.awaitReady(Duration.ofSeconds(150));
    // Loopback nodes differ by port, so the test lists them statically; production finds them by DNS.
    Path backends = WORK.resolve("backends-static.cfg");
    Files.writeString(backends, """
        backend collector from beacon_nodes
            server lb-a 127.0.0.1:%d check port %d
            server lb-b 127.0.0.1:%d check port %d
        backend query from beacon_nodes
            server lb-a 127.0.0.1:%d check port %d
            server lb-b 127.0.0.1:%d check port %d
        """.formatted(a.collectorPort, a.managementPort, b.collectorPort, b.managementPort,
        a.queryPort, a.managementPort, b.queryPort, b.managementPort));
    configs = List.of(Haproxy.CONFIG_DIR.resolve("haproxy.cfg"), backends);
  }

  @AfterAll
  static void stopNodes() {
    if (a != null) {
      a.close();
    }
    if (b != null) {
      b.close();
    }
  }

  @Test
  void spreadsRequestsAcrossNodesTerminatesTlsAndHidesManagement() throws Exception {
    try (Haproxy lb = new Haproxy(WORK, cert, configs, Map.of()).start()) {
      awaitUp(lb, "lb-a");
      awaitUp(lb, "lb-b");
      Set<String> ingestNodes = new HashSet<>();
      Set<String> dashboardNodes = new HashSet<>();
      for (int i = 0; i < 10; i++) {
        ingestNodes.add(body(Haproxy.get(lb.ingestPort, "/")));
        HttpResponse<String> home = Haproxy.get(lb.dashboardPort, "/");
        assertThat(home.statusCode()).isEqualTo(302); // to /dashboard/
        dashboardNodes.add(home.headers().firstValue("X-Beacon-Node").orElse("?"));
      }
      assertThat(ingestNodes).containsExactlyInAnyOrder("Beacon collector on lb-a", "Beacon collector on lb-b");
      assertThat(dashboardNodes).containsExactlyInAnyOrder("lb-a", "lb-b");

      for (String path : List.of("/metrics", "/ready", "/health", "/cluster")) {
        assertThat(Haproxy.get(lb.ingestPort, path).statusCode()).as("ingest " + path).isEqualTo(404);
        assertThat(Haproxy.get(lb.dashboardPort, path).statusCode()).as("dashboard " + path).isEqualTo(404);
      }
      // TLS termination with the test's self-signed certificate.
      Process curl = new ProcessBuilder("curl", "-sk", "https://127.0.0.1:" + lb.ingestTlsPort + "/")
          .redirectErrorStream(true).start();
      assertThat(new String(curl.getInputStream().readAllBytes())).startsWith("Beacon collector on lb-");
      assertThat(curl.waitFor()).isZero();
      // HAProxy's own exporter, on the stats port only.
      assertThat(Haproxy.get(lb.statsPort, "/metrics").body()).contains("haproxy_frontend_http_requests_total");
    }
  }

  @Test
  void killingANodeMidStreamFailsNoRequestAndItComesBack() throws Exception {
    try (Haproxy lb = new Haproxy(WORK, cert, configs, Map.of()).start()) {
      awaitUp(lb, "lb-a");
      awaitUp(lb, "lb-b");
      AtomicInteger sent = new AtomicInteger();
      Map<Integer, AtomicInteger> byStatus = new ConcurrentHashMap<>();
      List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
      AtomicBoolean killed = new AtomicBoolean();
      AtomicInteger afterKill = new AtomicInteger();
      ExecutorService clients = Executors.newFixedThreadPool(4);
      List<Future<?>> loops = new ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      for (int t = 0; t < 4; t++) {
        loops.add(clients.submit(() -> {
          // Bounded: stops 400 requests after the kill, or at the deadline.
          while (afterKill.get() < 400 && System.nanoTime() < deadline) {
            try {
              int status = Haproxy.get(lb.ingestPort, "/").statusCode();
              byStatus.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
            } catch (Exception e) {
              errors.add(e.toString());
            }
            if (sent.incrementAndGet() == 200) {
              b.kill();
              killed.set(true);
            }
            if (killed.get()) {
              afterKill.incrementAndGet();
            }
          }
          return null;
        }));
      }
      for (Future<?> f : loops) {
        f.get();
      }
      clients.shutdown();
      assertThat(killed).isTrue();
      assertThat(afterKill.get()).isGreaterThanOrEqualTo(400);
      assertThat(errors).isEmpty();
      assertThat(byStatus.keySet()).as("statuses %s", byStatus).containsOnly(200);

      await("lb-b marked down").atMost(Duration.ofSeconds(10)).until(() -> !lb.serverUp("collector", "lb-b"));
      b.restart().awaitReady(Duration.ofSeconds(150));
      await("lb-b back up").atMost(Duration.ofSeconds(20)).until(() -> lb.serverUp("collector", "lb-b"));
    }
  }

  @Test
  void perClientRateLimitsAnswer429() throws Exception {
    try (Haproxy lb = new Haproxy(WORK, cert, configs,
        Map.of("BEACON_LB_INGEST_RATE", "20", "BEACON_LB_LOGIN_RATE", "3")).start()) {
      awaitUp(lb, "lb-a");
      List<Integer> ingest = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        ingest.add(Haproxy.get(lb.ingestPort, "/").statusCode());
      }
      assertThat(ingest.subList(0, 20)).containsOnly(200);
      assertThat(ingest.subList(20, 30)).containsOnly(429);
      // A client asking for a cleartext HTTP/2 upgrade (Java's default) must not tunnel past the limit.
      HttpClient h2c = HttpClient.newHttpClient();
      assertThat(h2c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + lb.ingestPort + "/")).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(429);

      List<Integer> logins = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        logins.add(HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + lb.dashboardPort + "/api/v1/login"))
            .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.discarding()).statusCode());
      }
      assertThat(logins.subList(0, 3)).doesNotContain(429);
      assertThat(logins.subList(3, 5)).containsOnly(429);
      // The dashboard is not locked by ingest traffic, nor by the login limit for other paths.
      assertThat(Haproxy.get(lb.dashboardPort, "/").statusCode()).isEqualTo(302);
    }
  }

  @Test
  void prometheusScrapesNodesAndHaproxyAndEveryRuleAndPanelHasData() throws Exception {
    String config = """
        global:
          scrape_interval: 1s
          evaluation_interval: 1s
        rule_files:
          - %s/*.yml
        scrape_configs:
          - job_name: beacon
            static_configs:
              - targets: ['127.0.0.1:%d', '127.0.0.1:%d']
          - job_name: haproxy
            static_configs:
              - targets: ['127.0.0.1:%d']
        """;
    try (Haproxy lb = new Haproxy(WORK, cert, configs, Map.of()).start();
         Prometheus prom = new Prometheus(WORK.resolve("prometheus"), config.formatted(
             Prometheus.RULES.toAbsolutePath(), a.managementPort, b.managementPort, lb.statsPort)).start()) {
      awaitUp(lb, "lb-a");
      for (int i = 0; i < 20; i++) {
        Haproxy.get(lb.ingestPort, "/");
      }
      await("both nodes and haproxy scraped").atMost(Duration.ofSeconds(60))
          .until(() -> prom.query("up{job=\"beacon\"} == 1").size() == 2
              && prom.query("up{job=\"haproxy\"} == 1").size() == 1);
      // Every series an alert rule or a dashboard panel reads exists in a Prometheus that scraped the real services.
      for (String metric : Prometheus.metricsInRulesAndDashboards()) {
        await(metric + " scraped").atMost(Duration.ofSeconds(30))
            .until(() -> !prom.query("count(" + metric + ")").isEmpty());
      }
    }
  }

  private static void awaitUp(Haproxy lb, String server) {
    await(server + " up in haproxy").atMost(Duration.ofSeconds(20)).ignoreExceptionsInstanceOf(IOException.class)
        .until(() -> lb.serverUp("collector", server) && lb.serverUp("query", server));
  }

  private static String body(HttpResponse<String> r) {
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body().strip();
  }

  private static Path selfSignedCertificate() throws Exception {
    Path key = WORK.resolve("key.pem");
    Path crt = WORK.resolve("crt.pem");
    Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", "/CN=localhost", "-keyout", key.toString(), "-out", crt.toString())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(out).isZero();
    Path pem = WORK.resolve("beacon.pem");
    Files.writeString(pem, Files.readString(crt) + Files.readString(key));
    return pem.toAbsolutePath();
  }
}
