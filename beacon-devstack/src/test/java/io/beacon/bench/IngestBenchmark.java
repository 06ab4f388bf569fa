package io.beacon.bench;

import io.beacon.BeaconNode;
import io.beacon.devstack.LocalStack;
import io.beacon.testing.BenchMain;
import io.beacon.testing.FreePorts;
import io.beacon.testing.RealStack;
import io.beacon.testing.TestConfigs;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Ingest benchmark, NOT part of the test suite (its name matches none of surefire's patterns): run
 * it with {@code bin/bench-collector}. Posts realistic tracker hits ({@code /g/collect}, unique
 * {@code _rid} each) to (1) a bare Vert.x server answering 204 and (2) a real collector node
 * answering after Kafka's acknowledgement (acks=all, idempotent, lz4, linger 5 ms), closed loop with
 * {@code bench.connections} connections; then (3) the collector at 70% of its peak rate, open loop,
 * for latency. Writes the figures to {@code target/bench/collector-bench.txt} and, machine-readable, to
 * {@code target/bench/collector.json}.
 */
@ExtendWith(RealStack.class)
class IngestBenchmark {
  static final int CONNECTIONS = Integer.getInteger("bench.connections", 256);
  static final int WARMUP_S = Integer.getInteger("bench.warmupSeconds", 15);
  static final int MEASURE_S = Integer.getInteger("bench.seconds", 20);
  static final String UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

  record Result(double perSecond, long ok, long errors, double p50ms, double p99ms, double jvmCpuUs, double kafkaCpuUs) {
    io.vertx.core.json.JsonObject json() {
      return new io.vertx.core.json.JsonObject().put("perSecond", Math.round(perSecond)).put("ok", ok)
          .put("errors", errors).put("p50Ms", p50ms).put("p99Ms", p99ms).put("cpuUsPerRequestNodeJvm", jvmCpuUs)
          .put("cpuUsPerRequestKafka", kafkaCpuUs);
    }

    String line(String name) {
      return String.format("%-34s %9.0f req/s  ok=%d errors=%d  p50=%.1f ms  p99=%.1f ms  cpu/req: this JVM %.0f us, Kafka %.0f us",
          name, perSecond, ok, errors, p50ms, p99ms, jvmCpuUs, kafkaCpuUs);
    }
  }

  /** CPU time of this JVM (generator and node) and of the Kafka broker: per request, robust to other load on the machine. */
  static long[] cpuNanos() {
    return new long[] {cpu(ProcessHandle.current()), kafkaPid < 0 ? 0 : ProcessHandle.of(kafkaPid).map(IngestBenchmark::cpu).orElse(0L)};
  }

  private static long cpu(ProcessHandle p) {
    return p.info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L);
  }

  static long kafkaPid = -1;

  @Test
  void run(LocalStack stack) throws Exception {
    kafkaPid = stack.kafka().pid();
    String property = "B-BENCH" + UUID.randomUUID().toString().substring(0, 4).toUpperCase();
    Path work = Path.of("target", "bench", property).toAbsolutePath();
    int port = FreePorts.one();
    Map<String, String> env = TestConfigs.collectorNode("bench", port, 2, work, 2);
    env.put("BEACON_COLLECTOR_KAFKA_ACK_TIMEOUT_MS", "5000");
    BeaconNode node = join(BeaconNode.start(TestConfigs.forStack(stack, env), () -> {}));
    Vertx vertx = Vertx.vertx();
    try {
      var insert = join(node.context().clients().cassandra().prepare(
          "INSERT INTO properties (property_id, name, allowed_hostnames) VALUES (?, ?, ?)"));
      join(node.context().clients().cassandra().execute(insert.bind(property, "Bench", Set.of())));
      int barePort = FreePorts.one();
      HttpServer bare = join(vertx.createHttpServer().requestHandler(req -> req.body().onComplete(b ->
          req.response().setStatusCode(204).end())).listen(barePort, "127.0.0.1"));
      HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setConnectTimeout(5000),
          new PoolOptions().setHttp1MaxSize(CONNECTIONS));

      Instant started = Instant.now();
      String loadAtStart = BenchMain.loadAverage();
      StringBuilder report = new StringBuilder();
      report.append("Beacon ingest benchmark, ").append(started).append(", load ").append(loadAtStart).append(", ")
          .append(Runtime.getRuntime().availableProcessors()).append(" cores, ").append(CONNECTIONS)
          .append(" connections, warm-up ").append(WARMUP_S).append(" s, measure ").append(MEASURE_S).append(" s\n")
          .append("load: POST /g/collect tracker hit (~450 B URL, unique _rid), generator in the same JVM as the node\n")
          .append("collector: 2 instances, answers after Kafka ack (acks=all, idempotent, lz4, linger.ms=5), dedup + session in Ignite\n");
      closedLoop(vertx, client, barePort, property, WARMUP_S);
      Result bareR = closedLoop(vertx, client, barePort, property, MEASURE_S);
      report.append(bareR.line("bare Vert.x 204")).append('\n');
      closedLoop(vertx, client, port, property, WARMUP_S);
      Result coll = profiled(() -> closedLoop(vertx, client, port, property, MEASURE_S));
      report.append(coll.line("collector (Kafka-acked)")).append('\n');
      report.append(String.format("collector / bare = %.0f%%%n", 100.0 * coll.perSecond() / bareR.perSecond()));
      double target = 0.7 * coll.perSecond();
      Result at70 = openLoop(vertx, client, port, property, target, MEASURE_S);
      report.append(at70.line(String.format("collector at 70%% (%.0f/s offered)", target))).append('\n');
      Path out = Path.of("target", "bench", "collector-bench.txt");
      Files.createDirectories(out.getParent());
      Files.writeString(out, report.toString());
      BenchMain.writeJson(Path.of("target", "bench", "collector.json"), new io.vertx.core.json.JsonObject()
          .put("benchmark", "collector").put("startedAt", started.toString())
          .put("cores", Runtime.getRuntime().availableProcessors()).put("connections", CONNECTIONS)
          .put("loadAverageAtStart", loadAtStart).put("loadAverageAtEnd", BenchMain.loadAverage())
          .put("bare", bareR.json()).put("collector", coll.json())
          .put("ratio", coll.perSecond() / bareR.perSecond()).put("at70Percent", at70.json().put("offered", target))
          .put("rssBytes", BenchMain.rssBytes(Map.of("node", ProcessHandle.current().pid(), "kafka", kafkaPid))));
      System.out.println(report);
      join(bare.close());
      join(client.close());
    } finally {
      join(vertx.close());
      join(node.close());
    }
  }

  /** Runs {@code phase} under a JFR recording written to {@code -Dbench.jfr=<file>}, when that is set. */
  private static Result profiled(java.util.concurrent.Callable<Result> phase) throws Exception {
    String file = System.getProperty("bench.jfr");
    if (file == null || file.isBlank()) {
      return phase.call();
    }
    try (var rec = new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("profile"))) {
      rec.start();
      Result r = phase.call();
      rec.stop();
      rec.dump(Path.of(file));
      return r;
    }
  }

  private static String path(String property) {
    String rid = UUID.randomUUID().toString();
    long cid = (long) (Math.random() * 1e9);
    return "/g/collect?v=2&tid=" + property + "&gtm=45je4&_p=1732600000000&cid=" + cid + ".1732600000&ul=en-us&sr=1920x1080"
        + "&sid=1732600100&sct=1&seg=1&dl=https%3A%2F%2Fshop.example.com%2Fproducts%2Fshoes%3Futm_source%3Dnewsletter"
        + "&dr=https%3A%2F%2Fwww.google.com%2F&dt=Shoes%20%E2%80%93%20Shop&en=page_view&_et=1532&_rid=" + rid;
  }

  private static Future<Long> one(HttpClient client, int port, String property) {
    long start = System.nanoTime();
    return client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
            .setURI(path(property)).putHeader("User-Agent", UA).putHeader("Content-Type", "text/plain"))
        .compose(req -> req.send(Buffer.buffer()))
        .compose(res -> res.body().map(b -> res.statusCode()))
        .map(status -> status == 204 ? System.nanoTime() - start : -1L);
  }

  private static Result closedLoop(Vertx vertx, HttpClient client, int port, String property, int seconds) throws Exception {
    Latencies lat = new Latencies();
    AtomicBoolean running = new AtomicBoolean(true);
    lat.cpuStart = cpuNanos();
    long begin = System.nanoTime();
    for (int i = 0; i < CONNECTIONS; i++) {
      vertx.runOnContext(v -> loop(client, port, property, running, lat));
    }
    vertx.timer(seconds, TimeUnit.SECONDS).toCompletionStage().toCompletableFuture().get(seconds + 30L, TimeUnit.SECONDS);
    running.set(false);
    double elapsed = (System.nanoTime() - begin) / 1e9;
    return lat.result(elapsed);
  }

  private static void loop(HttpClient client, int port, String property, AtomicBoolean running, Latencies lat) {
    if (!running.get()) {
      return;
    }
    one(client, port, property).onComplete(r -> {
      lat.add(r.succeeded() ? r.result() : -1L);
      loop(client, port, property, running, lat);
    });
  }

  private static Result openLoop(Vertx vertx, HttpClient client, int port, String property, double rate, int seconds) throws Exception {
    Latencies lat = new Latencies();
    lat.cpuStart = cpuNanos();
    long begin = System.nanoTime();
    AtomicLong issued = new AtomicLong();
    long timer = vertx.setPeriodic(5, t -> {
      long due = (long) (rate * (System.nanoTime() - begin) / 1e9);
      while (issued.get() < due) {
        issued.incrementAndGet();
        one(client, port, property).onComplete(r -> lat.add(r.succeeded() ? r.result() : -1L));
      }
    });
    vertx.timer(seconds, TimeUnit.SECONDS).toCompletionStage().toCompletableFuture().get(seconds + 30L, TimeUnit.SECONDS);
    vertx.cancelTimer(timer);
    return lat.result((System.nanoTime() - begin) / 1e9);
  }

  /** Latencies of one run; -1 marks an error. */
  static final class Latencies {
    private long[] values = new long[1 << 16];
    private int n;
    private long errors;
    long[] cpuStart = {0, 0};

    synchronized void add(long nanos) {
      if (nanos < 0) {
        errors++;
        return;
      }
      if (n == values.length) {
        values = java.util.Arrays.copyOf(values, n * 2);
      }
      values[n++] = nanos;
    }

    synchronized Result result(double seconds) {
      long[] sorted = java.util.Arrays.copyOf(values, n);
      java.util.Arrays.sort(sorted);
      double p50 = n == 0 ? 0 : sorted[(int) (n * 0.50)] / 1e6;
      double p99 = n == 0 ? 0 : sorted[Math.min(n - 1, (int) (n * 0.99))] / 1e6;
      long[] cpu = cpuNanos();
      double per = Math.max(1, n) * 1e3;
      return new Result(n / seconds, n, errors, p50, p99, (cpu[0] - cpuStart[0]) / per, (cpu[1] - cpuStart[1]) / per);
    }
  }

  static <T> T join(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(180, TimeUnit.SECONDS);
  }
}
