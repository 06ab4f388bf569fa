package io.beacon.query;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import io.beacon.BeaconNode;
import io.beacon.devstack.LocalStack;
import io.beacon.model.Hit;
import io.beacon.model.aggregation.Aggregator;
import io.beacon.model.aggregation.BucketKey;
import io.beacon.model.aggregation.MetricState;
import io.beacon.testing.ApiClient;
import io.beacon.testing.Dashboard;
import io.beacon.testing.FreePorts;
import io.beacon.testing.TestConfigs;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Report latency benchmark ({@code bin/bench-reports [hits=300000] [samples=200] [outFile=target/bench/reports.json]}):
 * starts a throw-away local stack and an in-process node with the query role, seeds 30 days of aggregates for
 * {@code hits} generated hits (300 pages, power-law popularity), then measures over HTTP, p50/p99:
 * <ul>
 *   <li>a 30-day overview (KPI totals with the previous period, and users/views by date), and</li>
 *   <li>a top-pages report (page path by views, first 25),</li>
 * </ul>
 * each cold (the Ignite aggregate cache cleared before every request: every partition read from Cassandra) and
 * warm (cached; partitions of days still open to late hits are re-read when older than 5 s, as in production).
 */
public final class ReportBenchmark {
  private static final String PROPERTY = "B-BENCHREP";
  private static final String ADMIN = "bench@example.com";
  private static final String PASSWORD = "a long bench password";

  private ReportBenchmark() {}

  public static void main(String[] args) {
    io.beacon.testing.BenchMain.run("ReportBenchmark", () -> run(args));
  }

  private static void run(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 300_000;
    int samples = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    Path out = Path.of(args.length > 2 ? args[2] : "target/bench/reports.json");
    Path home = Path.of(System.getProperty("beacon.home", ".")).toAbsolutePath();
    Path data = home.resolve("target").resolve("bench-stack-reports");
    io.beacon.testing.BenchMain.deleteRecursively(data);
    JsonObject result = new JsonObject().put("benchmark", "reports").put("startedAt", Instant.now().toString())
        .put("cores", Runtime.getRuntime().availableProcessors()).put("loadAverageAtStart", io.beacon.testing.BenchMain.loadAverage())
        .put("hits", n).put("samples", samples);
    try (LocalStack stack = LocalStack.start(home, data, LocalStack.Ports.free(), false)) {
      int queryPort = FreePorts.one();
      Map<String, String> env = new HashMap<>();
      env.put("BEACON_NODE_NAME", "bench-reports");
      for (String role : new String[] {"COLLECTOR", "BRIDGE", "RECOMPUTE"}) {
        env.put("BEACON_NODE_VERTICLES_" + role + "_INSTANCES", "0");
      }
      env.put("BEACON_HTTP_QUERY_PORT", Integer.toString(queryPort));
      env.put("BEACON_HTTP_MANAGEMENT_PORT", Integer.toString(FreePorts.one()));
      // An Ignite cluster of its own: not joined by a `beacon up` or another benchmark on the machine.
      env.putAll(io.beacon.testing.TestConfigs.ownCluster(data, 4));
      env.put("BEACON_QUERY_ADMIN_EMAIL", ADMIN);
      env.put("BEACON_QUERY_ADMIN_PASSWORD", PASSWORD);
      BeaconNode node = join(BeaconNode.start(TestConfigs.forStack(stack, env), () -> {}), 300);
      try {
        long seedStart = System.nanoTime();
        long rows = seed(stack, n);
        result.put("aggregateRows", rows).put("seedSeconds", (System.nanoTime() - seedStart) / 1e9);
        Dashboard admin = Dashboard.login(queryPort, ADMIN, PASSWORD);
        String token = new JsonObject(admin.post("/api/v1/tokens", "{\"name\":\"bench\"}").body()).getString("token");
        ApiClient api = new ApiClient(queryPort, token);
        String path = "/api/v1/properties/" + PROPERTY + ":runReport";
        List<String> overview = List.of("""
            {"dateRanges":[{"startDate":"30daysAgo","endDate":"yesterday"},{"startDate":"60daysAgo","endDate":"31daysAgo"}],
             "metrics":[{"name":"totalUsers"},{"name":"newUsers"},{"name":"sessions"},{"name":"screenPageViews"},
               {"name":"engagementRate"},{"name":"userEngagementDuration"},{"name":"eventCount"},{"name":"keyEvents"}]}""",
            """
            {"dateRanges":[{"startDate":"30daysAgo","endDate":"yesterday"}],"dimensions":[{"name":"date"}],
             "metrics":[{"name":"totalUsers"},{"name":"screenPageViews"}],"limit":400}""");
        List<String> topPages = List.of("""
            {"dateRanges":[{"startDate":"30daysAgo","endDate":"yesterday"}],"dimensions":[{"name":"pagePath"}],
             "metrics":[{"name":"screenPageViews"},{"name":"totalUsers"}],
             "orderBys":[{"metric":{"metricName":"screenPageViews"},"desc":true}],"limit":25}""");
        Runnable clear = () -> {
          node.context().ignite().cache("beacon-query-aggregates").clear();
          io.beacon.query.report.AggregateReader.clearLocal();
        };
        result.put("overviewCold", measure(api, path, overview, Math.max(10, samples / 5), clear));
        result.put("overviewWarm", measure(api, path, overview, samples, null));
        result.put("topPagesCold", measure(api, path, topPages, Math.max(10, samples / 5), clear));
        result.put("topPagesWarm", measure(api, path, topPages, samples, null));
        result.put("rssBytes", io.beacon.testing.BenchMain.rssBytes(Map.of("node (query)",
            ProcessHandle.current().pid(), "Cassandra", stack.cassandra().pid())));
      } finally {
        join(node.close(), 60);
      }
    }
    result.put("loadAverageAtEnd", io.beacon.testing.BenchMain.loadAverage());
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, result.encodePrettily());
    String summary = String.format("""
        Beacon report latency benchmark, %s, %d cores (load %s -> %s), %,d hits -> %,d aggregate rows
          30-day overview (KPIs vs previous period + users/views by date): cold %s, warm %s
          top pages (30 days, first 25):                                    cold %s, warm %s
        """, result.getString("startedAt"), result.getInteger("cores"), result.getString("loadAverageAtStart"),
        result.getString("loadAverageAtEnd"), n, result.getLong("aggregateRows"), pct(result, "overviewCold"),
        pct(result, "overviewWarm"), pct(result, "topPagesCold"), pct(result, "topPagesWarm"));
    Files.writeString(Path.of(out.toString().replaceAll("\\.json$", "") + ".txt"), summary);
    System.out.println(summary);
  }

  private static String pct(JsonObject r, String key) {
    JsonObject m = r.getJsonObject(key);
    return String.format("p50 %.1f ms / p99 %.1f ms", m.getDouble("p50Ms"), m.getDouble("p99Ms"));
  }

  /** Latency of the page's requests sent together (as the dashboard does), {@code samples} times. */
  private static JsonObject measure(ApiClient api, String path, List<String> bodies, int samples, Runnable before)
      throws Exception {
    for (String b : bodies) { // warm-up: JIT, connections; a failure here stops the benchmark
      HttpResponse<String> r = api.post(path, b);
      if (r.statusCode() != 200) {
        throw new IllegalStateException("report failed: " + r.statusCode() + " " + r.body());
      }
    }
    List<Double> ms = new ArrayList<>();
    for (int i = 0; i < samples; i++) {
      if (before != null) {
        before.run();
      }
      long t0 = System.nanoTime();
      List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> page = new ArrayList<>();
      for (String b : bodies) {
        page.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
          try {
            return api.post(path, b);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }));
      }
      for (var f : page) {
        if (f.get(60, TimeUnit.SECONDS).statusCode() != 200) {
          throw new IllegalStateException("report failed during the benchmark");
        }
      }
      ms.add((System.nanoTime() - t0) / 1e6);
    }
    Collections.sort(ms);
    return new JsonObject().put("samples", samples).put("p50Ms", round(at(ms, 0.50))).put("p99Ms", round(at(ms, 0.99)))
        .put("maxMs", round(ms.get(ms.size() - 1)));
  }

  private static double at(List<Double> sorted, double q) {
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
  }

  private static double round(double v) {
    return Math.round(v * 10) / 10.0;
  }

  /** {@code n} hits over the last 62 days (UTC): power-law page popularity, 30k clients; aggregated and written. */
  private static long seed(LocalStack stack, int n) throws Exception {
    Random rnd = new Random(1);
    Aggregator agg = new Aggregator(p -> ZoneOffset.UTC);
    long end = LocalDate.now(ZoneOffset.UTC).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    long span = 62L * 86_400_000L;
    String[] countries = {"US", "DE", "IN", "FR", "GB", "BR"};
    for (int i = 0; i < n; i++) {
      int client = rnd.nextInt(30_000);
      int page = (int) Math.floor(Math.pow(rnd.nextDouble(), 3) * 300); // a few pages get most views
      long ts = end - span + (long) (rnd.nextDouble() * span);
      Hit h = Hit.builder()
          .propertyId(PROPERTY)
          .clientId("c" + client)
          .requestId("r" + i)
          .sessionId("s" + client + "-" + rnd.nextInt(4))
          .sessionNumber(1)
          .ts(ts)
          .receivedAt(ts)
          .eventName(rnd.nextInt(4) == 0 ? "scroll" : "page_view")
          .engagementMs((long) rnd.nextInt(30_000))
          .sessionEngaged(rnd.nextBoolean())
          .keyEvent(false)
          .firstVisit(rnd.nextInt(20) == 0)
          .sessionStart(rnd.nextInt(4) == 0)
          .hostname("example.com")
          .pagePath("/page/" + page)
          .pageTitle("Page " + page)
          .source("google")
          .medium("organic")
          .deviceCategory("desktop")
          .browser("Chrome")
          .os("Linux")
          .screenResolution("1920x1080")
          .language("en-us")
          .country(countries[client % countries.length])
          .isBot(false)
          .protocol("bench")
          .schemaVersion(Hit.SCHEMA_VERSION)
          .build();
      // Each hit scoped alone: the benchmark times serving rows, not what they mean.
      agg.add(h, io.beacon.model.session.Sessions.scope(java.util.List.of(h),
          io.beacon.model.session.ClientHistory.NONE, io.beacon.model.session.SessionRules.GA4).get(0).scope());
    }
    String cp = stack.cassandraContactPoint();
    try (CqlSession cql = CqlSession.builder().withLocalDatacenter("datacenter1").withKeyspace("beacon")
        .addContactPoint(InetSocketAddress.createUnresolved(cp.substring(0, cp.indexOf(':')),
            Integer.parseInt(cp.substring(cp.indexOf(':') + 1)))).build()) {
      cql.execute("INSERT INTO properties (property_id, name, time_zone) VALUES ('" + PROPERTY + "', 'bench', 'UTC')");
      PreparedStatement insert = cql.prepare("INSERT INTO agg_buckets (property_id, granularity, period, dimension,"
          + " bucket_start, dim_value, screen_page_views, event_count, key_events, engagement_ms, new_users, bot_hits,"
          + " users_hll, sessions_hll, engaged_sessions_hll, active_users_hll)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
      Semaphore inFlight = new Semaphore(64);
      for (Map.Entry<BucketKey, MetricState> e : agg.buckets().entrySet()) {
        BucketKey k = e.getKey();
        MetricState s = e.getValue();
        inFlight.acquire();
        cql.executeAsync(insert.bind(k.propertyId(), k.granularity().code(), k.period(), k.dimension(),
                Instant.ofEpochMilli(k.bucketStart()), k.value(), s.screenPageViews(), s.eventCount(), s.keyEvents(),
                s.userEngagementDurationMs(), s.newUsers(), s.botHits(), ByteBuffer.wrap(s.usersSketch()),
                ByteBuffer.wrap(s.sessionsSketch()), ByteBuffer.wrap(s.engagedSessionsSketch()),
                ByteBuffer.wrap(s.activeUsersSketch())))
            .whenComplete((r, err) -> {
              inFlight.release();
              if (err != null) {
                System.err.println("seed write failed: " + err);
              }
            });
      }
      inFlight.acquire(64);
    }
    return agg.buckets().size();
  }

  private static <T> T join(Future<T> f, int seconds) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
  }


}
