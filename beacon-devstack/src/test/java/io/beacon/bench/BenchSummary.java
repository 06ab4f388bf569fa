package io.beacon.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The last step of {@code bin/beacon bench}: merges the result file of each benchmark under
 * {@code target/bench/} into one machine-readable {@code results.json} (machine, commit, every benchmark's
 * figures, and the headline figures against the aims of the issues), a short human {@code summary.txt}, and
 * {@code results.prom}, the headline figures as Prometheus gauges ({@code beacon_bench_*}, text format for
 * node_exporter's textfile collector, so a dashboard can plot successive runs). A benchmark that did not run
 * or failed is listed as missing, not invented.
 *
 * <p>Arguments: {@code [dir=target/bench] [commit]}.
 */
public final class BenchSummary {

  /** One headline figure: where it is in which result file, its unit, and the aim it is read against. */
  record Headline(String metric, String label, String file, String path, String unit, String aim, Double min,
      Double max) {
    Double value(JsonObject results) {
      Object node = results.getJsonObject(file);
      for (String part : path.split("\\.")) {
        if (!(node instanceof JsonObject o) || !o.containsKey(part)) {
          return null;
        }
        node = o.getValue(part);
      }
      return node instanceof Number n ? n.doubleValue() : null;
    }
  }

  static final List<Headline> HEADLINES = List.of(
      new Headline("collector_hits_per_second", "collector, Kafka-acknowledged", "collector", "collector.perSecond",
          "hits/s", null, null, null),
      new Headline("collector_bare_ratio", "collector / bare Vert.x 204", "collector", "ratio", "ratio", ">= 0.5",
          0.5, null),
      new Headline("ingest_p50_seconds", "ingest p50 at 70% of peak", "collector", "at70Percent.p50Ms", "ms", null,
          null, null),
      new Headline("ingest_p99_seconds", "ingest p99 at 70% of peak", "collector", "at70Percent.p99Ms", "ms", "< 50 ms",
          null, 50.0),
      new Headline("hit_to_realtime_p50_seconds", "hit to real time p50", "bridge", "hitToRealtimeFromAck.p50Ms",
          "ms", null, null, null),
      new Headline("hit_to_realtime_p99_seconds", "hit to real time p99", "bridge", "hitToRealtimeFromAck.p99Ms",
          "ms", null, null, null),
      new Headline("raw_write_hits_per_second", "raw write (Kafka -> QuestDB)", "bridge", "rawHitsPerSecond",
          "hits/s", ">= 50000", 50_000.0, null),
      new Headline("spark_hits_per_second", "Spark aggregation (Kafka -> Cassandra, local[2])", "spark",
          "hits_per_second", "hits/s", ">= 50000", 50_000.0, null),
      new Headline("hit_to_report_p50_seconds", "hit to report (produce -> aggregate readable) p50", "spark",
          "produce_to_readable_delay.p50_seconds", "s", null, null, null),
      new Headline("hit_to_report_p99_seconds", "hit to report (produce -> aggregate readable) p99", "spark",
          "produce_to_readable_delay.p99_seconds", "s", "< 10 s", null, 10.0),
      new Headline("recompute_hits_per_second", "recompute from raw hits", "recompute", "recompute.hitsPerSecond",
          "hits/s", ">= 500000", 500_000.0, null),
      new Headline("report_overview_warm_p99_seconds", "overview report warm p99", "reports", "overviewWarm.p99Ms",
          "ms", "< 50 ms", null, 50.0),
      new Headline("report_overview_cold_p99_seconds", "overview report cold p99", "reports", "overviewCold.p99Ms",
          "ms", "< 300 ms", null, 300.0),
      new Headline("report_top_pages_warm_p99_seconds", "top pages warm p99", "reports", "topPagesWarm.p99Ms", "ms",
          "< 50 ms", null, 50.0),
      new Headline("report_top_pages_cold_p99_seconds", "top pages cold p99", "reports", "topPagesCold.p99Ms", "ms",
          "< 300 ms", null, 300.0),
      new Headline("questdb_disk_bytes_per_hit", "QuestDB disk per raw hit (closed days)", "recompute", "questdbDiskBytesPerHit",
          "bytes", null, null, null),
      new Headline("cassandra_disk_bytes_per_hit", "Cassandra aggregates disk per hit", "spark",
          "cassandra_bytes_per_hit", "bytes", null, null, null),
      new Headline("dashboard_fmp_year_median_seconds", "overview first meaningful paint, a year, median", "dashboard",
          "overviewLastYear.medianMs", "ms", "< 1000 ms", null, 1000.0),
      new Headline("hostile_p99_ratio", "normal traffic p99 under attack / quiet", "hostile", "p99Ratio", "ratio",
          "<= 2", null, 2.0),
      new Headline("local_stack_idle_rss_bytes", "bin/beacon up idle RSS, all processes", "footprint",
          "local_stack_idle_rss_bytes", "bytes", "<= 1.8 GB", null, 1.8e9),
      new Headline("node_idle_rss_bytes", "bin/beacon up idle RSS, the node", "footprint", "idleRssBytes.node",
          "bytes", "<= 350 MB", null, 3.5e8),
      new Headline("node_idle_cpu_percent", "bin/beacon up node CPU idle", "footprint", "idleCpuPercent.node", "%",
          "<= 2%", null, 2.0),
      new Headline("node_cpu_percent_at_25_hits", "bin/beacon up node CPU at 25 hits/s", "footprint",
          "cpuPercentAt25HitsPerSecond.node", "%", "<= 5%", null, 5.0));

  private BenchSummary() {}

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args.length > 0 ? args[0] : "target/bench");
    String commit = args.length > 1 ? args[1] : "unknown";
    JsonObject results = new JsonObject();
    JsonArray missing = new JsonArray();
    for (String name : List.of("collector", "bridge", "spark", "recompute", "reports", "soak", "sketches", "hostile",
        "dashboard", "footprint")) {
      Path file = dir.resolve(name + ".json");
      if (Files.exists(file)) {
        results.put(name, new JsonObject(Files.readString(file)));
      } else {
        missing.add(name);
      }
    }
    JsonObject headline = new JsonObject();
    List<String> lines = new ArrayList<>();
    StringBuilder prom = new StringBuilder();
    lines.add("Beacon benchmark, commit " + commit + ", " + Instant.now() + ", " + machine().encode());
    for (Headline h : HEADLINES) {
      Double v = h.value(results);
      // Base units in the file, as its keys (…_seconds) and the Prometheus gauges say; the summary shows ms.
      Double base = v == null ? null : h.unit().equals("ms") ? v / 1000 : v;
      headline.put(h.metric(), new JsonObject().put("value", base).put("unit", h.unit().equals("ms") ? "s" : h.unit())
          .put("aim", h.aim()).put("met", v == null || h.aim() == null ? null : met(h, v)));
      lines.add(String.format(Locale.ROOT, "  %-52s %14s %-7s%s", h.label(),
          v == null ? "(not run)" : String.format(Locale.ROOT, h.unit().equals("ratio") ? "%.2f" : "%,.1f", v), h.unit(),
          h.aim() == null || v == null ? "" : "  aim " + h.aim() + (met(h, v) ? ": met" : ": NOT met")));
      if (v != null) {
        prom.append("# HELP beacon_bench_").append(h.metric()).append(' ').append(h.label()).append('\n')
            .append("# TYPE beacon_bench_").append(h.metric()).append(" gauge\n")
            .append("beacon_bench_").append(h.metric()).append(' ').append(base).append('\n');
      }
    }
    rss(results, lines, prom);
    // Rates depend on what else the machine ran: each benchmark records the load average around it.
    for (String bench : results.fieldNames()) {
      JsonObject r = results.getJsonObject(bench);
      lines.add(String.format(Locale.ROOT, "  load average during %-10s %s -> %s", bench,
          r.getString("loadAverageAtStart", r.getString("load_average_before", "?")),
          r.getString("loadAverageAtEnd", r.getString("load_average_after_drain", "?"))));
    }
    JsonObject soak = results.getJsonObject("soak");
    if (soak != null) {
      lines.add("  soak: " + soak.getJsonObject("identity", new JsonObject()).encode());
    }
    if (!missing.isEmpty()) {
      lines.add("  missing (not run or failed): " + missing.encode());
    }
    JsonObject out = new JsonObject().put("commit", commit).put("writtenAt", Instant.now().toString())
        .put("machine", machine()).put("headline", headline).put("missing", missing).put("results", results);
    Files.writeString(dir.resolve("results.json"), out.encodePrettily());
    Files.writeString(dir.resolve("summary.txt"), String.join("\n", lines) + "\n");
    Files.writeString(dir.resolve("results.prom"), prom.toString());
    lines.forEach(System.out::println);
    System.out.println("written: " + dir.resolve("results.json") + ", summary.txt, results.prom");
  }

  private static boolean met(Headline h, double v) {
    return (h.min() == null || v >= h.min()) && (h.max() == null || v <= h.max());
  }

  /** Every process's resident memory that any benchmark recorded ({@code rssBytes}), largest per process. */
  private static void rss(JsonObject results, List<String> lines, StringBuilder prom) {
    JsonObject max = new JsonObject();
    for (String bench : results.fieldNames()) {
      JsonObject rss = results.getJsonObject(bench).getJsonObject("rssBytes");
      JsonObject memory = results.getJsonObject(bench).getJsonObject("memory_after_drain"); // the Spark benchmark's
      JsonObject soakKb = results.getJsonObject(bench).getJsonObject("soak", new JsonObject())
          .getJsonObject("rssAtEndKb"); // the soak benchmark's
      if (rss == null && soakKb != null) {
        rss = new JsonObject();
        for (String process : soakKb.fieldNames()) {
          rss.put(process, 1024 * soakKb.getLong(process));
        }
      }
      if (rss == null && memory != null) {
        rss = new JsonObject();
        for (String process : memory.fieldNames()) {
          rss.put(process, memory.getJsonObject(process).getLong("rss_bytes"));
        }
      }
      if (rss != null) {
        for (String process : rss.fieldNames()) {
          Long v = rss.getLong(process);
          if (v == null) {
            continue;
          }
          String key = bench + ": " + process;
          max.put(key, Math.max(v, max.getLong(key, 0L)));
        }
      }
    }
    if (!max.isEmpty()) {
      prom.append("# HELP beacon_bench_rss_bytes Resident memory of each process at the end of its benchmark\n")
          .append("# TYPE beacon_bench_rss_bytes gauge\n");
      for (String key : max.fieldNames()) {
        lines.add(String.format(Locale.ROOT, "  RSS %-48s %10.0f MB", key, max.getLong(key) / 1e6));
        prom.append("beacon_bench_rss_bytes{process=\"").append(key.replace("\"", "'")).append("\"} ")
            .append(max.getLong(key)).append('\n');
      }
    }
  }

  private static JsonObject machine() {
    JsonObject m = new JsonObject().put("cores", Runtime.getRuntime().availableProcessors())
        .put("java", System.getProperty("java.version")).put("os", System.getProperty("os.name") + " "
            + System.getProperty("os.version"));
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          m.put("memoryBytes", 1024 * Long.parseLong(line.replaceAll("[^0-9]", "")));
        }
      }
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          m.put("cpu", line.substring(line.indexOf(':') + 1).trim());
          break;
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: cores and JVM only
    }
    return m;
  }
}
