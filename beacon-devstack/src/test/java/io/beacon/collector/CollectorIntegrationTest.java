package io.beacon.collector;

import io.beacon.testing.HeadlessChromium;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.beacon.BeaconNode;
import io.beacon.devstack.LocalStack;
import io.beacon.infra.clients.Clients;
import io.beacon.model.Hit;
import io.beacon.testing.FreePorts;
import io.beacon.testing.RealStack;
import io.beacon.testing.TestConfigs;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The collector role of a real node (two verticle instances) against the real Kafka and
 * Cassandra: every protocol's hits land in the hits topic as canonical hits, enriched; invalid
 * input gets its status and produces nothing; retries are produced once (copies of a hit without a sender's id
 * only within the derived-id window); a Kafka outage loses nothing and keeps per-client order; a full spool
 * answers 503.
 */
@ExtendWith(RealStack.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CollectorIntegrationTest {
  static final String CHROME = CollectorEnrichmentTest.CHROME_WIN;
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  static final String RUN = UUID.randomUUID().toString().substring(0, 6).toUpperCase();
  static final String WEB = "B-WEB" + RUN;
  static final String MP = "G-MP" + RUN;
  static final String UA = "UA-" + RUN;
  static final String DNT = "B-DNT" + RUN;
  static final String BROWSER = "B-BR" + RUN;
  static final String ANON = "B-ANON" + RUN;
  /** A property known to its tags by a GA4 measurement id and a Firebase app id (bring-your-own ids). */
  static final String TAGGED = "B-TAG" + RUN;
  static final String TAGGED_WEB = "G-WEB" + RUN;
  static final String TAGGED_APP = "1:98765" + RUN.replaceAll("[^0-9]", "1") + ":ios:00aa11bb22cc";
  static final String BARE = "B-BARE" + RUN;
  static final long DERIVED_WINDOW_MS = 10_000;
  static final int IP_LIMIT = 1000;

  static LocalStack stack;
  static BeaconNode node;
  static HitsReader reader;
  static String base;

  @BeforeAll
  static void start(LocalStack s) throws Exception {
    stack = s;
    Path work = Path.of("target", "collector-it", RUN).toAbsolutePath();
    Path geo = work.resolve("city.mmdb");
    new TestMmdb().city("81.2.69.0/24", "GB", "England", "London").city("2.125.160.0/24", "FR", "Ile-de-France", "Paris").write(geo);
    int port = FreePorts.one();
    Map<String, String> env = TestConfigs.collectorNode("collector-it-" + RUN, port, 2, work, 4);
    // The suite shares one broker: keep the hits topic at the partition count the schema test starts from.
    env.put("BEACON_KAFKA_HITS_PARTITIONS", "3");
    env.put("BEACON_COLLECTOR_GEO_DATABASE", geo.toString());
    env.put("BEACON_COLLECTOR_TRUSTED_PROXIES", "127.0.0.1");
    env.put("BEACON_COLLECTOR_PROPERTY_REFRESH_MS", "500");
    env.put("BEACON_COLLECTOR_CLIENT_HITS_PER_MINUTE", "60");
    // Per real client IP (X-Forwarded-For from the trusted 127.0.0.1); the other tests' own traffic stays far below.
    env.put("BEACON_COLLECTOR_IP_HITS_PER_MINUTE", Integer.toString(IP_LIMIT));
    env.put("BEACON_COLLECTOR_KAFKA_ACK_TIMEOUT_MS", "3000");
    env.put("BEACON_COLLECTOR_SPOOL_MAX_BYTES", "131072");
    env.put("BEACON_COLLECTOR_SPOOL_RETRY_AFTER_SECONDS", "7");
    // Derived request ids collapse copies within this (2 min in production): short, so a test can outwait it.
    env.put("BEACON_COLLECTOR_DERIVED_ID_WINDOW_MS", Long.toString(DERIVED_WINDOW_MS));
    var config = TestConfigs.forStack(stack, env);
    node = join(BeaconNode.start(config, () -> {}));
    Clients clients = node.context().clients();
    var insert = join(clients.cassandra().prepare("INSERT INTO properties (property_id, name, api_secret, allowed_hostnames, "
        + "key_events, respect_dnt) VALUES (?, ?, ?, ?, ?, ?)"));
    join(clients.cassandra().execute(insert.bind(WEB, "Shop", null, Set.of("shop.example.com"), Set.of("add_to_cart"), false)));
    join(clients.cassandra().execute(insert.bind(MP, "App", "s3cret", Set.of(), Set.of("purchase"), false)));
    join(clients.cassandra().execute(insert.bind(UA, "Legacy", null, Set.of(), Set.of(), false)));
    join(clients.cassandra().execute(insert.bind(DNT, "Private", null, Set.of(), Set.of(), true)));
    join(clients.cassandra().execute(insert.bind(BROWSER, "Browser", null, Set.of("127.0.0.1", "localhost"), Set.of("signup"), false)));
    join(clients.cassandra().execute("INSERT INTO properties (property_id, name, cookieless) VALUES ('" + ANON
        + "', 'Cookieless', true)"));
    join(clients.cassandra().execute(join(clients.cassandra().prepare("INSERT INTO properties (property_id, name, "
        + "api_secret, stream_ids) VALUES (?, ?, ?, ?)")).bind(TAGGED, "Tagged", "GA4streamSecret_" + RUN,
        Set.of(TAGGED_WEB, TAGGED_APP))));
    // A property that keeps no query parameter at all (kept_query_params ''; null would be the default list).
    join(clients.cassandra().execute("INSERT INTO properties (property_id, name, kept_query_params) VALUES ('" + BARE
        + "', 'Bare URLs', '')"));
    base = "http://127.0.0.1:" + port;
    reader = new HitsReader(stack.kafkaBootstrap());
  }

  @AfterAll
  static void stop() throws Exception {
    if (reader != null) {
      reader.close();
    }
    if (node != null) {
      join(node.close());
    }
  }

  @Test
  @Order(1)
  void gtagMultiEventRequestLandsEnriched() throws Exception {
    String cid = "111." + RUN;
    String q = "v=2&tid=" + WEB + "&gtm=45je4&_p=1&cid=" + cid + "&ul=en-us&sr=1920x1080&sid=1700000100&sct=2&seg=1"
        + "&dl=" + enc("https://shop.example.com/cart?utm_source=newsletter&utm_medium=email&utm_campaign=winter#x")
        + "&dr=" + enc("https://www.google.com/") + "&dt=Cart";
    String body = "en=page_view&_et=120&_rid=pv-" + RUN + "\nen=add_to_cart&ep.currency=EUR&epn.value=42.5&_et=3000";
    var res = send(HttpRequest.newBuilder(uri("/g/collect?" + q)).header("User-Agent", CHROME)
        .header("Content-Type", "text/plain;charset=UTF-8").header("X-Forwarded-For", "81.2.69.142")
        .header("Origin", "https://shop.example.com").POST(HttpRequest.BodyPublishers.ofString(body)));
    assertThat(res.statusCode()).isEqualTo(204);
    assertThat(res.headers().firstValue("Access-Control-Allow-Origin").orElseThrow()).isIn("*", "https://shop.example.com");
    List<Hit> hits = awaitHits(h -> h.clientId().equals(cid), 2);
    Hit pv = hits.get(0);
    assertThat(pv.propertyId()).isEqualTo(WEB);
    assertThat(pv.eventName()).isEqualTo("page_view");
    assertThat(pv.requestId()).isEqualTo("pv-" + RUN);
    assertThat(pv.sessionId()).isEqualTo("1700000100");
    assertThat(pv.sessionNumber()).isEqualTo(2);
    assertThat(pv.pageLocation()).isEqualTo("https://shop.example.com/cart?utm_source=newsletter&utm_medium=email&utm_campaign=winter");
    assertThat(pv.hostname()).isEqualTo("shop.example.com");
    assertThat(pv.pagePath()).isEqualTo("/cart");
    assertThat(pv.pageTitle()).isEqualTo("Cart");
    assertThat(List.of(pv.source(), pv.medium(), pv.campaign())).containsExactly("newsletter", "email", "winter");
    assertThat(List.of(pv.deviceCategory(), pv.browser(), pv.os())).containsExactly("desktop", "Chrome", "Windows");
    assertThat(List.of(pv.country(), pv.region(), pv.city())).containsExactly("GB", "England", "London");
    assertThat(pv.isBot()).isFalse();
    assertThat(pv.protocol()).isEqualTo("ga4-web");
    assertThat(pv.keyEvent()).isFalse();
    Hit cart = hits.get(1);
    assertThat(cart.eventName()).isEqualTo("add_to_cart");
    assertThat(cart.keyEvent()).isTrue();
    assertThat(cart.params()).containsEntry("currency", "EUR").containsEntry("value", "42.5");
    assertThat(cart.engagementMs()).isEqualTo(3000L);
    assertThat(cart.requestId()).isNotBlank().isNotEqualTo(pv.requestId());
    // Both in the partition of the client's key, in the order sent.
    var recs = reader.poll(h -> h.clientId().equals(cid));
    assertThat(recs).extracting(HitsReader.Record::key).containsOnly(WEB + "/" + cid);
    assertThat(recs).extracting(HitsReader.Record::partition).containsOnly(recs.get(0).partition());
  }

  @Test
  @Order(2)
  void measurementProtocolGaExampleAndAuth() throws Exception {
    String cid = "123456." + RUN;
    String json = "{\"client_id\":\"" + cid + "\",\"events\":[{\"name\":\"campaign_details\",\"params\":{\"campaign_id\":\"google_1234\","
        + "\"campaign\":\"Summer_fun\",\"source\":\"google\",\"medium\":\"cpc\",\"term\":\"summer+travel\",\"content\":\"logolink\","
        + "\"session_id\":\"123\",\"engagement_time_msec\":\"100\"}},{\"name\":\"purchase\",\"params\":{\"currency\":\"USD\",\"value\":30.03}}]}";
    assertThat(post("/mp/collect?measurement_id=" + MP + "&api_secret=s3cret", "application/json", json).statusCode()).isEqualTo(204);
    List<Hit> hits = awaitHits(h -> h.clientId().equals(cid), 2);
    assertThat(hits.get(0).eventName()).isEqualTo("campaign_details");
    assertThat(List.of(hits.get(0).source(), hits.get(0).medium(), hits.get(0).campaign(), hits.get(0).term(), hits.get(0).content()))
        .containsExactly("google", "cpc", "Summer_fun", "summer+travel", "logolink");
    assertThat(hits.get(0).sessionId()).isEqualTo("123");
    assertThat(hits.get(0).engagementMs()).isEqualTo(100L);
    assertThat(hits.get(1).keyEvent()).isTrue();
    assertThat(hits.get(1).protocol()).isEqualTo("ga4-mp");

    String other = "{\"client_id\":\"auth-" + RUN + "\",\"events\":[{\"name\":\"e\"}]}";
    var noSecret = post("/mp/collect?measurement_id=" + MP, "application/json", other);
    assertThat(noSecret.statusCode()).isEqualTo(401);
    assertThat(messages(noSecret).getJsonObject(0).getString("fieldPath")).isEqualTo("api_secret");
    assertThat(post("/mp/collect?measurement_id=" + MP + "&api_secret=wrong", "application/json", other).statusCode()).isEqualTo(403);
    var unknown = post("/mp/collect?measurement_id=G-NOPE&api_secret=x", "application/json", other);
    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(messages(unknown).getJsonObject(0).getString("fieldPath")).isEqualTo("measurement_id");
  }

  @Test
  @Order(3)
  void hitsNamingAPropertysStreamIdsLandAsItsOwnAppStreamsToo() throws Exception {
    String instance = ("00000000000000000000000000" + RUN).toLowerCase().replaceAll("[^0-9a-f]", "0");
    String secret = "&api_secret=GA4streamSecret_" + RUN;
    String app = "{\"app_instance_id\":\"" + instance + "\",\"events\":[{\"name\":\"level_up\",\"params\":{\"level\":3}}]}";
    assertThat(post("/mp/collect?firebase_app_id=" + enc(TAGGED_APP) + secret, "application/json", app).statusCode())
        .isEqualTo(204);
    String web = "{\"client_id\":\"web." + RUN + "\",\"events\":[{\"name\":\"sign_up\"}]}";
    assertThat(post("/mp/collect?measurement_id=" + TAGGED_WEB.toLowerCase() + secret, "application/json", web)
        .statusCode()).isEqualTo(204);
    List<Hit> hits = awaitHits(h -> h.propertyId().equals(TAGGED), 2);
    assertThat(hits).extracting(Hit::clientId, Hit::streamId, Hit::platform).containsExactlyInAnyOrder(
        org.assertj.core.groups.Tuple.tuple(instance, TAGGED_APP, "iOS"),
        org.assertj.core.groups.Tuple.tuple("web." + RUN, TAGGED_WEB, "web"));
    // Google's own example for the validation server, answered as its guide shows.
    var documented = post("/debug/mp/collect?firebase_app_id=" + enc(TAGGED_APP) + secret, "application/json",
        "{\"app_instance_id\":\"" + instance + "\",\"events\":[{\"name\":\"_badEventName\",\"params\":{}}]}");
    assertThat(documented.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(documented.body()).getJsonArray("validationMessages")).isEqualTo(new JsonArray().add(
        new JsonObject().put("fieldPath", "events").put("description", "Event at index: [0] has invalid name "
            + "[_badEventName]. Names must start with an alphabetic character.").put("validationCode", "NAME_INVALID")));
    var unknownApp = post("/mp/collect?firebase_app_id=1:1:android:ff" + secret, "application/json", app);
    assertThat(unknownApp.statusCode()).isEqualTo(400);
    assertThat(messages(unknownApp).getJsonObject(0).getString("fieldPath")).isEqualTo("firebase_app_id");
  }

  @Test
  @Order(3)
  void debugEndpointAnswersGasValidationMessagesAndStoresNothing() throws Exception {
    String cid = "debug-" + RUN;
    String url = "/debug/mp/collect?measurement_id=" + MP + "&api_secret=s3cret";
    var ok = post(url, "application/json", "{\"client_id\":\"" + cid + "\",\"events\":[{\"name\":\"fine\"}]}");
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(messages(ok)).isEmpty();
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put("{\"events\":[{\"name\":\"e\"}]}", "client_id|VALUE_REQUIRED");
    cases.put("{\"client_id\":\"" + cid + "\",\"events\":[{\"name\":\"first_visit\"}]}", "events|NAME_RESERVED");
    cases.put("{\"client_id\":\"" + cid + "\",\"events\":[{\"name\":\"bad-name\"}]}", "events|NAME_INVALID");
    cases.put("{\"client_id\":\"" + cid + "\",\"events\":[{\"name\":\"e\",\"params\":{\"p\":\"" + "v".repeat(120) + "\"}}]}",
        "events|VALUE_OUT_OF_BOUNDS");
    cases.put("{\"client_id\":\"" + cid + "\",\"events\":[{\"name\":\"e\",\"params\":{\"p\":[1]}}]}", "events|VALUE_INVALID");
    StringBuilder many = new StringBuilder("{\"client_id\":\"" + cid + "\",\"events\":[");
    for (int i = 0; i < 26; i++) {
      many.append(i == 0 ? "" : ",").append("{\"name\":\"e\"}");
    }
    cases.put(many + "]}", "events|EXCEEDED_MAX_ENTITIES");
    for (var c : cases.entrySet()) {
      var res = post(url, "application/json", c.getKey());
      assertThat(res.statusCode()).isEqualTo(200);
      JsonObject m = messages(res).getJsonObject(0);
      assertThat(m.getString("fieldPath") + "|" + m.getString("validationCode")).as(c.getKey()).isEqualTo(c.getValue());
      assertThat(m.getString("description")).isNotBlank();
    }
    String marker = "debug-marker-" + RUN;
    post("/mp/collect?measurement_id=" + MP + "&api_secret=s3cret", "application/json",
        "{\"client_id\":\"" + marker + "\",\"events\":[{\"name\":\"m\"}]}");
    awaitHits(h -> h.clientId().equals(marker), 1);
    assertThat(reader.hits(h -> h.clientId().equals(cid))).isEmpty();
  }

  @Test
  @Order(4)
  void universalAnalyticsCollectAndBatchKeepGoodHitsWithoutSessions() throws Exception {
    String cid = "ua-" + RUN;
    var get = send(HttpRequest.newBuilder(uri("/collect?v=1&tid=" + UA + "&cid=" + cid + "&t=pageview&dh=legacy.example.com&dp=%2Fhome"
        + "&dt=Home&dr=" + enc("https://t.co/x") + "&uip=2.125.160.216&ua=" + enc(CollectorEnrichmentTest.SAFARI_IPHONE) + "&z=1")).GET());
    assertThat(get.statusCode()).isEqualTo(204);
    String batch = "v=1&tid=" + UA + "&cid=" + cid + "&t=event&ec=Video&ea=Play&el=intro&ev=3&z=2\n"
        + "v=1&tid=" + UA + "&cid=" + cid + "&t=event&ec=Video&ea=Play&ev=abc\n"
        + "v=1&tid=" + UA + "&cid=" + cid + "&t=pageview&dp=%2Fend&z=3\n";
    var res = post("/batch", "text/plain", batch);
    assertThat(res.statusCode()).isEqualTo(200);
    JsonObject answer = new JsonObject(res.body());
    assertThat(answer.getInteger("accepted")).isEqualTo(2);
    assertThat(answer.getJsonArray("validationMessages").getJsonObject(0).getString("fieldPath")).isEqualTo("hits[1].ev");
    List<Hit> hits = awaitHits(h -> h.clientId().equals(cid), 3);
    assertThat(hits).extracting(Hit::eventName).containsExactly("page_view", "play", "page_view");
    Hit first = hits.get(0);
    assertThat(List.of(first.hostname(), first.pagePath(), first.source(), first.medium())).containsExactly("legacy.example.com", "/home", "t.co", "referral");
    assertThat(List.of(first.deviceCategory(), first.os(), first.country(), first.city())).containsExactly("mobile", "iOS", "FR", "Paris");
    assertThat(first.protocol()).isEqualTo("ua");
    assertThat(hits.get(1).params()).containsEntry("event_label", "intro").containsEntry("value", "3");
    // No session id in UA: the collector assigns none (nor session_start, session_number, first_visit); the stream
    // and recompute form the sessions by event time (docs/analytics-model.md, "Semantics").
    assertThat(hits).extracting(Hit::sessionId).containsOnlyNulls();
    assertThat(hits).extracting(Hit::sessionStart).containsOnlyNulls();
    assertThat(hits).extracting(Hit::sessionNumber).containsOnlyNulls();
    assertThat(hits).extracting(Hit::firstVisit).containsOnlyNulls();
  }

  @Test
  @Order(7)
  void aClientOverItsRateLimitGets429WithRetryAfterAndItsHitsAreNotProduced() throws Exception {
    // The node allows 60 hits per client per minute (BEACON_COLLECTOR_CLIENT_HITS_PER_MINUTE): a burst of 60, then 1 a second.
    String cid = "flood-" + RUN;
    String url = "/mp/collect?measurement_id=" + MP + "&api_secret=s3cret";
    long start = System.nanoTime();
    assertThat(post(url, "application/json", ticks(cid, 0)).statusCode()).isEqualTo(204);
    assertThat(post(url, "application/json", ticks(cid, 1)).statusCode()).isEqualTo(204);
    var partly = post(url, "application/json", ticks(cid, 2));
    // The bucket refills one hit a second: on a loaded machine the three requests take seconds, each one more hit.
    int refilled = (int) Math.ceil((System.nanoTime() - start) / 1e9);
    assertThat(partly.statusCode()).as("10 of 25 within the limit").isEqualTo(200);
    assertThat(new JsonObject(partly.body()).getInteger("accepted")).isBetween(10, 10 + refilled + 1);
    var refused = post(url, "application/json", ticks(cid, 3));
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.headers().firstValue("Retry-After")).isPresent();
    JsonObject m = messages(refused).getJsonObject(0);
    assertThat(m.getString("fieldPath")).isEqualTo("client_id");
    assertThat(m.getString("description")).contains("at most 60 per minute");
    // Another client of the same property is not affected.
    assertThat(post(url, "application/json", ticks("calm-" + RUN, 0)).statusCode()).isEqualTo(204);
    int refilledAll = (int) Math.ceil((System.nanoTime() - start) / 1e9);
    List<Hit> produced = awaitHits(h -> h.clientId().equals(cid), 60);
    assertThat(produced.size()).isBetween(60, 60 + refilledAll + 1);
  }

  /**
   * Issue 19: the only node-side limit keyed on the sender-chosen cid, so a flood from one address rotating it was
   * never refused. Now the address's own bucket (collector.ipHitsPerMinute) refuses it with 429 + Retry-After.
   */
  @Test
  @Order(8)
  void rotatingClientIdsNoLongerBypassesTheRateLimit() throws Exception {
    String ip = "198.51.100.77";
    StringBuilder events = new StringBuilder();
    for (int i = 0; i < 25; i++) {
      events.append("en=page_view&_et=").append(i + 1).append('\n');
    }
    long start = System.nanoTime();
    int accepted = 0;
    HttpResponse<String> refused = null;
    // 25 hits a request, each request under a client id never seen before: the per-client limit (60) never binds.
    for (int r = 0; r < 3 * IP_LIMIT / 25 && refused == null; r++) {
      var res = send(HttpRequest.newBuilder(uri("/g/collect?v=2&tid=" + WEB + "&cid=rot-" + r + "." + RUN + "&dl="
              + enc("https://shop.example.com/flood"))).header("User-Agent", CHROME).header("X-Forwarded-For", ip)
          .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(events.toString())));
      if (res.statusCode() == 429) {
        refused = res;
      } else {
        assertThat(res.statusCode()).as("request %d", r).isIn(200, 204);
        accepted += res.statusCode() == 204 ? 25 : new JsonObject(res.body()).getInteger("accepted");
      }
    }
    // The bucket refills IP_LIMIT per minute while the requests run.
    int refilled = (int) Math.ceil((System.nanoTime() - start) / 60e9 * IP_LIMIT);
    assertThat(refused).as("a 429 once the address spent its minute, whatever the cid").isNotNull();
    assertThat(accepted).isBetween(IP_LIMIT, IP_LIMIT + refilled + 1);
    assertThat(refused.headers().firstValue("Retry-After")).isPresent();
    assertThat(messages(refused).getJsonObject(0).getString("description"))
        .contains("too many hits from this IP address: at most " + IP_LIMIT + " per minute").doesNotContain(ip);
    // Another address, the same property and page: unaffected.
    var other = send(HttpRequest.newBuilder(uri("/g/collect?v=2&tid=" + WEB + "&cid=calm." + RUN + "&en=page_view&dl="
            + enc("https://shop.example.com/flood"))).header("User-Agent", CHROME).header("X-Forwarded-For", "198.51.100.78")
        .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.noBody()));
    assertThat(other.statusCode()).isEqualTo(204);
  }

  /** Issue 19: "full URLs with every query parameter are stored". Each property's allow-list, read from Cassandra. */
  @Test
  @Order(9)
  void fullUrlsWithEveryQueryParameterAreNoLongerStored() throws Exception {
    String url = "https://shop.example.com/account?token=s3cr3t&utm_source=mail&email=a%40b.example&gclid=G1";
    for (String property : List.of(WEB, BARE)) {
      String cid = "qp-" + property;
      var res = post("/g/collect?v=2&tid=" + property + "&cid=" + cid + "&en=page_view&dl=" + enc(url), "text/plain", "");
      assertThat(res.statusCode()).isEqualTo(204);
    }
    Hit kept = awaitHits(h -> h.clientId().equals("qp-" + WEB), 1).get(0);
    assertThat(kept.pageLocation()).as("the default list: utm_* and click ids")
        .isEqualTo("https://shop.example.com/account?utm_source=mail&gclid=G1");
    Hit bare = awaitHits(h -> h.clientId().equals("qp-" + BARE), 1).get(0);
    assertThat(bare.pageLocation()).isEqualTo("https://shop.example.com/account");
    assertThat(bare.source()).as("campaign read before stripping").isEqualTo("mail");
  }

  @Test
  @Order(5)
  void invalidInputGetsItsStatusAndNothingIsProduced() throws Exception {
    String bad = "bad-" + RUN;
    String web = "/g/collect?v=2&tid=" + WEB + "&cid=" + bad + "&en=page_view&dl=";
    var unknown = post("/g/collect?v=2&tid=B-UNKNOWN&cid=" + bad + "&en=x&dl=" + enc("https://a.com/"), "text/plain", "");
    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(messages(unknown).getJsonObject(0).getString("fieldPath")).isEqualTo("tid");
    var host = post(web + enc("https://evil.example.net/"), "text/plain", "");
    assertThat(host.statusCode()).isEqualTo(403);
    assertThat(messages(host).getJsonObject(0).getString("fieldPath")).isEqualTo("dl");
    var type = post(web + enc("https://shop.example.com/"), "application/xml", "<x/>");
    assertThat(type.statusCode()).isEqualTo(415);
    var big = post("/mp/collect?measurement_id=" + MP + "&api_secret=s3cret", "application/json",
        "{\"client_id\":\"" + bad + "\",\"events\":[{\"name\":\"e\",\"params\":{\"p\":\"" + "x".repeat(140_000) + "\"}}]}");
    assertThat(big.statusCode()).isEqualTo(413);
    var malformed = post("/mp/collect?measurement_id=" + MP + "&api_secret=s3cret", "application/json", "{\"client_id\":");
    assertThat(malformed.statusCode()).isEqualTo(400);
    var noEvent = post("/g/collect?v=2&tid=" + WEB + "&cid=" + bad + "&dl=" + enc("https://shop.example.com/"), "text/plain", "");
    assertThat(messages(noEvent).getJsonObject(0).getString("fieldPath")).isEqualTo("en");
    // Do-Not-Track honoured for a property that asks for it: acknowledged, not stored.
    var dnt = send(HttpRequest.newBuilder(uri("/g/collect?v=2&tid=" + DNT + "&cid=" + bad + "&en=page_view&dl=" + enc("https://p.example/")))
        .header("DNT", "1").POST(HttpRequest.BodyPublishers.noBody()));
    assertThat(dnt.statusCode()).isEqualTo(204);
    // ... on UA's endpoints too (analytics.js sends from browsers), here with Global Privacy Control.
    var uaDnt = send(HttpRequest.newBuilder(uri("/collect?v=1&tid=" + DNT + "&cid=" + bad + "&t=pageview&dh=p.example"))
        .header("Sec-GPC", "1").GET());
    assertThat(uaDnt.statusCode()).isEqualTo(204);
    // A gzip-compressed body is accepted (the marker hit).
    String marker = "bad-marker-" + RUN;
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(("en=page_view&_rid=m-" + RUN).getBytes(StandardCharsets.UTF_8));
    }
    var zipped = send(HttpRequest.newBuilder(uri("/g/collect?v=2&tid=" + WEB + "&cid=" + marker + "&dl=" + enc("https://shop.example.com/")))
        .header("Content-Type", "text/plain").header("Content-Encoding", "gzip").POST(HttpRequest.BodyPublishers.ofByteArray(gz.toByteArray())));
    assertThat(zipped.statusCode()).isEqualTo(204);
    assertThat(awaitHits(h -> h.clientId().equals(marker), 1).get(0).requestId()).isEqualTo("m-" + RUN);
    assertThat(reader.hits(h -> h.clientId().equals(bad))).isEmpty();
  }

  @Test
  @Order(6)
  void retriedHitsAreProducedOnce() throws Exception {
    String cid = "dup-" + RUN;
    String withId = "/g/collect?v=2&tid=" + WEB + "&cid=" + cid + "&en=page_view&_rid=same-" + RUN + "&dl=" + enc("https://shop.example.com/");
    String withZ = "/collect?v=1&tid=" + UA + "&cid=" + cid + "&t=pageview&dp=%2Fretry&z=42";
    String withoutId = "/collect?v=1&tid=" + UA + "&cid=" + cid + "&t=pageview&dp=%2Fno-id";
    for (int i = 0; i < 3; i++) {
      assertThat(post(withId, "text/plain", "").statusCode()).isEqualTo(204);
      assertThat(send(HttpRequest.newBuilder(uri(withZ)).GET()).statusCode()).isEqualTo(204);
      assertThat(send(HttpRequest.newBuilder(uri(withoutId)).GET()).statusCode()).isEqualTo(204);
    }
    post("/g/collect?v=2&tid=" + WEB + "&cid=" + cid + "&en=marker&dl=" + enc("https://shop.example.com/"), "text/plain", "");
    // Every send was answered after Kafka acknowledged it, so all records are in the topic by now.
    awaitHits(h -> h.clientId().equals(cid), 4);
    // Three sends of each, produced once each (plus the marker). The two properties key different
    // partitions, so only the per-protocol counts are defined, not the order across them.
    assertThat(reader.hits(h -> h.clientId().equals(cid))).extracting(Hit::protocol)
        .containsExactlyInAnyOrder("ga4-web", "ga4-web", "ua", "ua");
    assertThat(reader.hits(h -> h.clientId().equals(cid) && "ga4-web".equals(h.protocol())))
        .extracting(Hit::eventName).containsExactlyInAnyOrder("page_view", "marker");
    // UA's z is the sender's id as sent; without one the id is the payload hash plus the first attempt's time.
    assertThat(reader.hits(h -> h.clientId().equals(cid) && "ua".equals(h.protocol()))).extracting(Hit::pagePath, Hit::requestId)
        .anySatisfy(t -> assertThat(t.toList()).containsExactly("/retry", "42"))
        .anySatisfy(t -> {
          assertThat(t.toList().get(0)).isEqualTo("/no-id");
          assertThat((String) t.toList().get(1)).matches("[0-9a-f-]{36}\\.[0-9]{13}");
        });
  }

  /** The derived-id window (shortened for this node) against the sender's 24 h: identical hits further apart are two. */
  @Test
  @Order(8)
  void identicalHitsWithoutAnIdFurtherApartThanTheWindowAreTwoHitsWithASendersIdOne() throws Exception {
    String cid = "apart-" + RUN;
    String withoutId = "/collect?v=1&tid=" + UA + "&cid=" + cid + "&t=event&ec=Video&ea=Play";
    String withZ = "/collect?v=1&tid=" + UA + "&cid=" + cid + "&t=pageview&dp=%2Fz&z=77";
    assertThat(send(HttpRequest.newBuilder(uri(withoutId)).GET()).statusCode()).isEqualTo(204);
    assertThat(send(HttpRequest.newBuilder(uri(withZ)).GET()).statusCode()).isEqualTo(204);
    // The identical hit again and again: copies inside the window are acknowledged as duplicates and not produced,
    // the first one after it is produced as a second hit.
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(DERIVED_WINDOW_MS / 1000 + 60))
        .pollInterval(Duration.ofSeconds(1)).until(() -> {
          assertThat(send(HttpRequest.newBuilder(uri(withoutId)).GET()).statusCode()).isEqualTo(204);
          return reader.hits(h -> h.clientId().equals(cid) && "play".equals(h.eventName())).size() >= 2;
        });
    assertThat(send(HttpRequest.newBuilder(uri(withZ)).GET()).statusCode()).isEqualTo(204);
    send(HttpRequest.newBuilder(uri("/collect?v=1&tid=" + UA + "&cid=" + cid + "&t=pageview&dp=%2Fmarker&z=78")).GET());
    List<Hit> hits = awaitHits(h -> h.clientId().equals(cid), 4);
    assertThat(hits).extracting(Hit::eventName).containsExactly("play", "page_view", "play", "page_view");
    List<Hit> plays = hits.stream().filter(h -> h.eventName().equals("play")).toList();
    // The same payload hash, two first attempts: two request ids, two rows, two hits in every report.
    String hash = plays.get(0).requestId().substring(0, 36);
    assertThat(plays.get(1).requestId()).startsWith(hash + ".").isNotEqualTo(plays.get(0).requestId());
    assertThat(plays.get(1).receivedAt() - plays.get(0).receivedAt()).isGreaterThan(DERIVED_WINDOW_MS);
    assertThat(hits).extracting(Hit::pagePath).containsOnlyOnce("/z");
  }

  /** GA4 MP's request context: device and user_location win, ip_override is looked up, events keep their own time. */
  @Test
  @Order(9)
  void measurementProtocolDeviceLocationOverrideAndEventTimes() throws Exception {
    String url = "/mp/collect?measurement_id=" + MP + "&api_secret=s3cret";
    String cid = "ctx-" + RUN;
    long now = System.currentTimeMillis();
    long own = now - 2 * 3_600_000L;
    long request = now - 3_600_000L;
    String json = "{\"client_id\":\"" + cid + "\",\"timestamp_micros\":" + request * 1000 + ",\"ip_override\":\"2.125.160.216\","
        + "\"device\":{\"category\":\"Tablet\",\"language\":\"en-GB\",\"screen_resolution\":\"800x1280\","
        + "\"operating_system\":\"Android\",\"operating_system_version\":\"14\",\"model\":\"Tab S9\",\"brand\":\"Samsung\"},"
        + "\"events\":[{\"name\":\"own_time\",\"timestamp_micros\":" + own * 1000 + "},{\"name\":\"request_time\"}]}";
    assertThat(post(url, "application/json", json).statusCode()).isEqualTo(204); // User-Agent: desktop Chrome on Windows
    List<Hit> hits = awaitHits(h -> h.clientId().equals(cid), 2);
    assertThat(hits).extracting(Hit::eventName, Hit::ts).containsExactly(
        org.assertj.core.groups.Tuple.tuple("own_time", own), org.assertj.core.groups.Tuple.tuple("request_time", request));
    Hit h = hits.get(0);
    assertThat(java.util.Arrays.asList(h.deviceCategory(), h.os(), h.osVersion(), h.browser(), h.language(), h.screenResolution()))
        .containsExactly("tablet", "Android", "14", "Chrome", "en-gb", "800x1280");
    assertThat(List.of(h.deviceModel(), h.deviceBrand())).containsExactly("Tab S9", "Samsung");
    assertThat(List.of(h.country(), h.region(), h.city())).containsExactly("FR", "Ile-de-France", "Paris");
    assertThat(h.isBot()).isFalse();

    // user_location wins over ip_override and the connection.
    String located = "loc-" + RUN;
    assertThat(post(url, "application/json", "{\"client_id\":\"" + located + "\",\"ip_override\":\"2.125.160.216\","
        + "\"user_location\":{\"city\":\"Mountain View\",\"region_id\":\"US-CA\"},\"events\":[{\"name\":\"e\"}]}")
        .statusCode()).isEqualTo(204);
    Hit l = awaitHits(x -> x.clientId().equals(located), 1).get(0);
    assertThat(List.of(l.country(), l.region(), l.city())).containsExactly("US", "US-CA", "Mountain View");

    // A bad context rejects the request as a whole; a bad event time drops that event only.
    String bad = "badctx-" + RUN;
    var badDevice = post(url, "application/json", "{\"client_id\":\"" + bad + "\",\"device\":{\"category\":\"robot\"},"
        + "\"events\":[{\"name\":\"e\"}]}");
    assertThat(badDevice.statusCode()).isEqualTo(400);
    assertThat(messages(badDevice).getJsonObject(0).getString("fieldPath")).isEqualTo("device.category");
    var badIp = post(url, "application/json", "{\"client_id\":\"" + bad + "\",\"ip_override\":\"300.1.1.1\",\"events\":[{\"name\":\"e\"}]}");
    assertThat(messages(badIp).getJsonObject(0).getString("fieldPath")).isEqualTo("ip_override");
    String partly = "partly-" + RUN;
    var oneOld = post(url, "application/json", "{\"client_id\":\"" + partly + "\",\"events\":[{\"name\":\"fine\"},"
        + "{\"name\":\"stale\",\"timestamp_micros\":" + (now - 73 * 3_600_000L) * 1000 + "}]}");
    assertThat(oneOld.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(oneOld.body()).getInteger("accepted")).isEqualTo(1);
    assertThat(messages(oneOld).getJsonObject(0).getString("fieldPath")).isEqualTo("events");
    assertThat(awaitHits(x -> x.clientId().equals(partly), 1)).extracting(Hit::eventName).containsExactly("fine");

    // No User-Agent at all (a server-side sender): counted, not a bot, its device (not set).
    String agentless = "noua-" + RUN;
    assertThat(postWithoutUserAgent(url, "{\"client_id\":\"" + agentless + "\",\"events\":[{\"name\":\"e\"}]}"))
        .isEqualTo(204);
    Hit n = awaitHits(x -> x.clientId().equals(agentless), 1).get(0);
    assertThat(n.isBot()).isFalse();
    assertThat(java.util.Arrays.asList(n.deviceCategory(), n.browser(), n.os())).containsOnlyNulls();
    assertThat(reader.hits(x -> x.clientId().equals(bad))).isEmpty();
  }

  /**
   * A cookieless property: the collector replaces the client id a browser sends with one of its own, from the day's
   * salt (shared in Ignite), the property, the IP address and the User-Agent, and drops the browser's session state.
   */
  @Test
  @Order(10)
  void cookielessPropertiesGetTheCollectorsDailyClientId() throws Exception {
    String page = "&en=page_view&sid=1700000100&sct=4&_fv=1&_ss=1&dl=" + enc("https://anon.example/");
    for (String[] hit : new String[][] {{"1.1", "81.2.69.142", "a"}, {"2.2", "81.2.69.142", "b"}, {"3.3", "2.125.160.216", "c"}}) {
      var res = send(HttpRequest.newBuilder(uri("/g/collect?v=2&tid=" + ANON + "&cid=" + hit[0] + "&_rid=anon-" + hit[2]
              + "-" + RUN + page)).header("User-Agent", CHROME).header("X-Forwarded-For", hit[1])
          .POST(HttpRequest.BodyPublishers.noBody()));
      assertThat(res.statusCode()).isEqualTo(204);
    }
    List<Hit> hits = awaitHits(h -> h.propertyId().equals(ANON), 3);
    Map<String, Hit> byRequest = new LinkedHashMap<>();
    hits.forEach(h -> byRequest.put(h.requestId(), h));
    Hit a = byRequest.get("anon-a-" + RUN);
    Hit b = byRequest.get("anon-b-" + RUN);
    Hit c = byRequest.get("anon-c-" + RUN);
    assertThat(a.clientId()).startsWith("cookieless:").isEqualTo(b.clientId()).isNotEqualTo(c.clientId());
    assertThat(c.clientId()).startsWith("cookieless:");
    assertThat(hits).extracting(Hit::sessionId).containsOnlyNulls();
    assertThat(hits).extracting(Hit::sessionNumber).containsOnlyNulls();
    assertThat(hits).extracting(Hit::firstVisit).containsOnlyNulls();
    assertThat(hits).extracting(Hit::sessionStart).containsOnlyNulls();
    assertThat(a.country()).as("still enriched from the address").isEqualTo("GB");
  }

  /** Beacon's tracker in a real headless Chromium, on a test page served from another origin. */
  @Test
  @Order(50)
  void trackerInHeadlessChromium() throws Exception {
    com.sun.net.httpserver.HttpServer pages = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    pages.createContext("/", ex -> {
      boolean cookieless = ex.getRequestURI().getPath().startsWith("/cookieless");
      byte[] html = ("<!doctype html><html><head><title>Tracker test</title><script async src=\"" + base + "/beacon.js\" data-property=\""
          + BROWSER + "\"" + (cookieless ? " data-cookieless" : "") + "></script></head><body><a id=out href=\"https://elsewhere.example/\">out</a></body></html>")
          .getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
      ex.sendResponseHeaders(200, html.length);
      ex.getResponseBody().write(html);
      ex.close();
    });
    pages.start();
    String site = "http://127.0.0.1:" + pages.getAddress().getPort();
    Path profile = Path.of("target", "collector-it", RUN, "chromium-profile").toAbsolutePath();
    try (HeadlessChromium chrome = new HeadlessChromium(profile)) {
      chrome.navigate(site + "/shop/page.html");
      Hit first = awaitHits(h -> h.propertyId().equals(BROWSER) && "/shop/page.html".equals(h.pagePath()), 1).get(0);
      String cid = first.clientId();
      assertThat(first.eventName()).isEqualTo("page_view");
      assertThat(first.pageTitle()).isEqualTo("Tracker test");
      assertThat(first.firstVisit()).isTrue();
      assertThat(first.sessionStart()).isTrue();
      assertThat(first.sessionId()).isNotBlank();
      assertThat(first.requestId()).matches("[0-9a-f-]{36}");
      assertThat(first.hostname()).isEqualTo("127.0.0.1");
      // An SPA navigation through the history API is a page view.
      chrome.eval("history.pushState({}, '', '/shop/spa-next'); 1");
      Hit spa = awaitHits(h -> h.clientId().equals(cid) && "/shop/spa-next".equals(h.pagePath()), 1).get(0);
      assertThat(spa.eventName()).isEqualTo("page_view");
      assertThat(spa.sessionId()).isEqualTo(first.sessionId());
      // A custom event through the JS API, with a text and a number parameter; signup is a key event.
      chrome.eval("beacon('event', 'signup', {plan: 'pro', seats: 3}); 1");
      Hit signup = awaitHits(h -> h.clientId().equals(cid) && "signup".equals(h.eventName()), 1).get(0);
      assertThat(signup.params()).containsEntry("plan", "pro").containsEntry("seats", "3");
      assertThat(signup.keyEvent()).isTrue();
      // An outbound click (the navigation it starts is cancelled: only the hit matters).
      chrome.eval("document.getElementById('out').addEventListener('click', e => e.preventDefault()); "
          + "document.getElementById('out').click(); 1");
      Hit click = awaitHits(h -> h.clientId().equals(cid) && "click".equals(h.eventName()), 1).get(0);
      assertThat(click.params()).containsEntry("link_domain", "elsewhere.example").containsEntry("outbound", "true");
      // Leaving the page hides it: the engagement time goes out with sendBeacon.
      chrome.navigate("about:blank");
      Hit engagement = awaitHits(h -> h.clientId().equals(cid) && "user_engagement".equals(h.eventName()), 1).get(0);
      assertThat(engagement.engagementMs()).isPositive();
      // A second visit keeps the client id.
      chrome.navigate(site + "/shop/again.html");
      Hit again = awaitHits(h -> h.propertyId().equals(BROWSER) && "/shop/again.html".equals(h.pagePath()), 1).get(0);
      assertThat(again.clientId()).isEqualTo(cid);
      assertThat(again.firstVisit()).isNull();
      // Cookieless mode (another origin, so no earlier storage): hits arrive, nothing is kept on the device.
      String other = "http://localhost:" + pages.getAddress().getPort();
      chrome.navigate(other + "/cookieless/page.html");
      Hit anonymous = awaitHits(h -> h.propertyId().equals(BROWSER) && "/cookieless/page.html".equals(h.pagePath()), 1).get(0);
      assertThat(anonymous.clientId()).isNotEqualTo(cid);
      assertThat(chrome.eval("localStorage.length + '|' + document.cookie")).isEqualTo("0|");
    } finally {
      pages.stop(0);
    }
  }

  /** Runs last: stops the shared broker, and always restarts it. */
  @Test
  @Order(100)
  void kafkaOutageLosesNothingKeepsPerClientOrderAndAFullSpoolAnswers503() throws Exception {
    List<String> clients = List.of("o1-" + RUN, "o2-" + RUN, "o3-" + RUN);
    Map<String, List<String>> sent = new LinkedHashMap<>();
    clients.forEach(c -> sent.put(c, new ArrayList<>()));
    int n = 0;
    try {
      stack.kafka().stop();
      // A stream of hits while the broker is down: each is answered (from the spool) in order.
      for (int i = 0; i < 30; i++) {
        String c = clients.get(i % 3);
        String rid = c + "-" + i;
        var res = post("/g/collect?v=2&tid=" + WEB + "&cid=" + c + "&en=page_view&_rid=" + rid + "&dl=" + enc("https://shop.example.com/p" + i),
            "text/plain", "");
        assertThat(res.statusCode()).as("hit %d during the outage", i).isEqualTo(204);
        sent.get(c).add(rid);
        n++;
      }
      // Fill the spool (128 KiB): big-ish batches until the collector refuses with 503 + Retry-After.
      HttpResponse<String> refused = null;
      String filler = "en=page_view&ep.pad=" + "p".repeat(99) + "\n";
      for (int i = 0; i < 400 && refused == null; i++) {
        String c = "fill-" + RUN + "-" + i; // one client per request: stay under the per-client rate limit
        var res = post("/g/collect?v=2&tid=" + WEB + "&cid=" + c + "&dl=" + enc("https://shop.example.com/" + "f".repeat(600)) + "&_s=" + i,
            "text/plain", filler.repeat(20));
        if (res.statusCode() == 503) {
          refused = res;
        } else {
          assertThat(res.statusCode()).isIn(200, 204);
        }
      }
      assertThat(refused).as("spool full answers 503").isNotNull();
      assertThat(refused.headers().firstValue("Retry-After")).contains("7");
    } finally {
      stack.kafka().restart();
    }
    await("every hit accepted during the outage reaches Kafka").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
        .until(() -> clients.stream().allMatch(c -> firstOccurrences(c).size() == sent.get(c).size()));
    for (String c : clients) {
      assertThat(firstOccurrences(c)).as("order of client %s", c).containsExactlyElementsOf(sent.get(c));
    }
    assertThat(n).isEqualTo(30);
    // Back to normal: a new hit goes straight through.
    String after = "after-" + RUN;
    assertThat(post("/g/collect?v=2&tid=" + WEB + "&cid=" + after + "&en=page_view&dl=" + enc("https://shop.example.com/"), "text/plain", "")
        .statusCode()).isEqualTo(204);
    awaitHits(h -> h.clientId().equals(after), 1);
  }

  /** Request ids of a client's hits in topic order, each counted at its first occurrence. */
  private static List<String> firstOccurrences(String cid) {
    return reader.hits(h -> h.clientId().equals(cid)).stream().map(Hit::requestId).distinct().toList();
  }

  /** An MP body of 25 distinct events (distinct payloads: the derived request ids differ). */
  private static String ticks(String cid, int request) {
    StringBuilder events = new StringBuilder();
    for (int i = 0; i < 25; i++) {
      events.append(i == 0 ? "" : ",").append("{\"name\":\"tick\",\"params\":{\"n\":").append(request * 100 + i).append("}}");
    }
    return "{\"client_id\":\"" + cid + "\",\"events\":[" + events + "]}";
  }

  private static List<Hit> awaitHits(java.util.function.Predicate<Hit> filter, int count) {
    List<List<Hit>> out = new ArrayList<>();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
      List<Hit> h = reader.hits(filter);
      out.clear();
      out.add(h);
      return h.size() >= count;
    });
    return out.get(0);
  }

  private static JsonArray messages(HttpResponse<String> res) {
    return new JsonObject(res.body()).getJsonArray("validationMessages");
  }

  private static HttpResponse<String> post(String path, String type, String body) throws Exception {
    return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", type).header("User-Agent", CHROME)
        .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  /** A POST with no User-Agent header at all: Java's HttpClient always adds its own, so over a plain socket. */
  private static int postWithoutUserAgent(String path, String json) throws Exception {
    URI u = uri(path);
    try (java.net.Socket socket = new java.net.Socket(u.getHost(), u.getPort())) {
      socket.setSoTimeout(30_000);
      byte[] body = json.getBytes(StandardCharsets.UTF_8);
      String head = "POST " + path + " HTTP/1.1\r\nHost: " + u.getHost() + ":" + u.getPort()
          + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n";
      socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().write(body);
      socket.getOutputStream().flush();
      String status = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
          StandardCharsets.US_ASCII)).readLine();
      return Integer.parseInt(status.split(" ")[1]);
    }
  }

  private static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return HTTP.send(b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static URI uri(String path) {
    return URI.create(base + path);
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  static <T> T join(io.vertx.core.Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(180, TimeUnit.SECONDS);
  }
}
