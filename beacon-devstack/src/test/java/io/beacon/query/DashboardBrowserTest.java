package io.beacon.query;

import io.beacon.testing.Dashboard;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.beacon.devstack.LocalStack;
import io.beacon.model.Hit;
import io.beacon.model.aggregation.Aggregator;
import io.beacon.testing.AggregateSeeder;
import io.beacon.testing.HeadlessChromium;
import io.beacon.testing.NodeProcess;
import io.beacon.testing.NodeProcess.Cluster;
import io.beacon.testing.RealStack;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The web dashboard in a real headless Chromium against a real node: log in, overview with charts
 * for seeded data, range switch, a click-to-filter, CSV, a live real-time counter fed by real hits
 * through collector, Kafka and bridge, and a hostile page title shown as text. Screenshots go to
 * target/screenshots.
 */
@ExtendWith(RealStack.class)
class DashboardBrowserTest {
  private static final String ADMIN = "ui@example.com";
  private static final String PASSWORD = "a long ui password";
  private static final String XSS = "<img src=x onerror=alert(1)>";
  private static final Path SHOTS = Path.of("target", "screenshots");
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  void dashboardEndToEnd(LocalStack stack) throws Exception {
    try (NodeProcess node = new NodeProcess("ui-node", stack, Cluster.fresh(2, 3_000), Map.of(
        // Tables filtered on another dimension are computed from raw hits by recompute.
        "BEACON_NODE_VERTICLES_RECOMPUTE_INSTANCES", "1",
        "BEACON_COLLECTOR_PROPERTY_REFRESH_MS", "500",
        "BEACON_QUERY_ADMIN_EMAIL", ADMIN, "BEACON_QUERY_ADMIN_PASSWORD", PASSWORD)).start()) {
      node.awaitReady(Duration.ofSeconds(180));
      Dashboard admin = Dashboard.login(node.queryPort, ADMIN, PASSWORD);
      HttpResponse<String> created = admin.post("/api/v1/admin/properties", "{\"name\":\"UI test\",\"timeZone\":\"UTC\"}");
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      String property = new JsonObject(created.body()).getString("propertyId");
      Expected expected = seedAggregates(stack, property);

      try (HeadlessChromium chrome = new HeadlessChromium(Path.of("target", "ui-chromium", UUID.randomUUID().toString()).toAbsolutePath())) {
        chrome.navigate("http://127.0.0.1:" + node.queryPort + "/");
        awaitTrue(chrome, "!document.getElementById('login').hidden");
        chrome.screenshot(SHOTS.resolve("01-login.png"));
        chrome.eval("document.getElementById('login-email').value = '" + ADMIN + "';"
            + "document.getElementById('login-password').value = '" + PASSWORD + "';"
            + "document.getElementById('login-form').requestSubmit(); 1");
        // Overview: KPIs from the seeded aggregates and a drawn chart.
        awaitTrue(chrome, "document.querySelectorAll('.kpi .value').length === 8"
            + " && document.querySelector('.kpi .value').textContent !== '0' && !!document.querySelector('.chart canvas')");
        // New users, engagement rate and the channel groups as the spec's rules give them (the reference).
        awaitTrue(chrome, "[...document.querySelectorAll('section.card h2 span')].some(s => s.textContent === 'Channels')"
            + " && document.querySelectorAll('section.card table tbody tr').length > 0");
        chrome.screenshot(SHOTS.resolve("02-overview.png"));
        String users7 = chrome.eval("document.querySelector('.kpi .value').textContent");
        assertThat(chrome.eval("[...document.querySelectorAll('.kpi')].find(k => k.querySelector('.label').textContent"
            + " === 'New users').querySelector('.value').textContent")).isEqualTo(String.valueOf(expected.newUsers));
        assertThat(chrome.eval("[...document.querySelectorAll('.kpi')].find(k => k.querySelector('.label').textContent"
            + " === 'Engagement rate').querySelector('.value').textContent"))
            .isEqualTo(String.format(java.util.Locale.ROOT, "%.1f%%", expected.engagementRate * 100));
        String channels = chrome.eval("JSON.stringify([...document.querySelectorAll('section.card table tbody tr')]"
            + ".map(tr => [tr.cells[0].textContent, tr.cells[1].textContent]))");
        java.util.Map<String, String> shown = new java.util.TreeMap<>();
        new io.vertx.core.json.JsonArray(channels).forEach(o -> {
          io.vertx.core.json.JsonArray row = (io.vertx.core.json.JsonArray) o;
          shown.put(row.getString(0), row.getString(1));
        });
        java.util.Map<String, String> want = new java.util.TreeMap<>();
        expected.channelSessions.forEach((group, ids) -> want.put(group, String.valueOf(ids.size())));
        assertThat(shown).isEqualTo(want);
        assertThat(want).containsKeys("Organic Search", "Direct", "Organic Social", "Email");

        chrome.eval("const r = document.getElementById('range'); r.value = '28'; r.dispatchEvent(new Event('change')); 1");
        awaitTrue(chrome, "document.querySelectorAll('.kpi .value').length === 8");
        chrome.screenshot(SHOTS.resolve("03-overview-28-days.png"));
        assertThat(users7).isNotBlank();

        // Pages: the hostile title is text, no element was made of it.
        chrome.eval("document.querySelector('a[data-view=pages]').click(); 1");
        awaitTrue(chrome, "[...document.querySelectorAll('td')].some(td => td.textContent === '" + XSS + "')");
        assertThat(chrome.eval("String(document.querySelectorAll('main img').length)")).isEqualTo("0");
        chrome.screenshot(SHOTS.resolve("04-pages.png"));

        // Geography: click a country to filter every table by it.
        chrome.eval("document.querySelector('a[data-view=geography]').click(); 1");
        awaitTrue(chrome, "[...document.querySelectorAll('td')].some(td => td.textContent === 'DE')");
        chrome.eval("[...document.querySelectorAll('tbody tr')].find(tr => tr.firstChild.textContent === 'DE').click(); 1");
        awaitTrue(chrome, "(document.querySelector('.chip') || {}).textContent?.startsWith('country = DE')");
        awaitTrue(chrome, "document.querySelectorAll('section.card')[0].querySelectorAll('tbody tr').length === 1");
        chrome.screenshot(SHOTS.resolve("05-geography-filtered.png"));

        // CSV of a report, as the download button fetches it.
        assertThat(csvOf(chrome, property)).startsWith("\"country\",\"eventCount\"");

        // Real time: hits sent to the collector raise the live counter without a reload.
        chrome.eval("document.querySelector('a[data-view=realtime]').click(); 1");
        awaitTrue(chrome, "!!document.getElementById('realtime-active')");
        int before = Integer.parseInt(chrome.eval("document.getElementById('realtime-active').textContent"));
        for (int i = 0; i < 3; i++) {
          String cid = "ui." + i + "." + UUID.randomUUID();
          HttpResponse<String> hit = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.collectorPort
              + "/g/collect?v=2&tid=" + property + "&cid=" + cid + "&en=page_view&_rid=" + UUID.randomUUID()
              + "&dl=" + URLEncoder.encode("https://ui.example/live", StandardCharsets.UTF_8)))
              .POST(HttpRequest.BodyPublishers.noBody()).header("Content-Type", "text/plain")
              // A browser's agent: Java's own is an HTTP library, a bot on the web protocols (realtime leaves bots out).
              .header("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
                  + " Chrome/131.0.0.0 Safari/537.36").build(), HttpResponse.BodyHandlers.ofString());
          assertThat(hit.statusCode()).as(hit.body()).isEqualTo(204);
        }
        awaitTrue(chrome, "Number(document.getElementById('realtime-active').textContent) >= " + (before + 3));
        chrome.screenshot(SHOTS.resolve("06-realtime.png"));

        chrome.eval("document.querySelector('a[data-view=settings]').click(); 1");
        awaitTrue(chrome, "(document.querySelector('pre.snippet') || {}).textContent?.includes('" + property + "')");
        chrome.screenshot(SHOTS.resolve("07-settings.png"));
        chrome.viewport(390, 800);
        chrome.eval("document.querySelector('a[data-view=overview]').click(); 1");
        awaitTrue(chrome, "document.querySelectorAll('.kpi .value').length === 8");
        chrome.screenshot(SHOTS.resolve("08-phone-overview.png"));

        assertThat(chrome.problems()).as("console errors and dialogs").isEmpty();
      }
    }
  }

  private static String csvOf(HeadlessChromium chrome, String property) throws Exception {
    JsonObject r = chrome.call("Runtime.evaluate", new JsonObject().put("awaitPromise", true).put("returnByValue", true)
        .put("expression", "fetch('/api/v1/properties/" + property + ":runReport', {method: 'POST', headers: {'Content-Type':"
            + " 'application/json', 'Accept': 'text/csv', 'X-CSRF-Token': document.cookie.match(/beacon_csrf=([^;]+)/)[1]}, body: JSON.stringify({dateRanges: [{startDate: '6daysAgo', endDate: 'today'}],"
            + " dimensions: [{name: 'country'}], metrics: [{name: 'eventCount'}]})}).then(r => r.text())"));
    return r.getJsonObject("result").getString("value");
  }

  private static void awaitTrue(HeadlessChromium chrome, String js) {
    await(js).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
        .until(() -> "true".equals(chrome.eval("Boolean(" + js + ")")));
  }

  /**
   * Aggregates for the last 5 days, as the stream would have written them (each session whole), and the overview's
   * expected figures from the independent reference: new users, engagement rate and sessions by channel group.
   */
  private static Expected seedAggregates(LocalStack stack, String property) {
    Random rnd = new Random(7);
    long now = System.currentTimeMillis();
    List<Hit> hits = new ArrayList<>();
    String[] countries = {"DE", "US", "FR"};
    // Arrivals by channel: Organic Search, Direct, Organic Social (t.co as GA4 names it), Email.
    String[][] arrivals = {{"google", "organic"}, {"(direct)", "(none)"}, {"t.co", "referral"},
        {"newsletter", "email"}};
    for (int i = 0; i < 400; i++) {
      int client = rnd.nextInt(60);
      int session = rnd.nextInt(3);
      String title = i % 10 == 0 ? XSS : "Page " + (i % 4);
      String[] arrival = arrivals[(client + session) % arrivals.length];
      hits.add(Hit.builder()
          .propertyId(property)
          .clientId("c" + client)
          .requestId("seed" + i)
          .sessionId("s" + client + "-" + session)
          .ts(now - 3_600_000L - (long) (rnd.nextDouble() * 4 * 86_400_000L))
          .receivedAt(0)
          .eventName(i % 3 == 0 ? "scroll" : "page_view")
          .engagementMs(i % 5 == 0 ? 11_000L : 500L)
          .keyEvent(false)
          .hostname("ui.example")
          .pagePath("/p" + (i % 4))
          .pageTitle(title)
          .source(arrival[0])
          .medium(arrival[1])
          .deviceCategory("desktop")
          .browser("Chrome")
          .os("Linux")
          .country(countries[client % 3])
          .isBot(false)
          .protocol("test")
          .schemaVersion(Hit.SCHEMA_VERSION)
          .build());
    }
    Aggregator agg = new Aggregator(p -> java.time.ZoneOffset.UTC);
    io.beacon.testing.Scoping.scopeAll(hits).forEach(s -> agg.add(s.hit(), s.scope()));
    AggregateSeeder.write(stack, agg, cql -> { });
    // Every hit lies in the overview's default range (the last 7 days): its totals are the union of the day rows.
    io.beacon.testing.ReferenceAggregation ref = io.beacon.testing.ReferenceAggregation.of(hits,
        java.util.Map.of(property, java.time.ZoneOffset.UTC));
    Expected e = new Expected();
    java.util.Set<String> sessions = new java.util.HashSet<>();
    java.util.Set<String> engaged = new java.util.HashSet<>();
    ref.rows.forEach((key, row) -> {
      if (!key.granularity().equals("day")) {
        return;
      }
      if (key.dimension().equals("(total)")) {
        e.newUsers += row.newUsers;
        sessions.addAll(row.sessions);
        engaged.addAll(row.engagedSessions);
      } else if (key.dimension().equals("sessionDefaultChannelGroup")) {
        e.channelSessions.computeIfAbsent(key.value(), k -> new java.util.HashSet<>()).addAll(row.sessions);
      }
    });
    e.engagementRate = (double) engaged.size() / sessions.size();
    return e;
  }

  /** The overview's figures the reference gives. */
  private static final class Expected {
    long newUsers;
    double engagementRate;
    final java.util.Map<String, java.util.Set<String>> channelSessions = new java.util.TreeMap<>();
  }
}
