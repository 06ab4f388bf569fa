package io.beacon.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.datastax.oss.driver.api.core.CqlSession;
import io.beacon.collector.TestMmdb;
import io.beacon.devstack.LocalStack;
import io.beacon.model.Hit;
import io.beacon.store.topic.HitCodec;
import io.beacon.store.topic.Topics;
import io.beacon.testing.Curl;
import io.beacon.testing.DelayingProxy;
import io.beacon.testing.FreePorts;
import io.beacon.testing.Haproxy;
import io.beacon.testing.NodeProcess;
import io.beacon.testing.Prometheus;
import io.beacon.testing.NodeProcess.Cluster;
import io.beacon.testing.RealStack;
import io.beacon.testing.SparkJobProcess;
import io.beacon.testing.TestConfigs;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.CookieManager;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The project's real haproxy.cfg in front of two real Beacon nodes on loopback: lb-a runs the collector,
 * bridge, query and recompute roles (an ingest node plus the API and ad-hoc reports), lb-b the collector and
 * query roles. Both are configured as in docker-compose.yml: the balancer's address (127.0.0.1) is a trusted
 * proxy of both public ports, and session cookies are Secure (the dashboard is reached over TLS). Test clients
 * that must look like different people to the balancer connect from other loopback addresses (127.0.0.2...,
 * {@link Curl}).
 */
@ExtendWith(RealStack.class)
class HaproxyTest {
  private static final Path WORK = Path.of("target", "edge");
  private static final String RUN = UUID.randomUUID().toString().substring(0, 6).toUpperCase();
  /** The property the tests send hits for (any hostname allowed). */
  private static final String PROPERTY = "B-EDGE" + RUN;
  /** A property whose raw hits QuestDB serves slowly to lb-a (the recompute node): see {@link #questdbSlowForOne}. */
  private static final String SLOW_PROPERTY = "B-SLOW" + RUN;
  /** How long each of lb-a's QuestDB queries for {@link #SLOW_PROPERTY} is held back; a report runs two or more. */
  private static final long SLOW_QUERY_MS = 6_000;
  private static final String ADMIN = "edge-admin@example.com";
  private static final String ADMIN_PASSWORD = "edge test password";
  /** The Spark job's own keyspace, so its aggregates never mix with other tests'. */
  private static final String SPARK_KEYSPACE = "beacon_edge_spark";
  /** Geo by client address: the loopback block test clients use as "the internet", and the balancer's own. */
  private static final Path GEO = WORK.resolve("edge-geo.mmdb").toAbsolutePath();
  private static final String CLIENT_SOURCE = "127.0.5.2";
  private static final Map<String, String> COLLECTOR_AND_QUERY = Map.ofEntries(
      Map.entry("BEACON_NODE_VERTICLES_COLLECTOR_INSTANCES", "1"),
      Map.entry("BEACON_NODE_VERTICLES_BRIDGE_INSTANCES", "0"),
      Map.entry("BEACON_NODE_VERTICLES_QUERY_INSTANCES", "1"),
      Map.entry("BEACON_NODE_VERTICLES_RECOMPUTE_INSTANCES", "0"),
      Map.entry("BEACON_COLLECTOR_PROPERTY_REFRESH_MS", "500"),
      Map.entry("BEACON_COLLECTOR_GEO_DATABASE", GEO.toString()),
      // As docker-compose.yml sets them, for the balancer's address here: a range.
      Map.entry("BEACON_COLLECTOR_TRUSTED_PROXIES", "127.0.0.1/32"),
      Map.entry("BEACON_QUERY_TRUSTED_PROXIES", "127.0.0.1/32"),
      Map.entry("BEACON_QUERY_SECURE_COOKIES", "true"),
      Map.entry("BEACON_QUERY_ADMIN_EMAIL", ADMIN),
      Map.entry("BEACON_QUERY_ADMIN_PASSWORD", ADMIN_PASSWORD));
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  private static LocalStack stack;
  private static NodeProcess a;
  private static NodeProcess b;
  private static Path cert;
  private static List<Path> configs;
  /** Both nodes behind the collector backend, only lb-a behind the query backend. */
  private static List<Path> oneQueryNode;
  private static DelayingProxy questdbSlowForOne;

  @BeforeAll
  static void nodes(LocalStack s) throws Exception {
    stack = s;
    Files.createDirectories(WORK);
    cert = Haproxy.selfSignedCertificate(WORK);
    new TestMmdb().city("127.0.5.0/24", "GB", "England", "London")
        .city("127.0.0.0/24", "XX", "Loopback", "Balancer").write(GEO);
    // lb-a reads raw hits through this: every query about SLOW_PROPERTY is held back, any other passes at once.
    questdbSlowForOne = new DelayingProxy(stack.questdbPgPort(), SLOW_PROPERTY, SLOW_QUERY_MS);
    Cluster cluster = Cluster.fresh(4, 3_000);
    Map<String, String> ingestNode = new HashMap<>(COLLECTOR_AND_QUERY);
    ingestNode.put("BEACON_NODE_VERTICLES_BRIDGE_INSTANCES", "1");
    // The recompute role's metrics (queue, ad-hoc reports) need a node running it; lb-b, which the kill test
    // stops, forwards its ad-hoc reports here over the event bus.
    ingestNode.put("BEACON_NODE_VERTICLES_RECOMPUTE_INSTANCES", "1");
    ingestNode.put("BEACON_QUESTDB_PG_PORT", Integer.toString(questdbSlowForOne.port()));
    // One after the other: two nodes creating the Kafka topics at once can fail one of them with
    // TopicExistsException (when this class runs alone, before any other test made the topics).
    a = new NodeProcess("lb-a", stack, cluster, ingestNode).start().awaitReady(Duration.ofSeconds(150));
    b = new NodeProcess("lb-b", stack, cluster, COLLECTOR_AND_QUERY).start().awaitReady(Duration.ofSeconds(150));
    // The nodes created the keyspace: the test's property, in UTC.
    try (CqlSession cql = cql()) {
      for (String property : List.of(PROPERTY, SLOW_PROPERTY)) {
        cql.execute("INSERT INTO properties (property_id, name, time_zone, allowed_hostnames) VALUES (?, ?, ?, ?)",
            property, "Edge test", "UTC", Set.of());
      }
    }
    // Loopback nodes differ by port, so the test lists them statically; production finds them by DNS.
    Path backends = WORK.resolve("backends-static.cfg");
    Files.writeString(backends, """
        backend collector from beacon_collector
            server lb-a 127.0.0.1:%d check port %d
            server lb-b 127.0.0.1:%d check port %d
        backend query from beacon_query
            server lb-a 127.0.0.1:%d check port %d
            server lb-b 127.0.0.1:%d check port %d
        """.formatted(a.collectorPort, a.managementPort, b.collectorPort, b.managementPort,
        a.queryPort, a.managementPort, b.queryPort, b.managementPort));
    configs = List.of(Haproxy.CONFIG_DIR.resolve("haproxy.cfg"), backends);
    // Login limits are per node: the test of what one client's failures block sends them all to one.
    Path oneQuery = WORK.resolve("backends-one-query-node.cfg");
    Files.writeString(oneQuery, """
        backend collector from beacon_collector
            server lb-a 127.0.0.1:%d check port %d
            server lb-b 127.0.0.1:%d check port %d
        backend query from beacon_query
            server lb-a 127.0.0.1:%d check port %d
        """.formatted(a.collectorPort, a.managementPort, b.collectorPort, b.managementPort,
        a.queryPort, a.managementPort));
    oneQueryNode = List.of(Haproxy.CONFIG_DIR.resolve("haproxy.cfg"), oneQuery);
  }

  @AfterAll
  static void stopNodes() {
    if (a != null) {
      a.close();
    }
    if (b != null) {
      b.close();
    }
    if (questdbSlowForOne != null) {
      questdbSlowForOne.close();
    }
  }

  @Test
  void spreadsRequestsAcrossNodesTerminatesTlsAndHidesManagement() throws Exception {
    try (Haproxy lb = new Haproxy(WORK, cert, configs, Map.of()).start()) {
      awaitUp(lb, "lb-a");
      awaitUp(lb, "lb-b");
      HttpClient browser = Haproxy.tlsClient(cert, null);
      Set<String> ingestNodes = new HashSet<>();
      Set<String> dashboardNodes = new HashSet<>();
      for (int i = 0; i < 10; i++) {
        ingestNodes.add(body(Haproxy.get(lb.ingestPort, "/")));
        HttpResponse<String> home = browser.send(HttpRequest.newBuilder(lb.dashboard("/")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(home.statusCode()).isEqualTo(302); // to /dashboard/
        dashboardNodes.add(home.headers().firstValue("X-Beacon-Node").orElse("?"));
        // Browsers are told to keep to https.
        assertThat(home.headers().firstValue("Strict-Transport-Security")).hasValue("max-age=31536000");
      }
      assertThat(ingestNodes).containsExactlyInAnyOrder("Beacon collector on lb-a", "Beacon collector on lb-b");
      assertThat(dashboardNodes).containsExactlyInAnyOrder("lb-a", "lb-b");

      for (String path : List.of("/metrics", "/ready", "/health", "/cluster")) {
        assertThat(Haproxy.get(lb.ingestPort, path).statusCode()).as("ingest " + path).isEqualTo(404);
        assertThat(browser.send(HttpRequest.newBuilder(lb.dashboard(path)).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode()).as("dashboard " + path).isEqualTo(404);
      }
      // The dashboard over plain HTTP: redirected to the same path on the https port, before reaching a node.
      HttpResponse<String> plain = Haproxy.get(lb.dashboardPort, "/api/v1/session?x=1");
      assertThat(plain.statusCode()).isEqualTo(301);
      assertThat(plain.headers().firstValue("Location"))
          .hasValue("https://127.0.0.1:" + lb.dashboardTlsPort + "/api/v1/session?x=1");
      // TLS termination with the test's self-signed certificate, on ingest too; hits are not redirected.
      Process curl = new ProcessBuilder("curl", "-sk", "https://127.0.0.1:" + lb.ingestTlsPort + "/")
          .redirectErrorStream(true).start();
      assertThat(new String(curl.getInputStream().readAllBytes())).startsWith("Beacon collector on lb-");
      assertThat(curl.waitFor()).isZero();
      // HAProxy's own exporter on the metrics port; the stats page only on loopback and with the password.
      assertThat(Haproxy.get(lb.metricsPort, "/metrics").body()).contains("haproxy_frontend_http_requests_total");
      assertThat(Haproxy.get(lb.metricsPort, "/stats").statusCode()).isEqualTo(404);
      assertThat(Haproxy.get(lb.statsPort, "/stats").statusCode()).isEqualTo(401);
      String basic = java.util.Base64.getEncoder().encodeToString(
          (Haproxy.STATS_USER + ":" + Haproxy.STATS_PASSWORD).getBytes(java.nio.charset.StandardCharsets.UTF_8));
      assertThat(HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + lb.statsPort + "/stats"))
          .header("Authorization", "Basic " + basic).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
          .isEqualTo(200);
    }
  }

  /**
   * Behind the balancer a hit carries its client's address, not the balancer's: the nodes trust the balancer's
   * X-Forwarded-For (collector.trustedProxies, a CIDR range), so the geo database places a client of 127.0.5.x in
   * London, where the balancer's own 127.0.0.1 would be "XX".
   */
  @Test
  void hitsBehindTheBalancerCarryTheClientsAddress() throws Exception {
    try (Haproxy lb = new Haproxy(WORK, cert, configs, Map.of()).start();
         HitsTail kafka = new HitsTail(stack.kafkaBootstrap())) {
      awaitUp(lb, "lb-a");
      awaitUp(lb, "lb-b");
      awaitAccepted(lb, "geo");
      String client = "geo-client-" + RUN;
      for (int i = 0; i < 4; i++) { // round robin: both nodes
        String query = "v=2&tid=" + PROPERTY + "&cid=" + client + "&en=page_view&_rid=" + client + "-" + i
            + "&dl=https%3A%2F%2Fedge.example%2Fgeo";
        assertThat(Curl.request(CLIENT_SOURCE, "POST", "http://127.0.0.1:" + lb.ingestPort + "/g/collect?" + query,
            "", "Content-Type: text/plain;charset=UTF-8").status()).isEqualTo(204);
      }
      Map<String, String> countries = new HashMap<>();
      await("the hits in Kafka").atMost(Duration.ofSeconds(30)).until(() -> {
        kafka.poll(h -> client.equals(h.clientId()), h -> countries.put(h.requestId(), String.valueOf(h.country())));
        return countries.size() == 4;
      });
      assertThat(countries.values()).as("country by request id: %s", countries).containsOnly("GB");
    }
  }

  /**
   * The acceptance of the edge: a {@code kill -9} of one node during a stream of tracker hits through the load
   * balancer fails no client request (HAProxy retries and redispatches) and loses no acknowledged hit: every
   * hit answered 204 is in the Kafka hits topic (at least once; consumers de-duplicate by request id).
   */
  @Test
  void killingANodeMidStreamFailsNoRequestAndItComesBack() throws Exception {
    try (Haproxy lb = new Haproxy(WORK, cert, configs, Map.of()).start();
         HitsTail kafka = new HitsTail(stack.kafkaBootstrap())) {
      awaitUp(lb, "lb-a");
      awaitUp(lb, "lb-b");
      awaitAccepted(lb, "warm-up");
      double duplicatesBefore = counter(a, "beacon_collector_duplicates_total");
      AtomicInteger sent = new AtomicInteger();
      Map<Integer, AtomicInteger> byStatus = new ConcurrentHashMap<>();
      List<String> errors = Collections.synchronizedList(new ArrayList<>());
      Set<String> acknowledged = ConcurrentHashMap.newKeySet();
      AtomicBoolean killed = new AtomicBoolean();
      AtomicInteger afterKill = new AtomicInteger();
      ExecutorService clients = Executors.newFixedThreadPool(4);
      List<Future<?>> loops = new ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      for (int t = 0; t < 4; t++) {
        String client = "kill-" + RUN + "-" + t;
        loops.add(clients.submit(() -> {
          // Bounded: stops 400 requests after the kill, or at the deadline.
          for (int i = 0; afterKill.get() < 400 && System.nanoTime() < deadline; i++) {
            String requestId = client + "-" + i;
            try {
              int status = trackerHit(lb, client, requestId).statusCode();
              byStatus.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
              if (status == 204) {
                acknowledged.add(requestId);
              }
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
      assertThat(byStatus.keySet()).as("statuses %s", byStatus).containsOnly(204);
      assertThat(acknowledged).hasSize(sent.get());

      await("lb-b marked down").atMost(Duration.ofSeconds(10)).until(() -> !lb.serverUp("collector", "lb-b"));
      b.restart().awaitReady(Duration.ofSeconds(150));
      await("lb-b back up").atMost(Duration.ofSeconds(20)).until(() -> lb.serverUp("collector", "lb-b"));

      // Zero acknowledged hits lost: each one is in the topic (a retried one may be there twice).
      Set<String> inKafka = new HashSet<>();
      AtomicInteger records = new AtomicInteger();
      try {
        await("every acknowledged hit in Kafka").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
            .until(() -> {
              kafka.poll(h -> h.clientId().startsWith("kill-" + RUN + "-"), h -> {
                records.incrementAndGet();
                inKafka.add(h.requestId());
              });
              return inKafka.containsAll(acknowledged);
            });
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        Set<String> missing = new HashSet<>(acknowledged);
        missing.removeAll(inKafka);
        // Each request id is sent once, so a duplicate on lb-a is a retry of a hit lb-b had taken when it died.
        throw new AssertionError(missing.size() + " of " + acknowledged.size() + " acknowledged hits are not in Kafka: "
            + missing.stream().sorted().limit(20).toList() + "; lb-a acknowledged "
            + (counter(a, "beacon_collector_duplicates_total") - duplicatesBefore) + " retried hits as duplicates"
            + " without producing them (the load balancer's log, " + WORK + "/haproxy-" + lb.ingestPort + ".log, says"
            + " which node answered each request; a '+' in its retries field marks a redispatch)", e);
      }
      System.out.printf("kill -9 mid-stream: %d requests, %s by status, %d hits acknowledged, all in Kafka "
          + "(%d records, %d produced twice by a retry; %.0f retries acknowledged as duplicates by lb-a)%n", sent.get(),
          byStatus, acknowledged.size(), records.get(), records.get() - inKafka.size(),
          counter(a, "beacon_collector_duplicates_total") - duplicatesBefore);
    } finally {
      // Whatever failed above, the other tests get both nodes back.
      if (!b.process().isAlive()) {
        b.restart().awaitReady(Duration.ofSeconds(150));
      }
    }
  }

  /**
   * What the dashboard frontend must carry without cutting or repeating it, and whom a login limit blocks. The
   * balancer has lb-a alone behind its query backend here, since login limits are counted per node.
   * <ul>
   *   <li>An ad-hoc report slower than the balancer's default server timeout (5 s: lb-a's QuestDB answers that
   *       property's queries {@link #SLOW_QUERY_MS} late) answers 200 on the first try, and reached the node once.
   *   <li>An idle real-time event stream stays open 60 s: the node's heartbeat is under every idle timeout on the
   *       way. It runs meanwhile, beside the other two.
   *   <li>5 failed logins from one client address block that client on that account, and neither another client
   *       nor the account's owner logging in with the right password from elsewhere.
   * </ul>
   */
  @Test
  void slowReportsIdleStreamsAndPerClientLoginLimitsThroughTheDashboard() throws Exception {
    try (Haproxy lb = new Haproxy(WORK, cert, oneQueryNode, Map.of()).start()) {
      awaitUp(lb, "lb-a");
      HttpClient browser = Haproxy.tlsClient(cert, new CookieManager());
      HttpResponse<String> ok = login(browser, lb, ADMIN_PASSWORD);
      assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
      String csrf = new JsonObject(ok.body()).getString("csrfToken");

      // Nothing is sent to this property: the stream only has its heartbeats (and a first snapshot).
      try (EventStream stream = EventStream.open(browser,
          lb.dashboard("/api/v1/properties/" + SLOW_PROPERTY + "/realtime/stream"))) {
        double reportsBefore = counter(a, "beacon_query_report_seconds_count", "source=\"recompute\"");
        int heldBefore = questdbSlowForOne.delayed();
        long start = System.nanoTime();
        HttpResponse<String> report = runReport(browser, lb, SLOW_PROPERTY, csrf, """
            {"dateRanges":[{"startDate":"2026-03-07","endDate":"2026-03-08"}],
             "dimensions":[{"name":"pagePath"},{"name":"country"}],"metrics":[{"name":"eventCount"}]}""");
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(report.statusCode()).as("a %s s report: %s", took.toSeconds(), report.body()).isEqualTo(200);
        assertThat(new JsonObject(report.body()).getJsonObject("metadata").getString("dataSource"))
            .isEqualTo("recompute");
        assertThat(questdbSlowForOne.delayed()).as("lb-a's slow QuestDB queries").isGreaterThan(heldBefore);
        assertThat(took).as("slower than the balancer's default server timeout").isGreaterThan(Duration.ofSeconds(5));
        // The balancer sent it once: a retry (on a response timeout) would be a second ad-hoc report on the node.
        assertThat(counter(a, "beacon_query_report_seconds_count", "source=\"recompute\"") - reportsBefore)
            .isEqualTo(1);
        System.out.printf("an ad-hoc report of %d ms through the balancer: 200 on the first try%n", took.toMillis());

        String loginUrl = "https://127.0.0.1:" + lb.dashboardTlsPort + "/api/v1/login";
        String right = new JsonObject().put("email", ADMIN).put("password", ADMIN_PASSWORD).encode();
        String wrong = new JsonObject().put("email", ADMIN).put("password", "not the password").encode();
        for (int i = 1; i <= 5; i++) {
          assertThat(Curl.request("127.0.0.2", "POST", loginUrl, wrong, "Content-Type: application/json").status())
              .as("failed login %d from 127.0.0.2", i).isEqualTo(401);
        }
        // That client, on that account: refused, even with the right password (it may just have guessed it).
        assertThat(Curl.request("127.0.0.2", "POST", loginUrl, right, "Content-Type: application/json").status())
            .as("127.0.0.2 after its 5 failures").isEqualTo(429);
        // Another client failing is answered as itself (401), not as the first one.
        assertThat(Curl.request("127.0.0.3", "POST", loginUrl, wrong, "Content-Type: application/json").status())
            .as("a wrong password from 127.0.0.3").isEqualTo(401);
        // The account's owner, from elsewhere, logs in.
        Curl.Response owner = Curl.request("127.0.0.4", "POST", loginUrl, right, "Content-Type: application/json");
        assertThat(owner.status()).as("the right password from 127.0.0.4: %s", owner.body()).isEqualTo(200);
        // And the first client's failures on that account are not counted against its other accounts.
        String other = new JsonObject().put("email", "someone-else@example.com").put("password", "guess").encode();
        assertThat(Curl.request("127.0.0.2", "POST", loginUrl, other, "Content-Type: application/json").status())
            .as("127.0.0.2 on another account").isEqualTo(401);

        await("the idle event stream open for 60 s").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
            .until(() -> stream.ended() != null || stream.openFor().compareTo(Duration.ofSeconds(60)) >= 0);
        assertThat(stream.ended()).as("the stream ended after %s s", stream.openFor().toSeconds()).isNull();
        assertThat(stream.heartbeats()).as("heartbeats in 60 s").isGreaterThanOrEqualTo(5);
      }
    }
  }

  /**
   * A server-sent-event stream read on a thread of its own: how long it has been open, its heartbeats, and why it
   * ended (null while it is open).
   */
  private static final class EventStream implements AutoCloseable {
    private final long openedAt = System.nanoTime();
    private final java.io.InputStream body;
    private final AtomicInteger heartbeats = new AtomicInteger();
    private volatile String ended;
    private volatile boolean closing;

    private EventStream(java.io.InputStream body) {
      this.body = body;
      Thread reader = new Thread(this::read, "edge-event-stream");
      reader.setDaemon(true);
      reader.start();
    }

    static EventStream open(HttpClient client, URI uri) throws IOException, InterruptedException {
      HttpResponse<java.io.InputStream> r = client.send(HttpRequest.newBuilder(uri).header("Accept", "text/event-stream")
          .build(), HttpResponse.BodyHandlers.ofInputStream());
      if (r.statusCode() != 200) {
        throw new AssertionError("the event stream answered " + r.statusCode() + ": "
            + new String(r.body().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
      }
      assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
      return new EventStream(r.body());
    }

    private void read() {
      try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(body, java.nio.charset.StandardCharsets.UTF_8))) {
        for (String line; (line = lines.readLine()) != null; ) {
          if (line.startsWith(": keep-alive")) {
            heartbeats.incrementAndGet();
          }
        }
        ended = "end of stream";
      } catch (IOException e) {
        ended = closing ? "closed by the test" : e.toString();
      }
    }

    Duration openFor() {
      return Duration.ofNanos(System.nanoTime() - openedAt);
    }

    int heartbeats() {
      return heartbeats.get();
    }

    String ended() {
      return ended;
    }

    @Override
    public void close() throws IOException {
      closing = true;
      body.close();
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

      HttpClient browser = Haproxy.tlsClient(cert, null);
      List<Integer> logins = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        logins.add(browser.send(HttpRequest.newBuilder(lb.dashboard("/api/v1/login"))
            .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.discarding()).statusCode());
      }
      assertThat(logins.subList(0, 3)).doesNotContain(429);
      assertThat(logins.subList(3, 5)).containsOnly(429);
      // The dashboard is not locked by ingest traffic, nor by the login limit for other paths.
      assertThat(browser.send(HttpRequest.newBuilder(lb.dashboard("/")).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(302);
    }
  }

  /**
   * Series that Micrometer registers only at the first failure of their kind, which a short load cannot cause
   * without stopping a store for longer than the node's Cassandra request timeout (30 s). For these the test
   * checks that the main code registers exactly that name; every other name, panel and alert must have data.
   */
  static final Set<String> FAILURE_ONLY = Set.of("beacon_query_report_failures_total");

  /**
   * A real Prometheus scrapes both nodes, HAProxy and the Spark job (started here on the real hits topic),
   * with the project's alert rules loaded; after a short load through HAProxy (tracker hits, a retried hit, a
   * rejected hit, a failed and a good login, a report from the aggregates, an ad-hoc report twice) every metric
   * name, every dashboard panel's expression and every alert's expression (its comparisons made {@code bool}, so
   * a healthy system still answers) must return data.
   */
  @Test
  void prometheusScrapesNodesAndHaproxyAndEveryRuleAndPanelHasData() throws Exception {
    int sparkMetricsPort = FreePorts.one();
    int sidecarPort = FreePorts.one();
    CompletableFuture<SparkJobProcess> spark = CompletableFuture.supplyAsync(() -> startSparkJob(sparkMetricsPort));
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
          - job_name: spark
            static_configs:
              - targets: ['127.0.0.1:%d']
          - job_name: kafka
            static_configs:
              - targets: ['%s']
          - job_name: cassandra
            static_configs:
              - targets: ['%s']
          - job_name: questdb
            static_configs:
              - targets: ['%s']
          - job_name: node
            static_configs:
              - targets: ['127.0.0.1:%d']
        """;
    // The stores' own exporters (the stack's Kafka and Cassandra run the JMX exporter agent, QuestDB serves its
    // metrics) and the host's node exporter (Debian), as compose runs them.
    Map<String, String> stores = stack.storeMetrics();
    int nodeExporterPort = FreePorts.one();
    Process nodeExporter = new ProcessBuilder("prometheus-node-exporter", "--web.listen-address=127.0.0.1:"
        + nodeExporterPort, "--collector.disable-defaults", "--collector.cpu", "--collector.meminfo",
        "--collector.filesystem", "--collector.loadavg").redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(WORK.resolve("node-exporter.log").toFile())).start();
    Thread nodeExporterHook = new Thread(nodeExporter::destroyForcibly, "stop-node-exporter");
    Runtime.getRuntime().addShutdownHook(nodeExporterHook);
    AtomicBoolean loading = new AtomicBoolean(true);
    Thread trickle = null;
    // Prometheus reaches the job as in production: through the spark-metrics sidecar (haproxy/spark-metrics.cfg).
    ProcessBuilder sidecarCommand = new ProcessBuilder("haproxy", "-db", "-f",
        Haproxy.CONFIG_DIR.resolve("spark-metrics.cfg").toString()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(WORK.resolve("spark-metrics-sidecar.log").toFile()));
    sidecarCommand.environment().put("BEACON_SPARK_METRICS_BIND", "127.0.0.1:" + sidecarPort);
    sidecarCommand.environment().put("BEACON_SPARK_METRICS_TARGET", "127.0.0.1:" + sparkMetricsPort);
    Process sidecar = sidecarCommand.start();
    Thread sidecarHook = new Thread(sidecar::destroyForcibly, "stop-spark-metrics-sidecar");
    Runtime.getRuntime().addShutdownHook(sidecarHook);
    try (Haproxy lb = new Haproxy(WORK, cert, configs, Map.of()).start();
         Prometheus prom = new Prometheus(WORK.resolve("prometheus"), config.formatted(
             Prometheus.RULES.toAbsolutePath(), a.managementPort, b.managementPort, lb.metricsPort,
             sidecarPort, stores.get("kafka"), stores.get("cassandra"), stores.get("questdb"), nodeExporterPort)).start()) {
      awaitUp(lb, "lb-a");
      awaitUp(lb, "lb-b");
      awaitAccepted(lb, "prom");
      // One of each thing a panel or an alert counts.
      String client = "prom-" + RUN;
      assertThat(trackerHit(lb, client, client + "-dup").statusCode()).isEqualTo(204);
      assertThat(trackerHit(lb, client, client + "-dup").statusCode()).as("a retried hit").isEqualTo(204);
      assertThat(trackerHit(lb, "B-UNKNOWN" + RUN, client, client + "-unknown").statusCode()).as("unknown property")
          .isGreaterThanOrEqualTo(400);
      HttpClient browser = Haproxy.tlsClient(cert, new CookieManager());
      assertThat(login(browser, lb, "wrong password").statusCode()).isEqualTo(401);
      HttpResponse<String> ok = login(browser, lb, ADMIN_PASSWORD);
      assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
      String csrf = new JsonObject(ok.body()).getString("csrfToken");
      HttpResponse<String> report = runReport(browser, lb, PROPERTY, csrf, """
          {"dateRanges":[{"startDate":"2026-03-07","endDate":"2026-03-08"}],"metrics":[{"name":"eventCount"}]}""");
      assertThat(report.statusCode()).as(report.body()).isEqualTo(200);
      // Two dimensions: no precomputed aggregate has them, so the query node sends it to the recompute role
      // (from raw hits); the same report again is answered from the recompute role's report cache.
      String adHoc = """
          {"dateRanges":[{"startDate":"2026-03-07","endDate":"2026-03-08"}],
           "dimensions":[{"name":"pagePath"},{"name":"country"}],"metrics":[{"name":"eventCount"}]}""";
      HttpResponse<String> recomputed = runReport(browser, lb, PROPERTY, csrf, adHoc);
      assertThat(recomputed.statusCode()).as(recomputed.body()).isEqualTo(200);
      assertThat(new JsonObject(recomputed.body()).getJsonObject("metadata").getString("dataSource"))
          .isEqualTo("recompute");
      HttpResponse<String> again = runReport(browser, lb, PROPERTY, csrf, adHoc);
      assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
      assertThat(new JsonObject(again.body()).getJsonObject("metadata").getString("cache")).isEqualTo("hit");
      // A steady trickle while the expressions are checked, so rates and the Spark job's batches have input.
      trickle = new Thread(() -> {
        long end = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        for (int i = 0; loading.get() && System.nanoTime() < end; i++) {
          try {
            trackerHit(lb, client, client + "-" + i);
            Thread.sleep(100);
          } catch (InterruptedException e) {
            return;
          } catch (IOException e) {
            // the check below reports what lacks data
          }
        }
      }, "edge-trickle");
      trickle.start();

      await("both nodes, haproxy, the stores and the host scraped").atMost(Duration.ofSeconds(60))
          .until(() -> prom.query("up{job=\"beacon\"} == 1").size() == 2
              && prom.query("up{job=~\"haproxy|kafka|cassandra|questdb|node\"} == 1").size() == 5);
      for (String metric : FAILURE_ONLY) {
        assertThat(mainSourcesMention(metric)).as("%s is registered by the main sources", metric).isTrue();
      }
      Map<String, String> checks = new LinkedHashMap<>();
      for (String metric : Prometheus.metricsInRulesAndDashboards()) {
        if (!FAILURE_ONLY.contains(metric)) {
          checks.put("count(" + metric + ")", "metric " + metric);
        }
      }
      for (Prometheus.Expression e : Prometheus.panelExpressions()) {
        if (Prometheus.metricNames(e.expr()).stream().noneMatch(FAILURE_ONLY::contains)) {
          checks.put(e.expr(), e.source());
        }
      }
      for (Prometheus.Expression e : Prometheus.alertExpressions()) {
        if (Prometheus.metricNames(e.expr()).stream().noneMatch(FAILURE_ONLY::contains)) {
          checks.put(e.expr(), e.source());
        }
      }
      SparkJobProcess job = spark.get(10, TimeUnit.MINUTES);
      Map<String, String> empty = new LinkedHashMap<>(checks);
      try {
        // Spark's first micro-batch comes 7-15 s after its JVM starts on an idle machine, minutes on a loaded
        // one (as SparkAggregationTest allows); the wait ends as soon as everything has data.
        await("every metric, panel and alert expression has data").atMost(Duration.ofMinutes(5))
            .pollInterval(Duration.ofSeconds(1))
            .failFast("the Spark job exited (" + job.log() + ")", () -> !job.isAlive())
            .until(() -> {
              for (var it = empty.entrySet().iterator(); it.hasNext(); ) {
                if (!prom.query(it.next().getKey()).isEmpty()) {
                  it.remove();
                }
              }
              return empty.isEmpty();
            });
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        throw new AssertionError("no data after the load for:\n" + String.join("\n",
            empty.entrySet().stream().map(x -> x.getValue() + ": " + x.getKey()).toList()), e);
      } finally {
        // What the targets exported, for whoever edits a dashboard next.
        for (var target : Map.of("lb-a", a.managementPort, "lb-b", b.managementPort, "spark", sidecarPort).entrySet()) {
          try {
            Files.writeString(WORK.resolve("metrics-" + target.getKey() + ".txt"),
                Haproxy.get(target.getValue(), "/metrics").body());
          } catch (IOException e) {
            // the target is down; the assertion says why
          }
        }
        Files.writeString(WORK.resolve("metrics-haproxy.txt"), Haproxy.get(lb.metricsPort, "/metrics").body());
        for (var store : stores.entrySet()) {
          try {
            Files.writeString(WORK.resolve("metrics-" + store.getKey() + ".txt"), HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://" + store.getValue() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
          } catch (IOException e) {
            // the store is down; the assertion says why
          }
        }
      }
    } finally {
      loading.set(false);
      if (trickle != null) {
        trickle.join(15_000);
      }
      sidecar.destroy();
      if (!sidecar.waitFor(10, TimeUnit.SECONDS)) {
        sidecar.destroyForcibly();
      }
      Runtime.getRuntime().removeShutdownHook(sidecarHook);
      nodeExporter.destroy();
      if (!nodeExporter.waitFor(10, TimeUnit.SECONDS)) {
        nodeExporter.destroyForcibly();
      }
      Runtime.getRuntime().removeShutdownHook(nodeExporterHook);
      spark.thenAccept(job -> {
        try {
          job.close();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }).exceptionally(e -> null).get(2, TimeUnit.MINUTES);
    }
  }

  /**
   * The Spark job on the real hits topic from its end (only this test's hits), into its own keyspace, with its
   * metrics endpoint on {@code metricsPort}.
   */
  private static SparkJobProcess startSparkJob(int metricsPort) {
    try {
      TestConfigs.applyCassandraSchema(stack, SPARK_KEYSPACE);
      try (CqlSession cql = cql()) {
        cql.execute("INSERT INTO " + SPARK_KEYSPACE + ".properties (property_id, time_zone) VALUES (?, ?)", PROPERTY, "UTC");
      }
      Path work = WORK.toAbsolutePath().resolve("spark");
      return new SparkJobProcess(List.of("--master=local[2]", "--kafka-bootstrap=" + stack.kafkaBootstrap(),
          "--cassandra-contact-points=" + stack.cassandraContactPoint(), "--keyspace=" + SPARK_KEYSPACE,
          "--topic=" + Topics.HITS, "--starting-offsets=latest", "--checkpoint=" + work.resolve("checkpoint-" + RUN),
          "--trigger=2 seconds", "--metrics-port=" + metricsPort), work.resolve("spark-job.log")).start();
    } catch (Exception e) {
      throw new IllegalStateException("starting the Spark job failed", e);
    }
  }

  /** The value of a label-less (but for node) counter on a node's /metrics, 0 if absent. */
  private static double counter(NodeProcess node, String name) throws IOException, InterruptedException {
    return counter(node, name, "");
  }

  /** The value of a series on a node's /metrics whose labels contain {@code labels} (e.g. {@code a="b"}), 0 if absent. */
  private static double counter(NodeProcess node, String name, String labels) throws IOException, InterruptedException {
    for (String line : node.get("/metrics").body().split("\n")) {
      if ((line.startsWith(name + "{") || line.startsWith(name + " ")) && line.contains(labels)) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return 0;
  }

  private static boolean mainSourcesMention(String metric) throws IOException {
    Path home = Path.of(System.getProperty("beacon.home", "."));
    for (String module : List.of("beacon-node", "spark-job")) {
      try (var files = Files.walk(home.resolve(module).resolve("src/main/java"))) {
        for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          if (Files.readString(f).contains("\"" + metric + "\"")) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /** A GA4 web (gtag / Beacon tracker) page view through the ingest frontend. */
  private static HttpResponse<String> trackerHit(Haproxy lb, String client, String requestId)
      throws IOException, InterruptedException {
    return trackerHit(lb, PROPERTY, client, requestId);
  }

  private static HttpResponse<String> trackerHit(Haproxy lb, String property, String client, String requestId)
      throws IOException, InterruptedException {
    String query = "v=2&tid=" + property + "&cid=" + client + "&en=page_view&_rid=" + requestId
        + "&dl=https%3A%2F%2Fedge.example%2Fpage";
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + lb.ingestPort + "/g/collect?" + query))
        .timeout(Duration.ofSeconds(30)).header("Content-Type", "text/plain;charset=UTF-8")
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Until both collectors know the test's property: several hits in a row accepted (round robin). */
  private static void awaitAccepted(Haproxy lb, String prefix) {
    AtomicInteger i = new AtomicInteger();
    AtomicInteger inARow = new AtomicInteger();
    await("the property known to both collectors").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
        .until(() -> {
          String client = prefix + "-" + RUN;
          if (trackerHit(lb, client, client + "-warm-" + i.incrementAndGet()).statusCode() == 204) {
            return inARow.incrementAndGet() >= 4;
          }
          inARow.set(0);
          return false;
        });
  }

  /** A login over TLS through the dashboard frontend; each is sent once (the balancer never retries a POST). */
  private static HttpResponse<String> login(HttpClient browser, Haproxy lb, String password) throws Exception {
    return browser.send(HttpRequest.newBuilder(lb.dashboard("/api/v1/login")).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("email", ADMIN).put("password", password).encode()))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> runReport(HttpClient browser, Haproxy lb, String property, String csrf,
      String body) throws IOException, InterruptedException {
    return browser.send(HttpRequest.newBuilder(lb.dashboard("/api/v1/properties/" + property + ":runReport"))
        .header("X-CSRF-Token", csrf).timeout(Duration.ofMinutes(3))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static CqlSession cql() {
    String[] hostPort = stack.cassandraContactPoint().split(":");
    return CqlSession.builder().withLocalDatacenter("datacenter1").withKeyspace("beacon")
        .addContactPoint(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1]))).build();
  }

  /** Reads the hits topic from where it ended when created (test thread only). */
  static final class HitsTail implements AutoCloseable {
    private final KafkaConsumer<String, byte[]> consumer;

    HitsTail(String bootstrap) {
      consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap, "enable.auto.commit", "false",
          "isolation.level", "read_committed"), new StringDeserializer(), new ByteArrayDeserializer());
      List<TopicPartition> parts = consumer.partitionsFor(Topics.HITS, Duration.ofSeconds(30)).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      consumer.assign(parts);
      consumer.seekToEnd(parts);
      parts.forEach(consumer::position); // resolve the end now, before the hits are sent
    }

    void poll(java.util.function.Predicate<Hit> filter, java.util.function.Consumer<Hit> sink) {
      for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(300))) {
        Hit h = HitCodec.decode(r.value());
        if (filter.test(h)) {
          sink.accept(h);
        }
      }
    }

    @Override
    public void close() {
      consumer.close(Duration.ofSeconds(2));
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

}
