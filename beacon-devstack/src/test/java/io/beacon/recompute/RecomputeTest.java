package io.beacon.recompute;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.Row;
import io.beacon.devstack.LocalStack;
import io.beacon.model.Hit;
import io.beacon.store.topic.HitCodec;
import io.beacon.store.topic.Topics;
import io.beacon.model.aggregation.BucketKey;
import io.beacon.model.aggregation.Granularity;
import io.beacon.model.aggregation.MetricState;
import io.beacon.testing.ApiClient;
import io.beacon.testing.Dashboard;
import io.beacon.testing.NodeProcess;
import io.beacon.testing.NodeProcess.Cluster;
import io.beacon.testing.RealStack;
import io.beacon.testing.SparkJobProcess;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Recompute on the real stack: hits go to Kafka, the node's bridge writes them to QuestDB and the real Spark
 * job aggregates them into Cassandra; then ad-hoc reports, the report cache, correction jobs (admin and late
 * hits) and a job surviving kill -9 of its node are checked against an answer computed here with plain loops
 * and exact sets.
 */
@ExtendWith(RealStack.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RecomputeTest {
  private static final String KEYSPACE = "beacon_recompute_it";
  private static final String STREAM_TOPIC = "beacon.hits.recompute-it";
  private static final String PROPERTY = "B-RECOMP1";
  private static final ZoneId ZONE = ZoneId.of("Europe/Berlin");
  private static final LocalDate FIRST = LocalDate.now(ZONE).minusDays(12);
  private static final LocalDate LAST = FIRST.plusDays(3);
  private static final List<String> PATHS = List.of("/", "/pricing", "/docs", "/blog/a", "/blog/b");
  private static final List<String> COUNTRIES = List.of("DE", "FR", "US");
  private static final String ADMIN = "root@example.com";
  private static final String ADMIN_PASSWORD = "correct horse battery";
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private static LocalStack stack;
  private static NodeProcess node;
  private static SparkJobProcess spark;
  private static Vertx vertx;
  private static Pool questdb;
  private static CqlSession cql;
  private static KafkaProducer<byte[], byte[]> producer;
  private static String token;
  private static List<Hit> hits;
  /** Hits tests produced after the start (the late hit), also counted by now. */
  private static final List<Hit> LATER = new ArrayList<>();
  /** Where the hits topic ended before this class produced to it: where its replay starts. */
  private static Map<TopicPartition, Long> hitsFrom;
  private static java.nio.file.Path sparkLog;
  private static java.nio.file.Path checkpoint;

  @BeforeAll
  static void start(LocalStack s) throws Exception {
    stack = s;
    node = new NodeProcess("recompute-node", stack, Cluster.fresh(1, 3_000), Map.ofEntries(
        Map.entry("BEACON_NODE_VERTICLES_COLLECTOR_INSTANCES", "0"),
        Map.entry("BEACON_NODE_VERTICLES_BRIDGE_INSTANCES", "1"),
        Map.entry("BEACON_NODE_VERTICLES_QUERY_INSTANCES", "1"),
        Map.entry("BEACON_NODE_VERTICLES_RECOMPUTE_INSTANCES", "1"),
        Map.entry("BEACON_CASSANDRA_KEYSPACE", KEYSPACE),
        // Slow enough that the kill test catches a job half-way; fast enough for the other tests.
        Map.entry("BEACON_RECOMPUTE_MAX_HITS_PER_SECOND", "250"),
        Map.entry("BEACON_RECOMPUTE_JOB_LEASE_MS", "4000"),
        Map.entry("BEACON_QUERY_ADMIN_EMAIL", ADMIN), Map.entry("BEACON_QUERY_ADMIN_PASSWORD", ADMIN_PASSWORD)))
        .start();
    node.awaitReady(Duration.ofSeconds(180));
    cql = CqlSession.builder().withLocalDatacenter("datacenter1").withKeyspace(KEYSPACE)
        .withConfigLoader(DriverConfigLoader.programmaticBuilder()
            .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(30)).build())
        .addContactPoint(new InetSocketAddress("127.0.0.1", Integer.parseInt(stack.cassandraContactPoint().split(":")[1])))
        .build();
    cql.execute("INSERT INTO properties (property_id, name, time_zone, created_at) VALUES (?, 'Recompute test', ?, ?)",
        PROPERTY, ZONE.getId(), FIRST.minusDays(1).atStartOfDay(ZONE).toInstant());
    vertx = Vertx.vertx();
    questdb = PgBuilder.pool().connectingTo(new PgConnectOptions().setHost("127.0.0.1").setPort(stack.questdbPgPort())
        .setDatabase("qdb").setUser("admin").setPassword("quest")).using(vertx).build();
    Dashboard admin = Dashboard.login(node.queryPort, ADMIN, ADMIN_PASSWORD);
    HttpResponse<String> t = admin.post("/api/v1/tokens", "{\"name\":\"recompute test\"}");
    assertThat(t.statusCode()).as(t.body()).isEqualTo(201);
    token = new JsonObject(t.body()).getString("token");

    try (Admin kafka = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrap()))) {
      if (!kafka.listTopics().names().get(60, TimeUnit.SECONDS).contains(STREAM_TOPIC)) {
        kafka.createTopics(List.of(new NewTopic(STREAM_TOPIC, 2, (short) 1))).all().get(60, TimeUnit.SECONDS);
      }
    }
    producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrap(),
        ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
    hitsFrom = endOffsets();
    hits = generate(1_200);
    produce(hits);
    Path work = Path.of(System.getProperty("beacon.home", "")).toAbsolutePath().resolve("target/test-stack/recompute");
    spark = new SparkJobProcess(List.of("--master=local[2]", "--kafka-bootstrap=" + stack.kafkaBootstrap(),
        "--cassandra-contact-points=" + stack.cassandraContactPoint(), "--keyspace=" + KEYSPACE,
        "--topic=" + STREAM_TOPIC, "--checkpoint=" + (checkpoint = work.resolve("checkpoint-" + System.nanoTime())),
        "--trigger=2 seconds"), sparkLog = work.resolve("spark-job-" + System.nanoTime() + ".log")).start();
    // The stream covered the days, and the bridge wrote every raw hit.
    await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(2))
        .failFast("the Spark job exited", () -> !spark.isAlive())
        .untilAsserted(() -> assertThat(streamEvents()).isEqualTo(expectedEvents(hits)));
    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
        .untilAsserted(() -> assertThat(rawCount()).isEqualTo(hits.size()));
  }

  @AfterAll
  static void stop() throws Exception {
    if (spark != null) {
      spark.close();
    }
    if (node != null) {
      node.close();
    }
    if (producer != null) {
      producer.close();
    }
    if (cql != null) {
      cql.close();
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  // ---- ad-hoc reports

  @Test
  @Order(1)
  void twoDimensionReportIsExactAndTheSecondRequestIsACacheHit() throws Exception {
    String body = """
        {"dateRanges":[{"startDate":"%s","endDate":"%s"}],
         "dimensions":[{"name":"pagePath"},{"name":"country"}],
         "metrics":[{"name":"eventCount"},{"name":"screenPageViews"},{"name":"totalUsers"},{"name":"sessions"}],
         "limit": 1000}""".formatted(FIRST, LAST);
    HttpResponse<String> first = report(body);
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    JsonObject json = new JsonObject(first.body());
    assertThat(json.getJsonObject("metadata").getString("dataSource")).isEqualTo("recompute");
    assertThat(json.getJsonObject("metadata").getString("cache")).isEqualTo("miss");

    Map<String, Expected> expected = expectedBy(h -> h.pagePath() + "|" + h.country(), h -> true);
    assertRows(json, expected, 2);

    double scannedBefore = metric("beacon_recompute_hits_scanned_total", "kind=\"report\"");
    HttpResponse<String> second = report(body);
    assertThat(second.statusCode()).isEqualTo(200);
    JsonObject again = new JsonObject(second.body());
    assertThat(again.getJsonObject("metadata").getString("cache")).isEqualTo("hit");
    assertThat(again.getJsonArray("rows")).isEqualTo(json.getJsonArray("rows"));
    assertThat(metric("beacon_recompute_hits_scanned_total", "kind=\"report\"")).isEqualTo(scannedBefore);
    assertThat(metric("beacon_recompute_reports_total", "cache=\"hit\"")).isGreaterThanOrEqualTo(1.0);
    // Stored through the write-through cache: the row is in Cassandra.
    assertThat(cql.execute("SELECT count(*) FROM report_cache").one().getLong(0)).isGreaterThanOrEqualTo(1);
  }

  @Test
  @Order(2)
  void filteredAndCustomParameterReportsAreExact() throws Exception {
    HttpResponse<String> filtered = report("""
        {"dateRanges":[{"startDate":"%s","endDate":"%s"}],
         "dimensions":[{"name":"pagePath"}],
         "dimensionFilter":{"filter":{"fieldName":"country","stringFilter":{"value":"DE"}}},
         "metrics":[{"name":"eventCount"},{"name":"screenPageViews"},{"name":"totalUsers"},{"name":"sessions"}]}"""
        .formatted(FIRST, LAST));
    assertThat(filtered.statusCode()).as(filtered.body()).isEqualTo(200);
    assertRows(new JsonObject(filtered.body()), expectedBy(Hit::pagePath, h -> "DE".equals(h.country())), 1);

    HttpResponse<String> custom = report("""
        {"dateRanges":[{"startDate":"%s","endDate":"%s"}],
         "dimensions":[{"name":"customEvent:plan"}],
         "metrics":[{"name":"eventCount"},{"name":"screenPageViews"},{"name":"totalUsers"},{"name":"sessions"}]}"""
        .formatted(FIRST, LAST));
    assertThat(custom.statusCode()).as(custom.body()).isEqualTo(200);
    assertRows(new JsonObject(custom.body()), expectedBy(h -> h.params() == null || !h.params().containsKey("plan")
        ? "(not set)" : h.params().get("plan"), h -> true), 1);

    HttpResponse<String> user = report("""
        {"dateRanges":[{"startDate":"%s","endDate":"%s"}],
         "dimensions":[{"name":"customUser:tier"}],
         "metrics":[{"name":"eventCount"},{"name":"screenPageViews"},{"name":"totalUsers"},{"name":"sessions"}]}"""
        .formatted(FIRST, LAST));
    assertThat(user.statusCode()).as(user.body()).isEqualTo(200);
    assertRows(new JsonObject(user.body()), expectedBy(h -> h.params() == null || !h.params().containsKey("u:tier")
        ? "(not set)" : h.params().get("u:tier"), h -> true), 1);

    HttpResponse<String> csv = HTTP.send(reportRequest(filteredBody()).header("Accept", "text/csv").build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(csv.statusCode()).isEqualTo(200);
    assertThat(csv.body()).startsWith("\"pagePath\",\"eventCount\"");
  }

  // ---- funnels

  /**
   * A closed, session-scoped three-step funnel with a country breakdown through the real API (v1alpha, bearer
   * token), against plain loops over the produced hits written from docs/analytics-model.md, "Funnels": persons
   * are client ids, bots are left out, and in a closed funnel without time constraints a session's earliest pass
   * (first /pricing view, the first click after it, the first /docs view after that) is as far as any pass gets.
   */
  @Test
  @Order(2)
  void aFunnelOverRawHitsIsExactThroughTheApi() throws Exception {
    String funnel = """
        {"dateRanges":[{"startDate":"%s","endDate":"%s"}],
         "funnel":{"withinSession":true,"steps":[
           {"name":"Pricing","filterExpression":{"andGroup":{"expressions":[
             {"funnelEventFilter":{"eventName":"page_view"}},
             {"funnelFieldFilter":{"fieldName":"pagePath","stringFilter":{"value":"/pricing"}}}]}}},
           {"name":"Click","filterExpression":{"funnelEventFilter":{"eventName":"click"}}},
           {"name":"Docs","filterExpression":{"andGroup":{"expressions":[
             {"funnelEventFilter":{"eventName":"page_view"}},
             {"funnelFieldFilter":{"fieldName":"pagePath","stringFilter":{"value":"/docs"}}}]}}}]},
         "funnelBreakdown":{"breakdownDimension":{"name":"country"},"limit":3}}""".formatted(FIRST, LAST);
    HttpResponse<String> r = postWithToken("/v1alpha/properties/" + PROPERTY + ":runFunnelReport", funnel);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonObject json = new JsonObject(r.body());

    // Expected: per client, per session, the earliest pass; reached = any session's pass got there.
    Map<String, List<Hit>> byClient = humansByClient(hits);
    java.util.function.Predicate<Hit> pricing = h -> "page_view".equals(h.eventName()) && "/pricing".equals(h.pagePath());
    java.util.function.Predicate<Hit> click = h -> "click".equals(h.eventName());
    java.util.function.Predicate<Hit> docs = h -> "page_view".equals(h.eventName()) && "/docs".equals(h.pagePath());
    List<java.util.function.Predicate<Hit>> steps = List.of(pricing, click, docs);
    Map<String, long[]> users = new TreeMap<>(); // country (and "RESERVED_TOTAL") -> persons per step
    List<Long> gapsToClick = new ArrayList<>();
    java.util.TreeSet<String> leftAfterClick = new java.util.TreeSet<>(); // reached step 2, never step 3
    for (List<Hit> clientHits : byClient.values()) {
      Map<String, List<Hit>> sessions = new TreeMap<>();
      clientHits.stream().sorted(java.util.Comparator.comparingLong(Hit::ts).thenComparing(Hit::requestId))
          .forEach(h -> sessions.computeIfAbsent(h.sessionId(), s -> new ArrayList<>()).add(h));
      int best = -1;
      long earliestClick = Long.MAX_VALUE;
      long gap = -1;
      for (List<Hit> session : sessions.values()) {
        int step = 0;
        int lastPricing = -1;
        for (int i = 0; i < session.size() && step < 3; i++) {
          Hit h = session.get(i);
          if (step == 1 && pricing.test(h)) {
            lastPricing = i; // a later /pricing view before the click: the latest prior step
          }
          if (steps.get(step).test(h)) {
            if (step == 0) {
              lastPricing = i;
            }
            if (step == 1 && h.ts() < earliestClick) {
              earliestClick = h.ts();
              gap = h.ts() - session.get(lastPricing).ts();
            }
            step++;
          }
        }
        best = Math.max(best, step - 1);
      }
      if (gap >= 0) {
        gapsToClick.add(gap);
      }
      if (best < 0) {
        continue; // reached no step: counted nowhere
      }
      if (best == 1) {
        leftAfterClick.add(clientHits.get(0).clientId());
      }
      String country = clientHits.get(0).country();
      for (String key : List.of("RESERVED_TOTAL", country)) {
        long[] u = users.computeIfAbsent(key, k -> new long[3]);
        for (int s = 0; s <= best; s++) {
          u[s]++;
        }
      }
    }
    assertThat(users.get("RESERVED_TOTAL")[2]).as("persons through the whole funnel").isGreaterThan(0);
    java.util.Collections.sort(gapsToClick);
    int n = gapsToClick.size();
    double median = n % 2 == 1 ? gapsToClick.get(n / 2) / 1000.0
        : (gapsToClick.get(n / 2 - 1) + gapsToClick.get(n / 2)) / 2.0 / 1000.0;

    JsonObject table = json.getJsonObject("funnelTable");
    assertThat(table.getJsonObject("metadata").getString("dataSource")).isEqualTo("rawHits");
    assertThat(table.getJsonObject("metadata").getBoolean("exact")).isTrue();
    assertThat(table.getJsonArray("dimensionHeaders").stream().map(d -> ((JsonObject) d).getString("name")).toList())
        .containsExactly("funnelStepName", "country");
    Map<String, String[]> got = new TreeMap<>();
    for (Object o : table.getJsonArray("rows")) {
      JsonObject row = (JsonObject) o;
      JsonArray dv = row.getJsonArray("dimensionValues");
      JsonArray mv = row.getJsonArray("metricValues");
      String[] m = new String[mv.size()];
      for (int i = 0; i < m.length; i++) {
        m[i] = mv.getJsonObject(i).getString("value");
      }
      got.put(dv.getJsonObject(0).getString("value") + "|" + dv.getJsonObject(1).getString("value"), m);
    }
    List<String> names = List.of("1. Pricing", "2. Click", "3. Docs");
    for (Map.Entry<String, long[]> e : users.entrySet()) {
      long[] u = e.getValue();
      for (int s = 0; s < 3; s++) {
        String[] m = got.get(names.get(s) + "|" + e.getKey());
        assertThat(m).as("row %s %s in %s", names.get(s), e.getKey(), got.keySet()).isNotNull();
        long next = s == 2 ? u[s] : u[s + 1];
        assertThat(Long.parseLong(m[0])).as("activeUsers %s %s", names.get(s), e.getKey()).isEqualTo(u[s]);
        assertThat(Long.parseLong(m[2])).as("abandonments %s %s", names.get(s), e.getKey()).isEqualTo(u[s] - next);
        assertThat(Double.parseDouble(m[1])).as("completion rate").isCloseTo(u[s] == 0 ? 0 : (double) next / u[s],
            org.assertj.core.api.Assertions.within(1e-6));
      }
    }
    assertThat(Double.parseDouble(got.get("2. Click|RESERVED_TOTAL")[4])).as("median seconds to the click")
        .isCloseTo(median, org.assertj.core.api.Assertions.within(1e-6));
    assertThat(json.getJsonObject("funnelVisualization").getJsonArray("rows")).hasSize(3);

    // Beacon's abandonedUsersAtStep: who left after the click, as client ids for the user explorer.
    HttpResponse<String> left = postWithToken("/api/v1/properties/" + PROPERTY + ":runFunnelReport",
        funnel.replace("\"funnelBreakdown\"", "\"abandonedUsersAtStep\":2,\"funnelBreakdown\""));
    assertThat(left.statusCode()).as(left.body()).isEqualTo(200);
    JsonObject abandoned = new JsonObject(left.body()).getJsonObject("abandonedUsers");
    assertThat(abandoned.getInteger("step")).isEqualTo(2);
    assertThat(abandoned.getLong("count")).isEqualTo(leftAfterClick.size());
    assertThat(abandoned.getJsonArray("clientIds").getList()).containsExactlyElementsOf(leftAfterClick);

    // A bad definition is a 400 naming the field, on the /api/v1 alias too.
    HttpResponse<String> bad = postWithToken("/api/v1/properties/" + PROPERTY + ":runFunnelReport", """
        {"dateRanges":[{"startDate":"%s","endDate":"%s"}],
         "funnel":{"steps":[{"filterExpression":{"funnelEventFilter":{"eventName":"click"}}}]}}"""
        .formatted(FIRST, LAST));
    assertThat(bad.statusCode()).as(bad.body()).isEqualTo(400);
    assertThat(new JsonObject(bad.body()).getJsonObject("error").getString("field")).isEqualTo("funnel.steps");
  }

  /**
   * A path exploration through the real API against plain loops over the produced hits (docs/analytics-model.md,
   * "Path exploration"): sessions by their sender ids (some over midnight), from each one's first /pricing view,
   * the next three distinct pages (repeats collapsed, clicks and bots not there, "(session end)" once), the top two
   * pages per step kept and the rest folded into "(other)".
   */
  @Test
  @Order(2)
  void aPathReportOverRawHitsIsExactThroughTheApi() throws Exception {
    HttpResponse<String> r = postWithToken("/api/v1/properties/" + PROPERTY + ":runPathReport", """
        {"dateRange":{"startDate":"%s","endDate":"%s"},"direction":"forward",
         "start":{"eventName":"page_view","pagePath":"/pricing"},"nodeType":"pagePath","steps":3,"topPerStep":2}"""
        .formatted(FIRST, LAST));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonObject json = new JsonObject(r.body());

    List<List<String>> paths = new ArrayList<>();
    for (List<Hit> clientHits : humansByClient(hits).values()) {
      Map<String, List<Hit>> sessions = new TreeMap<>();
      clientHits.stream().sorted(java.util.Comparator.comparingLong(Hit::ts).thenComparing(Hit::requestId))
          .forEach(h -> sessions.computeIfAbsent(h.sessionId(), k -> new ArrayList<>()).add(h));
      for (List<Hit> session : sessions.values()) {
        List<String> path = null;
        for (Hit h : session) {
          if (!"page_view".equals(h.eventName())) {
            continue;
          }
          if (path == null) {
            if ("/pricing".equals(h.pagePath())) {
              path = new ArrayList<>(List.of("/pricing"));
            }
          } else if (path.size() < 4 && !h.pagePath().equals(path.get(path.size() - 1))) {
            path.add(h.pagePath());
          }
        }
        if (path != null) {
          if (path.size() < 4) {
            path.add("(session end)");
          }
          paths.add(path);
        }
      }
    }
    assertThat(paths.size()).as("sessions through /pricing").isGreaterThan(20);
    List<Map<String, String>> label = new ArrayList<>();
    for (int s = 0; s < 4; s++) {
      Map<String, Long> n = new java.util.HashMap<>();
      for (List<String> p : paths) {
        if (p.size() > s && !p.get(s).equals("(session end)")) {
          n.merge(p.get(s), 1L, Long::sum);
        }
      }
      List<String> values = new ArrayList<>(n.keySet());
      values.sort(java.util.Comparator.comparingLong((String v) -> -n.get(v)).thenComparing(v -> v));
      Map<String, String> l = new java.util.HashMap<>(Map.of("(session end)", "(session end)"));
      for (int i = 0; i < values.size(); i++) {
        l.put(values.get(i), i < 2 ? values.get(i) : "(other)");
      }
      label.add(l);
    }
    Map<String, Long> nodes = new TreeMap<>();
    Map<String, Long> links = new TreeMap<>();
    for (List<String> p : paths) {
      for (int s = 0; s < p.size(); s++) {
        nodes.merge(s + " " + label.get(s).get(p.get(s)), 1L, Long::sum);
        if (s > 0) {
          links.merge((s - 1) + " " + label.get(s - 1).get(p.get(s - 1)) + " -> " + label.get(s).get(p.get(s)), 1L,
              Long::sum);
        }
      }
    }
    assertThat(nodes).as("some step folded").containsKey("1 (other)");
    Map<String, Long> gotNodes = new TreeMap<>();
    json.getJsonArray("nodes").forEach(o -> {
      JsonObject n = (JsonObject) o;
      gotNodes.put(n.getInteger("step") + " " + n.getString("value"), n.getLong("sessions"));
    });
    Map<String, Long> gotLinks = new TreeMap<>();
    json.getJsonArray("links").forEach(o -> {
      JsonObject l = (JsonObject) o;
      gotLinks.put(l.getInteger("fromStep") + " " + l.getString("from") + " -> " + l.getString("to"),
          l.getLong("sessions"));
    });
    assertThat(gotNodes).isEqualTo(nodes);
    assertThat(gotLinks).isEqualTo(links);
    JsonObject md = json.getJsonObject("metadata");
    assertThat(md.getString("dataSource")).isEqualTo("rawHits");
    assertThat(md.getString("timeZone")).isEqualTo(ZONE.getId());
    assertThat(md.getLong("sessions")).isEqualTo(paths.size());

    // A bad request is a 400 naming the field.
    HttpResponse<String> bad = postWithToken("/api/v1/properties/" + PROPERTY + ":runPathReport", """
        {"dateRange":{"startDate":"%s","endDate":"%s"},"start":{"pagePath":"/pricing"},"steps":6}"""
        .formatted(FIRST, LAST));
    assertThat(bad.statusCode()).as(bad.body()).isEqualTo(400);
    assertThat(new JsonObject(bad.body()).getJsonObject("error").getString("field")).isEqualTo("steps");
  }

  /**
   * The user explorer through the real API against plain loops over the produced hits (docs/analytics-model.md,
   * "User explorer"): one client's sessions (the sender's ids), their span, engagement and landing page, events in
   * event order, bots left out; a limit lists the latest events; a user id joins the clients that carried it, in
   * its own property only.
   */
  @Test
  @Order(2)
  void aUserTimelineFromRawHitsListsThePersonsSessionsThroughTheApi() throws Exception {
    java.time.format.DateTimeFormatter iso = java.time.format.DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSXXX");
    java.util.function.LongFunction<String> local = ms -> iso.format(Instant.ofEpochMilli(ms).atZone(ZONE));
    Map<String, List<Hit>> byClient = humansByClient(hits);
    String client = byClient.entrySet().stream().max(java.util.Comparator.comparingInt(e -> e.getValue().size()))
        .orElseThrow().getKey();
    // Expected: the client's non-bot hits by their session id, each in event order; sessions by their first event.
    Map<String, List<Hit>> sessions = new java.util.HashMap<>();
    byClient.get(client).stream().sorted(java.util.Comparator.comparingLong(Hit::ts).thenComparing(Hit::requestId))
        .forEach(h -> sessions.computeIfAbsent(h.sessionId(), k -> new ArrayList<>()).add(h));
    List<List<Hit>> expected = new ArrayList<>(sessions.values());
    expected.sort(java.util.Comparator.comparingLong(l -> l.get(0).ts()));
    int events = byClient.get(client).size();

    HttpResponse<String> r = postWithToken("/api/v1/properties/" + PROPERTY + ":runUserTimeline",
        new JsonObject().put("clientId", client).put("dateRange", new JsonObject().put("startDate", FIRST.toString())
            .put("endDate", LAST.toString())).encode());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonObject json = new JsonObject(r.body());
    JsonObject person = json.getJsonObject("person");
    assertThat(person.getJsonArray("clientIds")).containsExactly(client);
    assertThat(person.getJsonArray("userIds")).isEmpty();
    assertThat(person.getLong("events")).isEqualTo(events);
    assertThat(person.getInteger("sessions")).isEqualTo(expected.size());
    assertThat(person.getString("firstSeen")).isEqualTo(local.apply(expected.get(0).get(0).ts()));
    assertThat(person.getString("country")).isEqualTo(expected.get(0).get(0).country());
    JsonArray got = json.getJsonArray("sessions");
    assertThat(got).hasSize(expected.size());
    for (int i = 0; i < expected.size(); i++) {
      List<Hit> e = expected.get(i);
      JsonObject s = got.getJsonObject(i);
      long engagement = e.stream().mapToLong(Hit::engagementMs).sum();
      long views = e.stream().filter(h -> "page_view".equals(h.eventName())).count();
      assertThat(s.getString("sessionId")).isEqualTo(e.get(0).sessionId());
      assertThat(s.getString("start")).isEqualTo(local.apply(e.get(0).ts()));
      assertThat(s.getString("end")).isEqualTo(local.apply(e.get(e.size() - 1).ts()));
      assertThat(s.getBoolean("engaged")).as(s.encode()).isEqualTo(engagement > 10_000 || views >= 2);
      assertThat(s.getString("landingPage")).isEqualTo(e.stream().filter(h -> "page_view".equals(h.eventName()))
          .map(Hit::pagePath).findFirst().orElse(null));
      assertThat(s.getJsonArray("events").stream().map(x -> ((JsonObject) x).getString("ts")).toList())
          .isEqualTo(e.stream().map(h -> local.apply(h.ts())).toList());
      assertThat(s.getJsonArray("events").stream().map(x -> ((JsonObject) x).getString("name")).toList())
          .isEqualTo(e.stream().map(Hit::eventName).toList());
    }
    assertThat(json.getJsonObject("metadata").getString("dataSource")).isEqualTo("rawHits");
    assertThat(json.getJsonObject("metadata").getString("timeZone")).isEqualTo(ZONE.getId());
    assertThat(json.getJsonObject("metadata").getBoolean("truncated")).isFalse();

    // A limit lists the latest events; the person's totals still count them all.
    HttpResponse<String> cut = postWithToken("/api/v1/properties/" + PROPERTY + ":runUserTimeline",
        new JsonObject().put("clientId", client).put("limit", 2).put("dateRange", new JsonObject()
            .put("startDate", FIRST.toString()).put("endDate", LAST.toString())).encode());
    assertThat(cut.statusCode()).as(cut.body()).isEqualTo(200);
    JsonObject cutJson = new JsonObject(cut.body());
    assertThat(cutJson.getJsonObject("metadata").getBoolean("truncated")).isTrue();
    assertThat(cutJson.getJsonObject("person").getLong("events")).isEqualTo(events);
    List<String> latest = cutJson.getJsonArray("sessions").stream().flatMap(x -> ((JsonObject) x)
        .getJsonArray("events").stream()).map(x -> ((JsonObject) x).getString("ts")).toList();
    List<Hit> all = expected.stream().flatMap(List::stream).toList();
    assertThat(latest).isEqualTo(all.subList(all.size() - 2, all.size()).stream().map(h -> local.apply(h.ts())).toList());

    // By user id: two clients of one user id in a second property (raw hits only), one hit of the second client
    // without the id, and a bot hit; the default range (the last 90 days).
    String other = "B-RECOMP2";
    cql.execute("INSERT INTO properties (property_id, name, time_zone, created_at) VALUES (?, 'Timeline test', ?, ?)",
        other, "UTC", Instant.now().minus(Duration.ofDays(2)));
    long t0 = Instant.now().minus(Duration.ofHours(3)).toEpochMilli();
    List<Hit> person2 = List.of(
        hit(200_001, "tl-a", null, t0, "page_view", "/a", "DE", null, false).toBuilder().userId("u-tl").build(),
        hit(200_002, "tl-a", null, t0 + 60_000, "page_view", "/b", "DE", null, false).toBuilder().userId("u-tl").build(),
        hit(200_003, "tl-b", "m1", t0 + 7_200_000, "page_view", "/c", "FR", null, false).toBuilder().userId("u-tl").build(),
        hit(200_004, "tl-b", "m1", t0 + 7_260_000, "click", "/c", "FR", null, false),
        hit(200_005, "tl-b", "m1", t0 + 7_270_000, "page_view", "/bot", "FR", null, true));
    for (Hit h : person2) {
      Hit p2 = h.toBuilder().propertyId(other).build();
      producer.send(new ProducerRecord<>(Topics.HITS, p2.kafkaKey().getBytes(), HitCodec.encode(p2)))
          .get(30, TimeUnit.SECONDS);
    }
    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
      HttpResponse<String> byUser = postWithToken("/api/v1/properties/" + other + ":runUserTimeline",
          "{\"user_id\":\"u-tl\"}");
      assertThat(byUser.statusCode()).as(byUser.body()).isEqualTo(200);
      JsonObject u = new JsonObject(byUser.body());
      assertThat(u.getJsonObject("person")).as(byUser.body()).isNotNull();
      assertThat(u.getJsonObject("person").getJsonArray("clientIds")).containsExactly("tl-a", "tl-b");
      assertThat(u.getJsonObject("person").getLong("events")).isEqualTo(4);
      assertThat(u.getJsonArray("sessions").stream().map(x -> ((JsonObject) x).getString("sessionId")).toList())
          .containsExactly("auto." + t0, "m1");
      assertThat(u.getJsonArray("sessions").getJsonObject(1).getJsonArray("events")).hasSize(2);
    });
    // The id is looked for in the property asked about only; an unknown person is an empty timeline.
    HttpResponse<String> elsewhere = postWithToken("/api/v1/properties/" + PROPERTY + ":runUserTimeline",
        "{\"userId\":\"u-tl\"}");
    assertThat(elsewhere.statusCode()).as(elsewhere.body()).isEqualTo(200);
    assertThat(new JsonObject(elsewhere.body()).getJsonArray("sessions")).isEmpty();
    // Both ids: 400 naming the field.
    HttpResponse<String> bad = postWithToken("/api/v1/properties/" + PROPERTY + ":runUserTimeline",
        "{\"clientId\":\"a\",\"userId\":\"b\"}");
    assertThat(bad.statusCode()).as(bad.body()).isEqualTo(400);
    assertThat(new JsonObject(bad.body()).getJsonObject("error").getString("field")).isEqualTo("userId");
  }

  /**
   * A cohort report (runReport with a cohortSpec) through the real API against plain loops over the produced hits
   * (docs/analytics-model.md, "Retention cohorts"): persons first seen on the first day are in first_visits, which
   * the stream wrote, so they are in no cohort of the later days even though the read starts after their first day.
   */
  @Test
  @Order(2)
  void aCohortReportOverRawHitsIsExactThroughTheApi() throws Exception {
    LocalDate d1 = FIRST.plusDays(1);
    LocalDate d2 = FIRST.plusDays(2);
    String cohorts = """
        {"dimensions":[{"name":"cohortNthDay"},{"name":"cohort"}],
         "metrics":[{"name":"cohortActiveUsers"},{"name":"cohortTotalUsers"}],
         "keepEmptyRows":true,
         "cohortSpec":{
           "cohorts":[{"name":"d1","dimension":"firstSessionDate","dateRange":{"startDate":"%s","endDate":"%s"}},
                      {"name":"d2","dimension":"firstSessionDate","dateRange":{"startDate":"%s","endDate":"%s"}}],
           "cohortsRange":{"granularity":"DAILY","startOffset":0,"endOffset":1},
           "returnOn":{"funnelEventFilter":{"eventName":"click"}}}}""".formatted(d1, d1, d2, d2);
    HttpResponse<String> r = postWithToken("/v1beta/properties/" + PROPERTY + ":runReport", cohorts);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonObject json = new JsonObject(r.body());

    // Expected: a person's first session day is the local day of their earliest non-bot hit ever; active on a day
    // with a non-bot click.
    Map<String, List<Hit>> byClient = humansByClient(hits);
    Map<String, long[]> expected = new TreeMap<>(); // "nnnn|cohort" -> {active, total}
    int firstSeenBefore = 0;
    for (List<Hit> clientHits : byClient.values()) {
      long first = clientHits.stream().mapToLong(Hit::ts).min().orElseThrow();
      LocalDate firstDay = java.time.Instant.ofEpochMilli(first).atZone(ZONE).toLocalDate();
      if (firstDay.isBefore(d1)) {
        firstSeenBefore++;
      }
      for (LocalDate c : List.of(d1, d2)) {
        if (!firstDay.equals(c)) {
          continue;
        }
        String name = c.equals(d1) ? "d1" : "d2";
        for (int n = 0; n <= 1; n++) {
          LocalDate day = c.plusDays(n);
          boolean active = clientHits.stream().anyMatch(h -> "click".equals(h.eventName())
              && java.time.Instant.ofEpochMilli(h.ts()).atZone(ZONE).toLocalDate().equals(day));
          long[] row = expected.computeIfAbsent("000" + n + "|" + name, k -> new long[2]);
          row[0] += active ? 1 : 0;
          row[1]++;
        }
      }
    }
    assertThat(firstSeenBefore).as("persons first seen before the cohorts").isPositive();
    assertThat(expected.get("0000|d1")[1]).as("persons first seen on %s", d1).isPositive();
    for (String n : List.of("0000", "0001")) {
      for (String c : List.of("d1", "d2")) {
        expected.putIfAbsent(n + "|" + c, new long[2]);
      }
    }
    assertThat(json.getJsonObject("metadata").getString("dataSource")).isEqualTo("rawHits");
    assertThat(json.getJsonObject("metadata").getBoolean("exact")).isTrue();
    assertThat(json.getJsonArray("dimensionHeaders").stream().map(d -> ((JsonObject) d).getString("name")).toList())
        .containsExactly("cohortNthDay", "cohort");
    Map<String, long[]> got = new TreeMap<>();
    for (Object o : json.getJsonArray("rows")) {
      JsonObject row = (JsonObject) o;
      JsonArray dv = row.getJsonArray("dimensionValues");
      JsonArray mv = row.getJsonArray("metricValues");
      got.put(dv.getJsonObject(0).getString("value") + "|" + dv.getJsonObject(1).getString("value"), new long[] {
          Long.parseLong(mv.getJsonObject(0).getString("value")), Long.parseLong(mv.getJsonObject(1).getString("value"))});
    }
    assertThat(got.keySet()).isEqualTo(expected.keySet());
    expected.forEach((k, v) -> assertThat(got.get(k)).as(k).containsExactly(v));

    // A bad cohort request is a 400 naming the field, on the /api/v1 alias too.
    HttpResponse<String> bad = postWithToken("/api/v1/properties/" + PROPERTY + ":runReport",
        cohorts.replace("\"DAILY\"", "\"HOURLY\""));
    assertThat(bad.statusCode()).as(bad.body()).isEqualTo(400);
    assertThat(new JsonObject(bad.body()).getJsonObject("error").getString("field"))
        .isEqualTo("cohortSpec.cohortsRange.granularity");
  }

  // ---- corrections

  @Test
  @Order(3)
  void recomputingDaysTheStreamCoveredReproducesItsNumbersExactly() throws Exception {
    Map<BucketKey, MetricState> stream = rows();
    assertThat(stream).isNotEmpty();
    JsonObject job = runJob(FIRST, LAST);
    assertThat(job.getJsonObject("progress").getInteger("daysDone")).isEqualTo(4);
    // Each day's read reaches 12 h into its neighbours (whole sessions at its edges): every hit, some twice.
    assertThat(job.getJsonObject("progress").getLong("hitsScanned")).isBetween((long) hits.size(), 3L * hits.size());
    Map<BucketKey, MetricState> rebuilt = rows();
    assertSameNumbers(rebuilt, stream);
    assertThat(cql.execute("SELECT writer_id FROM agg_buckets WHERE property_id = ? AND granularity = 'day'"
        + " AND period = ? AND dimension = '(total)'", PROPERTY, FIRST.toString().substring(0, 7)).one().getString(0))
        .startsWith("recompute:");
  }

  @Test
  @Order(4)
  void lateHitsAreCountedOnceTheirDayIsRecomputed() throws Exception {
    LocalDate day = FIRST.plusDays(1);
    long before = dayTotal(day).eventCount();
    long ts = day.atTime(13, 0).atZone(ZONE).toInstant().toEpochMilli();
    Hit late = hit(9_999, "c-late", "s-late", ts, System.currentTimeMillis(), "page_view", "/docs", "DE", "pro",
        false);
    produce(List.of(late));
    LATER.add(late);
    // Spark routes it to the dirty buckets (it is 10 days late); recompute rebuilds the day from raw hits.
    await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(2))
        .untilAsserted(() -> assertThat(dayTotal(day).eventCount()).isEqualTo(before + 1));
    HttpResponse<String> list = new ApiClient(node.queryPort, token).get("/api/v1/admin/recompute?property=" + PROPERTY);
    assertThat(new JsonObject(list.body()).getJsonArray("jobs").stream()
        .map(j -> ((JsonObject) j).getString("reason")).toList()).contains("late-hits", "admin");
  }

  @Test
  @Order(5)
  void aJobWhoseNodeIsKilledResumesAfterRestartWithCorrectResults() throws Exception {
    Map<BucketKey, MetricState> expected = rows();
    cql.execute("TRUNCATE agg_buckets");
    ApiClient api = new ApiClient(node.queryPort, token);
    HttpResponse<String> started = api.post("/api/v1/admin/recompute", new JsonObject().put("property", PROPERTY)
        .put("from", FIRST.toString()).put("to", LAST.toString()).encode());
    assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
    String id = new JsonObject(started.body()).getString("jobId");
    await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200)).until(() -> {
      int done = jobRow(id).getInt("days_done");
      return done >= 1 && done < 4;
    });
    node.kill();
    node.restart().awaitReady(Duration.ofSeconds(180));
    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
        .until(() -> "done".equals(jobRow(id).getString("status")));
    assertThat(jobRow(id).getInt("lease_version")).as("resumed by a second runner").isGreaterThanOrEqualTo(2);
    assertSameNumbers(rows(), expected);
  }

  @Test
  @Order(6)
  void badRecomputeRequestsAreRejectedWithTheField() throws Exception {
    ApiClient api = new ApiClient(node.queryPort, token);
    HttpResponse<String> open = api.post("/api/v1/admin/recompute", new JsonObject().put("property", PROPERTY)
        .put("from", LocalDate.now(ZONE).minusDays(1).toString()).put("to", LocalDate.now(ZONE).toString()).encode());
    assertThat(open.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(open.body()).getJsonObject("error").getString("field")).isEqualTo("to");
    HttpResponse<String> reversed = api.post("/api/v1/admin/recompute", new JsonObject().put("property", PROPERTY)
        .put("from", LAST.toString()).put("to", FIRST.toString()).encode());
    assertThat(reversed.statusCode()).isEqualTo(400);
    HttpResponse<String> missing = api.get("/api/v1/admin/recompute/job-nope");
    assertThat(missing.statusCode()).isEqualTo(404);
    HttpResponse<String> unknown = api.post("/api/v1/admin/recompute", new JsonObject().put("property", "B-NOPE")
        .put("from", FIRST.toString()).put("to", LAST.toString()).encode());
    assertThat(unknown.statusCode()).isEqualTo(404);
  }

  @Test
  @Order(7)
  void theCliRunsAJobWithAProgressBarAndManagesProperties() throws Exception {
    Map<String, String> env = Map.of("BEACON_URL", "http://127.0.0.1:" + node.queryPort, "BEACON_TOKEN", token);
    java.io.PrintStream stdout = System.out;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    int code;
    try {
      System.setOut(new java.io.PrintStream(captured, true));
      code = io.beacon.cli.ApiCli.run("recompute", new String[] {"--property", PROPERTY, "--from", LAST.toString(),
          "--to", LAST.toString(), "--no-wait"}, env);
    } finally {
      System.setOut(stdout);
    }
    assertThat(code).isZero();
    String id = captured.toString().trim();
    assertThat(io.beacon.cli.ApiCli.run("recompute", new String[] {"--status", id}, env)).isZero(); // waits until done
    assertThat(jobRow(id).getString("status")).isEqualTo("done");
    assertThat(io.beacon.cli.ApiCli.run("recompute", new String[] {"--property", PROPERTY, "--from", LAST.toString(),
        "--to", FIRST.toString()}, env)).as("refused: to before from").isEqualTo(3);
    String created = cli(env, "property", "create", "--name", "From the CLI", "--time-zone", "Europe/Paris",
        "--hosts", "cli.example", "--key-events", "sign_up");
    String cliProperty = new JsonObject(created).getString("propertyId");
    cli(env, "key-event", "add", "--property", cliProperty, "purchase");
    cli(env, "property", "update", cliProperty, "--respect-dnt", "true", "--session-timeout-minutes", "45");
    Row stored = cql.execute("SELECT allowed_hostnames, key_events, respect_dnt, session_timeout_minutes, time_zone"
        + " FROM properties WHERE property_id = ?", cliProperty).one();
    assertThat(stored.getSet(0, String.class)).containsExactly("cli.example");
    assertThat(stored.getSet(1, String.class)).containsExactlyInAnyOrder("sign_up", "purchase");
    assertThat(stored.getBoolean(2)).isTrue();
    assertThat(stored.getInt(3)).isEqualTo(45);
    assertThat(stored.getString(4)).as("unchanged by the update").isEqualTo("Europe/Paris");
    assertThat(io.beacon.cli.ApiCli.run("property", new String[] {"list"}, Map.of("BEACON_URL",
        "http://127.0.0.1:" + node.queryPort))).as("no token: 401").isEqualTo(3);
  }

  /** Runs a CLI command against the node; returns its stdout (asserting exit code 0). */
  private static String cli(Map<String, String> env, String command, String... args) {
    java.io.PrintStream stdout = System.out;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    int code;
    try {
      System.setOut(new java.io.PrintStream(captured, true));
      code = io.beacon.cli.ApiCli.run(command, args, env);
    } finally {
      System.setOut(stdout);
    }
    assertThat(code).as(command + " " + String.join(" ", args)).isZero();
    return captured.toString(java.nio.charset.StandardCharsets.UTF_8);
  }

  @Test
  @Order(8)
  void aRunningJobCanBeCancelled() throws Exception {
    ApiClient api = new ApiClient(node.queryPort, token);
    HttpResponse<String> started = api.post("/api/v1/admin/recompute", new JsonObject().put("property", PROPERTY)
        .put("from", FIRST.toString()).put("to", LAST.toString()).encode());
    assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
    String id = new JsonObject(started.body()).getString("jobId");
    HttpResponse<String> cancel = api.delete("/api/v1/admin/recompute/" + id);
    assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(200);
    assertThat(new JsonObject(cancel.body()).getBoolean("cancelRequested")).isTrue();
    await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500))
        .until(() -> "cancelled".equals(new JsonObject(api.get("/api/v1/admin/recompute/" + id).body())
            .getString("status")));
    assertThat(jobRow(id).getInt("days_done")).isLessThan(4);
  }

  @Test
  @Order(9)
  void keyEventsApplyToHistory() throws Exception {
    ApiClient api = new ApiClient(node.queryPort, token);
    // PATCH changes what it names only: the name and zone stay, and nothing is rebuilt.
    HttpResponse<String> renamed = api.send("PATCH", "/api/v1/admin/properties/" + PROPERTY,
        "{\"allowedHostnames\":[\"example.com\"]}");
    assertThat(renamed.statusCode()).as(renamed.body()).isEqualTo(200);
    assertThat(new JsonObject(renamed.body()).getString("name")).isEqualTo("Recompute test");
    assertThat(new JsonObject(renamed.body()).getString("timeZone")).isEqualTo(ZONE.getId());
    assertThat(new JsonObject(renamed.body()).containsKey("historyRecompute")).isFalse();

    // Every hit was stamped key_event = false when it arrived; "click" becomes a key event now.
    HttpResponse<String> patched = api.send("PATCH", "/api/v1/admin/properties/" + PROPERTY, "{\"keyEvents\":[\"click\"]}");
    assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
    JsonObject history = new JsonObject(patched.body()).getJsonObject("historyRecompute");
    assertThat(history.getString("reason")).isEqualTo("key-events");
    assertThat(history.getString("from")).isEqualTo(FIRST.minusDays(4).toString());
    List<JsonObject> jobs = history.getJsonArray("jobs").stream().map(j -> (JsonObject) j).toList();
    // The closed days at once; the days still open to the stream in a job that waits until they close.
    assertThat(jobs).hasSize(2);
    assertThat(jobs.get(1).getString("to")).isEqualTo(LocalDate.now(ZONE).toString());
    String closed = jobs.get(0).getString("jobId");
    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
        .until(() -> "done".equals(jobRow(closed).getString("status")));
    assertThat(jobRow(jobs.get(1).getString("jobId")).getString("status")).isEqualTo("queued");

    for (LocalDate day = FIRST; !day.isAfter(LAST); day = day.plusDays(1)) {
      LocalDate d = day;
      long clicks = hits.stream().filter(h -> !Boolean.TRUE.equals(h.isBot()) && h.eventName().equals("click")
          && LocalDate.ofInstant(java.time.Instant.ofEpochMilli(h.ts()), ZONE).equals(d)).count();
      assertThat(clicks).isPositive();
      assertThat(dayTotal(day).keyEvents()).as("key events on %s", day).isEqualTo(clicks);
    }
    // Reports from raw hits count by the new names too (and are not answered from a cache filled before).
    HttpResponse<String> byPath = report("""
        {"dateRanges":[{"startDate":"%s","endDate":"%s"}],
         "dimensions":[{"name":"pagePath"},{"name":"country"}],
         "metrics":[{"name":"keyEvents"}]}""".formatted(FIRST, LAST));
    assertThat(byPath.statusCode()).as(byPath.body()).isEqualTo(200);
    long reported = new JsonObject(byPath.body()).getJsonArray("rows").stream()
        .mapToLong(r -> Long.parseLong(((JsonObject) r).getJsonArray("metricValues").getJsonObject(0).getString("value")))
        .sum();
    assertThat(reported).isEqualTo(hits.stream().filter(h -> !Boolean.TRUE.equals(h.isBot())
        && h.eventName().equals("click")).count());

    // Session settings apply to history the same way (their effect on numbers: AccuracyTest's blog property).
    // These hits carry sender session ids and two page views each session: the rebuilt days keep their counts.
    MetricState before = dayTotal(FIRST);
    HttpResponse<String> timeout = api.send("PATCH", "/api/v1/admin/properties/" + PROPERTY,
        "{\"sessionTimeoutMinutes\":45,\"engagedSessionSeconds\":15}");
    assertThat(timeout.statusCode()).as(timeout.body()).isEqualTo(200);
    JsonObject settings = new JsonObject(timeout.body());
    assertThat(settings.getInteger("sessionTimeoutMinutes")).isEqualTo(45);
    assertThat(settings.getInteger("engagedSessionSeconds")).isEqualTo(15);
    JsonObject rebuild = settings.getJsonObject("historyRecompute");
    assertThat(rebuild.getString("reason")).isEqualTo("session-settings");
    String closedAgain = rebuild.getJsonArray("jobs").getJsonObject(0).getString("jobId");
    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
        .until(() -> "done".equals(jobRow(closedAgain).getString("status")));
    MetricState after = dayTotal(FIRST);
    assertThat(after.sessions()).isEqualTo(before.sessions());
    assertThat(after.engagedSessions()).isEqualTo(before.engagedSessions());
    HttpResponse<String> out = api.send("PATCH", "/api/v1/admin/properties/" + PROPERTY,
        "{\"sessionTimeoutMinutes\":4}");
    assertThat(out.statusCode()).isEqualTo(400);
    assertThat(out.body()).contains("sessionTimeoutMinutes", "from 5 to 475");
  }

  // ---- right to erasure

  private static final String ERASED_CLIENT = "c-erased";
  private static final String ERASED_USER = "u-erased";

  @Test
  @Order(10)
  void anErasedClientAndUserAreInNoStoreNorReportAfterAKafkaReplayAndASparkRestart() throws Exception {
    // What the aggregates and a report hold without the two persons (after the tests before: settled).
    Map<BucketKey, MetricState> before = rows();
    List<Hit> kept = new ArrayList<>(hits);
    kept.addAll(LATER);
    Map<String, Expected> byPath = expectedBy(kept, Hit::pagePath, h -> true);
    // One person known by client id, one by user id (on a client of their own), on days closed to the stream, on a
    // page nobody else visits: every row of it must go.
    List<Hit> counted = erasedPersonsHits(0, 30);
    produce(counted);
    List<Hit> all = new ArrayList<>(kept);
    all.addAll(counted);
    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
        .failFast("the Spark job exited", () -> !spark.isAlive())
        .untilAsserted(() -> assertThat(streamEvents()).isEqualTo(expectedEvents(all)));
    // The job stops once its last micro-batch is committed to the checkpoint (a stop interrupts a running batch, which
    // the restart would read again: its hits would be dropped as erased too, and the count below would not be theirs
    // alone); more of their hits arrive, received before the erasure: the job meets them after its restart.
    await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200))
        .until(() -> lastBatch("offsets") >= 0 && lastBatch("offsets") == lastBatch("commits"));
    spark.close();
    List<Hit> unread = erasedPersonsHits(30, 20);
    produce(unread);
    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
        .untilAsserted(() -> assertThat(rawCount()).isEqualTo(kept.size() + 50L));

    ApiClient api = new ApiClient(node.queryPort, token);
    for (JsonObject person : List.of(new JsonObject().put("clientId", ERASED_CLIENT),
        new JsonObject().put("userId", ERASED_USER))) {
      HttpResponse<String> erased = api.post("/api/v1/admin/erasures", person.put("property", PROPERTY).encode());
      assertThat(erased.statusCode()).as(erased.body()).isEqualTo(200);
      JsonObject result = new JsonObject(erased.body());
      assertThat(result.getLong("rowsErased")).as(erased.body()).isEqualTo(25L);
      String closed = result.getJsonObject("historyRecompute").getJsonArray("jobs").getJsonObject(0).getString("jobId");
      await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
          .until(() -> "done".equals(jobRow(closed).getString("status")));
    }

    // The bridge reads the hits topic again from where this class's hits begin (its group's offsets moved back while
    // the node is stopped), and the Spark job resumes from its checkpoint, where the unread hits wait.
    node.stop();
    try (Admin kafka = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrap()))) {
      Map<TopicPartition, OffsetAndMetadata> from = new HashMap<>();
      hitsFrom.forEach((tp, offset) -> from.put(tp, new OffsetAndMetadata(offset)));
      kafka.alterConsumerGroupOffsets(io.beacon.bridge.RawHitsConsumer.GROUP, from).all().get(60, TimeUnit.SECONDS);
    }
    node.restart().awaitReady(Duration.ofSeconds(180));
    long logFrom = java.nio.file.Files.size(sparkLog);
    spark.start();
    Map<TopicPartition, Long> end = endOffsets();
    await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
        .until(() -> committed(io.beacon.bridge.RawHitsConsumer.GROUP).equals(end));
    await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
        .failFast("the Spark job exited", () -> !spark.isAlive())
        .untilAsserted(() -> assertThat(droppedAsErased(logFrom)).isEqualTo(unread.size()));

    // QuestDB: none of their hits, every other one once.
    assertThat(questdb.preparedQuery("SELECT count() FROM hits WHERE property_id = $1 AND (client_id = $2 OR user_id = $3)")
        .execute(Tuple.of(PROPERTY, ERASED_CLIENT, ERASED_USER)).toCompletionStage().toCompletableFuture()
        .get(30, TimeUnit.SECONDS).iterator().next().getLong(0)).isZero();
    assertThat(rawCount()).isEqualTo(kept.size());
    // Cassandra: no first visit of the erased client; the aggregates exactly as without them (no row of their page).
    assertThat(cql.execute("SELECT first_ts FROM first_visits WHERE property_id = ? AND client_id = ?", PROPERTY,
        ERASED_CLIENT).one()).isNull();
    assertSameNumbers(rows(), before);
    // And the report.
    HttpResponse<String> report = report("""
        {"dateRanges":[{"startDate":"%s","endDate":"%s"}],
         "dimensions":[{"name":"pagePath"}],
         "metrics":[{"name":"eventCount"},{"name":"screenPageViews"},{"name":"totalUsers"},{"name":"sessions"}]}"""
        .formatted(FIRST, LAST));
    assertThat(report.statusCode()).as(report.body()).isEqualTo(200);
    assertRows(new JsonObject(report.body()), byPath, 1);
  }

  /** The highest micro-batch id in the Spark job's checkpoint directory {@code dir} (offsets, commits), -1 if none. */
  private static long lastBatch(String dir) throws java.io.IOException {
    java.nio.file.Path d = checkpoint.resolve(dir);
    if (!java.nio.file.Files.isDirectory(d)) {
      return -1;
    }
    try (var files = java.nio.file.Files.list(d)) {
      return files.map(f -> f.getFileName().toString()).filter(n -> n.matches("\\d+")).mapToLong(Long::parseLong)
          .max().orElse(-1);
    }
  }

  /** Hits {@code from..from+n} of the two persons to erase, alternating, on the page {@code /erased}. */
  private static List<Hit> erasedPersonsHits(int from, int n) {
    List<Hit> out = new ArrayList<>();
    long start = FIRST.atStartOfDay(ZONE).toInstant().toEpochMilli() + 3_600_000L;
    for (int i = from; i < from + n; i++) {
      boolean byUser = i % 2 == 1;
      Hit h = hit(100_000 + i, byUser ? "c-erased-user" : ERASED_CLIENT, (byUser ? "s-u-" : "s-c-") + i / 5,
          start + i * 86_400_000L / 20, "page_view", "/erased", "DE", null, false);
      out.add(byUser ? h.toBuilder().userId(ERASED_USER).build() : h);
    }
    return out;
  }

  private static Map<TopicPartition, Long> endOffsets() throws Exception {
    try (Admin kafka = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrap()))) {
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      kafka.describeTopics(List.of(Topics.HITS)).allTopicNames().get(60, TimeUnit.SECONDS).get(Topics.HITS).partitions()
          .forEach(p -> latest.put(new TopicPartition(Topics.HITS, p.partition()), OffsetSpec.latest()));
      Map<TopicPartition, Long> out = new HashMap<>();
      kafka.listOffsets(latest).all().get(60, TimeUnit.SECONDS).forEach((tp, info) -> out.put(tp, info.offset()));
      return out;
    }
  }

  private static Map<TopicPartition, Long> committed(String group) throws Exception {
    try (Admin kafka = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrap()))) {
      Map<TopicPartition, Long> out = new HashMap<>();
      kafka.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(60, TimeUnit.SECONDS)
          .forEach((tp, o) -> {
            if (tp.topic().equals(Topics.HITS) && o != null) {
              out.put(tp, o.offset());
            }
          });
      return out;
    }
  }

  /** The Spark job's count of erased persons' hits dropped, from its batch log lines written after {@code from}. */
  private static long droppedAsErased(long from) throws Exception {
    String log;
    try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(sparkLog.toFile(), "r")) {
      f.seek(from);
      byte[] b = new byte[(int) (f.length() - from)];
      f.readFully(b);
      log = new String(b, java.nio.charset.StandardCharsets.UTF_8);
    }
    long sum = 0;
    Matcher m = Pattern.compile("(\\d+) of erased persons dropped").matcher(log);
    while (m.find()) {
      sum += Long.parseLong(m.group(1));
    }
    return sum;
  }

  // ---- data and the independent answer

  private static List<Hit> generate(int n) {
    Random rnd = new Random(7);
    long start = FIRST.atStartOfDay(ZONE).toInstant().toEpochMilli();
    long span = LAST.plusDays(1).atStartOfDay(ZONE).toInstant().toEpochMilli() - start;
    List<Hit> out = new ArrayList<>();
    // Each of a client's three sessions starts at a random time of the four days and lasts up to two hours (some
    // across midnight): whole within recompute's read margin, as real sessions are.
    long[][] sessionStarts = new long[80][3];
    for (long[] starts : sessionStarts) {
      for (int k = 0; k < starts.length; k++) {
        starts[k] = start + (long) (rnd.nextDouble() * (span - 7_200_000L));
      }
    }
    for (int i = 0; i < n; i++) {
      int client = rnd.nextInt(80);
      int session = rnd.nextInt(3);
      String plan = switch (rnd.nextInt(3)) {
        case 0 -> "free";
        case 1 -> "pro";
        default -> null;
      };
      out.add(hit(i, "c" + client, "s" + client + "-" + session,
          sessionStarts[client][session] + (long) (rnd.nextDouble() * 7_200_000L),
          rnd.nextInt(3) > 0 ? "page_view" : "click", PATHS.get(rnd.nextInt(PATHS.size())),
          COUNTRIES.get(client % COUNTRIES.size()), plan, rnd.nextInt(25) == 0));
    }
    return out;
  }

  private static Hit hit(int i, String client, String session, long ts, String event, String path, String country,
                         String plan, boolean bot) {
    return hit(i, client, session, ts, ts + 500, event, path, country, plan, bot);
  }

  private static Hit hit(int i, String client, String session, long ts, long receivedAt, String event, String path,
                         String country, String plan, boolean bot) {
    return Hit.builder()
        .propertyId(PROPERTY)
        .clientId(client)
        .requestId("rq-" + i)
        .sessionId(session)
        .sessionNumber(1)
        .ts(ts)
        .receivedAt(receivedAt)
        .eventName(event)
        // A user property beside the event parameter, as the MP parser keeps user_properties (customUser:tier).
        .params(plan == null ? null : Map.of("plan", plan, "u:tier", client.hashCode() % 2 == 0 ? "gold" : "silver"))
        .engagementMs((long) (i % 7) * 1000)
        .sessionEngaged(i % 2 == 0)
        .keyEvent(false)
        .firstVisit(i % 10 == 0)
        .sessionStart(i % 5 == 0)
        .hostname("example.com")
        .pagePath(path)
        .deviceCategory("desktop")
        .browser("Chrome")
        .os("Linux")
        .country(country)
        .isBot(bot)
        .protocol("test")
        .schemaVersion(Hit.SCHEMA_VERSION)
        .build();
  }

  private static void produce(List<Hit> batch) throws Exception {
    List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
    for (Hit h : batch) {
      byte[] key = h.kafkaKey().getBytes();
      sent.add(producer.send(new ProducerRecord<>(Topics.HITS, key, HitCodec.encode(h))));
      sent.add(producer.send(new ProducerRecord<>(STREAM_TOPIC, key, HitCodec.encode(h))));
    }
    for (var f : sent) {
      f.get(30, TimeUnit.SECONDS);
    }
  }

  /** Sums and exact sets of one group. */
  private static final class Expected {
    long events;
    long views;
    final Set<String> users = new HashSet<>();
    final Set<String> sessions = new HashSet<>();
  }

  private static Map<String, Expected> expectedBy(java.util.function.Function<Hit, String> key,
                                                  java.util.function.Predicate<Hit> filter) {
    return expectedBy(hits, key, filter);
  }

  private static Map<String, Expected> expectedBy(List<Hit> source, java.util.function.Function<Hit, String> key,
                                                  java.util.function.Predicate<Hit> filter) {
    Map<String, Expected> out = new TreeMap<>();
    for (Hit h : source) {
      if (Boolean.TRUE.equals(h.isBot()) || !filter.test(h)) {
        continue;
      }
      Expected e = out.computeIfAbsent(key.apply(h), k -> new Expected());
      e.events++;
      if ("page_view".equals(h.eventName())) {
        e.views++;
      }
      e.users.add(h.clientId());
      e.sessions.add(h.clientId() + "/" + h.sessionId());
    }
    return out;
  }

  /** Rows of metrics eventCount, screenPageViews, totalUsers, sessions, keyed by the dimension values joined by "|". */
  private static void assertRows(JsonObject report, Map<String, Expected> expected, int dims) {
    Map<String, long[]> actual = new TreeMap<>();
    for (Object o : report.getJsonArray("rows")) {
      JsonObject r = (JsonObject) o;
      List<String> dv = r.getJsonArray("dimensionValues").stream().map(v -> ((JsonObject) v).getString("value")).toList();
      JsonArray mv = r.getJsonArray("metricValues");
      long[] m = new long[4];
      for (int i = 0; i < 4; i++) {
        m[i] = Long.parseLong(mv.getJsonObject(i).getString("value"));
      }
      assertThat(dv).hasSize(dims);
      actual.put(String.join("|", dv), m);
    }
    assertThat(actual.keySet()).isEqualTo(expected.keySet());
    expected.forEach((k, e) -> {
      long[] a = actual.get(k);
      assertThat(a[0]).as("eventCount of " + k).isEqualTo(e.events);
      assertThat(a[1]).as("screenPageViews of " + k).isEqualTo(e.views);
      // Small sets are exact in the HLL's list mode; allow the stated bound anyway.
      assertThat((double) a[2]).as("totalUsers of " + k).isCloseTo(e.users.size(), org.assertj.core.data.Offset
          .offset(Math.max(1, e.users.size() * 3 * MetricState.RELATIVE_STANDARD_ERROR)));
      assertThat((double) a[3]).as("sessions of " + k).isCloseTo(e.sessions.size(), org.assertj.core.data.Offset
          .offset(Math.max(1, e.sessions.size() * 3 * MetricState.RELATIVE_STANDARD_ERROR)));
    });
  }

  private static long expectedEvents(List<Hit> hs) {
    return hs.stream().filter(h -> !Boolean.TRUE.equals(h.isBot())).count();
  }

  private static String filteredBody() {
    return """
        {"dateRanges":[{"startDate":"%s","endDate":"%s"}],
         "dimensions":[{"name":"pagePath"}],
         "dimensionFilter":{"filter":{"fieldName":"country","stringFilter":{"value":"DE"}}},
         "metrics":[{"name":"eventCount"}]}""".formatted(FIRST, LAST);
  }

  private static HttpRequest.Builder reportRequest(String body) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.queryPort + "/api/v1/properties/" + PROPERTY
            + ":runReport")).header("Authorization", "Bearer " + token).timeout(Duration.ofMinutes(2))
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }

  /** POSTs {@code body} to the query port's {@code path} with the test's API token. */
  private static HttpResponse<String> postWithToken(String path, String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.queryPort + path))
        .header("Authorization", "Bearer " + token).timeout(Duration.ofMinutes(2))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The non-bot hits of {@code hits} by client id, each client's in the order given. */
  private static Map<String, List<Hit>> humansByClient(List<Hit> hits) {
    Map<String, List<Hit>> byClient = new TreeMap<>();
    for (Hit h : hits) {
      if (!Boolean.TRUE.equals(h.isBot())) {
        byClient.computeIfAbsent(h.clientId(), c -> new ArrayList<>()).add(h);
      }
    }
    return byClient;
  }

  private static HttpResponse<String> report(String body) throws Exception {
    return HTTP.send(reportRequest(body).header("Accept", "application/json").build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Starts an admin job and waits until it is done; returns its final JSON. */
  private static JsonObject runJob(LocalDate from, LocalDate to) throws Exception {
    ApiClient api = new ApiClient(node.queryPort, token);
    HttpResponse<String> started = api.post("/api/v1/admin/recompute", new JsonObject().put("property", PROPERTY)
        .put("from", from.toString()).put("to", to.toString()).encode());
    assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
    String location = started.headers().firstValue("Location").orElseThrow();
    JsonObject[] last = new JsonObject[1];
    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).until(() -> {
      HttpResponse<String> r = api.get(location);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      last[0] = new JsonObject(r.body());
      assertThat(last[0].getString("status")).isIn("queued", "running", "done");
      return "done".equals(last[0].getString("status"));
    });
    return last[0];
  }

  private static Row jobRow(String id) {
    return cql.execute("SELECT status, days_done, lease_version FROM recompute_jobs WHERE job_id = ?", id).one();
  }

  private static long streamEvents() {
    long total = 0;
    for (Map.Entry<BucketKey, MetricState> e : rows().entrySet()) {
      if (e.getKey().isTotal() && e.getKey().granularity() == Granularity.DAY) {
        total += e.getValue().eventCount();
      }
    }
    return total;
  }

  private static MetricState dayTotal(LocalDate day) {
    Row r = cql.execute("SELECT screen_page_views, event_count, key_events, engagement_ms, new_users, bot_hits,"
        + " users_hll, sessions_hll, engaged_sessions_hll, active_users_hll FROM agg_buckets WHERE property_id = ? AND granularity = 'day'"
        + " AND period = ? AND dimension = '(total)' AND bucket_start = ?", PROPERTY, day.toString().substring(0, 7),
        day.atStartOfDay(ZONE).toInstant()).one();
    return r == null ? new MetricState() : state(r);
  }

  private static Map<BucketKey, MetricState> rows() {
    Map<BucketKey, MetricState> out = new HashMap<>();
    for (Row r : cql.execute("SELECT * FROM agg_buckets")) {
      if (!PROPERTY.equals(r.getString("property_id"))) {
        continue;
      }
      out.put(new BucketKey(PROPERTY, Granularity.ofCode(r.getString("granularity")), r.getString("period"),
          r.getInstant("bucket_start").toEpochMilli(), r.getString("dimension"), r.getString("dim_value")), state(r));
    }
    return out;
  }

  private static MetricState state(Row r) {
    return MetricState.of(r.getLong("screen_page_views"), r.getLong("event_count"), r.getLong("key_events"),
        r.getLong("engagement_ms"), r.getLong("new_users"), r.getLong("bot_hits"), bytes(r.getByteBuffer("users_hll")),
        bytes(r.getByteBuffer("sessions_hll")), bytes(r.getByteBuffer("engaged_sessions_hll")),
        bytes(r.getByteBuffer("active_users_hll")));
  }

  private static void assertSameNumbers(Map<BucketKey, MetricState> actual, Map<BucketKey, MetricState> expected) {
    assertThat(actual.keySet()).isEqualTo(expected.keySet());
    expected.forEach((k, e) -> {
      MetricState a = actual.get(k);
      assertThat(new long[] {a.screenPageViews(), a.eventCount(), a.keyEvents(), a.userEngagementDurationMs(),
          a.newUsers(), a.botHits(), a.users(), a.sessions(), a.engagedSessions()}).as(k.toString())
          .containsExactly(e.screenPageViews(), e.eventCount(), e.keyEvents(), e.userEngagementDurationMs(),
              e.newUsers(), e.botHits(), e.users(), e.sessions(), e.engagedSessions());
    });
  }

  private static long rawCount() throws Exception {
    return questdb.preparedQuery("SELECT count() FROM hits WHERE property_id = $1").execute(Tuple.of(PROPERTY))
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).iterator().next().getLong(0);
  }

  /** A sample of the node's /metrics: the sum of every series of {@code name} whose labels contain {@code label}. */
  private static double metric(String name, String label) throws Exception {
    String text = node.getFrom(node.managementPort, "/metrics").body();
    double sum = 0;
    Matcher m = Pattern.compile("^" + name + "\\{([^}]*)\\} (\\S+)$", Pattern.MULTILINE).matcher(text);
    while (m.find()) {
      if (m.group(1).contains(label)) {
        sum += Double.parseDouble(m.group(2));
      }
    }
    return sum;
  }

  private static byte[] bytes(ByteBuffer b) {
    if (b == null) {
      return null;
    }
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }
}
