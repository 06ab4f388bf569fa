package io.beacon.recompute;

import io.beacon.BeaconNode;
import io.beacon.devstack.LocalStack;
import io.beacon.api.ReportJson;
import io.beacon.contract.RecomputeReportContract;
import io.beacon.testing.TestConfigs;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Recompute benchmark ({@code bin/bench-recompute [hits=10000000] [slices=2] [outFile=target/bench/recompute.json]}):
 * starts a throw-away local stack and an in-process node with only the recompute role, generates {@code hits} raw
 * hits for one property inside QuestDB (SQL over {@code long_sequence}, so loading is not what is measured), then
 * <ol>
 *   <li>times one ad-hoc report over the whole range (page path by country: event count, users, sessions), sent
 *       over the event bus as the query verticle sends it: raw hits streamed over PG wire and aggregated with the
 *       shared aggregation code; reports hits/s, the JVM's peak heap and peak RSS;</li>
 *   <li>times the same report as a plain SQL GROUP BY in QuestDB (exact count_distinct, not mergeable) and checks
 *       that both agree (sums exactly, distinct counts within the sketch bound);</li>
 *   <li>times the identical request again (a cache hit: no raw hit read).</li>
 * </ol>
 * Writes the figures as JSON to {@code outFile} and a summary next to it ({@code .txt}).
 */
public final class RecomputeBenchmark {
  private static final String PROPERTY = "B-BENCH";
  private static final LocalDate START = LocalDate.of(2026, 9, 1);

  private RecomputeBenchmark() {}

  public static void main(String[] args) {
    io.beacon.testing.BenchMain.run("RecomputeBenchmark", () -> run(args));
  }

  private static void run(String[] args) throws Exception {
    long n = args.length > 0 ? Long.parseLong(args[0]) : 10_000_000L;
    int slices = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    Path out = Path.of(args.length > 2 ? args[2] : "target/bench/recompute.json");
    Path home = Path.of(System.getProperty("beacon.home", ".")).toAbsolutePath();
    Path data = home.resolve("target").resolve("bench-stack-recompute");
    io.beacon.testing.BenchMain.deleteRecursively(data);
    JsonObject result = new JsonObject().put("benchmark", "recompute").put("startedAt", Instant.now().toString())
        .put("cores", Runtime.getRuntime().availableProcessors()).put("loadAverageAtStart", io.beacon.testing.BenchMain.loadAverage())
        .put("hits", n).put("slices", slices).put("maxHeapBytes", Runtime.getRuntime().maxMemory());
    try (LocalStack stack = LocalStack.start(home, data, LocalStack.Ports.free(), false)) {
      Map<String, String> env = new HashMap<>();
      env.put("BEACON_NODE_NAME", "bench-recompute");
      for (String role : new String[] {"COLLECTOR", "BRIDGE", "QUERY"}) {
        env.put("BEACON_NODE_VERTICLES_" + role + "_INSTANCES", "0");
      }
      env.put("BEACON_NODE_VERTICLES_RECOMPUTE_INSTANCES", "1");
      env.put("BEACON_RECOMPUTE_SLICES", Integer.toString(slices));
      env.put("BEACON_RECOMPUTE_REPORT_TIMEOUT_MS", "3600000");
      // An Ignite cluster of its own: not joined by a `beacon up` or another benchmark on the machine.
      env.putAll(io.beacon.testing.TestConfigs.ownCluster(data, 4));
      BeaconNode node = join(BeaconNode.start(TestConfigs.forStack(stack, env), () -> {}), 300);
      try {
        long days = (n * 100_000L / 1_000_000L) / 86_400L + 1;
        LocalDate end = START.plusDays(days);
        long loadStart = System.nanoTime();
        generate(node, n);
        result.put("loadSeconds", seconds(loadStart));

        RecomputeReportContract.Request request = new RecomputeReportContract.Request(PROPERTY, ZoneId.of("UTC"),
            LocalDate.now(), new JsonObject("""
                {"dateRanges":[{"startDate":"%s","endDate":"%s"}],
                 "dimensions":[{"name":"pagePath"},{"name":"country"}],
                 "metrics":[{"name":"eventCount"},{"name":"totalUsers"},{"name":"sessions"}],"limit":100000}"""
                .formatted(START, end)));
        System.gc();
        PeakHeap peak = PeakHeap.start();
        long t0 = System.nanoTime();
        JsonObject report = ask(node, request);
        double recomputeSeconds = seconds(t0);
        peak.stop();
        long scanned = report.getJsonObject("metadata").getLong("hitsScanned");
        result.put("recompute", new JsonObject()
            .put("seconds", recomputeSeconds)
            .put("hitsScanned", scanned)
            .put("hitsPerSecond", Math.round(scanned / recomputeSeconds))
            .put("rows", report.getInteger("rowCount"))
            .put("peakHeapBytes", peak.max.get())
            .put("peakRssBytes", peakRss()));
        // Raw-store footprint over the closed (past) days: QuestDB trims a partition's column files to its data
        // when it closes, while the active one is preallocated, so only closed ones give a per-hit figure.
        var footprint = join(node.context().clients().questdb().query(
            "SELECT sum(diskSize), sum(numRows) FROM table_partitions('hits') WHERE active = false").execute(), 60)
            .iterator().next();
        result.put("questdbClosedPartitionBytes", footprint.getLong(0)).put("questdbClosedPartitionRows",
            footprint.getLong(1)).put("questdbDiskBytesPerHit", (double) footprint.getLong(0) / footprint.getLong(1));
        result.put("rssBytes", io.beacon.testing.BenchMain.rssBytes(Map.of("node (recompute)",
            ProcessHandle.current().pid(), "QuestDB", stack.questdb().pid())));

        long t1 = System.nanoTime();
        JsonObject cached = ask(node, request);
        result.put("cacheHitSeconds", seconds(t1)).put("cacheState", cached.getJsonObject("metadata").getString("cache"));

        // The same grouping with the sums only (what QuestDB can do in one pass without distinct sets)...
        long t3 = System.nanoTime();
        RowSet<Row> sums = join(node.context().clients().questdb().query("""
            SELECT page_path, country, count() events FROM hits
            WHERE property_id = '%s' AND ts >= '%sT00:00:00.000000Z' AND ts < '%sT00:00:00.000000Z' AND is_bot = false
            GROUP BY page_path, country""".formatted(PROPERTY, START, end.plusDays(1))).execute(), 3600);
        double sumSeconds = seconds(t3);
        long sumMismatches = 0;
        Map<String, Long> events = new HashMap<>();
        sums.forEach(r -> events.put(r.getString(0) + "|" + r.getString(1), r.getLong(2)));
        for (Object o : report.getJsonArray("rows")) {
          JsonObject row = (JsonObject) o;
          String key = row.getJsonArray("dimensionValues").getJsonObject(0).getString("value") + "|"
              + row.getJsonArray("dimensionValues").getJsonObject(1).getString("value");
          if (!events.getOrDefault(key, -1L).equals(Long.parseLong(row.getJsonArray("metricValues").getJsonObject(0)
              .getString("value")))) {
            sumMismatches++;
          }
        }
        result.put("sqlGroupBySumsOnly", new JsonObject().put("seconds", sumSeconds)
            .put("hitsPerSecond", Math.round(scanned / sumSeconds)).put("rows", sums.size())
            .put("eventCountMismatches", sumMismatches));
        // ...then with exact distinct counts, last: it may run QuestDB out of heap.
        long t2 = System.nanoTime();
        try {
          RowSet<Row> sql = join(node.context().clients().questdb().query("""
              SELECT page_path, country, count() events, count_distinct(client_id) users,
                     count_distinct(concat(client_id, '/', session_id)) sessions
              FROM hits WHERE property_id = '%s' AND ts >= '%sT00:00:00.000000Z' AND ts < '%sT00:00:00.000000Z'
                        AND is_bot = false
              GROUP BY page_path, country""".formatted(PROPERTY, START, end.plusDays(1))).execute(), 3600);
          double sqlSeconds = seconds(t2);
          result.put("sqlGroupBy", new JsonObject().put("seconds", sqlSeconds)
              .put("hitsPerSecond", Math.round(scanned / sqlSeconds)).put("rows", sql.size()));
          result.put("agreement", compare(report, sql));
        } catch (Exception e) {
          // e.g. QuestDB running out of heap on the exact distinct counts: a result in itself.
          result.put("sqlGroupBy", new JsonObject().put("error", e.toString()).put("seconds", seconds(t2)));
        }
      } finally {
        join(node.close(), 60);
      }
    }
    result.put("loadAverageAtEnd", io.beacon.testing.BenchMain.loadAverage());
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, result.encodePrettily());
    String summary = summary(result);
    Files.writeString(Path.of(out.toString().replaceAll("\\.json$", "") + ".txt"), summary);
    System.out.println(summary);
  }

  /** {@code n} hits at 0.1 s intervals from START: 200k clients, 3 sessions each, 12 paths, 8 countries, 2% bots. */
  private static void generate(BeaconNode node, long n) throws Exception {
    join(node.context().clients().questdb().query("""
        INSERT INTO hits (ts, received_at, property_id, client_id, request_id, session_id, event_name, engagement_ms,
          session_engaged, key_event, first_visit, session_start, hostname, page_path, source, medium,
          device_category, browser, os, country, is_bot, protocol, schema_version)
        SELECT timestamp_sequence('%sT00:00:00.000000Z', 100000L), systimestamp(), '%s',
          concat('c', rnd_int(1, 200000, 0)), concat('r', x), concat('s', rnd_int(1, 3, 0)),
          rnd_symbol('page_view', 'page_view', 'scroll', 'click'), rnd_long(0, 60000, 0), rnd_boolean(), false,
          rnd_boolean(), rnd_boolean(), 'example.com',
          rnd_str('/', '/pricing', '/docs', '/blog/a', '/blog/b', '/blog/c', '/about', '/jobs', '/signup', '/login',
                  '/docs/api', '/docs/start'),
          rnd_str('google', '(direct)', 'newsletter'), rnd_symbol('organic', '(none)', 'email'),
          rnd_symbol('desktop', 'mobile', 'tablet'), rnd_symbol('Chrome', 'Firefox', 'Safari'),
          rnd_symbol('Windows', 'macOS', 'Android', 'iOS'),
          rnd_symbol('DE', 'US', 'IN', 'FR', 'GB', 'BR', 'JP', 'CA'), rnd_int(0, 49, 0) = 0, 'bench', 1
        FROM long_sequence(%d)""".formatted(START, PROPERTY, n)).execute(), 3600);
    // WAL: rows are readable once applied.
    org.awaitility.Awaitility.await("QuestDB applies the generated rows").atMost(java.time.Duration.ofMinutes(30))
        .pollInterval(java.time.Duration.ofMillis(500)).until(() -> count(node) >= n);
  }

  private static long count(BeaconNode node) throws Exception {
    return join(node.context().clients().questdb().query("SELECT count() FROM hits WHERE property_id = '"
        + PROPERTY + "'").execute(), 600).iterator().next().getLong(0);
  }

  private static JsonObject ask(BeaconNode node, RecomputeReportContract.Request request) throws Exception {
    return ReportJson.toJson(join(RecomputeReportContract.CONTRACT.request(node.vertx(), request,
        new DeliveryOptions().setSendTimeout(TimeUnit.HOURS.toMillis(1))), 3600));
  }

  /** Sums must agree exactly; distinct counts within 3 standard errors of the sketch. */
  private static JsonObject compare(JsonObject report, RowSet<Row> sql) {
    Map<String, long[]> exact = new HashMap<>();
    for (Row r : sql) {
      exact.put(r.getString(0) + "|" + r.getString(1), new long[] {r.getLong(2), r.getLong(3), r.getLong(4)});
    }
    long sumMismatches = 0;
    double worstDistinctError = 0;
    for (Object o : report.getJsonArray("rows")) {
      JsonObject row = (JsonObject) o;
      String key = row.getJsonArray("dimensionValues").getJsonObject(0).getString("value") + "|"
          + row.getJsonArray("dimensionValues").getJsonObject(1).getString("value");
      long[] e = exact.getOrDefault(key, new long[3]);
      var mv = row.getJsonArray("metricValues");
      if (Long.parseLong(mv.getJsonObject(0).getString("value")) != e[0]) {
        sumMismatches++;
      }
      for (int i = 1; i < 3; i++) {
        double err = Math.abs(Long.parseLong(mv.getJsonObject(i).getString("value")) - e[i]) / (double) Math.max(1, e[i]);
        worstDistinctError = Math.max(worstDistinctError, err);
      }
    }
    return new JsonObject().put("groups", exact.size()).put("eventCountMismatches", sumMismatches)
        .put("worstDistinctRelativeError", worstDistinctError)
        .put("sketchRelativeStandardError", io.beacon.model.aggregation.MetricState.RELATIVE_STANDARD_ERROR);
  }

  private static String summary(JsonObject r) {
    JsonObject rc = r.getJsonObject("recompute");
    JsonObject sql = r.getJsonObject("sqlGroupBy");
    if (sql.containsKey("error")) {
      return String.format("""
          Beacon recompute benchmark, %s, %d cores: %,d raw hits, recompute %.1f s = %,d hits/s, peak heap %,d MB,
          peak RSS %,d MB; cache hit %.3f s; SQL GROUP BY failed after %.1f s: %s
          """, r.getString("startedAt"), r.getInteger("cores"), r.getLong("hits"), rc.getDouble("seconds"),
          rc.getLong("hitsPerSecond"), rc.getLong("peakHeapBytes") >> 20, rc.getLong("peakRssBytes") >> 20,
          r.getDouble("cacheHitSeconds"), sql.getDouble("seconds"), sql.getString("error"))
          + String.format("  SQL GROUP BY with the sums only: %.1f s = %,d hits/s, event counts mismatching: %d%n",
          r.getJsonObject("sqlGroupBySumsOnly").getDouble("seconds"),
          r.getJsonObject("sqlGroupBySumsOnly").getLong("hitsPerSecond"),
          r.getJsonObject("sqlGroupBySumsOnly").getLong("eventCountMismatches"));
    }
    return String.format("""
        Beacon recompute benchmark, %s, %d cores (load %s -> %s)
          %,d raw hits in QuestDB (generated in %.1f s), report page path x country (%d rows), %d slices
          recompute from raw hits: %.1f s = %,d hits/s; peak heap %,d MB of %,d MB; peak RSS %,d MB
          same report as SQL GROUP BY in QuestDB: %.1f s = %,d hits/s
          same grouping, sums only, in QuestDB: %.1f s = %,d hits/s (event counts mismatching: %d)
          identical request again: %.3f s (cache %s)
          agreement: %s
        """, r.getString("startedAt"), r.getInteger("cores"), r.getString("loadAverageAtStart"),
        r.getString("loadAverageAtEnd"), r.getLong("hits"), r.getDouble("loadSeconds"), rc.getInteger("rows"),
        r.getInteger("slices"), rc.getDouble("seconds"), rc.getLong("hitsPerSecond"),
        rc.getLong("peakHeapBytes") >> 20, r.getLong("maxHeapBytes") >> 20, rc.getLong("peakRssBytes") >> 20,
        sql.getDouble("seconds"), sql.getLong("hitsPerSecond"),
        r.getJsonObject("sqlGroupBySumsOnly").getDouble("seconds"),
        r.getJsonObject("sqlGroupBySumsOnly").getLong("hitsPerSecond"),
        r.getJsonObject("sqlGroupBySumsOnly").getLong("eventCountMismatches"), r.getDouble("cacheHitSeconds"),
        r.getString("cacheState"), r.getJsonObject("agreement").encode());
  }

  /** Samples used heap every 50 ms (peak usage of the pools would include garbage not yet collected). */
  private static final class PeakHeap {
    final AtomicLong max = new AtomicLong();
    private final java.util.concurrent.ScheduledExecutorService sampler =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, "peak-heap");
          t.setDaemon(true);
          return t;
        });

    static PeakHeap start() {
      PeakHeap p = new PeakHeap();
      p.sampler.scheduleAtFixedRate(() -> p.max.accumulateAndGet(
          ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max), 0, 50, TimeUnit.MILLISECONDS);
      return p;
    }

    void stop() {
      sampler.shutdownNow();
    }
  }

  private static long peakRss() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
      }
    }
    return -1;
  }

  private static double seconds(long startNanos) {
    return Math.round((System.nanoTime() - startNanos) / 1e6) / 1e3;
  }


  private static <T> T join(Future<T> f, int seconds) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
  }

}
