package io.beacon.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.beacon.devstack.LocalStack;
import io.beacon.model.Hit;
import io.beacon.testing.Dashboard;
import io.beacon.testing.HeadlessChromium;
import io.beacon.testing.NodeProcess;
import io.beacon.testing.NodeProcess.Cluster;
import io.beacon.testing.RealStack;
import io.beacon.testing.Sh;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Plausible's Events API on a real node (every role, recompute included) against the real stack: answered as
 * Plausible answers (202 "ok", x-plausible-dropped, its errors, its CORS headers), a property addressed by its
 * domains; and Plausible's own npm trackers, unmodified ({@code @plausible-analytics/tracker} 0.4.6 and {@code
 * plausible-tracker} 0.3.9, pinned in {@code src/test/plausible-trackers}, installed with {@code npm ci} into {@code
 * target/plausible-trackers}), configured with their site's domain and Beacon's endpoint only, in a real headless
 * Chromium on sites of their own (host names under {@code .plausible.test} the browser resolves to the loopback).
 * Every event a tracker sends, as the browser's network log shows it, is in {@code runReport} with its page, the
 * session's referrer source, the device category (the User-Agent's, or the window width's for the tracker that
 * sends it) and its props.
 */
@ExtendWith(RealStack.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PlausibleTrackerTest {
  static final String RUN = UUID.randomUUID().toString().substring(0, 6).toLowerCase(Locale.ROOT);
  static final String ADMIN = "plausible@example.com";
  static final String PASSWORD = "a plausible admin password";
  /** A desktop Chrome: headless Chromium's own agent says HeadlessChrome, a bot (for Plausible too). */
  static final String CHROME_LINUX = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
      + " Chrome/131.0.0.0 Safari/537.36";
  static final String API_SITE = "api-" + RUN + ".example";
  static final String ROLLUP_SITE = "rollup-" + RUN + ".example";
  static final String NEW_SITE = "new-" + RUN + ".plausible.test";
  static final String OLD_SITE = "old-" + RUN + ".plausible.test";
  static final Path TRACKERS_SOURCE = Path.of("beacon-devstack", "src", "test", "plausible-trackers");
  static final Path TRACKERS = Path.of("target", "plausible-trackers").toAbsolutePath();
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  static LocalStack stack;
  static NodeProcess node;
  /** What the browser sent to /api/event by DevTools request id, the answers by request id, failed requests. */
  private final Map<String, JsonObject> sent = Collections.synchronizedMap(new LinkedHashMap<>());
  private final Map<String, JsonObject> answers = new java.util.concurrent.ConcurrentHashMap<>();
  private final List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
  private HeadlessChromium chrome;
  static Dashboard admin;
  static HitsReader reader;
  static String collector;
  static String apiProperty;
  static String rollupProperty;
  static String newProperty;
  static String oldProperty;

  @BeforeAll
  static void start(LocalStack s) throws Exception {
    stack = s;
    node = new NodeProcess("plausible-" + RUN, stack, Cluster.fresh(1, 3_000), Map.of(
        "BEACON_NODE_VERTICLES_RECOMPUTE_INSTANCES", "1",
        "BEACON_COLLECTOR_PROPERTY_REFRESH_MS", "500",
        "BEACON_RECOMPUTE_OPEN_CACHE_TTL_MS", "1000",
        "BEACON_QUERY_ADMIN_EMAIL", ADMIN, "BEACON_QUERY_ADMIN_PASSWORD", PASSWORD)).start();
    node.awaitReady(Duration.ofSeconds(180));
    admin = Dashboard.login(node.queryPort, ADMIN, PASSWORD);
    collector = "http://127.0.0.1:" + node.collectorPort;
    apiProperty = create("Events API", List.of(API_SITE, "WWW.Api-" + RUN + ".example/Shop"), List.of(API_SITE), true);
    rollupProperty = create("Rollup", List.of(ROLLUP_SITE), List.of(), false);
    newProperty = create("npm tracker", List.of(NEW_SITE), List.of(NEW_SITE), false);
    oldProperty = create("old npm tracker", List.of(OLD_SITE), List.of(OLD_SITE), false);
    reader = new HitsReader(stack.kafkaBootstrap());
  }

  @AfterAll
  static void stop() {
    if (reader != null) {
      reader.close();
    }
    if (node != null) {
      node.close();
    }
  }

  /** Creates a property with Plausible domains; answers its id. */
  static String create(String name, List<String> domains, List<String> hosts, boolean respectDnt) throws Exception {
    HttpResponse<String> r = admin.post("/api/v1/admin/properties", new JsonObject().put("name", name)
        .put("timeZone", "UTC").put("plausibleDomains", new JsonArray(domains)).put("allowedHostnames", new JsonArray(hosts))
        .put("respectDnt", respectDnt).encode());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return new JsonObject(r.body()).getString("propertyId");
  }

  @Test
  @Order(1)
  void domainsAreAPropertySettingOneDomainOneProperty() throws Exception {
    JsonObject p = new JsonObject(admin.get("/api/v1/admin/properties/" + apiProperty).body());
    assertThat(p.getJsonArray("plausibleDomains")).containsExactly(API_SITE, "api-" + RUN + ".example/shop");
    HttpResponse<String> taken = admin.post("/api/v1/admin/properties", new JsonObject().put("name", "Squatter")
        .put("plausibleDomains", new JsonArray().add("www." + API_SITE)).encode());
    assertThat(taken.statusCode()).as(taken.body()).isEqualTo(409);
    assertThat(taken.body()).contains(apiProperty);
    HttpResponse<String> bad = admin.send("PATCH", "/api/v1/admin/properties/" + rollupProperty,
        new JsonObject().put("plausibleDomains", new JsonArray().add("https://" + ROLLUP_SITE)).encode(), true);
    assertThat(bad.statusCode()).as(bad.body()).isEqualTo(400);
    assertThat(bad.body()).contains("plausibleDomains[0]");
    // A PATCH of other settings keeps the domains; one naming them replaces them.
    HttpResponse<String> renamed = admin.send("PATCH", "/api/v1/admin/properties/" + rollupProperty,
        new JsonObject().put("name", "Rollup site").encode(), true);
    assertThat(new JsonObject(renamed.body()).getJsonArray("plausibleDomains")).containsExactly(ROLLUP_SITE);
    HttpResponse<String> again = admin.send("PATCH", "/api/v1/admin/properties/" + rollupProperty,
        new JsonObject().put("plausibleDomains", new JsonArray().add(ROLLUP_SITE).add("WWW." + ROLLUP_SITE)).encode(), true);
    assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
    assertThat(new JsonObject(again.body()).getJsonArray("plausibleDomains")).containsExactly(ROLLUP_SITE);
  }

  @Test
  @Order(2)
  void theEventsApiAnswersAsPlausibleDoes() throws Exception {
    // A pre-flight, as cors_plug answers it for Plausible.
    HttpResponse<String> preflight = send(HttpRequest.newBuilder(URI.create(collector + "/api/event"))
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", "https://some.site.example")
        .header("Access-Control-Request-Method", "POST").header("Access-Control-Request-Headers", "content-type"));
    assertThat(preflight.statusCode()).isEqualTo(204);
    assertThat(header(preflight, "access-control-allow-origin")).isEqualTo("*");
    assertThat(header(preflight, "access-control-allow-credentials")).isEqualTo("true");
    assertThat(header(preflight, "access-control-max-age")).isEqualTo("1728000");
    assertThat(header(preflight, "access-control-allow-methods")).isEqualTo("GET,POST,PUT,PATCH,DELETE,OPTIONS");
    assertThat(header(preflight, "access-control-allow-headers")).contains("Content-Type").contains("DNT");

    String pageview = event("pageview", "https://www." + API_SITE + "/landing?utm_source=newsletter", API_SITE)
        .put("r", (String) null).put("w", 390).encode();
    HttpResponse<String> ok = post(pageview, "text/plain", Map.of());
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(202);
    assertThat(ok.body()).isEqualTo("ok");
    assertThat(header(ok, "content-type")).startsWith("text/plain");
    assertThat(header(ok, "access-control-allow-origin")).isEqualTo("*");
    assertThat(ok.headers().firstValue("x-plausible-dropped")).isEmpty();

    // JSON, the long names, props as an object and revenue; the domain with its path names the same property.
    String signup = new JsonObject().put("name", "Signup").put("url", "https://" + API_SITE + "/join")
        .put("domain", "api-" + RUN + ".example/shop").put("referrer", "https://news.ycombinator.com/item?id=1")
        .put("props", new JsonObject().put("tier", "pro").put("seats", 3))
        .put("revenue", new JsonObject().put("amount", "19.99").put("currency", "EUR")).encode();
    assertThat(post(signup, "application/json", Map.of()).statusCode()).isEqualTo(202);

    // Two domains of one property are one hit; a second property's domain another (a rollup); an unknown one dropped.
    HttpResponse<String> rollup = post(event("Download", "https://" + API_SITE + "/file.pdf",
        API_SITE + ",www." + API_SITE + "," + ROLLUP_SITE + ",nobody-" + RUN + ".example")
        .put("p", "{\"file\":\"file.pdf\"}").encode(), "text/plain", Map.of());
    assertThat(rollup.statusCode()).isEqualTo(202);
    assertThat(header(rollup, "x-plausible-dropped")).isEqualTo("1");
    HttpResponse<String> unknown = post(event("pageview", "https://nobody-" + RUN + ".example/", "nobody-" + RUN + ".example")
        .encode(), "text/plain", Map.of());
    assertThat(unknown.statusCode()).as("an unknown site, as Plausible answers it").isEqualTo(202);
    assertThat(unknown.body()).isEqualTo("ok");
    assertThat(header(unknown, "x-plausible-dropped")).isEqualTo("1");
    HttpResponse<String> foreign = post(event("pageview", "https://elsewhere.example/", API_SITE).encode(), "text/plain",
        Map.of());
    assertThat(foreign.statusCode()).as("a host the property does not allow: dropped").isEqualTo(202);
    assertThat(header(foreign, "x-plausible-dropped")).isEqualTo("1");
    HttpResponse<String> dnt = post(event("pageview", "https://" + API_SITE + "/private", API_SITE).encode(), "text/plain",
        Map.of("DNT", "1"));
    assertThat(dnt.statusCode()).as("the property respects Do-Not-Track: answered as taken").isEqualTo(202);
    assertThat(dnt.headers().firstValue("x-plausible-dropped")).isEmpty();

    // Invalid events: Plausible's errors, with the CORS headers a browser needs to read them.
    HttpResponse<String> noUrl = post(new JsonObject().put("n", "pageview").put("d", API_SITE).encode(), "text/plain", Map.of());
    assertThat(noUrl.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(noUrl.body())).isEqualTo(new JsonObject().put("errors",
        new JsonObject().put("url", new JsonArray().add("is required"))));
    assertThat(header(noUrl, "access-control-allow-origin")).isEqualTo("*");
    HttpResponse<String> notJson = post("", "text/plain", Map.of());
    assertThat(notJson.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(notJson.body()).getJsonObject("errors").getJsonArray("request"))
        .containsExactly("Unable to parse request body as json");
    HttpResponse<String> get = send(HttpRequest.newBuilder(URI.create(collector + "/api/event")).GET());
    assertThat(get.statusCode()).isEqualTo(405);
    assertThat(header(get, "allow")).isEqualTo("POST, OPTIONS");
    HttpResponse<String> huge = post(event("pageview", "https://" + API_SITE + "/", API_SITE)
        .put("p", new JsonObject().put("pad", "x".repeat(140 * 1024))).encode(), "text/plain", Map.of());
    assertThat(huge.statusCode()).as("over the body limit").isEqualTo(413);
    assertThat(header(huge, "access-control-allow-origin")).isEqualTo("*");

    // The hits: the collector's daily id for every one (no IP kept), the page, width, props and revenue.
    awaitHits(h -> h.propertyId().equals(apiProperty), 3);
    // ...and no more: the dropped, opted-out and invalid events never reach the topic.
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
        .until(() -> reader.hits(h -> h.propertyId().equals(apiProperty)).size() == 3);
    List<Hit> api = reader.hits(h -> h.propertyId().equals(apiProperty));
    assertThat(api).extracting(Hit::eventName).containsExactlyInAnyOrder("page_view", "Signup", "Download");
    assertThat(api).extracting(Hit::protocol).containsOnly("plausible");
    assertThat(api).extracting(Hit::clientId).allMatch(c -> c.startsWith("cookieless:") && !c.contains("127.0.0.1"))
        .as("one browser, one day, one site").containsOnly(api.get(0).clientId());
    assertThat(api).extracting(Hit::sessionId).containsOnlyNulls();
    Hit landing = api.stream().filter(h -> h.eventName().equals("page_view")).findFirst().orElseThrow();
    assertThat(landing.pagePath()).isEqualTo("/landing");
    assertThat(landing.hostname()).isEqualTo("www." + API_SITE);
    assertThat(landing.source()).isEqualTo("newsletter");
    assertThat(landing.deviceCategory()).as("a 390 px window").isEqualTo("mobile");
    assertThat(landing.browser()).isEqualTo("Chrome");
    Hit joined = api.stream().filter(h -> h.eventName().equals("Signup")).findFirst().orElseThrow();
    assertThat(joined.params()).containsEntry("tier", "pro").containsEntry("seats", "3").containsEntry("value", "19.99")
        .containsEntry("currency", "EUR");
    assertThat(joined.source()).isEqualTo("news.ycombinator.com");
    assertThat(joined.deviceCategory()).as("no width: the User-Agent's").isEqualTo("desktop");
    List<Hit> rolled = awaitHits(h -> h.propertyId().equals(rollupProperty), 1);
    assertThat(rolled).singleElement().satisfies(h -> {
      assertThat(h.eventName()).isEqualTo("Download");
      assertThat(h.params()).containsEntry("file", "file.pdf");
      assertThat(h.clientId()).as("each site its own id").startsWith("cookieless:").isNotEqualTo(api.get(0).clientId());
    });
  }

  /** Both npm trackers, unmodified, in a real Chromium: every event they send lands in reports as it should. */
  @Test
  @Order(3)
  void plausiblesNpmTrackersInHeadlessChromium() throws Exception {
    installTrackers();
    HttpServer sites = sites();
    String port = Integer.toString(sites.getAddress().getPort());
    Path profile = Path.of("target", "plausible-chromium", RUN).toAbsolutePath();
    // A visitor's browser: Plausible's tracker sends nothing from one that says it is automated (navigator.webdriver,
    // which Chromium sets when its DevTools port is picked by the system), and drops Headless Chrome's agent as a bot.
    try (HeadlessChromium browser = new HeadlessChromium(profile, List.of("--user-agent=" + CHROME_LINUX,
        "--disable-blink-features=AutomationControlled", "--host-resolver-rules=MAP *.plausible.test 127.0.0.1"))) {
      chrome = browser;
      // The browser's own record of what the trackers send and what they are answered.
      chrome.on("Network.requestWillBeSent", p -> {
        JsonObject req = p.getJsonObject("request");
        if (req.getString("url").equals(collector + "/api/event") && "POST".equals(req.getString("method"))) {
          sent.put(p.getString("requestId"), new JsonObject(req.getString("postData")));
        }
      });
      chrome.on("Network.responseReceived", p -> answers.put(p.getString("requestId"), p.getJsonObject("response")));
      chrome.on("Network.loadingFailed", p -> failures.add(p.encode()));
      chrome.call("Network.enable", new JsonObject());

      // @plausible-analytics/tracker 0.4: hash-based routing, outbound links, a custom event with props and revenue,
      // a 404 as Plausible's docs have it; the User-Agent says desktop.
      String newPage = "http://" + NEW_SITE + ":" + port + "/new/index.html";
      chrome.navigate(newPage, "https://news.ycombinator.com/item?id=" + RUN);
      awaitSent(e -> e.getString("n").equals("pageview"), 1);
      chrome.eval("location.hash = '#/pricing'; 1");
      awaitSent(e -> e.getString("n").equals("pageview"), 2);
      chrome.eval("window.track('Signup', {props: {tier: 'pro', seats: '3'}, revenue: {amount: '19.99', currency: 'EUR'}}); 1");
      chrome.eval("window.track('404', {props: {path: document.location.pathname}}); 1");
      awaitSent(e -> e.getString("n").equals("404"), 1);
      // The visitor looks away (blur) before following an outbound link: the tracker sends the page's engagement while
      // the page is there (one sent as a page unloads is missing from the browser's log, not from Beacon).
      chrome.eval("window.dispatchEvent(new Event('blur')); 1");
      awaitSent(e -> e.getString("n").equals("engagement"), 2);
      chrome.eval("document.getElementById('out').click(); 1"); // leaves for another site: an outbound link
      awaitSent(e -> e.getString("n").equals("Outbound Link: Click"), 1);
      awaitTrue(chrome, "location.pathname === '/bye'");

      // plausible-tracker 0.3: an 800 px window (Plausible's tablet), auto page views through the history API, a
      // custom event (its props as a JSON string), a 404 and an outbound link.
      chrome.viewport(800, 900);
      String oldPage = "http://" + OLD_SITE + ":" + port + "/old/index.html";
      chrome.navigate(oldPage, "https://www.google.com/");
      awaitSent(e -> e.getString("d").equals(OLD_SITE) && e.getString("n").equals("pageview"), 1);
      chrome.eval("history.pushState({}, '', '/old/pricing'); 1");
      awaitSent(e -> e.getString("d").equals(OLD_SITE) && e.getString("n").equals("pageview"), 2);
      chrome.eval("window.plausibleOld.trackEvent('Signup', {props: {tier: 'team', seats: 5}}); 1");
      chrome.eval("window.plausibleOld.trackEvent('404', {props: {path: document.location.pathname}}); 1");
      awaitSent(e -> e.getString("d").equals(OLD_SITE) && e.getString("n").equals("404"), 1);
      chrome.eval("document.getElementById('out').click(); 1");
      awaitSent(e -> e.getString("d").equals(OLD_SITE) && e.getString("n").equals("Outbound Link: Click"), 1);
      awaitTrue(chrome, "location.pathname === '/bye'");
      // The answers still on their way have come in.
      try {
        await("answers to the events sent before their page was left").atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(200)).until(() -> {
              synchronized (sent) {
                return sent.entrySet().stream().allMatch(e -> answers.containsKey(e.getKey()) || leaving(e.getValue()));
              }
            });
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        throw new AssertionError("sent " + sent + "; answers " + answers.keySet() + "; failed " + failures, e);
      }
      assertThat(failures).as("failed requests").isEmpty();
      assertThat(chrome.problems()).as("console errors and dialogs").isEmpty();
    } finally {
      sites.stop(0);
    }

    // CORS as the browser saw it: events answered 202 for any origin. The browser reports no answer to a request
    // sent as its page was left (an outbound link's, an engagement's): the reports below show those arrived too.
    List<JsonObject> events;
    synchronized (sent) {
      events = List.copyOf(sent.values());
      for (String id : sent.keySet()) {
        JsonObject res = answers.get(id);
        if (res == null) {
          assertThat(leaving(sent.get(id))).as("an event without an answer in the browser's log: %s", sent.get(id)).isTrue();
          continue;
        }
        assertThat(res.getInteger("status")).as("answer to %s", sent.get(id)).isEqualTo(202);
        assertThat(headerOf(res.getJsonObject("headers"), "access-control-allow-origin")).isEqualTo("*");
      }
      assertThat(sent.entrySet()).filteredOn(e -> answers.containsKey(e.getKey())).extracting(e -> e.getValue().getString("n"))
          .as("answered in the browser").contains("pageview", "Signup", "404");
    }
    List<JsonObject> newEvents = events.stream().filter(e -> e.getString("d").equals(NEW_SITE)).toList();
    List<JsonObject> oldEvents = events.stream().filter(e -> e.getString("d").equals(OLD_SITE)).toList();
    assertThat(newEvents.size() + oldEvents.size()).isEqualTo(events.size());
    assertThat(newEvents).extracting(e -> e.getString("n"))
        .contains("pageview", "Signup", "404", "Outbound Link: Click");
    assertThat(oldEvents).extracting(e -> e.getString("n"))
        .contains("pageview", "Signup", "404", "Outbound Link: Click");
    assertThat(oldEvents).as("plausible-tracker sends the window's width").allMatch(e -> e.getInteger("w") == 800);

    checkReports(newProperty, newEvents, "news.ycombinator.com / referral", "desktop", "pro");
    checkReports(oldProperty, oldEvents, "google / organic", "tablet", "team");
    // Revenue and the props of outbound links and 404 pages.
    assertThat(report(newProperty, List.of("eventName", "customEvent:value", "customEvent:currency")))
        .containsEntry(List.of("Signup", "19.99", "EUR"), 1L);
    for (String property : List.of(newProperty, oldProperty)) {
      String site = property.equals(newProperty) ? NEW_SITE : OLD_SITE;
      assertThat(report(property, List.of("eventName", "customEvent:url")))
          .containsEntry(List.of("Outbound Link: Click", "http://elsewhere-" + RUN + ".plausible.test:" + port + "/bye"), 1L);
      assertThat(report(property, List.of("eventName", "customEvent:path")))
          .as(site).containsEntry(List.of("404", property.equals(newProperty) ? "/new/index.html" : "/old/pricing"), 1L);
    }
  }

  /**
   * The property's reports against what the browser sent, computed here from the wire: events by name and page
   * path, one user in one session whose source is the referrer of its landing page, one device category, the
   * Signup's tier.
   */
  private static void checkReports(String property, List<JsonObject> events, String source, String device, String tier)
      throws Exception {
    Map<List<String>, Long> byPage = new TreeMap<>(java.util.Comparator.comparing(List::toString));
    Map<List<String>, Long> bySource = new TreeMap<>(java.util.Comparator.comparing(List::toString));
    Map<List<String>, Long> byDevice = new TreeMap<>(java.util.Comparator.comparing(List::toString));
    for (JsonObject e : events) {
      String n = e.getString("n");
      String name = n.equals("pageview") ? "page_view" : n.equals("engagement") ? "user_engagement" : n;
      URI u = URI.create(e.getString("u"));
      String path = (u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath())
          + (Integer.valueOf(1).equals(e.getInteger("h")) && u.getRawFragment() != null ? "#" + u.getRawFragment() : "");
      byPage.merge(List.of(name, path), 1L, Long::sum);
      bySource.merge(List.of(name, source), 1L, Long::sum);
      byDevice.merge(List.of(name, device), 1L, Long::sum);
    }
    awaitRawHits(property, events.size());
    // Two dimensions or a custom one: answered by recompute from the raw hits (no Spark job runs here).
    assertThat(report(property, List.of("eventName", "pagePath"))).as("events of %s by name and page", property)
        .isEqualTo(byPage);
    assertThat(report(property, List.of("eventName", "sessionSourceMedium"))).isEqualTo(bySource);
    assertThat(report(property, List.of("eventName", "deviceCategory"))).isEqualTo(byDevice);
    assertThat(report(property, List.of("eventName", "customEvent:tier"))).containsEntry(List.of("Signup", tier), 1L);
    JsonObject users = runReport(property, new JsonArray().add(new JsonObject().put("name", "hostName"))
        .add(new JsonObject().put("name", "sessionSourceMedium")), new JsonArray()
        .add(new JsonObject().put("name", "totalUsers")).add(new JsonObject().put("name", "sessions")));
    assertThat(users.getJsonArray("rows")).hasSize(1);
    assertThat(users.getJsonArray("rows").getJsonObject(0).getJsonArray("metricValues").stream()
        .map(v -> ((JsonObject) v).getString("value")).toList()).as("one browser, one visit").containsExactly("1", "1");
  }

  /** A report's rows: dimension values to eventCount. */
  static Map<List<String>, Long> report(String property, List<String> dimensions) throws Exception {
    JsonArray dims = new JsonArray();
    dimensions.forEach(d -> dims.add(new JsonObject().put("name", d)));
    JsonObject r = runReport(property, dims, new JsonArray().add(new JsonObject().put("name", "eventCount")));
    Map<List<String>, Long> rows = new TreeMap<>(java.util.Comparator.comparing(List::toString));
    for (Object o : r.getJsonArray("rows", new JsonArray())) {
      JsonObject row = (JsonObject) o;
      rows.put(row.getJsonArray("dimensionValues").stream().map(v -> ((JsonObject) v).getString("value")).toList(),
          Long.parseLong(row.getJsonArray("metricValues").getJsonObject(0).getString("value")));
    }
    return rows;
  }

  static JsonObject runReport(String property, JsonArray dimensions, JsonArray metrics) throws Exception {
    HttpResponse<String> r = admin.post("/api/v1/properties/" + property + ":runReport", new JsonObject()
        .put("dateRanges", new JsonArray().add(new JsonObject().put("startDate", "yesterday").put("endDate", "today")))
        .put("dimensions", dimensions).put("metrics", metrics).put("limit", 1000).encode());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return new JsonObject(r.body());
  }

  /** Waits until QuestDB holds the property's raw hits (the bridge has written them), so a report sees them all. */
  static void awaitRawHits(String property, int count) {
    await("raw hits of " + property).atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
      URI uri = URI.create(stack.questdbHttpUrl() + "/exec?query=" + URLEncoder.encode(
          "select count() from hits where property_id = '" + property + "'", StandardCharsets.UTF_8));
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 && new JsonObject(r.body()).getJsonArray("dataset").getJsonArray(0).getLong(0) >= count;
    });
  }

  /** Installs the pinned npm trackers into target/, once per checkout (npm ci: exactly the lock file's versions). */
  static void installTrackers() throws Exception {
    Path installed = io.beacon.testing.NpmPins.install(TRACKERS_SOURCE, TRACKERS,
        "node_modules/plausible-tracker/package.json");
    assertThat(new JsonObject(Files.readString(TRACKERS.resolve("node_modules/@plausible-analytics/tracker/package.json")))
        .getString("version")).isEqualTo("0.4.6");
    assertThat(new JsonObject(Files.readString(installed)).getString("version")).isEqualTo("0.3.9");
  }

  /**
   * The trackers' sites: a page per tracker that loads it from node_modules as an ES module and configures it with
   * the site's domain and Beacon's endpoint, and a page outbound links lead to. Module paths without an extension
   * (plausible-tracker's build imports './lib/tracker') resolve to the .js file, as a bundler resolves them.
   */
  static HttpServer sites() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    String elsewhere = "http://elsewhere-" + RUN + ".plausible.test:PORT/bye";
    String newPage = "<!doctype html><html><head><title>New tracker</title></head><body>"
        + "<a id=\"out\" href=\"" + elsewhere + "\">elsewhere</a><script type=\"module\">"
        + "import { init, track } from '/npm/@plausible-analytics/tracker/plausible.js';"
        + "init({ domain: '" + NEW_SITE + "', endpoint: '" + collector + "/api/event', hashBasedRouting: true,"
        + " outboundLinks: true });"
        + "window.track = track;</script></body></html>";
    String oldPage = "<!doctype html><html><head><title>Old tracker</title></head><body>"
        + "<a id=\"out\" href=\"" + elsewhere + "\">elsewhere</a><script type=\"module\">"
        + "import Plausible from '/npm/plausible-tracker/build/module/index.js';"
        + "const plausible = Plausible({ domain: '" + OLD_SITE + "', apiHost: '" + collector + "' });"
        + "plausible.enableAutoPageviews(); plausible.enableAutoOutboundTracking();"
        + "window.plausibleOld = plausible;</script></body></html>";
    server.createContext("/", ex -> {
      String path = ex.getRequestURI().getPath();
      String port = Integer.toString(server.getAddress().getPort());
      byte[] body = null;
      String type = "text/html; charset=utf-8";
      if (path.startsWith("/new/")) {
        body = newPage.replace("PORT", port).getBytes(StandardCharsets.UTF_8);
      } else if (path.startsWith("/old/")) {
        body = oldPage.replace("PORT", port).getBytes(StandardCharsets.UTF_8);
      } else if (path.equals("/bye")) {
        body = "<!doctype html><html><head><title>Elsewhere</title></head><body>elsewhere</body></html>"
            .getBytes(StandardCharsets.UTF_8);
      } else if (path.startsWith("/npm/") && !path.contains("..")) {
        Path file = TRACKERS.resolve("node_modules").resolve(path.substring("/npm/".length()));
        if (!Files.isRegularFile(file)) {
          file = file.resolveSibling(file.getFileName() + ".js");
        }
        if (Files.isRegularFile(file)) {
          body = Files.readAllBytes(file);
          type = "text/javascript; charset=utf-8";
        }
      } else if (path.equals("/favicon.ico")) {
        ex.sendResponseHeaders(204, -1);
        ex.close();
        return;
      }
      if (body == null) {
        ex.sendResponseHeaders(404, -1);
      } else {
        ex.getResponseHeaders().add("Content-Type", type);
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
      }
      ex.close();
    });
    server.start();
    return server;
  }

  /** Whether an event is one a tracker sends as its page is left (the browser may log no answer to it). */
  private static boolean leaving(JsonObject event) {
    return List.of("Outbound Link: Click", "engagement").contains(event.getString("n"));
  }

  /**
   * Waits until the browser has sent {@code count} events that match and every event sent so far that the browser
   * will report an answer to has one (its page is still there: {@link #leaving} events aside).
   */
  private void awaitSent(Predicate<JsonObject> which, int count) {
    try {
      await("the tracker sends its event").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
        synchronized (sent) {
          return sent.values().stream().filter(which).count() >= count
              && sent.entrySet().stream().allMatch(e -> answers.containsKey(e.getKey()) || leaving(e.getValue()));
        }
      });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      String page;
      try {
        page = chrome.eval("JSON.stringify({href: location.href, visibility: document.visibilityState, track: typeof"
            + " window.track, old: typeof window.plausibleOld, webdriver: navigator.webdriver, agent: navigator.userAgent,"
            + " loaded: performance.getEntries().map(x => x.name)})");
      } catch (Exception ex) {
        page = ex.toString();
      }
      throw new AssertionError("sent " + sent + "; answers " + answers.keySet() + "; failed " + failures
          + "; browser problems " + chrome.problems() + "; page " + page, e);
    }
  }

  private static void awaitTrue(HeadlessChromium chrome, String js) {
    await(js).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
        .until(() -> "true".equals(chrome.eval("Boolean(" + js + ")")));
  }

  private static JsonObject event(String name, String url, String domain) {
    return new JsonObject().put("n", name).put("u", url).put("d", domain);
  }

  private static HttpResponse<String> post(String body, String type, Map<String, String> headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(collector + "/api/event")).header("Content-Type", type)
        .header("User-Agent", CHROME_LINUX).header("Origin", "https://" + API_SITE)
        .POST(HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(b::header);
    return send(b);
  }

  private static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return HTTP.send(b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String header(HttpResponse<?> r, String name) {
    return r.headers().firstValue(name).orElse(null);
  }

  private static String headerOf(JsonObject headers, String name) {
    for (String k : headers.fieldNames()) {
      if (k.equalsIgnoreCase(name)) {
        return headers.getString(k);
      }
    }
    return null;
  }

  private static List<Hit> awaitHits(Predicate<Hit> filter, int count) {
    List<List<Hit>> out = new ArrayList<>();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
      List<Hit> h = reader.hits(filter);
      out.clear();
      out.add(h);
      return h.size() >= count;
    });
    return out.get(0);
  }
}
