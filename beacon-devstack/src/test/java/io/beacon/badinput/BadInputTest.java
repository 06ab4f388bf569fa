package io.beacon.badinput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.beacon.BeaconNode;
import io.beacon.devstack.LocalStack;
import io.beacon.model.Hit;
import io.beacon.store.topic.HitCodec;
import io.beacon.store.topic.Topics;
import io.beacon.testing.Dashboard;
import io.beacon.testing.FreePorts;
import io.beacon.testing.RealStack;
import io.beacon.testing.TestConfigs;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Hostile and malformed requests against every public endpoint of ONE real node (collector and query roles,
 * in-process, on the run's real Kafka and Cassandra). The corpus ({@code badinput/corpus.json}) says, per case,
 * the request (bytes as sent: raw targets, invalid UTF-8, huge headers and bodies, gzip bombs, lying lengths)
 * and the answer: its status, words it must name, how many hits it may leave in the hits topic and what they
 * hold. Every answer is also checked for leaks (stack traces, exception and class names, file paths). Then
 * hostile strings (control characters, line-protocol metacharacters, CQL/SQL injection, XSS, ...) go into
 * every string field of every protocol and must come out of Kafka exactly as sent. At the end the node is
 * still ready, and the topic holds exactly the hits the cases accepted, nothing else.
 */
@ExtendWith(RealStack.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BadInputTest {
  static final String RUN = UUID.randomUUID().toString().substring(0, 6).toUpperCase(Locale.ROOT);
  static final String WEB = "B-BAD" + RUN;
  static final String MP = "G-BAD" + RUN;
  static final String UA = "UA-BAD-" + RUN;
  static final String SECRET = "s3cret";
  static final String ADMIN = "root@example.com";
  static final String ADMIN_PASSWORD = "correct horse battery";
  static final long TIMEOUT_MS = 1_500;
  /** What no answer may contain: stack frames, exception and class names, internal paths. */
  static final List<String> LEAKS = List.of("Exception", "\tat ", "at io.", "at java.", "java.", "javax.", "io.vertx",
      "io.netty", "com.fasterxml", "jackson", "Caused by", "/work/", "/tmp/", "/root/", ".java:", "StreamReadConstraints",
      "org.apache", "com.datastax", "beacon.infra", "io.beacon", "NullPointer", "ClassCast");
  static final ObjectMapper ASCII_JSON = new ObjectMapper().enable(JsonGenerator.Feature.ESCAPE_NON_ASCII);

  static BeaconNode node;
  static int collectorPort;
  static int queryPort;
  static int managementPort;
  static String token;
  static KafkaConsumer<String, byte[]> consumer;
  static final List<Hit> topic = new ArrayList<>();
  /** Hits each accepted request should have left, by request id (what the final count compares with). */
  static final Set<String> expectedRequestIds = new HashSet<>();
  static int expectedWithoutIds;

  @BeforeAll
  static void start(LocalStack stack) throws Exception {
    Path work = Path.of("target", "badinput-it", RUN).toAbsolutePath();
    collectorPort = FreePorts.one();
    queryPort = FreePorts.one();
    managementPort = FreePorts.one();
    int disco = FreePorts.block(4);
    int comm = FreePorts.block(4);
    Map<String, String> env = new HashMap<>();
    env.put("BEACON_NODE_NAME", "badinput-" + RUN);
    env.put("BEACON_NODE_VERTICLES_COLLECTOR_INSTANCES", "1");
    env.put("BEACON_NODE_VERTICLES_BRIDGE_INSTANCES", "0");
    env.put("BEACON_NODE_VERTICLES_QUERY_INSTANCES", "1");
    env.put("BEACON_NODE_VERTICLES_RECOMPUTE_INSTANCES", "0");
    env.put("BEACON_HTTP_COLLECTOR_HOST", "127.0.0.1");
    env.put("BEACON_HTTP_COLLECTOR_PORT", Integer.toString(collectorPort));
    env.put("BEACON_HTTP_QUERY_HOST", "127.0.0.1");
    env.put("BEACON_HTTP_QUERY_PORT", Integer.toString(queryPort));
    env.put("BEACON_HTTP_MANAGEMENT_PORT", Integer.toString(managementPort));
    env.put("BEACON_HTTP_HEADER_TIMEOUT_MS", Long.toString(TIMEOUT_MS));
    env.put("BEACON_HTTP_BODY_TIMEOUT_MS", Long.toString(TIMEOUT_MS));
    env.put("BEACON_CLUSTER_DISCOVERY_PORT", Integer.toString(disco));
    env.put("BEACON_CLUSTER_DISCOVERY_PORT_RANGE", "4");
    env.put("BEACON_CLUSTER_MEMBERS", "127.0.0.1:" + disco + ".." + (disco + 3));
    env.put("BEACON_CLUSTER_COMMUNICATION_PORT", Integer.toString(comm));
    env.put("BEACON_CLUSTER_COMMUNICATION_PORT_RANGE", "4");
    env.put("BEACON_CLUSTER_WORK_DIR", work.resolve("ignite").toString());
    env.put("BEACON_COLLECTOR_SPOOL_DIR", work.resolve("spool").toString());
    env.put("BEACON_COLLECTOR_PROPERTY_REFRESH_MS", "500");
    env.put("BEACON_QUERY_ADMIN_EMAIL", ADMIN);
    env.put("BEACON_QUERY_ADMIN_PASSWORD", ADMIN_PASSWORD);
    node = join(BeaconNode.start(TestConfigs.forStack(stack, env), () -> {}));
    var cassandra = node.context().clients().cassandra();
    // kept_query_params '*': the hostile strings travel in a URL's query (?q=...), which must reach Kafka intact.
    var insert = join(cassandra.prepare("INSERT INTO properties (property_id, name, api_secret, allowed_hostnames, "
        + "key_events, respect_dnt, kept_query_params) VALUES (?, ?, ?, ?, ?, ?, '*')"));
    join(cassandra.execute(insert.bind(WEB, "Bad web", null, Set.of(), Set.of(), false)));
    join(cassandra.execute(insert.bind(MP, "Bad app", SECRET, Set.of(), Set.of(), false)));
    join(cassandra.execute(insert.bind(UA, "Bad legacy", null, Set.of(), Set.of(), false)));
    Dashboard admin = Dashboard.login(queryPort, ADMIN, ADMIN_PASSWORD);
    HttpResponse<String> t = admin.post("/api/v1/tokens", "{\"name\":\"bad input\"}");
    assertThat(t.statusCode()).as(t.body()).isEqualTo(201);
    token = new JsonObject(t.body()).getString("token");
    consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", stack.kafkaBootstrap(), "enable.auto.commit", "false",
        "isolation.level", "read_committed"), new StringDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> parts = consumer.partitionsFor(Topics.HITS, Duration.ofSeconds(30)).stream()
        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
    consumer.assign(parts);
    consumer.seekToBeginning(parts);
    // The property cache reloads every 500 ms: wait until the collector knows all three properties.
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      var r = RawHttp.exchange(collectorPort, RawHttp.request("GET", "/collect?v=1&t=pageview&tid=" + UA
          + "&cid=warmup&dp=/", Map.of(), null), 10_000);
      return r.status() == 204;
    });
    expectedWithoutIds++; // the warm-up hit
  }

  @AfterAll
  static void stop() throws Exception {
    if (consumer != null) {
      consumer.close(Duration.ofSeconds(2));
    }
    if (node != null) {
      join(node.close());
    }
  }

  // ------------------------------------------------------------------------------------------------ the corpus

  @Test
  @Order(1)
  void everyCorpusCaseGetsItsAnswerAndLeaksNothing() throws Exception {
    JsonArray corpus = new JsonArray(resource("badinput/corpus.json"));
    SoftAssertions soft = new SoftAssertions();
    Map<String, Integer> byCategory = new java.util.TreeMap<>();
    Map<String, JsonObject> stored = new LinkedHashMap<>();
    for (int i = 0; i < corpus.size(); i++) {
      JsonObject c = corpus.getJsonObject(i);
      String cid = "c" + i + "x" + RUN;
      String name = "#" + i + " " + c.getString("name") + " [" + c.getString("category") + "]";
      byCategory.merge(c.getString("category"), 1, Integer::sum);
      Function<String, String> fill = s -> s == null ? null : s.replace("${WEB}", WEB).replace("${MP}", MP)
          .replace("${UA}", UA).replace("${SECRET}", SECRET).replace("${CID}", cid).replace("${RUN}", RUN)
          .replace("${NOW_MICROS}", Long.toString(System.currentTimeMillis() * 1000))
          .replace("${HOURS_AGO_71_MICROS}", Long.toString((System.currentTimeMillis() - 71 * 3_600_000L) * 1000))
          .replace("${HOURS_AGO_73_MICROS}", Long.toString((System.currentTimeMillis() - 73 * 3_600_000L) * 1000))
          .replace("${MINUTES_AHEAD_9_MICROS}", Long.toString((System.currentTimeMillis() + 9 * 60_000L) * 1000))
          .replace("${MINUTES_AHEAD_11_MICROS}", Long.toString((System.currentTimeMillis() + 11 * 60_000L) * 1000));
      RawHttp.Response r;
      try {
        r = RawHttp.exchange(port(c), requestBytes(c, fill), 20_000);
      } catch (Exception e) {
        soft.fail(name + ": no answer: " + e);
        continue;
      }
      String what = name + " -> " + r.statusLine() + " " + abbreviate(r.body());
      checkStatus(soft, what, c.getValue("status"), r.status());
      for (Object word : c.getJsonArray("contains", new JsonArray())) {
        soft.assertThat((r.statusLine() + " " + r.body()).toLowerCase(Locale.ROOT)).as(what)
            .contains(fill.apply((String) word).toLowerCase(Locale.ROOT));
      }
      for (Object word : c.getJsonArray("absent", new JsonArray())) {
        soft.assertThat(r.body()).as(what).doesNotContain((String) word);
      }
      checkNoLeak(soft, what, r);
      if (c.containsKey("json")) {
        JsonObject body = new JsonObject(r.body());
        c.getJsonObject("json").forEach(e -> soft.assertThat(body.getValue(e.getKey())).as(what + " ." + e.getKey())
            .isEqualTo(fill.apply((String) e.getValue())));
      }
      int hits = c.getInteger("stored", 0);
      if (hits > 0 || c.containsKey("hit")) {
        stored.put(c.getString("cid", cid), c.copy().put("what", what));
      }
      expectedWithoutIds += hits;
    }
    soft.assertAll();
    System.out.println("Bad-input corpus: " + corpus.size() + " cases by category " + byCategory);
    // What the accepted cases left in Kafka: exactly their count per client id, each field as sent.
    for (var e : stored.entrySet()) {
      JsonObject c = e.getValue();
      int want = c.getInteger("stored", 0);
      List<Hit> got = await().atMost(Duration.ofSeconds(30)).until(() -> hitsWhere(h -> h.clientId().equals(e.getKey())),
          l -> l.size() >= want);
      assertThat(got).as(c.getString("what")).hasSize(want);
      JsonObject fields = c.getJsonObject("hit", new JsonObject());
      for (var f : fields) {
        Object value = field(got.get(0), f.getKey());
        assertThat(value == null ? null : value.toString()).as(c.getString("what") + " hit." + f.getKey())
            .isEqualTo(f.getValue());
      }
    }
  }

  private static int port(JsonObject c) {
    String server = c.getString("server");
    if (server == null) {
      String target = c.getString("target", "/");
      server = target.startsWith("/api/") || target.startsWith("/dashboard") || target.startsWith("/webjars")
          || target.startsWith("/openapi") ? "query" : "collector";
    }
    return server.equals("query") ? queryPort : collectorPort;
  }

  private static byte[] requestBytes(JsonObject c, Function<String, String> fill) throws Exception {
    if (c.containsKey("raw")) {
      return fill.apply(c.getString("raw")).getBytes(StandardCharsets.ISO_8859_1);
    }
    byte[] body = null;
    if (c.containsKey("body")) {
      body = fill.apply(c.getString("body")).getBytes(StandardCharsets.UTF_8);
    } else if (c.containsKey("bodyB64")) {
      body = Base64.getDecoder().decode(c.getString("bodyB64"));
    } else if (c.containsKey("bodyGen")) {
      JsonObject g = c.getJsonObject("bodyGen");
      StringBuilder sb = new StringBuilder(fill.apply(g.getString("prefix", "")));
      int times = g.getInteger("times");
      for (int i = 0; i < times; i++) {
        if (i > 0) {
          sb.append(g.getString("sep", ""));
        }
        sb.append(fill.apply(g.getString("unit")).replace("${I}", Integer.toString(i)));
      }
      sb.append(fill.apply(g.getString("suffix", "")));
      body = sb.toString().getBytes(StandardCharsets.UTF_8);
    }
    Map<String, String> headers = new LinkedHashMap<>();
    c.getJsonObject("headers", new JsonObject()).forEach(e -> headers.put(e.getKey(), fill.apply((String) e.getValue())));
    if (c.containsKey("headerGen")) {
      JsonObject g = c.getJsonObject("headerGen");
      for (int i = 0; i < g.getInteger("count", 1); i++) {
        headers.put(g.getString("name") + (g.getInteger("count", 1) > 1 ? i : ""), g.getString("unit").repeat(g.getInteger("repeat", 1)));
      }
    }
    if (c.getBoolean("gzip", false) && body != null) {
      ByteArrayOutputStream z = new ByteArrayOutputStream();
      try (GZIPOutputStream gz = new GZIPOutputStream(z)) {
        gz.write(body);
      }
      body = z.toByteArray();
      headers.put("Content-Encoding", "gzip");
    }
    String auth = c.getString("auth", "token");
    if (port(c) == queryPort && auth.equals("token")) {
      headers.putIfAbsent("Authorization", "Bearer " + token);
    } else if (auth.equals("badtoken")) {
      headers.putIfAbsent("Authorization", "Bearer bk_not-a-token");
    }
    String target = fill.apply(c.getString("target"));
    if (c.containsKey("targetRepeat")) {
      JsonObject g = c.getJsonObject("targetRepeat");
      target = target + g.getString("unit").repeat(g.getInteger("times"));
    }
    byte[] request = RawHttp.request(c.getString("method", "GET"), target, headers, body);
    if (c.containsKey("truncateBodyTo")) {
      // A lying Content-Length: the body stops short and the client then says nothing.
      int keep = request.length - body.length + c.getInteger("truncateBodyTo");
      request = java.util.Arrays.copyOf(request, keep);
    }
    return request;
  }

  private static void checkStatus(SoftAssertions soft, String what, Object expected, int status) {
    if (expected instanceof Number n) {
      soft.assertThat(status).as(what).isEqualTo(n.intValue());
    } else {
      // "closed": the server dropped the connection without an answer (malformed framing Netty cannot answer)
      String classes = expected == null ? "4xx" : (String) expected;
      soft.assertThat(List.of(classes.split(","))).as(what).contains(status < 0 ? "closed" : (status / 100) + "xx");
    }
  }

  /** No stack trace, exception or class name, internal path; a 4xx says what is wrong. */
  static void checkNoLeak(SoftAssertions soft, String what, RawHttp.Response r) {
    String type = r.headers().getOrDefault("content-type", "");
    if (r.status() < 400 && !type.startsWith("application/json")) {
      return; // a static file or a redirect: its content is ours, not an error
    }
    for (String leak : LEAKS) {
      soft.assertThat(r.body()).as(what + ": leaks '" + leak + "'").doesNotContain(leak);
    }
    soft.assertThat(r.status()).as(what + ": a server error").isLessThan(500);
    if (r.status() >= 400 && type.startsWith("application/json")) {
      JsonObject json = new JsonObject(r.body());
      String message = json.containsKey("validationMessages")
          ? json.getJsonArray("validationMessages").getJsonObject(0).getString("description")
          : json.getJsonObject("error").getString("message");
      soft.assertThat(message).as(what + ": names the problem").isNotBlank();
    } else if (r.status() >= 400) {
      soft.assertThat(r.statusLine()).as(what + ": a reason phrase").matches("HTTP/1\\.[01] \\d{3} \\S.*");
      soft.assertThat(type).as(what + ": an error page is no HTML to render").doesNotContain("script");
    }
  }

  // --------------------------------------------------------------------------------- hostile strings, all fields

  /** A field of a protocol, how to send a value in it, and where it comes back in the canonical hit. */
  record Field(String protocol, String name, Function<Hit, Object> read) {}

  static final List<Field> FIELDS = List.of(
      new Field("ga4-web", "cid", Hit::clientId), new Field("ga4-web", "uid", Hit::userId),
      new Field("ga4-web", "_rid", Hit::requestId), new Field("ga4-web", "sid", Hit::sessionId),
      new Field("ga4-web", "en", Hit::eventName), new Field("ga4-web", "dt", Hit::pageTitle),
      new Field("ga4-web", "dr", Hit::pageReferrer), new Field("ga4-web", "dl", Hit::pageLocation),
      new Field("ga4-web", "ul", Hit::language), new Field("ga4-web", "sr", Hit::screenResolution),
      new Field("ga4-web", "ep.note", h -> h.params() == null ? null : h.params().get("note")),
      new Field("ga4-mp", "client_id", Hit::clientId), new Field("ga4-mp", "user_id", Hit::userId),
      new Field("ga4-mp", "request_id", Hit::requestId), new Field("ga4-mp", "session_id", Hit::sessionId),
      new Field("ga4-mp", "page_title", Hit::pageTitle), new Field("ga4-mp", "page_referrer", Hit::pageReferrer),
      new Field("ga4-mp", "page_location", Hit::pageLocation), new Field("ga4-mp", "language", Hit::language),
      new Field("ga4-mp", "screen_resolution", Hit::screenResolution), new Field("ga4-mp", "source", Hit::source),
      new Field("ga4-mp", "medium", Hit::medium), new Field("ga4-mp", "campaign", Hit::campaign),
      new Field("ga4-mp", "term", Hit::term), new Field("ga4-mp", "content", Hit::content),
      new Field("ga4-mp", "note", h -> h.params() == null ? null : h.params().get("note")),
      new Field("ua", "cid", Hit::clientId), new Field("ua", "uid", Hit::userId), new Field("ua", "dt", Hit::pageTitle),
      new Field("ua", "dr", Hit::pageReferrer), new Field("ua", "dl", Hit::pageLocation), new Field("ua", "dh", Hit::hostname),
      new Field("ua", "dp", Hit::pagePath), new Field("ua", "ul", Hit::language), new Field("ua", "sr", Hit::screenResolution),
      new Field("ua", "cs", Hit::source), new Field("ua", "cm", Hit::medium), new Field("ua", "cn", Hit::campaign),
      new Field("ua", "ck", Hit::term), new Field("ua", "cc", Hit::content),
      new Field("ua", "el", h -> h.params() == null ? null : h.params().get("event_label")),
      new Field("ua", "ec", h -> h.params() == null ? null : h.params().get("event_category")),
      new Field("ua", "vp", h -> h.params() == null ? null : h.params().get("viewport_size")));

  private static final Pattern LINE_BREAK = Pattern.compile("[\\n\\r\\u0085\\u2028\\u2029]");

  @Test
  @Order(2)
  void hostileStringsInEveryFieldReachKafkaIntact() throws Exception {
    JsonArray strings = new JsonArray(resource("badinput/hostile-strings.json"));
    SoftAssertions soft = new SoftAssertions();
    record Sent(Field field, String value, String tag, Object expected) {}
    List<Sent> sent = new ArrayList<>();
    int n = 0;
    for (Field f : FIELDS) {
      for (Object o : strings) {
        String v = (String) o;
        String tag = "h" + (n++) + "x" + RUN;
        boolean queryString = !f.protocol().equals("ga4-mp");
        if (queryString && v.chars().anyMatch(c -> Character.isSurrogate((char) c))) {
          continue; // a lone surrogate has no UTF-8 form to percent-encode: MP's JSON escapes only
        }
        Object expected = v;
        boolean urlField = f.name().equals("dl") || f.name().equals("page_location");
        String value = urlField ? "https://example.com/p?q=" + v : v;
        if (urlField) {
          expected = value.indexOf('#') < 0 ? value : value.substring(0, value.indexOf('#'));
        }
        if (f.name().equals("dh") || f.name().equals("ul") || f.name().equals("language")) {
          expected = v.toLowerCase(Locale.ROOT); // host names and languages are kept lower case
        }
        // GA4 web's dl must be one http(s) URL: a line break in it is a 400 naming dl.
        boolean rejected = f.protocol().equals("ga4-web") && f.name().equals("dl") && LINE_BREAK.matcher(v).find();
        RawHttp.Response r = RawHttp.exchange(collectorPort, hostileRequest(f, value, tag), 20_000);
        String what = f.protocol() + " " + f.name() + "=" + escape(v) + " -> " + r.statusLine() + " " + abbreviate(r.body());
        checkNoLeak(soft, what, r);
        if (rejected) {
          soft.assertThat(r.status()).as(what).isEqualTo(400);
          soft.assertThat(r.body()).as(what).contains("\"dl\"");
          continue;
        }
        soft.assertThat(r.status()).as(what).isEqualTo(204);
        if (r.status() == 204) {
          sent.add(new Sent(f, v, tag, expected));
          expectedWithoutIds++;
        }
      }
    }
    soft.assertAll();
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      Set<String> seen = new HashSet<>();
      for (Hit h : hitsWhere(h -> true)) {
        seen.add(h.requestId());
        seen.add(h.clientId());
        seen.add(h.userId());
      }
      return sent.stream().allMatch(s -> seen.contains(s.tag()));
    });
    List<Hit> ours = hitsWhere(h -> true);
    for (Sent s : sent) {
      List<Hit> matching = ours.stream().filter(h -> s.tag().equals(h.requestId()) || s.tag().equals(h.clientId())
          || s.tag().equals(h.userId())).toList();
      String what = s.field().protocol() + " " + s.field().name() + "=" + escape(s.value());
      soft.assertThat(matching).as(what).hasSize(1);
      if (matching.size() == 1) {
        Object got = s.field().read().apply(matching.get(0));
        soft.assertThat(got).as(what + " came back as " + (got == null ? null : escape(got.toString()))).isEqualTo(s.expected());
      }
    }
    soft.assertAll();
    System.out.println("Hostile strings: " + strings.size() + " strings x " + FIELDS.size() + " fields, " + sent.size()
        + " hits checked in Kafka");
  }

  /** One hit carrying {@code value} in the field, identified by {@code tag} in another id field. */
  private static byte[] hostileRequest(Field f, String value, String tag) throws Exception {
    Map<String, String> p = new LinkedHashMap<>();
    switch (f.protocol()) {
      case "ga4-web" -> {
        p.put("v", "2");
        p.put("tid", WEB);
        p.put("cid", f.name().equals("cid") ? value : "web-" + RUN);
        p.put("en", "page_view");
        p.put(f.name().equals("_rid") ? "uid" : "_rid", tag);
        p.put(f.name(), value);
        return RawHttp.request("GET", "/g/collect?" + form(p), Map.of("User-Agent", "BadInputTest"), null);
      }
      case "ua" -> {
        p.put("v", "1");
        p.put("tid", UA);
        p.put(f.name().equals("cid") ? "uid" : "cid", tag);
        boolean event = f.name().equals("el") || f.name().equals("ec");
        p.put("t", event ? "event" : "pageview");
        if (event) {
          p.put("ec", "category");
          p.put("ea", "action");
        }
        if (Set.of("cm", "ck", "cc", "cn").contains(f.name())) {
          p.put("cs", "src"); // a campaign's medium, term, content count only with its source
        }
        p.put(f.name(), value);
        return RawHttp.request("POST", "/collect", Map.of("Content-Type", "text/plain", "User-Agent", "BadInputTest"),
            form(p).getBytes(StandardCharsets.UTF_8));
      }
      default -> {
        Map<String, Object> params = new LinkedHashMap<>();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("client_id", "mp-" + RUN);
        if (f.name().equals("client_id") || f.name().equals("user_id")) {
          body.put(f.name(), value);
          params.put("request_id", tag);
        } else {
          body.put("user_id", tag);
          if (Set.of("medium", "term", "content", "campaign").contains(f.name())) {
            params.put("source", "src");
          }
          params.put(f.name(), value);
        }
        body.put("events", List.of(Map.of("name", "hostile", "params", params)));
        byte[] json = ASCII_JSON.writeValueAsBytes(body);
        return RawHttp.request("POST", "/mp/collect?measurement_id=" + MP + "&api_secret=" + SECRET,
            Map.of("Content-Type", "application/json"), json);
      }
    }
  }

  // ------------------------------------------------------------------------------------------------ slow clients

  @Test
  @Order(3)
  void slowClientsAreCutOffWithoutHurtingOthers() throws Exception {
    for (int port : new int[] {collectorPort, queryPort}) {
      // Headers trickled a byte at a time, forever: closed once the header timeout has passed.
      try (java.net.Socket slow = new java.net.Socket("127.0.0.1", port);
           java.net.Socket silent = new java.net.Socket("127.0.0.1", port);
           java.net.Socket slowBody = new java.net.Socket("127.0.0.1", port)) {
        long start = System.nanoTime();
        slow.setSoTimeout(200);
        silent.setSoTimeout(200);
        slowBody.setSoTimeout(200);
        byte[] head = ("POST /g/collect?v=2&tid=" + WEB + "&cid=slow&en=e HTTP/1.1\r\nHost: x\r\nX-Slow: ").getBytes(StandardCharsets.US_ASCII);
        String bodyHead = "POST " + (port == collectorPort ? "/mp/collect?measurement_id=" + MP + "&api_secret=" + SECRET
            : "/api/v1/login") + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{";
        slowBody.getOutputStream().write(bodyHead.getBytes(StandardCharsets.US_ASCII));
        int i = 0;
        boolean slowClosed = false;
        boolean silentClosed = false;
        boolean bodyAnswered = false;
        String bodyAnswer = "";
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        while (System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS * 6) && !(slowClosed && silentClosed && bodyAnswered)) {
          try {
            slow.getOutputStream().write(i < head.length ? head[i] : 'a');
            i++;
            slowBody.getOutputStream().write(' ');
          } catch (java.io.IOException closed) {
            // the server closed the connection: seen below
          }
          slowClosed = slowClosed || closed(slow);
          silentClosed = silentClosed || closed(silent);
          if (!bodyAnswered) {
            try {
              byte[] b = new byte[4096];
              int n = slowBody.getInputStream().read(b);
              if (n < 0) {
                bodyAnswered = true;
              } else {
                answer.write(b, 0, n);
              }
            } catch (java.net.SocketTimeoutException nothingYet) {
              // still reading
            } catch (java.io.IOException reset) {
              bodyAnswered = true;
            }
          }
          // Meanwhile a well-behaved client is served at once.
          var ok = RawHttp.exchange(port, RawHttp.request("GET", port == collectorPort ? "/beacon.js" : "/openapi.yaml",
              Map.of(), null), 5_000);
          assertThat(ok.status()).isEqualTo(200);
        }
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        bodyAnswer = answer.toString(StandardCharsets.UTF_8);
        assertThat(slowClosed).as("trickled headers cut off within %d ms (port %d)", elapsedMs, port).isTrue();
        assertThat(silentClosed).as("a silent connection closed").isTrue();
        assertThat(bodyAnswered).as("a trickled body cut off").isTrue();
        assertThat(bodyAnswer).startsWith("HTTP/1.1 408").contains("not received within");
        for (String leak : LEAKS) {
          assertThat(bodyAnswer).doesNotContain(leak);
        }
        assertThat(elapsedMs).isGreaterThanOrEqualTo(TIMEOUT_MS).isLessThan(TIMEOUT_MS * 5);
      }
    }
  }

  /** True if the server has closed the socket (EOF or reset); false if it is open and silent. */
  private static boolean closed(java.net.Socket s) {
    try {
      byte[] b = new byte[1024];
      return s.getInputStream().read(b) < 0;
    } catch (java.net.SocketTimeoutException open) {
      return false;
    } catch (java.io.IOException reset) {
      return true;
    }
  }

  // ------------------------------------------------------------------------------------------------ afterwards

  @Test
  @Order(4)
  void nodeStaysHealthyAndTheTopicHoldsOnlyWhatWasAccepted() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/ready"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
    HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/health"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
    // Still serving both roles.
    assertThat(RawHttp.exchange(collectorPort, RawHttp.request("GET", "/collect?v=1&t=pageview&tid=" + UA + "&cid=after-" + RUN,
        Map.of(), null), 10_000).status()).isEqualTo(204);
    expectedWithoutIds++;
    assertThat(RawHttp.exchange(queryPort, RawHttp.request("GET", "/api/v1/properties/" + WEB + "/metadata",
        Map.of("Authorization", "Bearer " + token), null), 10_000).status()).isEqualTo(200);
    // Exactly the accepted hits, counted by request id (a hit re-sent from the spool after a slow ack is one hit).
    int want = expectedWithoutIds;
    await().atMost(Duration.ofSeconds(60)).during(Duration.ofSeconds(2)).untilAsserted(() -> {
      Set<String> ids = new HashSet<>();
      hitsWhere(h -> true).forEach(h -> ids.add(h.propertyId() + "/" + h.requestId()));
      assertThat(ids).as("hits of this test's properties in the topic").hasSize(want);
    });
  }

  // ------------------------------------------------------------------------------------------------ helpers

  /** Every hit of this test's properties read from the topic so far (polls once more). */
  static List<Hit> hitsWhere(java.util.function.Predicate<Hit> filter) {
    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(300))) {
      // The suite shares the topic, and other tests put deliberately broken records in it: decode only the
      // records keyed to this test's properties (the collector keys by property + "/" + client id), and let
      // any of those that is not a valid hit fail the test.
      String key = r.key() == null ? "" : r.key();
      if (key.startsWith(WEB + "/") || key.startsWith(MP + "/") || key.startsWith(UA + "/")) {
        topic.add(HitCodec.decode(r.value()));
      }
    }
    return topic.stream().filter(filter).toList();
  }

  private static Object field(Hit h, String name) throws Exception {
    if (name.startsWith("params.")) {
      return h.params() == null ? null : h.params().get(name.substring(7));
    }
    return Hit.class.getMethod(name).invoke(h);
  }

  static String form(Map<String, String> p) {
    StringBuilder sb = new StringBuilder();
    p.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : "&").append(URLEncoder.encode(k, StandardCharsets.UTF_8))
        .append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
    return sb.toString();
  }

  static String escape(String s) {
    StringBuilder out = new StringBuilder();
    s.chars().forEach(c -> out.append(c < 0x20 || c > 0x7e ? String.format("\\u%04x", c) : String.valueOf((char) c)));
    return out.toString();
  }

  static String abbreviate(String s) {
    return s.length() > 300 ? s.substring(0, 300) + "..." : s;
  }

  static String resource(String name) throws Exception {
    try (InputStream in = BadInputTest.class.getClassLoader().getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static <T> T join(io.vertx.core.Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(3, TimeUnit.MINUTES);
  }
}
