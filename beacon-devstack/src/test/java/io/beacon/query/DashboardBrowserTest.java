package io.beacon.query;

import io.beacon.testing.Dashboard;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.beacon.devstack.LocalStack;
import io.beacon.model.Hit;
import io.beacon.model.aggregation.Aggregator;
import io.beacon.testing.AggregateSeeder;
import io.beacon.testing.HeadlessChromium;
import io.beacon.testing.NodeProcess;
import io.beacon.testing.NodeProcess.Cluster;
import io.beacon.testing.RealStack;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.beacon.store.topic.HitCodec;
import io.beacon.store.topic.Topics;
import java.nio.file.Files;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
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
 * The web dashboard in a real headless Chromium against a real node: the first run from an account store without the
 * administrator (the setup link's page: password, first property, snippets, the first hit from a test page with the
 * snippet, live), log in, overview with charts for seeded data, range switch, a click-to-filter (by mouse and by
 * keyboard only), CSV, a live real-time counter fed by real hits through collector, Kafka and bridge, a hostile page
 * title shown as text, and every management page. axe-core runs on every page at 1280 and 375 px: no serious or
 * critical violation. Screenshots and axe's results go to target/screenshots.
 */
@ExtendWith(RealStack.class)
class DashboardBrowserTest {
  /** A new administrator per run: the node creates it at start, with a one-time password (the setup link's code). */
  private static final String ADMIN = "ui-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
  private static final String PASSWORD = "a long ui password";
  private static final String XSS = "<img src=x onerror=alert(1)>";
  private static final Path SHOTS = Path.of("target", "screenshots");
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  /** axe-core, pinned in src/test/axe and installed there by npm ci. */
  private static final Path AXE_SOURCE = Path.of(System.getProperty("beacon.home", ".")).resolve("beacon-devstack/src/test/axe");
  private static final Path AXE = Path.of("target", "axe").toAbsolutePath();
  /** A visitor's browser (Headless Chrome's own agent is a bot to the collector). */
  private static final String CHROME_LINUX = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
      + " Chrome/131.0.0.0 Safari/537.36";
  /** Serious and critical axe violations, page by page; asserted empty at the end, so one run lists them all. */
  private final List<String> axeFailures = new ArrayList<>();
  private String axeScript;

  @Test
  void dashboardEndToEnd(LocalStack stack) throws Exception {
    try (NodeProcess node = new NodeProcess("ui-node", stack, Cluster.fresh(2, 3_000), Map.of(
        // Tables filtered on another dimension are computed from raw hits by recompute.
        "BEACON_NODE_VERTICLES_RECOMPUTE_INSTANCES", "1",
        "BEACON_COLLECTOR_PROPERTY_REFRESH_MS", "500",
        // No query.adminPassword: the node generates a one-time password into this file, as on a first `beacon up`.
        "BEACON_QUERY_ADMIN_EMAIL", ADMIN, "BEACON_QUERY_ADMIN_PASSWORD_FILE", ADMIN_PASSWORD_FILE.toString()))
        // The snippets name the collector as browsers reach it: here, this node's.
        .with("BEACON_QUERY_PUBLIC_COLLECTOR_URL", n -> "http://127.0.0.1:" + n.collectorPort).start()) {
      node.awaitReady(Duration.ofSeconds(180));
      installAxe();
      Path downloads = Path.of("target", "ui-downloads", UUID.randomUUID().toString()).toAbsolutePath();
      Files.createDirectories(downloads);
      try (HeadlessChromium chrome = new HeadlessChromium(Path.of("target", "ui-chromium", UUID.randomUUID().toString()).toAbsolutePath(),
          List.of("--user-agent=" + CHROME_LINUX, "--host-resolver-rules=MAP mysite.test 127.0.0.1", "--disable-popup-blocking"))) {
        chrome.viewport(1280, 900);
        // The CSV button's file lands here, as a person's browser would save it.
        chrome.call("Browser.setDownloadBehavior", new JsonObject().put("behavior", "allow").put("downloadPath", downloads.toString()));
        chrome.navigate("http://127.0.0.1:" + node.queryPort + "/");
        awaitTrue(chrome, "!document.getElementById('login').hidden");
        assertThat(chrome.eval("document.getElementById('login-first-run').textContent"))
            .isEqualTo("First run? Open the setup link printed by bin/beacon up.");
        chrome.screenshot(SHOTS.resolve("01-login.png"));
        axe(chrome, "login");
        firstRun(chrome, node);

        Dashboard admin = Dashboard.login(node.queryPort, ADMIN, PASSWORD);
        HttpResponse<String> created = admin.post("/api/v1/admin/properties", "{\"name\":\"UI test\",\"timeZone\":\"UTC\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String property = new JsonObject(created.body()).getString("propertyId");
        Expected expected = seed(stack, property);
        // Logged out, then in again with the password set on the first run; onto the seeded property.
        chrome.eval("document.getElementById('logout').click(); 1");
        awaitTrue(chrome, "!document.getElementById('login').hidden");
        chrome.eval("location.hash = '#overview?p=" + property + "'; 1");
        chrome.eval("document.getElementById('login-email').value = '" + ADMIN + "';"
            + "document.getElementById('login-password').value = '" + PASSWORD + "';"
            + "document.getElementById('login-form').requestSubmit(); 1");
        // Overview: KPIs from the seeded aggregates, a drawn chart, every top list answered.
        awaitTrue(chrome, "document.querySelectorAll('.kpi .value').length === 9"
            + " && document.querySelector('.kpi .value').textContent !== '0' && !!document.querySelector('.chart canvas')");
        awaitTrue(chrome, TOP_LISTS_DONE);
        assertThat(kpi(chrome, "Users")).isEqualTo(String.valueOf(expected.users));
        assertThat(kpi(chrome, "New users")).isEqualTo(String.valueOf(expected.newUsers));
        assertThat(kpi(chrome, "Views")).isEqualTo(String.valueOf(expected.views));
        assertThat(kpi(chrome, "Engagement rate")).isEqualTo(String.format(Locale.ROOT, "%.1f%%", expected.engagementRate * 100));
        // GA4's averages: views per session, engagement time per active user (not the sum).
        assertThat(kpi(chrome, "Views per session")).isEqualTo(String.format(Locale.ROOT, "%.2f", (double) expected.views / expected.sessions));
        assertThat(kpi(chrome, "Avg. engagement time")).isEqualTo(duration(expected.engagementMs / 1000.0 / expected.activeUsers));
        // Deltas on a 7-day range too: the 7 days before hold nothing.
        assertThat(delta(chrome, "Views")).isEqualTo("▲ new");
        // Every day of the range is plotted, those without data as 0.
        assertThat(new JsonArray(chrome.eval(CHART_DATA))).isEqualTo(expected.usersByDay(TODAY.minusDays(6), TODAY));
        assertThat(topList(chrome, "pages")).isEqualTo(expected.viewsByPath);
        // The channel groups as the spec's rules give them (the reference), under the Sources card's Channels tab.
        chrome.eval("[...document.querySelectorAll('[data-card=sources] .tab')].find(b => b.textContent === 'Channels').click(); 1");
        awaitTrue(chrome, "[...document.querySelectorAll('[data-card=sources] tbody td.name')].some(td => td.textContent === 'Direct')");
        Map<String, String> want = new TreeMap<>();
        expected.channelSessions.forEach((group, ids) -> want.put(group, String.valueOf(ids.size())));
        assertThat(topList(chrome, "sources")).isEqualTo(want);
        assertThat(want).containsKeys("Organic Search", "Direct", "Organic Social", "Email");
        // Key events: only the events marked as such, with their count.
        chrome.eval("[...document.querySelectorAll('[data-card=events] .tab')].find(b => b.textContent === 'Key events').click(); 1");
        awaitTrue(chrome, "[...document.querySelectorAll('[data-card=events] tbody td.name')].some(td => td.textContent === 'sign_up')");
        assertThat(topList(chrome, "events")).isEqualTo(Map.of("sign_up", String.valueOf(expected.keyEvents)));
        assertThat(kpi(chrome, "Key events")).isEqualTo(String.valueOf(expected.keyEvents));
        // The metric switcher: a click on a KPI charts it, every day again.
        chrome.eval("document.querySelector('.kpi[data-kpi=screenPageViews]').click(); 1");
        awaitTrue(chrome, "document.querySelector('#chart-data caption')?.textContent === 'Views by day'");
        assertThat(new JsonArray(chrome.eval(CHART_DATA))).isEqualTo(expected.viewsByDay(TODAY.minusDays(6), TODAY));
        chrome.screenshot(SHOTS.resolve("02-overview.png"));
        axe(chrome, "overview");

        // Two clicks, two filters (the second computed from raw hits by recompute), shown as two chips.
        awaitRawHits(stack, property, expected.hits);
        filterByKeyboard(chrome);
        clickTopRow(chrome, "locations", "DE");
        awaitTrue(chrome, "document.querySelectorAll('#filters .chip').length === 1");
        awaitTrue(chrome, TOP_LISTS_DONE);
        clickTopRow(chrome, "devices", "mobile");
        awaitTrue(chrome, "document.querySelectorAll('#filters .chip').length === 2");
        String viewsDeMobile = String.valueOf(expected.viewsWhere(h -> h.country().equals("DE") && h.deviceCategory().equals("mobile")));
        awaitTrue(chrome, kpiIs("Views", viewsDeMobile));
        awaitTrue(chrome, TOP_LISTS_DONE);
        assertThat(chrome.eval("JSON.stringify([...document.querySelectorAll('#filters .chip')].map(c => c.firstChild.textContent))"))
            .isEqualTo("[\"Country ID is DE\",\"Device category is mobile\"]");
        assertThat(topList(chrome, "locations")).isEqualTo(Map.of("DE", String.valueOf(expected.clientsWhere(
            h -> h.country().equals("DE") && h.deviceCategory().equals("mobile")))));
        chrome.screenshot(SHOTS.resolve("10-overview-1280.png"));
        chrome.viewport(375, 800);
        awaitTrue(chrome, "document.documentElement.scrollWidth <= 375");
        chrome.screenshot(SHOTS.resolve("11-overview-375.png"));
        chrome.viewport(1280, 900);

        // The view is in the URL: a reload (or a bookmark) shows it again.
        chrome.eval("window.beforeReload = true; location.reload(); 1");
        awaitTrue(chrome, "!window.beforeReload && document.querySelectorAll('#filters .chip').length === 2"
            + " && document.querySelectorAll('.kpi .value').length === 9");
        awaitTrue(chrome, kpiIs("Views", viewsDeMobile));

        // A chip's × removes its filter only.
        chrome.eval("document.querySelector('#filters .chip[data-filter=deviceCategory] button').click(); 1");
        awaitTrue(chrome, "document.querySelectorAll('#filters .chip').length === 1");
        awaitTrue(chrome, kpiIs("Views", String.valueOf(expected.viewsWhere(h -> h.country().equals("DE")))));
        chrome.eval("document.querySelector('#filters .chip[data-filter=country] button').click(); 1");
        awaitTrue(chrome, "document.querySelectorAll('#filters .chip').length === 0");

        // A custom range, compared with the days right before it.
        LocalDate from = TODAY.minusDays(1);
        chrome.eval("{ const r = document.getElementById('range'); r.value = 'custom'; r.dispatchEvent(new Event('change')); } 1");
        awaitTrue(chrome, "!document.getElementById('custom-range').hidden");
        chrome.eval("{ const f = document.getElementById('from'); f.value = '" + from + "'; f.dispatchEvent(new Event('change'));"
            + " const t = document.getElementById('to'); t.value = '" + TODAY + "'; t.dispatchEvent(new Event('change')); } 1");
        long cur = expected.viewsBetween(from, TODAY);
        long prev = expected.viewsBetween(from.minusDays(2), from.minusDays(1));
        assertThat(cur).isPositive();
        assertThat(prev).isPositive();
        awaitTrue(chrome, kpiIs("Views", String.valueOf(cur)) + " && location.hash.includes('from=" + from + "')");
        awaitTrue(chrome, "!!document.querySelector('.kpi[data-kpi=screenPageViews] .delta')");
        String shownDelta = delta(chrome, "Views");
        double pct = (cur - prev) * 100.0 / prev;
        assertThat(shownDelta).startsWith(pct > 0 ? "▲ " : "▼ ");
        assertThat(Double.parseDouble(shownDelta.substring(2, shownDelta.length() - 1))).isCloseTo(Math.abs(pct), within(0.051));
        chrome.screenshot(SHOTS.resolve("12-overview-custom-range.png"));
        // One day is charted by hour, every hour.
        chrome.eval("{ const r = document.getElementById('range'); r.value = 'today'; r.dispatchEvent(new Event('change')); } 1");
        awaitTrue(chrome, "location.hash.includes('range=today') && document.querySelector('#chart-data caption')?.textContent === 'Views by hour'");
        assertThat(new JsonArray(chrome.eval(CHART_DATA))).isEqualTo(expected.viewsByHour(TODAY));
        // A block: a second top-level const of the same name would fail (quietly) in the page's global scope.
        chrome.eval("{ const r = document.getElementById('range'); r.value = '7'; r.dispatchEvent(new Event('change')); } 1");
        awaitTrue(chrome, "location.hash.includes('range=7') && " + kpiIs("Views", String.valueOf(expected.views)));

        // Pages: the hostile title is text, no element was made of it.
        chrome.eval("document.querySelector('a[data-view=pages]').click(); 1");
        awaitTrue(chrome, "[...document.querySelectorAll('td')].some(td => td.textContent === '" + XSS + "')");
        assertThat(chrome.eval("String(document.querySelectorAll('main img').length)")).isEqualTo("0");
        chrome.screenshot(SHOTS.resolve("04-pages.png"));
        awaitTrue(chrome, REPORTS_DONE);
        axe(chrome, "report-pages");

        // Acquisition: GA4's column names, no table clipped at 1280 px, referrers without the site's own pages.
        chrome.eval("document.querySelector('a[data-view=acquisition]').click(); 1");
        awaitTrue(chrome, REPORTS_DONE);
        assertThat(chrome.eval("JSON.stringify([...document.querySelectorAll('[data-dimension=sessionSource] th')].map(th => th.textContent))"))
            .isEqualTo("[\"Session source\",\"Total users ▾\",\"Sessions\",\"Views\",\"Event count\",\"Engagement rate\"]");
        assertThat(chrome.eval("JSON.stringify([...document.querySelectorAll('[data-dimension=pageReferrer] tbody td.name')].map(td => td.textContent))"))
            .isEqualTo(new JsonArray(List.copyOf(expected.externalReferrers)).encode());
        assertThat(chrome.eval(NOTHING_CLIPPED)).isEqualTo("true");
        // Sorted by a column on click: sessions descending, then ascending.
        chrome.eval("[...document.querySelectorAll('[data-dimension=sessionSource] th')].find(th => th.textContent.startsWith('Sessions')).click(); 1");
        awaitTrue(chrome, "[...document.querySelectorAll('[data-dimension=sessionSource] th')].some(th => th.textContent === 'Sessions ▾')");
        assertThat(column(chrome, "sessionSource", 2)).isSortedAccordingTo(java.util.Comparator.reverseOrder());
        chrome.eval("[...document.querySelectorAll('[data-dimension=sessionSource] th')].find(th => th.textContent.startsWith('Sessions')).click(); 1");
        awaitTrue(chrome, "[...document.querySelectorAll('[data-dimension=sessionSource] th')].some(th => th.textContent === 'Sessions ▴')");
        assertThat(column(chrome, "sessionSource", 2)).isSorted();
        chrome.screenshot(SHOTS.resolve("13-acquisition-1280.png"));
        chrome.viewport(375, 800);
        awaitTrue(chrome, "document.documentElement.scrollWidth <= 375");
        chrome.screenshot(SHOTS.resolve("14-acquisition-375.png"));
        chrome.viewport(1280, 900);
        axe(chrome, "report-acquisition");

        // Geography: click a country to filter every table by it (drill-down).
        chrome.eval("document.querySelector('a[data-view=geography]').click(); 1");
        awaitTrue(chrome, "[...document.querySelectorAll('td')].some(td => td.textContent === 'DE')");
        chrome.eval("[...document.querySelectorAll('tbody tr')].find(tr => tr.firstChild.textContent === 'DE').click(); 1");
        awaitTrue(chrome, "(document.querySelector('.chip') || {}).textContent?.startsWith('Country ID is DE')");
        awaitTrue(chrome, "document.querySelectorAll('section.card')[0].querySelectorAll('tbody tr').length === 1");
        chrome.screenshot(SHOTS.resolve("05-geography-filtered.png"));
        awaitTrue(chrome, REPORTS_DONE);
        axe(chrome, "report-geography");

        // CSV of the filtered table, as the download button saves it.
        chrome.eval("document.querySelector('[data-dimension=country] button.csv').click(); 1");
        Path[] file = new Path[1];
        await("the CSV download").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
          try (var files = Files.list(downloads)) {
            file[0] = files.filter(f -> f.toString().endsWith(".csv")).findFirst().orElse(null);
          }
          return file[0] != null;
        });
        List<String> csv = Files.readAllLines(file[0]);
        assertThat(csv.get(0)).isEqualTo("\"country\",\"totalUsers\",\"sessions\",\"screenPageViews\",\"eventCount\",\"engagementRate\"");
        assertThat(csv).hasSize(2);
        assertThat(csv.get(1)).startsWith("\"DE\",\"" + expected.clientsWhere(h -> h.country().equals("DE")) + "\",");

        // The other reports, checked by axe too (with the country filter of above).
        for (String report : List.of("audience", "technology", "events")) {
          chrome.eval("document.querySelector('a[data-view=" + report + "]').click(); 1");
          awaitTrue(chrome, "location.hash.startsWith('#" + report + "') && " + REPORTS_DONE);
          axe(chrome, "report-" + report);
        }

        // User explorer: the client searched for, one card per session it had; hostile page titles shown as text.
        chrome.eval("document.querySelector('a[data-view=explorer]').click(); 1");
        awaitTrue(chrome, "!!document.getElementById('explorer-id')");
        chrome.eval("document.getElementById('explorer-id').value = 'c0';"
            + " document.getElementById('explorer-form').requestSubmit(); 1");
        long c0Sessions = expected.hits.stream().filter(h -> h.clientId().equals("c0")).map(Hit::sessionId).distinct().count();
        awaitTrue(chrome, "document.querySelectorAll('section.session').length === " + c0Sessions);
        assertThat(chrome.eval("String(document.querySelectorAll('#explorer-result img').length)")).isEqualTo("0");
        assertThat(chrome.eval("String(!!document.getElementById('explorer-erase'))")).isEqualTo("true");
        axe(chrome, "explorer");
        explorations(chrome, expected, downloads);

        // Real time: hits sent to the collector raise the live counter without a reload; no date bar there.
        chrome.eval("document.querySelector('a[data-view=realtime]').click(); 1");
        awaitTrue(chrome, "!!document.getElementById('realtime-active')");
        assertThat(chrome.eval("String(document.getElementById('datebar').hidden)")).isEqualTo("true");
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
        axe(chrome, "realtime");

        chrome.eval("document.querySelector('a[data-view=settings]').click(); 1");
        awaitTrue(chrome, "(document.querySelector('pre.snippet') || {}).textContent?.includes('" + property + "')");
        assertThat(chrome.eval("String(document.getElementById('datebar').hidden)")).isEqualTo("true");
        chrome.screenshot(SHOTS.resolve("07-settings.png"));

        manage(chrome, admin, node, property);
        axe(chrome, "settings");
        chrome.viewport(390, 800);
        chrome.eval("document.querySelector('a[data-view=overview]').click(); 1");
        awaitTrue(chrome, "document.querySelectorAll('.kpi .value').length === 9 && !document.getElementById('datebar').hidden");
        chrome.screenshot(SHOTS.resolve("08-phone-overview.png"));

        assertThat(chrome.problems()).as("console errors and dialogs").isEmpty();
        assertThat(axeFailures).as("axe-core: serious or critical violations (target/screenshots/axe-*.json)").isEmpty();
      }
    }
  }

  /**
   * Management in the dashboard: a new property from the form, its setup snippets and its first hit seen live; its
   * settings (time zone, a key event) saved and read back from the API; the api secret rotated; an API token created
   * and revoked; a user created and disabled. Leaves the dashboard on {@code property}'s settings.
   */
  private void manage(HeadlessChromium chrome, Dashboard admin, NodeProcess node, String property) throws Exception {
    chrome.eval("document.querySelector('a[data-view=\"new-property\"]').click(); 1");
    awaitTrue(chrome, "!!document.getElementById('new-property-form')");
    chrome.eval("document.getElementById('new-name').value = 'Shop';"
        + "document.getElementById('new-domain').value = 'https://Shop.example/';"
        + "document.getElementById('new-timeZone').value = 'UTC';"
        + "document.getElementById('new-keyEvents').value = 'sign_up';"
        + "document.getElementById('new-property-form').requestSubmit(); 1");
    awaitTrue(chrome, "document.querySelectorAll('#new-setup [data-setup]').length === 4");
    String shop = chrome.eval("document.getElementById('property').value");
    assertThat(shop).startsWith("B-").isNotEqualTo(property);
    JsonObject created = new JsonObject(admin.get("/api/v1/admin/properties/" + shop).body());
    assertThat(created.getString("name")).isEqualTo("Shop");
    assertThat(created.getJsonArray("allowedHostnames")).isEqualTo(new JsonArray().add("shop.example"));
    assertThat(created.getJsonArray("keyEvents")).isEqualTo(new JsonArray().add("sign_up"));
    assertThat(chrome.eval("document.querySelector('[data-setup=beacon] pre').textContent")).contains("data-property=\"" + shop + "\"");
    assertThat(chrome.eval("document.querySelector('[data-setup=gtag] pre').textContent")).contains("transport_url");
    assertThat(chrome.eval("document.querySelector('[data-setup=mp] pre').textContent"))
        .contains("/mp/collect?measurement_id=" + shop + "&api_secret=" + created.getString("apiSecret"));
    assertThat(chrome.eval("document.querySelector('[data-setup=plausible] pre').textContent"))
        .contains("data-domain=\"shop.example\"").contains("/api/event\"");
    awaitTrue(chrome, "document.getElementById('first-hit').textContent === 'Waiting for the first hit…'");
    chrome.screenshot(SHOTS.resolve("21-new-property.png"));
    axe(chrome, "new-property");
    assertThat(chrome.eval(ALL_LABELLED)).isEqualTo("true");
    // The tracker's wire format; sent again each second until seen, as the collector learns of the new property
    // within its refresh interval.
    await("the first hit, live").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).until(() -> {
      HttpResponse<String> hit = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.collectorPort
          + "/g/collect?v=2&tid=" + shop + "&cid=shop." + UUID.randomUUID() + "&en=page_view&_rid=" + UUID.randomUUID()
          + "&dl=" + URLEncoder.encode("https://shop.example/", StandardCharsets.UTF_8)))
          .POST(HttpRequest.BodyPublishers.noBody()).header("Content-Type", "text/plain")
          .header("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
              + " Chrome/131.0.0.0 Safari/537.36").build(), HttpResponse.BodyHandlers.ofString());
      assertThat(hit.statusCode()).as(hit.body()).isEqualTo(204);
      return "true".equals(chrome.eval("String(document.getElementById('first-hit').textContent.startsWith('Received a page_view from '))"));
    });
    assertThat(chrome.eval("document.getElementById('first-hit').textContent")).matches("Received a page_view from .+ at \\d\\d:\\d\\d");
    chrome.screenshot(SHOTS.resolve("22-first-hit.png"));

    // Settings of the new property: another time zone and one more key event, saved and read back from the API.
    chrome.eval("document.querySelector('a[data-view=settings]').click(); 1");
    awaitTrue(chrome, "!!document.getElementById('settings-form') && location.hash.includes('p=" + shop + "')");
    chrome.eval("document.getElementById('set-timeZone').value = 'Europe/Berlin';"
        + "document.getElementById('set-keyEvents').value = 'purchase'; document.getElementById('set-keyEvents-add').click();"
        + "document.getElementById('settings-form').requestSubmit(); 1");
    awaitTrue(chrome, "document.getElementById('settings-status').textContent.startsWith('Saved.')");
    JsonObject saved = new JsonObject(admin.get("/api/v1/admin/properties/" + shop).body());
    assertThat(saved.getString("timeZone")).isEqualTo("Europe/Berlin");
    assertThat(saved.getJsonArray("keyEvents").getList()).containsExactlyInAnyOrder("sign_up", "purchase");
    assertThat(saved.getString("name")).isEqualTo("Shop");
    chrome.screenshot(SHOTS.resolve("20-settings-1280.png"));
    assertThat(chrome.eval(ALL_LABELLED)).isEqualTo("true");
    // A value out of range is shown next to its field (checked before sending, so no failed request is logged).
    chrome.eval("document.getElementById('set-engagedSessionSeconds').value = '5';"
        + "document.getElementById('settings-form').requestSubmit(); 1");
    awaitTrue(chrome, "document.getElementById('set-engagedSessionSeconds-error').textContent !== ''");
    chrome.eval("document.getElementById('set-engagedSessionSeconds').value = '" + saved.getInteger("engagedSessionSeconds") + "'; 1");

    // The api secret: masked, then rotated after the in-page confirmation.
    assertThat(chrome.eval("document.getElementById('api-secret').textContent")).doesNotContain(saved.getString("apiSecret"));
    // The in-page confirmation closes on Escape, and the keyboard is back on the button that asked.
    chrome.eval("document.getElementById('secret-rotate').click(); 1");
    awaitTrue(chrome, "document.activeElement?.classList.contains('confirm-yes')");
    press(chrome, "Escape", 27, null);
    awaitTrue(chrome, "!document.querySelector('.confirm-yes') && document.activeElement?.id === 'secret-rotate'");
    chrome.eval("document.getElementById('secret-rotate').click(); 1");
    chrome.eval("document.querySelector('.confirm-yes').click(); 1");
    awaitTrue(chrome, "document.getElementById('secret-status').textContent.startsWith('Rotated')");
    String rotated = new JsonObject(admin.get("/api/v1/admin/properties/" + shop).body()).getString("apiSecret");
    assertThat(rotated).isNotBlank().isNotEqualTo(saved.getString("apiSecret"));
    chrome.eval("document.getElementById('secret-show').click(); 1");
    assertThat(chrome.eval("document.getElementById('api-secret').textContent")).isEqualTo(rotated);

    // Danger zone (issue 20): Delete waits for the property id typed in its dialog; the property then sits in the trash
    // (the API answers 404) until Restore, in the Deleted properties list, brings it back.
    chrome.eval("document.getElementById('delete-property').click(); 1");
    awaitTrue(chrome, "!!document.getElementById('delete-confirm') && document.getElementById('delete-confirm-yes').disabled");
    chrome.eval("{ const i = document.getElementById('delete-confirm'); i.value = '" + shop + "';"
        + " i.dispatchEvent(new Event('input')); document.getElementById('delete-confirm-yes').click(); } 1");
    awaitTrue(chrome, "document.getElementById('delete-status').textContent.startsWith('Deleted " + shop + "')"
        + " && !!document.querySelector('[data-restore=\"" + shop + "\"]')");
    assertThat(admin.get("/api/v1/admin/properties/" + shop).statusCode()).isEqualTo(404);
    chrome.eval("document.querySelector('[data-restore=\"" + shop + "\"]').click(); 1");
    awaitTrue(chrome, "document.getElementById('trash-status').textContent.startsWith('Restored')");
    assertThat(admin.get("/api/v1/admin/properties/" + shop).statusCode()).isEqualTo(200);

    // Annotations (issue 22): one added in Settings, stored, and drawn on the overview's chart (listed under it).
    // A day of the range the dashboard shows now (an earlier step chose a custom one).
    String day = chrome.eval("periods()[0].endDate");
    chrome.eval("document.getElementById('annotation-date').value = '" + day + "';"
        + "document.getElementById('annotation-title').value = 'Launch day';"
        + "document.getElementById('annotation-form').requestSubmit(); 1");
    awaitTrue(chrome, "[...document.querySelectorAll('#annotation-list li')].some(li => li.textContent.includes('Launch day'))");
    JsonArray notes = new JsonObject(admin.get("/api/v1/properties/" + shop + "/annotations").body()).getJsonArray("annotations");
    assertThat(notes.getJsonObject(0).getString("date")).isEqualTo(day);
    assertThat(notes.getJsonObject(0).getString("title")).isEqualTo("Launch day");
    // The deletion moved the dashboard to another property; the restored one is picked again for its overview.
    chrome.eval("{ const s = document.getElementById('property'); s.value = '" + shop + "'; s.dispatchEvent(new Event('change'));"
        + " document.querySelector('a[data-view=overview]').click(); } 1");
    awaitTrue(chrome, "(document.getElementById('chart-annotations') || {}).textContent?.includes('" + day + " Launch day')");
    chrome.screenshot(SHOTS.resolve("22b-annotation-on-chart.png"));

    // Account: an API token created (shown once) and revoked.
    chrome.eval("document.querySelector('a[data-view=account]').click(); 1");
    awaitTrue(chrome, "!!document.getElementById('token-form') && !!document.querySelector('#tokens table, #tokens .empty')");
    chrome.eval("document.getElementById('token-name').value = 'ui token'; document.getElementById('token-scope').value = 'read';"
        + "document.getElementById('token-form').requestSubmit(); 1");
    awaitTrue(chrome, "(document.getElementById('token-value') || {}).textContent?.startsWith('bk_')"
        + " && [...document.querySelectorAll('#tokens td')].some(td => td.textContent === 'ui token')");
    JsonArray tokens = new JsonObject(admin.get("/api/v1/tokens").body()).getJsonArray("tokens");
    JsonObject token = tokens.stream().map(JsonObject.class::cast).filter(t -> "ui token".equals(t.getString("name"))).findFirst().orElseThrow();
    assertThat(token.getString("scope")).isEqualTo("read");
    chrome.screenshot(SHOTS.resolve("23-tokens.png"));
    axe(chrome, "account");
    assertThat(chrome.eval(ALL_LABELLED)).isEqualTo("true");
    chrome.eval("document.querySelector('#tokens tr[data-token=\"" + token.getString("id") + "\"] button').click(); 1");
    chrome.eval("document.querySelector('#tokens .confirm-yes').click(); 1");
    awaitTrue(chrome, "!document.querySelector('#tokens tr[data-token=\"" + token.getString("id") + "\"]')");
    assertThat(new JsonObject(admin.get("/api/v1/tokens").body()).getJsonArray("tokens").stream().map(JsonObject.class::cast)
        .noneMatch(t -> "ui token".equals(t.getString("name")))).isTrue();

    // Users: one created, then disabled.
    chrome.eval("document.querySelector('a[data-view=users]').click(); 1");
    awaitTrue(chrome, "!!document.querySelector('#users table')");
    chrome.eval("document.getElementById('user-email').value = 'viewer@example.com';"
        + "document.getElementById('user-password').value = 'a long viewer password';"
        + "document.getElementById('user-form').requestSubmit(); 1");
    awaitTrue(chrome, "!!document.querySelector('#users tr[data-user=\"viewer@example.com\"] [data-action=disable]')");
    chrome.eval("document.querySelector('#users tr[data-user=\"viewer@example.com\"] [data-action=disable]').click(); 1");
    awaitTrue(chrome, "document.querySelector('#users tr[data-user=\"viewer@example.com\"] .user-status')?.textContent === 'disabled'");
    JsonObject viewer = new JsonObject(admin.get("/api/v1/admin/users").body()).getJsonArray("users").stream()
        .map(JsonObject.class::cast).filter(u -> "viewer@example.com".equals(u.getString("email"))).findFirst().orElseThrow();
    assertThat(viewer.getBoolean("disabled")).isTrue();
    assertThat(viewer.getBoolean("admin")).isFalse();
    chrome.screenshot(SHOTS.resolve("24-users.png"));
    axe(chrome, "users");
    assertThat(chrome.eval(ALL_LABELLED)).isEqualTo("true");
    chrome.viewport(375, 800);
    awaitTrue(chrome, "document.documentElement.scrollWidth <= 375");
    chrome.screenshot(SHOTS.resolve("25-users-375.png"));
    chrome.viewport(1280, 900);

    // Back to the seeded property.
    chrome.eval("{ const s = document.getElementById('property'); s.value = '" + property + "'; s.dispatchEvent(new Event('change')); } 1");
    chrome.eval("document.querySelector('a[data-view=settings]').click(); 1");
    awaitTrue(chrome, "location.hash.includes('p=" + property + "') && !!document.getElementById('settings-form')");
  }

  /** Where the node writes the first administrator's one-time password (the setup link's code). */
  private static final Path ADMIN_PASSWORD_FILE = Path.of("target", "ui-admin", UUID.randomUUID().toString(), "admin-password.txt")
      .toAbsolutePath();

  /**
   * The first run as a newcomer has it: the setup link (as beacon up prints it, with the code the node wrote) opens the
   * setup page, which sets the password (the email prefilled), creates the first property and shows its snippets; a
   * test page with Beacon's snippet on the property's domain sends the first hit, which the setup page shows live; then
   * the dashboard. The code opens nothing afterwards.
   */
  private void firstRun(HeadlessChromium chrome, NodeProcess node) throws Exception {
    await("the one-time password file").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
        .until(() -> Files.isRegularFile(ADMIN_PASSWORD_FILE));
    String code = Files.readString(ADMIN_PASSWORD_FILE).trim();
    chrome.navigate("http://127.0.0.1:" + node.queryPort + "/dashboard/#setup=" + code);
    awaitTrue(chrome, "!document.getElementById('setup').hidden && document.getElementById('setup-email').value === '" + ADMIN + "'");
    assertThat(chrome.eval("location.href")).as("the code leaves the address bar").doesNotContain(code);
    shots(chrome, "30-setup-password");
    axe(chrome, "setup-password");
    chrome.eval("document.getElementById('setup-password').value = '" + PASSWORD + "';"
        + "document.getElementById('setup-again').value = '" + PASSWORD + "';"
        + "document.getElementById('setup-form').requestSubmit(); 1");
    awaitTrue(chrome, "!!document.getElementById('new-property-form') && document.getElementById('setup-form').hidden");
    assertThat(chrome.eval("document.querySelector('#setup [aria-current=step]').textContent")).isEqualTo("Create your first property");
    shots(chrome, "31-setup-property");
    axe(chrome, "setup-property");
    chrome.eval("document.getElementById('new-name').value = 'My site';"
        + "document.getElementById('new-domain').value = 'mysite.test';"
        + "document.getElementById('new-timeZone').value = 'Europe/Berlin';"
        + "document.getElementById('new-keyEvents').value = 'sign_up';"
        + "document.getElementById('new-property-form').requestSubmit(); 1");
    awaitTrue(chrome, "document.querySelectorAll('#new-setup [data-setup]').length === 4");
    String site = chrome.eval("document.getElementById('property').value");
    Dashboard admin = Dashboard.login(node.queryPort, ADMIN, PASSWORD);
    JsonObject created = new JsonObject(admin.get("/api/v1/admin/properties/" + site).body());
    assertThat(created.getString("name")).isEqualTo("My site");
    assertThat(created.getString("timeZone")).isEqualTo("Europe/Berlin");
    assertThat(created.getJsonArray("allowedHostnames")).isEqualTo(new JsonArray().add("mysite.test"));
    assertThat(created.getJsonArray("keyEvents")).isEqualTo(new JsonArray().add("sign_up"));
    assertThat(chrome.eval("document.querySelector('[data-setup=gtag] pre').textContent")).contains("transport_url");
    assertThat(chrome.eval("document.querySelector('[data-setup=mp] pre').textContent"))
        .contains("/mp/collect?measurement_id=" + site + "&api_secret=" + created.getString("apiSecret"));
    assertThat(chrome.eval("document.querySelector('[data-setup=plausible] pre').textContent")).contains("data-domain=\"mysite.test\"");
    awaitTrue(chrome, "document.getElementById('first-hit').textContent === 'Waiting for the first hit…'");
    shots(chrome, "32-setup-snippets");
    axe(chrome, "setup-snippets");
    // The code is spent: it neither opens the setup page nor logs in.
    HttpResponse<String> again = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.queryPort + "/api/v1/setup"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("code", code).encode()))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(again.statusCode()).as(again.body()).isEqualTo(403);
    assertThat(Dashboard.tryLogin(Dashboard.anonymous(node.queryPort), ADMIN, code).statusCode()).isEqualTo(401);

    // The snippet installed on a test page of the site (mysite.test is this machine to the browser), opened in a
    // window of its own while the setup page waits; opened again each second until the collector, which learns of the
    // new property within its refresh interval, takes the hit.
    String snippet = chrome.eval("document.querySelector('[data-setup=beacon] pre').textContent");
    assertThat(snippet).contains("data-property=\"" + site + "\"").contains("src=\"http://127.0.0.1:" + node.collectorPort + "/beacon.js\"");
    com.sun.net.httpserver.HttpServer pages = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    pages.createContext("/", ex -> {
      byte[] html = ("<!doctype html><html lang=en><head><title>My site</title>" + snippet + "</head><body>Hello</body></html>")
          .getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
      ex.sendResponseHeaders(200, html.length);
      ex.getResponseBody().write(html);
      ex.close();
    });
    pages.start();
    try {
      String page = "http://mysite.test:" + pages.getAddress().getPort() + "/pricing";
      await("the first hit, live").atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofSeconds(1)).until(() -> {
        chrome.call("Runtime.evaluate", new JsonObject().put("userGesture", true).put("expression",
            "if (window.shop) window.shop.close(); window.shop = window.open('" + page + "', '_blank'); 1"));
        return "true".equals(chrome.eval("String(document.getElementById('first-hit').textContent.startsWith('Received a page_view from /pricing'))"));
      });
      chrome.eval("if (window.shop) window.shop.close(); 1");
    } finally {
      pages.stop(0);
    }
    assertThat(chrome.eval("document.getElementById('first-hit').textContent")).matches("Received a page_view from /pricing .*at \\d\\d:\\d\\d");
    shots(chrome, "33-setup-first-hit");
    // The node's output (its log) never carried the code: only the file has it.
    assertThat(node.log()).doesNotContain(code);
    chrome.eval("document.getElementById('setup-dashboard').click(); 1");
    // The dashboard opens on the new property's Real-time, which counts the hit too.
    awaitTrue(chrome, "!document.getElementById('app').hidden && document.getElementById('setup').hidden"
        + " && document.getElementById('property').value === '" + site + "' && Number(document.getElementById('realtime-active')?.textContent) >= 1");
  }

  /**
   * Funnels and retention cohorts (explore.js) on the seeded raw hits, the last 7 days, against plain counting over
   * those hits (docs/analytics-model.md): a closed funnel from a view of /p0 to a sign_up, built in the step editor,
   * kept in the URL through a reload, and downloaded as CSV; daily cohorts of the last 7 days returning on any event,
   * the triangle's cells (their "active of total") and the CSV. The dashboard's country filter is set: explorations
   * take none.
   */
  private void explorations(HeadlessChromium chrome, Expected expected, Path downloads) throws Exception {
    // Per person their hits in event order (event time, then request id); every hit lies in the range.
    Map<String, List<Hit>> byClient = new TreeMap<>();
    expected.hits.stream().sorted(java.util.Comparator.comparingLong(Hit::ts).thenComparing(Hit::requestId))
        .forEach(h -> byClient.computeIfAbsent(h.clientId(), c -> new ArrayList<>()).add(h));
    long viewedP0 = 0;
    long signedUpAfter = 0;
    for (List<Hit> hs : byClient.values()) {
      int first = -1;
      for (int i = 0; i < hs.size() && first < 0; i++) {
        if (hs.get(i).eventName().equals("page_view") && hs.get(i).pagePath().equals("/p0")) {
          first = i;
        }
      }
      if (first >= 0) {
        viewedP0++;
        if (hs.subList(first + 1, hs.size()).stream().anyMatch(h -> h.eventName().equals("sign_up"))) {
          signedUpAfter++;
        }
      }
    }
    assertThat(signedUpAfter).isPositive().isLessThan(viewedP0);

    chrome.eval("document.querySelector('a[data-view=funnels]').click(); 1");
    awaitTrue(chrome, "document.querySelectorAll('#funnel-steps li').length === 2");
    assertThat(chrome.eval("String(document.getElementById('filters').children.length)")).isEqualTo("0");
    chrome.eval("{ const rows = document.querySelectorAll('#funnel-steps li');"
        + " rows[0].querySelector('select').value = 'p'; rows[0].querySelector('input').value = '/p0';"
        + " rows[1].querySelector('select').value = 'e'; rows[1].querySelector('input').value = 'sign_up';"
        + " document.getElementById('funnel-form').requestSubmit(); } 1");
    String funnelDone = "document.querySelectorAll('#funnel-table tbody tr').length === 2 && !!document.querySelector('#funnel-result canvas')";
    awaitTrue(chrome, funnelDone + " && location.hash.includes('step=p%3A%2Fp0&step=e%3Asign_up')");
    JsonArray funnelRows = new JsonArray().add(new JsonArray().add("1. /p0").add(String.valueOf(viewedP0)).add("100.0%")
            .add(String.valueOf(viewedP0 - signedUpAfter)))
        .add(new JsonArray().add("2. sign_up").add(String.valueOf(signedUpAfter))
            .add(String.format(Locale.ROOT, "%.1f%%", 100.0 * signedUpAfter / viewedP0)).add("0"));
    String shownFunnel = "JSON.stringify([...document.querySelectorAll('#funnel-table tbody tr')]"
        + ".map(tr => [0, 1, 2, 4].map(i => tr.cells[i].textContent)))";
    assertThat(new JsonArray(chrome.eval(shownFunnel))).isEqualTo(funnelRows);
    // Bookmarkable: a reload shows the same funnel from the URL alone.
    chrome.eval("window.beforeReload = true; location.reload(); 1");
    awaitTrue(chrome, "!window.beforeReload && " + funnelDone);
    assertThat(new JsonArray(chrome.eval(shownFunnel))).isEqualTo(funnelRows);
    assertThat(chrome.eval("document.querySelectorAll('#funnel-steps input')[0].value")).isEqualTo("/p0");
    List<String> funnelCsv = download(chrome, downloads, "#funnel-result button.csv", "-funnel-");
    assertThat(funnelCsv.get(0)).isEqualTo("\"funnelStepName\",\"activeUsers\",\"funnelStepCompletionRate\","
        + "\"funnelStepAbandonments\",\"funnelStepAbandonmentRate\",\"funnelStepMedianSecondsFromPriorStep\"");
    assertThat(funnelCsv).hasSize(3);
    assertThat(funnelCsv.get(1)).startsWith("\"1. /p0\",\"" + viewedP0 + "\",");
    assertThat(funnelCsv.get(2)).startsWith("\"2. sign_up\",\"" + signedUpAfter + "\",");
    shots(chrome, "40-funnels");
    axe(chrome, "funnels");

    // Daily cohorts of the last 7 days (the default), returning on any event: a person's cohort is the day of their
    // first hit; "active" on day n = a hit on that day n days later.
    Map<LocalDate, long[]> cohorts = new TreeMap<>(); // cohort day -> active persons on day 0..6 after, then total
    for (List<Hit> hs : byClient.values()) {
      LocalDate first = Expected.day(hs.get(0));
      long[] row = cohorts.computeIfAbsent(first, d -> new long[8]);
      row[7]++;
      hs.stream().map(Expected::day).distinct().forEach(d -> row[(int) java.time.temporal.ChronoUnit.DAYS.between(first, d)]++);
    }
    JsonArray want = new JsonArray();
    for (int i = 0; i < 7; i++) {
      LocalDate day = TODAY.minusDays(6 - i);
      long[] row = cohorts.getOrDefault(day, new long[8]);
      JsonArray cells = new JsonArray().add(day.toString()).add(String.valueOf(row[7]));
      for (int n = 0; n < 7 - i; n++) {
        cells.add(row[n] + " of " + row[7]);
      }
      want.add(cells);
    }
    chrome.eval("document.querySelector('a[data-view=cohorts]').click(); 1");
    awaitTrue(chrome, "document.querySelectorAll('#cohort-table tbody tr').length === 7 && !!document.querySelector('#cohort-result canvas')");
    assertThat(new JsonArray(chrome.eval("JSON.stringify([...document.querySelectorAll('#cohort-table tbody tr')]"
        + ".map(tr => [tr.cells[0].textContent, tr.cells[1].textContent, ...[...tr.querySelectorAll('td.cell')].map(td => td.title)]))")))
        .isEqualTo(want);
    // Everyone is active on their first day.
    assertThat(chrome.eval("String([...document.querySelectorAll('#cohort-table tbody tr')].filter(tr => tr.cells[1].textContent !== '0')"
        + ".every(tr => tr.querySelector('td.cell').textContent === '100.0%'))")).isEqualTo("true");
    assertThat(chrome.eval("location.hash")).startsWith("#cohorts?");
    List<String> cohortCsv = download(chrome, downloads, "#cohort-result button.csv", "-cohorts-");
    assertThat(cohortCsv.get(0)).isEqualTo("\"cohort\",\"cohortNthDay\",\"cohortActiveUsers\",\"cohortTotalUsers\"");
    shots(chrome, "41-cohorts");
    axe(chrome, "cohorts");

    // Paths forward from a view of /p0, page paths, 2 steps, top 20 (4 pages: nothing folded): per session (the
    // sender's id) from its first view of /p0, its later page views with repeats collapsed, "(session end)" once.
    Map<String, List<Hit>> bySession = new TreeMap<>();
    expected.hits.stream().sorted(java.util.Comparator.comparingLong(Hit::ts).thenComparing(Hit::requestId))
        .forEach(h -> bySession.computeIfAbsent(h.sessionId(), s -> new ArrayList<>()).add(h));
    Map<String, Long> links = new TreeMap<>();
    for (List<Hit> hs : bySession.values()) {
      List<String> path = null;
      for (Hit h : hs) {
        if (!h.eventName().equals("page_view")) {
          continue;
        }
        if (path == null) {
          if (h.pagePath().equals("/p0")) {
            path = new ArrayList<>(List.of("/p0"));
          }
        } else if (path.size() < 3 && !h.pagePath().equals(path.get(path.size() - 1))) {
          path.add(h.pagePath());
        }
      }
      if (path != null) {
        if (path.size() < 3) {
          path.add("(session end)");
        }
        for (int k = 0; k + 1 < path.size(); k++) {
          links.merge(k + " → " + (k + 1) + "|" + path.get(k) + "|" + path.get(k + 1), 1L, Long::sum);
        }
      }
    }
    assertThat(links).isNotEmpty();
    List<String> wantLinks = new ArrayList<>();
    links.forEach((k, n) -> wantLinks.add(k + "|" + n));
    // Reached through the Explore group: a disclosure button that shows its own row of views.
    chrome.eval("document.querySelector('a[data-view=overview]').click(); 1");
    awaitTrue(chrome, "document.getElementById('explore-nav').hidden");
    chrome.eval("document.getElementById('explore-toggle').click(); 1");
    awaitTrue(chrome, "!document.getElementById('explore-nav').hidden"
        + " && document.getElementById('explore-toggle').getAttribute('aria-expanded') === 'true'");
    chrome.eval("document.querySelector('#explore-nav a[data-view=paths]').click(); 1");
    awaitTrue(chrome, "!!document.getElementById('path-form')");
    chrome.eval("document.getElementById('path-start').value = '/p0'; document.getElementById('path-steps').value = '2';"
        + " document.getElementById('path-top').value = '20'; document.getElementById('path-form').requestSubmit(); 1");
    awaitTrue(chrome, "document.querySelectorAll('#path-table tbody tr').length === " + links.size()
        + " && !!document.querySelector('#path-diagram path') && location.hash.startsWith('#paths?')");
    List<String> shownLinks = new ArrayList<>();
    new JsonArray(chrome.eval("JSON.stringify([...document.querySelectorAll('#path-table tbody tr')]"
        + ".map(tr => [...tr.cells].map(c => c.textContent).join('|')))")).forEach(o -> shownLinks.add((String) o));
    assertThat(shownLinks).containsExactlyInAnyOrderElementsOf(wantLinks);
    assertThat(chrome.eval("document.querySelector('#explore-toggle').classList.contains('active') + ''")).isEqualTo("true");
    List<String> pathCsv = download(chrome, downloads, "#path-result button.csv", "-paths-");
    assertThat(pathCsv.get(0)).isEqualTo("\"fromStep\",\"from\",\"to\",\"sessions\"");
    assertThat(pathCsv).hasSize(links.size() + 1);
    shots(chrome, "42-paths");
    axe(chrome, "paths");
  }

  /** Clicks the CSV button {@code selector} and reads the file it saved, the one whose name holds {@code part}. */
  private static List<String> download(HeadlessChromium chrome, Path downloads, String selector, String part) throws Exception {
    chrome.eval("document.querySelector('" + selector + "').click(); 1");
    Path[] file = new Path[1];
    await("the CSV download " + part).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
      try (var files = Files.list(downloads)) {
        file[0] = files.filter(f -> f.getFileName().toString().contains(part) && f.toString().endsWith(".csv")).findFirst().orElse(null);
      }
      return file[0] != null;
    });
    return Files.readAllLines(file[0]);
  }

  /** Screenshots at 1280 and 375 px (the page fits the phone's width), back at 1280 px. */
  private static void shots(HeadlessChromium chrome, String name) throws Exception {
    chrome.screenshot(SHOTS.resolve(name + "-1280.png"));
    chrome.viewport(375, 800);
    awaitTrue(chrome, "document.documentElement.scrollWidth <= 375");
    chrome.screenshot(SHOTS.resolve(name + "-375.png"));
    chrome.viewport(1280, 900);
  }

  /**
   * Filters the overview with the keyboard only: Tab to the first top-list row, Enter; the chip appears. Then Tab to
   * the chip's ×, Space: the filter is gone.
   */
  private static void filterByKeyboard(HeadlessChromium chrome) throws Exception {
    awaitTrue(chrome, TOP_LISTS_DONE + " && !!document.querySelector('section.card.top tbody tr')");
    // The page has the focus (the first run's test page was a window of its own), as a person's tab would.
    chrome.call("Page.bringToFront", new JsonObject());
    chrome.call("Emulation.setFocusEmulationEnabled", new JsonObject().put("enabled", true));
    chrome.eval("document.activeElement.blur(); window.getSelection().removeAllRanges(); 1");
    tabTo(chrome, "document.activeElement.matches('section.card.top tbody tr')");
    String row = chrome.eval("document.activeElement.cells[0].textContent");
    press(chrome, "Enter", 13, "\r");
    awaitTrue(chrome, "document.querySelectorAll('#filters .chip').length === 1"
        + " && document.querySelector('#filters .chip').firstChild.textContent.endsWith(' is " + row + "')");
    chrome.eval("document.activeElement.blur(); 1");
    tabTo(chrome, "document.activeElement.matches('#filters .chip button')");
    press(chrome, " ", 32, " ");
    awaitTrue(chrome, "document.querySelectorAll('#filters .chip').length === 0");
    awaitTrue(chrome, TOP_LISTS_DONE);
  }

  /** Presses Tab until {@code js} holds (at most 200 times). */
  private static void tabTo(HeadlessChromium chrome, String js) throws Exception {
    for (int i = 0; i < 200; i++) {
      press(chrome, "Tab", 9, null);
      if ("true".equals(chrome.eval("String(" + js + ")"))) {
        return;
      }
    }
    throw new AssertionError("Tab never reached: " + js);
  }

  /** One key, down and up, as a person's keyboard sends it. */
  private static void press(HeadlessChromium chrome, String key, int keyCode, String text) throws Exception {
    String code = key.equals(" ") ? "Space" : key;
    JsonObject down = new JsonObject().put("type", text == null ? "rawKeyDown" : "keyDown").put("key", key).put("code", code)
        .put("windowsVirtualKeyCode", keyCode).put("nativeVirtualKeyCode", keyCode);
    if (text != null) {
      down.put("text", text);
    }
    chrome.call("Input.dispatchKeyEvent", down);
    chrome.call("Input.dispatchKeyEvent", new JsonObject().put("type", "keyUp").put("key", key).put("code", code)
        .put("windowsVirtualKeyCode", keyCode).put("nativeVirtualKeyCode", keyCode));
  }

  /** Installs the pinned axe-core into target/axe, once per checkout (npm ci: exactly the lock file's version). */
  private void installAxe() throws Exception {
    Path installed = io.beacon.testing.NpmPins.install(AXE_SOURCE, AXE, "node_modules/axe-core/axe.min.js");
    axeScript = Files.readString(installed);
  }

  /**
   * axe-core on the page as it is, at 1280 and at 375 px: its whole result in target/screenshots/axe-PAGE-WIDTH.json,
   * each serious or critical violation noted for the end of the test. Back at 1280 px.
   */
  private void axe(HeadlessChromium chrome, String page) throws Exception {
    for (int width : new int[] {1280, 375}) {
      chrome.viewport(width, width == 1280 ? 900 : 800);
      if (!"true".equals(chrome.eval("String(typeof axe === 'object')"))) {
        chrome.call("Runtime.evaluate", new JsonObject().put("expression", axeScript + "\n;1"));
      }
      JsonObject r = chrome.call("Runtime.evaluate", new JsonObject().put("awaitPromise", true).put("returnByValue", true)
          .put("expression", "axe.run(document, { resultTypes: ['violations'] }).then(r => JSON.stringify(r))"));
      String json = r.getJsonObject("result").getString("value");
      assertThat(json).as("axe's result on " + page).isNotNull();
      Files.createDirectories(SHOTS);
      Files.writeString(SHOTS.resolve("axe-" + page + "-" + width + ".json"), json);
      new JsonObject(json).getJsonArray("violations").forEach(o -> {
        JsonObject v = (JsonObject) o;
        if ("serious".equals(v.getString("impact")) || "critical".equals(v.getString("impact"))) {
          List<String> where = new ArrayList<>();
          v.getJsonArray("nodes").forEach(n -> where.add(((JsonObject) n).getJsonArray("target").encode()));
          axeFailures.add(page + " @" + width + "px: " + v.getString("id") + " (" + v.getString("impact") + ") "
              + v.getString("help") + " at " + where);
        }
      });
    }
    chrome.viewport(1280, 900);
  }

  /** Every control of the page has a name a screen reader says: a label, or an aria-label. */
  private static final String ALL_LABELLED = "String([...document.querySelectorAll('main input, main select, main button')]"
      + ".every(c => (c.labels && c.labels.length > 0) || !!c.getAttribute('aria-label') || (c.tagName === 'BUTTON' && c.textContent.trim() !== '')))";
  private static final LocalDate TODAY = LocalDate.now(ZoneOffset.UTC);
  /** The points the main chart plots, as its text alternative lists them: [[date, value], ...]. */
  private static final String CHART_DATA = "JSON.stringify([...document.querySelectorAll('#chart-data tbody tr')]"
      + ".map(tr => [tr.cells[0].textContent, tr.cells[1].textContent]))";
  /** Every top-list card shows its rows or says it has none. */
  private static final String TOP_LISTS_DONE = "[...document.querySelectorAll('section.card.top')].length === 5"
      + " && [...document.querySelectorAll('section.card.top')].every(c => c.querySelector('table, .empty, .error'))";
  private static final String REPORTS_DONE = "document.querySelectorAll('section.card.report').length > 0"
      + " && [...document.querySelectorAll('section.card.report')].every(c => c.querySelector('table, .empty, .error'))";
  /** No report table wider than its card: every column is seen without scrolling. */
  private static final String NOTHING_CLIPPED = "String([...document.querySelectorAll('section.card.report .scroll')]"
      + ".every(s => s.scrollWidth <= s.clientWidth + 1))";

  private static String kpi(HeadlessChromium chrome, String label) throws Exception {
    return chrome.eval(kpiExpr(label) + ".querySelector('.value').textContent");
  }

  private static String delta(HeadlessChromium chrome, String label) throws Exception {
    return chrome.eval(kpiExpr(label) + ".querySelector('.delta').textContent");
  }

  private static String kpiExpr(String label) {
    return "[...document.querySelectorAll('.kpi')].find(k => k.querySelector('.label').textContent === '" + label + "')";
  }

  private static String kpiIs(String label, String value) {
    return "(" + kpiExpr(label) + " || {querySelector: () => ({})}).querySelector('.value').textContent === '" + value + "'";
  }

  /** A top-list card's rows as shown, name to figure. */
  private static Map<String, String> topList(HeadlessChromium chrome, String card) throws Exception {
    Map<String, String> shown = new TreeMap<>();
    new JsonArray(chrome.eval("JSON.stringify([...document.querySelectorAll('[data-card=" + card + "] tbody tr')]"
        + ".map(tr => [tr.cells[0].textContent, tr.cells[1].textContent]))")).forEach(o -> {
      JsonArray row = (JsonArray) o;
      shown.put(row.getString(0), row.getString(1));
    });
    return shown;
  }

  private static void clickTopRow(HeadlessChromium chrome, String card, String name) throws Exception {
    awaitTrue(chrome, "[...document.querySelectorAll('[data-card=" + card + "] tbody td.name')].some(td => td.textContent === '" + name + "')");
    chrome.eval("[...document.querySelectorAll('[data-card=" + card + "] tbody tr')].find(tr => tr.cells[0].textContent === '"
        + name + "').click(); 1");
  }

  /** The numbers of one column of a report table, as shown. */
  private static List<Double> column(HeadlessChromium chrome, String dimension, int index) throws Exception {
    List<Double> out = new ArrayList<>();
    new JsonArray(chrome.eval("JSON.stringify([...document.querySelectorAll('[data-dimension=" + dimension + "] tbody tr')]"
        + ".map(tr => tr.cells[" + index + "].textContent))")).forEach(v -> out.add(Double.parseDouble(((String) v).replace(",", ""))));
    return out;
  }

  /** Seconds as the dashboard writes a duration: "4m 5s", or "1h 2m" from an hour on. */
  private static String duration(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600 ? s / 3600 + "h " + (s % 3600) / 60 + "m" : s / 60 + "m " + s % 60 + "s";
  }

  /** Waits until QuestDB holds the property's raw hits (the bridge has written them), so recompute sees them all. */
  private static void awaitRawHits(LocalStack stack, String property, List<Hit> hits) {
    await("raw hits of " + property).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
      URI uri = URI.create(stack.questdbHttpUrl() + "/exec?query=" + URLEncoder.encode(
          "select count() from hits where property_id = '" + property + "'", StandardCharsets.UTF_8));
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 && new JsonObject(r.body()).getJsonArray("dataset").getJsonArray(0).getLong(0) >= hits.size();
    });
  }

  private static void awaitTrue(HeadlessChromium chrome, String js) {
    // A protocol error while the page reloads (no context to evaluate in) is retried.
    await(js).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).ignoreExceptionsInstanceOf(IllegalStateException.class)
        .until(() -> "true".equals(chrome.eval("Boolean(" + js + ")")));
  }

  /**
   * Hits of the last 5 days, written as the stream would have aggregated them (each session whole) and sent to the
   * hits topic so the bridge stores them raw (what recompute reads for filtered tables); and the overview's expected
   * figures: from the independent reference for users, sessions and engagement, by plain counting for the rest.
   */
  private static Expected seed(LocalStack stack, String property) throws Exception {
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
      // A link from another site, a click from page to page of this one, or none.
      String referrer = i % 7 == 0 ? "https://news.example.org/story" : i % 7 == 1 ? "https://ui.example/p" + ((i + 1) % 4) : null;
      hits.add(Hit.builder()
          .propertyId(property)
          .clientId("c" + client)
          .requestId("seed" + i)
          .sessionId("s" + client + "-" + session)
          .ts(now - 3_600_000L - (long) (rnd.nextDouble() * 4 * 86_400_000L))
          .receivedAt(0)
          .eventName(i % 25 == 0 ? "sign_up" : i % 3 == 0 ? "scroll" : "page_view")
          .engagementMs(i % 5 == 0 ? 11_000L : 500L)
          .keyEvent(i % 25 == 0)
          .hostname("ui.example")
          .pagePath("/p" + (i % 4))
          .pageTitle(title)
          .pageReferrer(referrer)
          .source(arrival[0])
          .medium(arrival[1])
          .deviceCategory(client % 2 == 0 ? "desktop" : "mobile")
          .browser("Chrome")
          .os("Linux")
          .country(countries[client % 3])
          .isBot(false)
          .protocol("test")
          .schemaVersion(Hit.SCHEMA_VERSION)
          .build());
    }
    Aggregator agg = new Aggregator(p -> ZoneOffset.UTC);
    io.beacon.testing.Scoping.scopeAll(hits).forEach(s -> agg.add(s.hit(), s.scope()));
    AggregateSeeder.write(stack, agg, cql -> { });
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrap(), ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
      for (Hit h : hits) {
        producer.send(new ProducerRecord<>(Topics.HITS, h.kafkaKey().getBytes(StandardCharsets.UTF_8), HitCodec.encode(h)));
      }
      producer.flush();
    }
    // Every hit lies in the overview's default range (the last 7 days): its totals are the union of the day rows.
    io.beacon.testing.ReferenceAggregation ref = io.beacon.testing.ReferenceAggregation.of(hits, Map.of(property, ZoneOffset.UTC));
    Expected e = new Expected(hits);
    Set<String> sessions = new HashSet<>();
    Set<String> engaged = new HashSet<>();
    Set<String> active = new HashSet<>();
    ref.rows.forEach((key, row) -> {
      if (!key.granularity().equals("day")) {
        return;
      }
      if (key.dimension().equals("(total)")) {
        e.newUsers += row.newUsers;
        e.engagementMs += row.engagementMs;
        sessions.addAll(row.sessions);
        engaged.addAll(row.engagedSessions);
        active.addAll(row.activeUsers);
      } else if (key.dimension().equals("sessionDefaultChannelGroup")) {
        e.channelSessions.computeIfAbsent(key.value(), k -> new HashSet<>()).addAll(row.sessions);
      }
    });
    e.sessions = sessions.size();
    e.activeUsers = active.size();
    e.engagementRate = (double) engaged.size() / sessions.size();
    e.users = e.clientsWhere(h -> true);
    e.keyEvents = hits.stream().filter(h -> Boolean.TRUE.equals(h.keyEvent())).count();
    e.views = e.viewsWhere(h -> true);
    for (Hit h : hits) {
      if (h.eventName().equals("page_view")) {
        e.viewsByPath.merge(h.pagePath(), "1", (a, b) -> String.valueOf(Long.parseLong(a) + 1));
      }
      if (h.pageReferrer() != null && !h.pageReferrer().startsWith("https://ui.example/")) {
        e.externalReferrers.add(h.pageReferrer());
      }
    }
    return e;
  }

  /** The overview's figures, from the reference and from the hits by plain counting. */
  private static final class Expected {
    final List<Hit> hits;
    long users;
    long newUsers;
    long views;
    long sessions;
    long activeUsers;
    long engagementMs;
    long keyEvents;
    double engagementRate;
    final Map<String, Set<String>> channelSessions = new TreeMap<>();
    final Map<String, String> viewsByPath = new TreeMap<>();
    final Set<String> externalReferrers = new java.util.TreeSet<>();

    Expected(List<Hit> hits) {
      this.hits = hits;
    }

    long viewsWhere(Predicate<Hit> p) {
      return hits.stream().filter(h -> h.eventName().equals("page_view") && p.test(h)).count();
    }

    long clientsWhere(Predicate<Hit> p) {
      return hits.stream().filter(p).map(Hit::clientId).distinct().count();
    }

    long viewsBetween(LocalDate from, LocalDate to) {
      return viewsWhere(h -> !day(h).isBefore(from) && !day(h).isAfter(to));
    }

    /** [date, users] for every day from {@code from} to {@code to}, 0 for a day without hits. */
    JsonArray usersByDay(LocalDate from, LocalDate to) {
      JsonArray out = new JsonArray();
      for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
        LocalDate day = d;
        out.add(new JsonArray().add(d.toString()).add(String.valueOf(clientsWhere(h -> day(h).equals(day)))));
      }
      return out;
    }

    /** [date, views] for every day from {@code from} to {@code to}, 0 for a day without views. */
    JsonArray viewsByDay(LocalDate from, LocalDate to) {
      JsonArray out = new JsonArray();
      for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
        LocalDate day = d;
        out.add(new JsonArray().add(d.toString()).add(String.valueOf(viewsWhere(h -> day(h).equals(day)))));
      }
      return out;
    }

    /** ["date HH:00", views] for each of the day's 24 hours (UTC, the property's zone), 0 for an hour without. */
    JsonArray viewsByHour(LocalDate day) {
      JsonArray out = new JsonArray();
      for (int hour = 0; hour < 24; hour++) {
        int hr = hour;
        out.add(new JsonArray().add(day + " " + String.format(Locale.ROOT, "%02d:00", hour)).add(String.valueOf(viewsWhere(
            h -> day(h).equals(day) && Instant.ofEpochMilli(h.ts()).atZone(ZoneOffset.UTC).getHour() == hr))));
      }
      return out;
    }

    static LocalDate day(Hit h) {
      return LocalDate.ofInstant(Instant.ofEpochMilli(h.ts()), ZoneOffset.UTC);
    }
  }
}
