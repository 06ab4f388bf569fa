package io.beacon.bench;

import io.beacon.testing.BenchMain;
import io.beacon.testing.Dashboard;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The local stack's footprint (issue 23, "Footprint"; {@code bin/bench-footprint [settleSeconds=60] [seconds=60]
 * [outDir=target/bench]}): runs {@code bin/beacon up} exactly as a user does (its default ports must be free; a
 * throw-away data directory), waits for "Beacon is running", lets it settle, then measures every process of it
 * (the node, which also launched the servers, Kafka, Cassandra, QuestDB and the Spark job): resident memory (VmRSS)
 * idle, and CPU over {@code seconds} idle and then at 25 tracker hits/s (one property, 50 visitors; after 30 s of
 * them unmeasured, for the JIT). CPU is each
 * process's own CPU time over the phase, as a share of one core: steadier than rates on a shared machine.
 * Aims: idle RSS of everything ≤ 1.8 GB, the node's ≤ 350 MB; node CPU ≤ 2% idle and ≤ 5% at 25 hits/s. Figures:
 * {@code outDir/footprint.json} ({@code local_stack_idle_rss_bytes}) and {@code .txt}.
 */
public final class FootprintBenchmark {
  private static final String PASSWORD = "a long footprint password";
  private static final double HITS_PER_SECOND = 25;
  private static final int WARM_UP_SECONDS = 30;

  private FootprintBenchmark() {}

  public static void main(String[] args) {
    BenchMain.run("FootprintBenchmark", () -> run(args));
  }

  private static void run(String[] args) throws Exception {
    int settle = args.length > 0 ? Integer.parseInt(args[0]) : 60;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
    Path outDir = Path.of(args.length > 2 ? args[2] : "target/bench");
    Path home = Path.of(System.getProperty("beacon.home", ".")).toAbsolutePath();
    Path data = home.resolve("target").resolve("bench-footprint");
    BenchMain.deleteRecursively(data);
    Files.createDirectories(data);
    Path console = data.resolve("console.log");
    JsonObject result = new JsonObject().put("benchmark", "footprint").put("startedAt", Instant.now().toString())
        .put("cores", Runtime.getRuntime().availableProcessors()).put("loadAverageAtStart", BenchMain.loadAverage())
        .put("settleSeconds", settle).put("seconds", seconds);
    ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/beacon").toString(), "up", "--data-dir", data.toString())
        .directory(home.toFile()).redirectErrorStream(true).redirectOutput(console.toFile());
    // A password of our own: the bench logs in to make its property (a user would use the setup link).
    pb.environment().put("BEACON_QUERY_ADMIN_PASSWORD", PASSWORD);
    Process up = pb.start();
    long started = System.nanoTime();
    try {
      org.awaitility.Awaitility.await("bin/beacon up is running; see " + console).atMost(Duration.ofMinutes(15))
          .pollInterval(Duration.ofSeconds(1)).until(() -> {
            if (!up.isAlive()) {
              throw new IllegalStateException("bin/beacon up exited; see " + console);
            }
            return Files.readString(console).contains("Beacon is running.");
          });
      result.put("startSeconds", (System.nanoTime() - started) / 1e9);
      window(settle); // the settle period: part of the measurement's definition, not a wait for a condition
      Map<String, Long> pids = processes(up);
      result.put("processes", new JsonObject(new LinkedHashMap<>(pids)));
      Map<String, Long> cpuIdle0 = cpu(pids);
      window(seconds);
      Map<String, Long> cpuIdle1 = cpu(pids);
      JsonObject rss = BenchMain.rssBytes(pids);
      long total = rss.stream().mapToLong(e -> ((Number) e.getValue()).longValue()).sum();
      result.put("idleRssBytes", rss).put("local_stack_idle_rss_bytes", total)
          .put("idleCpuPercent", percent(cpuIdle0, cpuIdle1, seconds));

      // 25 hits/s from 50 visitors to one property: a warm-up (the JIT compiles the hit's path: not the steady cost),
      // then the measured phase.
      String property = property();
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      long[] warm = hits(http, property, WARM_UP_SECONDS);
      Map<String, Long> cpuLoad0 = cpu(pids);
      long[] sentOk = hits(http, property, seconds);
      Map<String, Long> cpuLoad1 = cpu(pids);
      result.put("warmUpSeconds", WARM_UP_SECONDS)
          .put("hits", new JsonObject().put("sent", sentOk[0]).put("accepted", sentOk[1]).put("warmUp", warm[0]))
          .put("cpuPercentAt25HitsPerSecond", percent(cpuLoad0, cpuLoad1, seconds))
          .put("rssBytesAt25HitsPerSecond", BenchMain.rssBytes(pids));
      write(result, outDir);
    } finally {
      stop(up);
    }
  }

  /** A measurement window: {@code seconds} of wall-clock time during which the processes' CPU time is counted. */
  private static void window(int seconds) {
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    while (System.nanoTime() < end) {
      java.util.concurrent.locks.LockSupport.parkNanos(end - System.nanoTime());
    }
  }

  /** Tracker hits at {@link #HITS_PER_SECOND}, open loop, for {@code seconds}: {sent, accepted}. */
  private static long[] hits(HttpClient http, String property, int seconds) throws Exception {
    long begin = System.nanoTime();
    long sent = 0;
    long ok = 0;
    while (System.nanoTime() - begin < seconds * 1_000_000_000L) {
      long due = (long) (HITS_PER_SECOND * (System.nanoTime() - begin) / 1e9);
      while (sent < due) {
        sent++;
        String uri = "http://127.0.0.1:8080/g/collect?v=2&tid=" + property + "&cid=" + (sent % 50) + ".1&sid="
            + (sent % 50) + "&en=page_view&dl=" + java.net.URLEncoder.encode("https://site.example/p/" + (sent % 20),
            java.nio.charset.StandardCharsets.UTF_8) + "&_rid=" + java.util.UUID.randomUUID();
        int status = http.send(HttpRequest.newBuilder(URI.create(uri)).POST(HttpRequest.BodyPublishers.noBody())
            .header("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0 Safari/537.36").build(),
            HttpResponse.BodyHandlers.discarding()).statusCode();
        ok += status == 204 ? 1 : 0;
      }
      java.util.concurrent.locks.LockSupport.parkNanos(10_000_000); // the open loop's tick
    }
    return new long[] {sent, ok};
  }

  /** The up process (named "node": it runs the node) and its descendants, named by what they run. */
  private static Map<String, Long> processes(Process up) {
    Map<String, Long> out = new LinkedHashMap<>();
    // bin/beacon execs java: the process is the node's JVM.
    out.put("node", up.pid());
    up.toHandle().descendants().forEach(p -> {
      String cmd = p.info().commandLine().orElse("");
      String name = cmd.contains("kafka.Kafka") ? "kafka" : cmd.contains("CassandraDaemon") ? "cassandra"
          : cmd.contains("questdb") ? "questdb" : cmd.contains("spark") || cmd.contains("io.beacon.spark") ? "spark-job"
          : null;
      if (name != null) {
        out.merge(name, p.pid(), (a, b) -> a);
      }
    });
    return out;
  }

  private static Map<String, Long> cpu(Map<String, Long> pids) {
    Map<String, Long> out = new LinkedHashMap<>();
    pids.forEach((name, pid) -> ProcessHandle.of(pid).flatMap(h -> h.info().totalCpuDuration())
        .ifPresent(d -> out.put(name, d.toNanos())));
    return out;
  }

  private static JsonObject percent(Map<String, Long> before, Map<String, Long> after, int seconds) {
    JsonObject o = new JsonObject();
    before.forEach((name, b) -> {
      Long a = after.get(name);
      if (a != null) {
        o.put(name, Math.round((a - b) / (seconds * 1e9) * 1000) / 10.0);
      }
    });
    return o;
  }

  private static String property() throws Exception {
    Dashboard admin = Dashboard.login(8081, "admin@localhost", PASSWORD);
    var r = admin.post("/api/v1/admin/properties", new JsonObject().put("name", "Footprint").encode());
    if (r.statusCode() != 201) {
      throw new IllegalStateException("property not created: " + r.statusCode() + " " + r.body());
    }
    String id = new JsonObject(r.body()).getString("propertyId");
    // The collector learns new properties within its refresh interval.
    HttpClient http = HttpClient.newHttpClient();
    org.awaitility.Awaitility.await("the collector takes hits for " + id).atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500)).until(() -> http.send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:8080/g/collect?v=2&tid=" + id + "&cid=0.1&en=page_view&dl=https%3A%2F%2Fsite.example%2F"))
            .POST(HttpRequest.BodyPublishers.noBody()).header("User-Agent", "Mozilla/5.0 Chrome/131.0.0.0").build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 204);
    return id;
  }

  private static void stop(Process up) throws InterruptedException {
    List<ProcessHandle> children = up.toHandle().descendants().toList();
    up.destroy(); // SIGTERM: bin/beacon up's shutdown stops the node, then its servers
    if (!up.waitFor(120, TimeUnit.SECONDS)) {
      up.destroyForcibly();
    }
    children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
  }

  private static void write(JsonObject result, Path outDir) throws Exception {
    result.put("loadAverageAtEnd", BenchMain.loadAverage());
    Files.createDirectories(outDir);
    BenchMain.writeJson(outDir.resolve("footprint.json"), result);
    long total = result.getLong("local_stack_idle_rss_bytes");
    StringBuilder sb = new StringBuilder(String.format(
        "Beacon footprint benchmark (bin/beacon up), %s, %d cores (load %s -> %s), started in %.0f s%n"
            + "  idle RSS, everything: %.0f MB (aim <= 1,800)%n",
        result.getString("startedAt"), result.getInteger("cores"), result.getString("loadAverageAtStart"),
        result.getString("loadAverageAtEnd"), result.getDouble("startSeconds"), total / 1e6));
    JsonObject rss = result.getJsonObject("idleRssBytes");
    JsonObject idle = result.getJsonObject("idleCpuPercent");
    JsonObject load = result.getJsonObject("cpuPercentAt25HitsPerSecond");
    for (String name : rss.fieldNames()) {
      sb.append(String.format("  %-10s RSS %5.0f MB, CPU idle %4.1f%%, at 25 hits/s %4.1f%%%n", name,
          rss.getLong(name) / 1e6, idle.getDouble(name, -1.0), load.getDouble(name, -1.0)));
    }
    sb.append("  aims: node RSS <= 350 MB, node CPU <= 2% idle and <= 5% at 25 hits/s; hits ")
        .append(result.getJsonObject("hits").encode()).append('\n');
    Files.writeString(outDir.resolve("footprint.txt"), sb.toString());
    System.out.print(sb);
  }
}
