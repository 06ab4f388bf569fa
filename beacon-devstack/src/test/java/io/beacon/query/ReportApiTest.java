package io.beacon.query;

import io.beacon.testing.Dashboard;
import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.devstack.LocalStack;
import io.beacon.model.Hit;
import io.beacon.model.aggregation.Aggregator;
import io.beacon.testing.AggregateSeeder;
import io.beacon.testing.NodeProcess;
import io.beacon.testing.NodeProcess.Cluster;
import io.beacon.testing.RealStack;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import static org.awaitility.Awaitility.await;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The reporting API of a real node over aggregates in the real Cassandra, checked against an
 * answer computed independently from the same generated hits (plain loops and exact sets).
 */
@ExtendWith(RealStack.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReportApiTest {
  private static final String PROPERTY = "B-REPORT1";
  private static LocalStack stack;
  private static final ZoneId ZONE = ZoneId.of("America/New_York");
  private static final LocalDate DAY1 = LocalDate.of(2026, 3, 7);
  private static final LocalDate DAY2 = DAY1.plusDays(1); // 2026-03-08: the US switch to summer time
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final List<String> COUNTRIES = List.of("DE", "US", "FR");

  private static final String ADMIN = "root@example.com";
  private static final String ADMIN_PASSWORD = "correct horse battery";
  private static NodeProcess node;
  private static String token;
  private static List<Hit> hits;

  @BeforeAll
  static void seed(LocalStack stack) throws Exception {
    ReportApiTest.stack = stack;
    node = new NodeProcess("report-node", stack, Cluster.fresh(2, 3_000), Map.of(
        "BEACON_NODE_VERTICLES_COLLECTOR_INSTANCES", "0", "BEACON_NODE_VERTICLES_BRIDGE_INSTANCES", "0",
        "BEACON_NODE_VERTICLES_QUERY_INSTANCES", "1", "BEACON_NODE_VERTICLES_RECOMPUTE_INSTANCES", "0",
        "BEACON_QUERY_ADMIN_EMAIL", ADMIN, "BEACON_QUERY_ADMIN_PASSWORD", ADMIN_PASSWORD)).start();
    node.awaitReady(Duration.ofSeconds(150)); // the node created the keyspace and tables
    hits = generate(600);
    Aggregator agg = new Aggregator(p -> ZONE);
    io.beacon.testing.Scoping.scopeAll(hits).forEach(s -> agg.add(s.hit(), s.scope()));
    AggregateSeeder.write(stack, agg, cql -> cql.execute("INSERT INTO properties (property_id, name, time_zone) VALUES ('"
        + PROPERTY + "', 'Report test', '" + ZONE + "')"));
  }

  @BeforeAll
  static void token() throws Exception {
    Dashboard admin = Dashboard.login(node.queryPort, ADMIN, ADMIN_PASSWORD);
    HttpResponse<String> t = admin.post("/api/v1/tokens", "{\"name\":\"report test\"}");
    assertThat(t.statusCode()).as(t.body()).isEqualTo(201);
    token = new JsonObject(t.body()).getString("token");
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  /** Hits over two local days around a DST change, three countries, 40 clients, some bots. */
  private static List<Hit> generate(int n) {
    Random rnd = new Random(42);
    long start = DAY1.atStartOfDay(ZONE).toInstant().toEpochMilli();
    long span = DAY2.plusDays(1).atStartOfDay(ZONE).toInstant().toEpochMilli() - start;
    List<Hit> out = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      int client = rnd.nextInt(40);
      boolean view = rnd.nextInt(3) > 0;
      out.add(Hit.builder()
          .propertyId(PROPERTY)
          .clientId("c" + client)
          .requestId("r" + i)
          .sessionId("s" + client + "-" + rnd.nextInt(3))
          .sessionNumber(1)
          .ts(start + (long) (rnd.nextDouble() * span))
          .receivedAt(0)
          .eventName(view ? "page_view" : "scroll")
          .engagementMs((long) rnd.nextInt(5000))
          .sessionEngaged(rnd.nextBoolean())
          .keyEvent(false)
          .firstVisit(rnd.nextInt(10) == 0)
          .sessionStart(false)
          .hostname("example.com")
          .pagePath("/p" + rnd.nextInt(5))
          .deviceCategory("desktop")
          .browser("Chrome")
          .os("Linux")
          .country(COUNTRIES.get(client % 3))
          .isBot(rnd.nextInt(20) == 0)
          .protocol("test")
          .schemaVersion(Hit.SCHEMA_VERSION)
          .build());
    }
    return out;
  }

  /**
   * Cassandra down: a report over data cached on the node is answered and marked stale once its re-read failed; one
   * over data never read answers 503 at once, never a hang; after Cassandra is back, it is answered again. Last,
   * since it stops the shared Cassandra.
   */
  @Test
  @Order(Integer.MAX_VALUE)
  void aCassandraOutageAnswersStaleOr503AndNeverHangs() throws Exception {
    String today = "{\"dateRanges\":[{\"startDate\":\"today\",\"endDate\":\"today\"}],\"metrics\":[{\"name\":\"eventCount\"}]}";
    String unread = "{\"dateRanges\":[{\"startDate\":\"2025-06-01\",\"endDate\":\"2025-06-02\"}],\"metrics\":[{\"name\":\"eventCount\"}]}";
    assertThat(report(today, "application/json").statusCode()).isEqualTo(200); // today's partition: open, now cached
    try {
      stack.cassandra().stop();
      await("an open partition whose re-read failed is served marked stale").atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            HttpResponse<String> r = report(today, "application/json");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(new JsonObject(r.body()).getJsonObject("metadata").getBoolean("stale")).isTrue();
          });
      long start = System.nanoTime();
      HttpResponse<String> down = report(unread, "application/json");
      assertThat(down.statusCode()).as(down.body()).isEqualTo(503);
      assertThat(new JsonObject(down.body()).getJsonObject("error").getString("message")).contains("unavailable");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(35));
    } finally {
      stack.cassandra().restart();
    }
    await("answered again once Cassandra is back").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
        .until(() -> report(unread, "application/json").statusCode() == 200);
  }

  private static HttpResponse<String> report(String body, String accept) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.queryPort
            + "/api/v1/properties/" + PROPERTY + ":runReport"))
        .header("Accept", accept).header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void viewsAndUsersByDateAndCountryMatchTheIndependentAnswer() throws Exception {
    HttpResponse<String> r = report("""
        {"dateRanges":[{"startDate":"2026-03-07","endDate":"2026-03-08"}],
         "dimensions":[{"name":"date"},{"name":"country"}],
         "metrics":[{"name":"screenPageViews"},{"name":"totalUsers"},{"name":"eventCount"}]}""", "application/json");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonObject json = new JsonObject(r.body());
    Map<String, long[]> expected = new TreeMap<>();
    Map<String, Set<String>> users = new HashMap<>();
    for (Hit h : hits) {
      if (Boolean.TRUE.equals(h.isBot())) {
        continue;
      }
      String day = Instant.ofEpochMilli(h.ts()).atZone(ZONE).toLocalDate().toString().replace("-", "");
      String key = day + "|" + h.country();
      long[] v = expected.computeIfAbsent(key, k -> new long[2]);
      v[0] += "page_view".equals(h.eventName()) ? 1 : 0;
      v[1]++;
      users.computeIfAbsent(key, k -> new HashSet<>()).add(h.clientId());
    }
    JsonArray rows = json.getJsonArray("rows");
    assertThat(json.getInteger("rowCount")).isEqualTo(expected.size());
    assertThat(rows).hasSize(expected.size());
    for (int i = 0; i < rows.size(); i++) {
      JsonObject row = rows.getJsonObject(i);
      String key = row.getJsonArray("dimensionValues").getJsonObject(0).getString("value") + "|"
          + row.getJsonArray("dimensionValues").getJsonObject(1).getString("value");
      JsonArray m = row.getJsonArray("metricValues");
      assertThat(Long.parseLong(m.getJsonObject(0).getString("value"))).as(key).isEqualTo(expected.get(key)[0]);
      assertThat(Long.parseLong(m.getJsonObject(2).getString("value"))).as(key).isEqualTo(expected.get(key)[1]);
      // Few distinct clients: the sketch is exact in this range.
      assertThat(Long.parseLong(m.getJsonObject(1).getString("value"))).as(key).isEqualTo(users.get(key).size());
    }
    assertThat(json.getJsonObject("metadata").getString("timeZone")).isEqualTo("America/New_York");
    // Closed days stay in the Ignite read-through cache: the same report again reads no Cassandra partition.
    String misses = metricLine("beacon_query_cache_requests_total", "result=\"miss\"");
    HttpResponse<String> again = report("""
        {"dateRanges":[{"startDate":"2026-03-07","endDate":"2026-03-08"}],
         "dimensions":[{"name":"date"},{"name":"country"}],
         "metrics":[{"name":"screenPageViews"},{"name":"totalUsers"},{"name":"eventCount"}]}""", "application/json");
    JsonObject cached = new JsonObject(again.body());
    assertThat(cached.getJsonObject("metadata").getString("cache")).isEqualTo("hit");
    assertThat(cached.getJsonArray("rows")).isEqualTo(json.getJsonArray("rows"));
    assertThat(metricLine("beacon_query_cache_requests_total", "result=\"miss\"")).isEqualTo(misses);
  }

  @Test
  void comparisonFilterCsvAndErrors() throws Exception {
    HttpResponse<String> cmp = report("""
        {"dateRanges":[{"startDate":"2026-03-08","endDate":"2026-03-08"},{"startDate":"2026-03-07","endDate":"2026-03-07"}],
         "metrics":[{"name":"eventCount"}],
         "dimensionFilter":{"filter":{"fieldName":"country","inListFilter":{"values":["de"]}}}}""", "application/json");
    assertThat(cmp.statusCode()).as(cmp.body()).isEqualTo(200);
    JsonObject c = new JsonObject(cmp.body());
    assertThat(c.getJsonArray("dimensionHeaders").getJsonObject(0).getString("name")).isEqualTo("dateRange");
    Map<String, Long> want = new HashMap<>();
    for (Hit h : hits) {
      if (!Boolean.TRUE.equals(h.isBot()) && h.country().equals("DE")) {
        LocalDate d = Instant.ofEpochMilli(h.ts()).atZone(ZONE).toLocalDate();
        want.merge(d.equals(DAY2) ? "date_range_0" : "date_range_1", 1L, Long::sum);
      }
    }
    Map<String, Long> got = new HashMap<>();
    c.getJsonArray("rows").forEach(o -> {
      JsonObject row = (JsonObject) o;
      got.put(row.getJsonArray("dimensionValues").getJsonObject(0).getString("value"),
          Long.parseLong(row.getJsonArray("metricValues").getJsonObject(0).getString("value")));
    });
    assertThat(got).isEqualTo(want);

    HttpResponse<String> csv = report("""
        {"dateRanges":[{"startDate":"2026-03-07","endDate":"2026-03-08"}],
         "dimensions":[{"name":"country"}],"metrics":[{"name":"eventCount"}]}""", "text/csv");
    assertThat(csv.statusCode()).isEqualTo(200);
    assertThat(csv.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/csv"));
    String[] lines = csv.body().split("\r\n");
    assertThat(lines).hasSize(1 + COUNTRIES.size());
    assertThat(lines[0]).isEqualTo("\"country\",\"eventCount\"");

    HttpResponse<String> bad = report("{\"dateRanges\":[{\"startDate\":\"today\",\"endDate\":\"today\"}],"
        + "\"metrics\":[{\"name\":\"pageviews\"}]}", "application/json");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(bad.body()).getJsonObject("error").getString("field")).isEqualTo("metrics[0].name");

    HttpResponse<String> twoDims = report("{\"dateRanges\":[{\"startDate\":\"today\",\"endDate\":\"today\"}],"
        + "\"metrics\":[{\"name\":\"sessions\"}],\"dimensions\":[{\"name\":\"pagePath\"},{\"name\":\"country\"}]}", "application/json");
    // Recompute answers these; this node's cluster runs none, so: 503 naming the missing role, never a hang.
    assertThat(twoDims.statusCode()).isEqualTo(503);
    assertThat(new JsonObject(twoDims.body()).getJsonObject("error").getString("message")).contains("no recompute node");

    HttpResponse<String> missing = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.queryPort
            + "/api/v1/properties/B-NOPE:runReport")).header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(missing.statusCode()).isEqualTo(404);
    HttpResponse<String> notJson = report("{oops", "application/json");
    assertThat(notJson.statusCode()).isEqualTo(400);
  }

  /** The node's /metrics line of {@code name} whose labels contain {@code label} (or "" if none). */
  private static String metricLine(String name, String label) throws Exception {
    return node.getFrom(node.managementPort, "/metrics").body().lines()
        .filter(l -> l.startsWith(name + "{") && l.contains(label)).findFirst().orElse("");
  }
}
