package io.beacon.bench;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import io.beacon.BeaconNode;
import io.beacon.devstack.LocalStack;
import io.beacon.model.Hit;
import io.beacon.model.aggregation.Aggregator;
import io.beacon.model.aggregation.BucketKey;
import io.beacon.model.aggregation.MetricState;
import io.beacon.store.cassandra.AggBucketRow;
import io.beacon.store.cassandra.AggBucketsTable;
import io.beacon.store.cassandra.ContactPoints;
import io.beacon.testing.BenchMain;
import io.beacon.testing.Dashboard;
import io.beacon.testing.FreePorts;
import io.beacon.testing.HeadlessChromium;
import io.beacon.testing.Scoping;
import io.beacon.testing.TestConfigs;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Dashboard benchmark (issue 20; {@code bin/bench-dashboard [hitsPerDay=60] [visits=5] [outDir=target/bench]}), not a
 * test: the bytes the overview's JS and CSS cost on the wire, and the overview's first meaningful paint in headless
 * Chromium with a year of data behind it.
 *
 * <p>One node with the query role only on a throw-away local stack. A year of data: {@code hitsPerDay} synthetic hits
 * on each of the last 365 days (a few pages, countries, devices, sources, a key event), aggregated by the model's own
 * {@link Aggregator} (what the Spark job writes for those hits) and written to {@code agg_buckets} as the dashboard
 * test seeds its data, only concurrently. Then a logged-in Chromium, its HTTP cache disabled (every visit downloads
 * every asset, as a first visit does), opens the overview {@code visits} times on the default range (the last 7 days)
 * and {@code visits} times on the whole year (a custom range of 365 days, compared with the year before).
 *
 * <p>First meaningful paint: from the navigation's start to the first frame after the overview shows what it is for:
 * its 9 KPIs with figures, the chart drawn and the 5 top lists answered (the conditions DashboardBrowserTest waits
 * for), recorded in the page by a MutationObserver installed before the page's own scripts. Bytes: the page's
 * Resource Timing entries (encodedBodySize: the body as transferred, compressed when the server compressed it;
 * decodedBodySize: as the browser used it). Aims: first meaningful paint under 1 s; the budget in docs/benchmarks.md
 * ("Dashboard"). Figures: {@code outDir/dashboard.json} and {@code .txt}.
 */
public final class DashboardBenchmark {
  private static final String ADMIN = "bench@example.com";
  private static final String PASSWORD = "a long bench password";
  /** The in-page probe: window.__fmp (ms since the navigation's start) at the first frame showing the overview. */
  private static final String PROBE = """
      (() => {
        const done = () => {
          const k = document.querySelectorAll('.kpi .value');
          const tops = [...document.querySelectorAll('section.card.top')];
          return k.length === 9 && k[0].textContent !== '0' && k[0].textContent !== ''
            && !!document.querySelector('.chart canvas') && tops.length === 5
            && tops.every(c => c.querySelector('table, .empty, .error'));
        };
        const seen = () => requestAnimationFrame(() => requestAnimationFrame(() => { window.__fmp = performance.now(); }));
        // When each part was first complete: the KPIs, the chart's canvas, the 5 top lists (ms since navigation).
        window.__parts = {};
        const part = (name, ok) => { if (window.__parts[name] === undefined && ok) window.__parts[name] = performance.now(); };
        const obs = new MutationObserver(() => {
          const k = document.querySelectorAll('.kpi .value');
          part('kpisMs', k.length === 9 && k[0].textContent !== '0' && k[0].textContent !== '');
          part('chartMs', !!document.querySelector('.chart canvas'));
          const tops = [...document.querySelectorAll('section.card.top')];
          part('topsMs', tops.length === 5 && tops.every(c => c.querySelector('table, .empty, .error')));
          if (window.__fmpSeen === undefined && done()) { window.__fmpSeen = performance.now(); obs.disconnect(); seen(); }
        });
        obs.observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
      })();
      """;
  /** The overview's scripts and style sheets as Resource Timing saw them. */
  private static final String ASSETS = "JSON.stringify(performance.getEntriesByType('resource')"
      + ".filter(e => e.initiatorType === 'script' || e.initiatorType === 'link' || /\\.(js|css)$/.test(new URL(e.name).pathname))"
      + ".map(e => ({ path: new URL(e.name).pathname, transferSize: e.transferSize, encodedBodySize: e.encodedBodySize,"
      + " decodedBodySize: e.decodedBodySize, durationMs: Math.round(e.duration) })))";

  /**
   * Where a visit's time went (ms since the navigation's start): the page's DOMContentLoaded (its scripts fetched and
   * run), the first API call's start, the last one's end, how many there were (session, metadata, report batches,
   * annotations) and each one's start and end, and when the page's parts were complete and painted.
   */
  private static final String PHASES = "JSON.stringify((() => { const n = performance.getEntriesByType('navigation')[0];"
      + " const api = performance.getEntriesByType('resource').filter(e => new URL(e.name).pathname.startsWith('/api/'));"
      + " return { domContentLoadedMs: n.domContentLoadedEventEnd, firstApiStartMs: Math.min(...api.map(e => e.startTime)),"
      + " lastApiEndMs: Math.max(...api.map(e => e.responseEnd)), apiCalls: api.length,"
      + " complete: window.__parts, completeMs: window.__fmpSeen, fmpMs: window.__fmp,"
      + " apis: api.map(e => ({ path: new URL(e.name).pathname.replace(/B-[A-Z0-9]+/, '{id}'),"
      + " startMs: Math.round(e.startTime), endMs: Math.round(e.responseEnd) })) }; })())";

  private DashboardBenchmark() {}

  public static void main(String[] args) {
    BenchMain.run("DashboardBenchmark", () -> run(args));
  }

  private static void run(String[] args) throws Exception {
    int hitsPerDay = args.length > 0 ? Integer.parseInt(args[0]) : 60;
    int visits = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    Path outDir = Path.of(args.length > 2 ? args[2] : "target/bench");
    if (!HeadlessChromium.available()) {
      throw new IllegalStateException("no /usr/bin/chromium: the benchmark needs a headless Chromium");
    }
    Path home = Path.of(System.getProperty("beacon.home", ".")).toAbsolutePath();
    Path data = home.resolve("target").resolve("bench-stack-dashboard");
    BenchMain.deleteRecursively(data);
    JsonObject result = new JsonObject().put("benchmark", "dashboard").put("startedAt", Instant.now().toString())
        .put("cores", Runtime.getRuntime().availableProcessors()).put("loadAverageAtStart", BenchMain.loadAverage())
        .put("hitsPerDay", hitsPerDay).put("days", 365).put("visits", visits);
    try (LocalStack stack = LocalStack.start(home, data, LocalStack.Ports.free(), false)) {
      int queryPort = FreePorts.one();
      Map<String, String> env = new HashMap<>();
      env.put("BEACON_NODE_NAME", "bench-dashboard");
      env.put("BEACON_HTTP_COLLECTOR_PORT", Integer.toString(FreePorts.one()));
      env.put("BEACON_HTTP_QUERY_PORT", Integer.toString(queryPort));
      env.put("BEACON_HTTP_MANAGEMENT_PORT", Integer.toString(FreePorts.one()));
      // An Ignite cluster of its own: not joined by a `beacon up` or another benchmark on the machine.
      env.putAll(io.beacon.testing.TestConfigs.ownCluster(data, 4));
      env.put("BEACON_COLLECTOR_SPOOL_DIR", data.resolve("spool").toString());
      env.put("BEACON_NODE_VERTICLES_COLLECTOR_INSTANCES", "0");
      env.put("BEACON_NODE_VERTICLES_BRIDGE_INSTANCES", "0");
      env.put("BEACON_NODE_VERTICLES_RECOMPUTE_INSTANCES", "0");
      env.put("BEACON_QUERY_ADMIN_EMAIL", ADMIN);
      env.put("BEACON_QUERY_ADMIN_PASSWORD", PASSWORD);
      BeaconNode node = join(BeaconNode.start(TestConfigs.forStack(stack, env), () -> {}), 300);
      try {
        Dashboard admin = Dashboard.login(queryPort, ADMIN, PASSWORD);
        var created = admin.post("/api/v1/admin/properties", "{\"name\":\"A year of data\",\"timeZone\":\"UTC\","
            + "\"keyEvents\":[\"sign_up\"]}");
        if (created.statusCode() != 201) {
          throw new IllegalStateException("property not created: " + created.statusCode() + " " + created.body());
        }
        String property = new JsonObject(created.body()).getString("propertyId");
        long seedStart = System.nanoTime();
        JsonObject seeded = seed(stack, property, hitsPerDay);
        result.put("seed", seeded.put("seconds", (System.nanoTime() - seedStart) / 1e9));
        System.out.println("DashboardBenchmark: seeded " + seeded.encode());

        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        String base = "http://127.0.0.1:" + queryPort + "/dashboard/";
        String week = base + "#overview?p=" + property + "&range=7&cmp=1";
        String year = base + "#overview?p=" + property + "&range=custom&from=" + today.minusDays(364) + "&to=" + today
            + "&cmp=1";
        Path profile = home.resolve("target").resolve("bench-chromium-" + System.nanoTime());
        try (HeadlessChromium chrome = new HeadlessChromium(profile)) {
          chrome.viewport(1280, 900);
          login(chrome, base);
          chrome.call("Network.enable", new JsonObject());
          chrome.call("Network.setCacheDisabled", new JsonObject().put("cacheDisabled", true));
          chrome.call("Page.addScriptToEvaluateOnNewDocument", new JsonObject().put("source", PROBE));
          // One unmeasured visit of each: the node's JIT and its first reads of each partition.
          visit(chrome, week);
          visit(chrome, year);
          JsonArray weekRuns = new JsonArray();
          JsonArray yearRuns = new JsonArray();
          JsonArray weekPhases = new JsonArray();
          JsonArray yearPhases = new JsonArray();
          JsonArray assets = null;
          for (int i = 0; i < visits; i++) {
            JsonObject w = visit(chrome, week);
            assets = w.getJsonArray("assets");
            weekRuns.add(w.getDouble("fmpMs"));
            weekPhases.add(w.getJsonObject("phases"));
            JsonObject y = visit(chrome, year);
            yearRuns.add(y.getDouble("fmpMs"));
            yearPhases.add(y.getJsonObject("phases"));
          }
          result.put("overviewLast7Days", stats(weekRuns).put("phases", weekPhases))
              .put("overviewLastYear", stats(yearRuns).put("phases", yearPhases));
          result.put("assets", assets);
          long js = 0;
          long css = 0;
          long own = 0;
          long raw = 0;
          for (Object o : assets) {
            JsonObject a = (JsonObject) o;
            long bytes = a.getLong("encodedBodySize");
            raw += a.getLong("decodedBodySize");
            if (a.getString("path").endsWith(".css")) {
              css += bytes;
            } else {
              js += bytes;
            }
            if (a.getString("path").startsWith("/dashboard/")) {
              own += bytes;
            }
          }
          result.put("jsBytes", js).put("cssBytes", css).put("jsCssBytes", js + css).put("ownJsCssBytes", own)
              .put("jsCssDecodedBytes", raw);
          result.put("compressed", assets.stream().map(JsonObject.class::cast)
              .allMatch(a -> a.getLong("encodedBodySize") < a.getLong("decodedBodySize")));
          result.put("fmpAimMet", result.getJsonObject("overviewLast7Days").getDouble("maxMs") < 1000
              && result.getJsonObject("overviewLastYear").getDouble("maxMs") < 1000);
          result.put("problems", new JsonArray(chrome.problems()));
        }
        write(result, outDir);
      } finally {
        try {
          join(node.close(), 120);
        } catch (Exception e) {
          System.err.println("DashboardBenchmark: the node did not close in 120 s: " + e);
        }
      }
    }
  }

  private static void login(HeadlessChromium chrome, String base) throws Exception {
    chrome.navigate(base);
    awaitTrue(chrome, "!!document.getElementById('login') && !document.getElementById('login').hidden");
    chrome.eval("document.getElementById('login-email').value = '" + ADMIN + "';"
        + "document.getElementById('login-password').value = '" + PASSWORD + "';"
        + "document.getElementById('login-form').requestSubmit(); 1");
    awaitTrue(chrome, "document.querySelectorAll('.kpi .value').length === 9");
  }

  /** One visit with an empty cache: the first meaningful paint (ms) and the assets' bytes. */
  private static JsonObject visit(HeadlessChromium chrome, String url) throws Exception {
    chrome.navigate("about:blank");
    awaitTrue(chrome, "location.href === 'about:blank'");
    chrome.navigate(url);
    awaitTrue(chrome, "typeof window.__fmp === 'number'");
    double fmp = Double.parseDouble(chrome.eval("String(window.__fmp)"));
    return new JsonObject().put("fmpMs", round(fmp)).put("assets", new JsonArray(chrome.eval(ASSETS)))
        .put("phases", new JsonObject(chrome.eval(PHASES)));
  }

  private static void awaitTrue(HeadlessChromium chrome, String expr) {
    org.awaitility.Awaitility.await(expr).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
        .ignoreExceptions().until(() -> "true".equals(chrome.eval("String(" + expr + ")")));
  }

  private static JsonObject stats(JsonArray ms) {
    double[] v = ms.stream().mapToDouble(o -> ((Number) o).doubleValue()).sorted().toArray();
    return new JsonObject().put("runsMs", ms).put("medianMs", round(v[v.length / 2])).put("minMs", round(v[0]))
        .put("maxMs", round(v[v.length - 1]));
  }

  private static double round(double ms) {
    return Math.round(ms * 10) / 10.0;
  }

  /** A year of hits, aggregated by the model and written to agg_buckets (64 writes in flight). */
  private static JsonObject seed(LocalStack stack, String property, int hitsPerDay) throws Exception {
    Random rnd = new Random(20);
    long now = System.currentTimeMillis();
    String[] countries = {"DE", "US", "FR", "GB", "NL"};
    String[][] arrivals = {{"google", "organic"}, {"(direct)", "(none)"}, {"t.co", "referral"}, {"newsletter", "email"}};
    List<Hit> hits = new ArrayList<>();
    for (int day = 0; day < 365; day++) {
      for (int i = 0; i < hitsPerDay; i++) {
        int client = rnd.nextInt(hitsPerDay * 2) + day * 7;
        int session = rnd.nextInt(2);
        String[] arrival = arrivals[(client + session) % arrivals.length];
        hits.add(Hit.builder().propertyId(property).clientId("c" + client).requestId("y" + day + "-" + i)
            .sessionId("s" + client + "-" + day + "-" + session)
            .ts(now - day * 86_400_000L - (long) (rnd.nextDouble() * 86_400_000L)).receivedAt(0)
            .eventName(i % 25 == 0 ? "sign_up" : i % 3 == 0 ? "scroll" : "page_view")
            .engagementMs(i % 5 == 0 ? 11_000L : 500L).keyEvent(i % 25 == 0).hostname("year.example")
            .pagePath("/p" + (i % 8)).pageTitle("Page " + (i % 8)).source(arrival[0]).medium(arrival[1])
            .deviceCategory(client % 3 == 0 ? "mobile" : client % 3 == 1 ? "desktop" : "tablet").browser("Chrome")
            .os("Linux").country(countries[client % countries.length]).isBot(false).protocol("test")
            .schemaVersion(Hit.SCHEMA_VERSION).build());
      }
    }
    Aggregator agg = new Aggregator(p -> ZoneOffset.UTC);
    Scoping.scopeAll(hits).forEach(s -> agg.add(s.hit(), s.scope()));
    Map<BucketKey, MetricState> buckets = agg.buckets();
    try (CqlSession cql = CqlSession.builder().withLocalDatacenter("datacenter1").withKeyspace("beacon")
        .addContactPoint(ContactPoints.parse(stack.cassandraContactPoint())).build()) {
      PreparedStatement insert = cql.prepare(AggBucketsTable.insert());
      Semaphore inFlight = new Semaphore(64);
      AtomicReference<Throwable> failed = new AtomicReference<>();
      Instant at = Instant.now();
      for (Map.Entry<BucketKey, MetricState> e : buckets.entrySet()) {
        BucketKey k = e.getKey();
        inFlight.acquire();
        CompletionStage<?> w = cql.executeAsync(AggBucketsTable.bindInsert(insert, AggBucketsTable.Partition.of(k),
            AggBucketRow.of(k, e.getValue(), "dashboard-bench", 0L), at));
        w.whenComplete((r, t) -> {
          if (t != null) {
            failed.compareAndSet(null, t);
          }
          inFlight.release();
        });
      }
      inFlight.acquire(64);
      if (failed.get() != null) {
        throw new IllegalStateException("seeding failed", failed.get());
      }
    }
    return new JsonObject().put("hits", hits.size()).put("aggregateRows", buckets.size());
  }

  private static void write(JsonObject result, Path outDir) throws Exception {
    result.put("loadAverageAtEnd", BenchMain.loadAverage());
    Files.createDirectories(outDir);
    BenchMain.writeJson(outDir.resolve("dashboard.json"), result);
    StringBuilder assets = new StringBuilder();
    for (Object o : result.getJsonArray("assets")) {
      JsonObject a = (JsonObject) o;
      assets.append(String.format("    %-45s %8d B on the wire (%8d B plain)%n", a.getString("path"),
          a.getLong("encodedBodySize"), a.getLong("decodedBodySize")));
    }
    JsonObject w = result.getJsonObject("overviewLast7Days");
    JsonObject y = result.getJsonObject("overviewLastYear");
    String phases = "    phases, median over the visits (ms from the navigation's start): last 7 days " + medianPhases(w)
        + "; last 365 days " + medianPhases(y) + "\n";
    String summary = String.format("""
        Beacon dashboard benchmark, %s, %d cores (load %s -> %s)
          data: %d hits over 365 days (%d a day) -> %d aggregate rows, seeded in %.0f s
          overview JS+CSS on the wire: %d B (JS %d B, CSS %d B; the dashboard's own files %d B), %d B plain; all compressed: %s
        %s  first meaningful paint, empty cache, last 7 days:  median %.0f ms, min %.0f ms, max %.0f ms (%s)
          first meaningful paint, empty cache, last 365 days: median %.0f ms, min %.0f ms, max %.0f ms (%s)
        %s  aim < 1000 ms: %s; browser problems: %s
        """, result.getString("startedAt"), result.getInteger("cores"), result.getString("loadAverageAtStart"),
        result.getString("loadAverageAtEnd"), result.getJsonObject("seed").getInteger("hits"),
        result.getInteger("hitsPerDay"), result.getJsonObject("seed").getInteger("aggregateRows"),
        result.getJsonObject("seed").getDouble("seconds"), result.getLong("jsCssBytes"), result.getLong("jsBytes"),
        result.getLong("cssBytes"), result.getLong("ownJsCssBytes"), result.getLong("jsCssDecodedBytes"),
        result.getBoolean("compressed"), assets, w.getDouble("medianMs"), w.getDouble("minMs"), w.getDouble("maxMs"),
        w.getJsonArray("runsMs").encode(), y.getDouble("medianMs"), y.getDouble("minMs"), y.getDouble("maxMs"),
        y.getJsonArray("runsMs").encode(), phases, result.getBoolean("fmpAimMet") ? "met" : "not met",
        result.getJsonArray("problems").encode());
    Files.writeString(outDir.resolve("dashboard.txt"), summary);
    System.out.println(summary);
  }

  /** The median of each phase over the visits, e.g. "scripts run 612, first API call 640, last API answer 1490". */
  private static String medianPhases(JsonObject runs) {
    JsonArray p = runs.getJsonArray("phases");
    java.util.function.ToDoubleFunction<String> median = key -> p.stream().map(JsonObject.class::cast)
        .mapToDouble(o -> o.getDouble(key)).sorted().toArray()[p.size() / 2];
    java.util.function.ToDoubleFunction<String> part = key -> p.stream().map(JsonObject.class::cast)
        .mapToDouble(o -> o.getJsonObject("complete").getDouble(key, Double.NaN)).sorted().toArray()[p.size() / 2];
    return String.format("scripts run (DOMContentLoaded) %.0f, first API call %.0f, last API answer %.0f (%d calls);"
        + " KPIs shown %.0f, chart %.0f, top lists %.0f, all shown %.0f, painted (2 frames later) %.0f",
        median.applyAsDouble("domContentLoadedMs"), median.applyAsDouble("firstApiStartMs"),
        median.applyAsDouble("lastApiEndMs"), p.getJsonObject(0).getInteger("apiCalls"), part.applyAsDouble("kpisMs"),
        part.applyAsDouble("chartMs"), part.applyAsDouble("topsMs"), median.applyAsDouble("completeMs"),
        median.applyAsDouble("fmpMs"));
  }

  static <T> T join(Future<T> f, int seconds) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
  }
}
