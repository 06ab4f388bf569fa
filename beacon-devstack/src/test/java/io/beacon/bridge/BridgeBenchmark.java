package io.beacon.bridge;

import io.beacon.BeaconNode;
import io.beacon.devstack.LocalStack;
import io.beacon.contract.RealtimeContract;
import io.beacon.model.Hit;
import io.beacon.store.questdb.LineProtocol;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * Bridge benchmark ({@code bin/bench-bridge [hits] [latencySamples] [outFile]}): starts a throw-away
 * local stack and one node with only the bridge role, then
 * <ol>
 *   <li>raw throughput: pre-loads {@code hits} canonical hits into Kafka while the node is down,
 *       starts the node and times its raw consumer from the first to the last row written to QuestDB
 *       (hits/s, with the batch size used);</li>
 *   <li>hit-to-realtime latency: {@code latencySamples} times, produces one hit (acks=all) and polls
 *       the property's real-time snapshot over the event bus until it counts it; reports percentiles
 *       from the producer's ack (the collector's acknowledgement) and from the send.</li>
 * </ol>
 * Writes a small text report to {@code outFile} (default {@code target/bench/bridge.txt}).
 */
public final class BridgeBenchmark {
  private BridgeBenchmark() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    int samples = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    Path out = Path.of(args.length > 2 ? args[2] : "target/bench/bridge.txt");
    int batchSize = args.length > 3 ? Integer.parseInt(args[3]) : 5000;
    int concurrency = args.length > 4 ? Integer.parseInt(args[4]) : 2;
    Path home = Path.of(System.getProperty("beacon.home", ".")).toAbsolutePath();
    Path data = home.resolve("target").resolve("bench-stack");
    io.beacon.testing.BenchMain.deleteRecursively(data);
    List<String> report = new ArrayList<>();
    JsonObject json = new JsonObject().put("benchmark", "bridge").put("startedAt", Instant.now().toString())
        .put("cores", Runtime.getRuntime().availableProcessors())
        .put("loadAverageAtStart", io.beacon.testing.BenchMain.loadAverage()).put("hits", n).put("batchSize", batchSize)
        .put("writeConcurrency", concurrency);
    report.add("Beacon bridge benchmark, " + Instant.now() + ", " + Runtime.getRuntime().availableProcessors()
        + " cores, load average at start " + io.beacon.testing.BenchMain.loadAverage());
    try (LocalStack stack = LocalStack.start(home, data, LocalStack.Ports.free(), false);
         KafkaProducer<byte[], byte[]> producer = BridgeTesting.producer(stack)) {
      // The topic as a node would make it (3 partitions in the test config), before the pre-load.
      try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
          Map.of("bootstrap.servers", stack.kafkaBootstrap()))) {
        admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(io.beacon.store.topic.Topics.HITS, 3, (short) 1)))
            .all().get(60, TimeUnit.SECONDS);
      }
      String property = BridgeTesting.propertyId();
      long now = System.currentTimeMillis();
      List<Hit> batch = new ArrayList<>(10_000);
      long produceStart = System.nanoTime();
      for (int i = 0; i < n; i++) {
        // Many clients, so the hits spread over every partition like real traffic.
        Hit h = BridgeTesting.fullHit(property, i, now - 60_000 + (i % 50_000));
        batch.add(h.toBuilder()
            .clientId("client-" + (i % 5000))
            .build());
        if (batch.size() == 10_000 || i == n - 1) {
          BridgeTesting.produce(producer, batch);
          batch.clear();
        }
      }
      double produceSecs = (System.nanoTime() - produceStart) / 1e9;
      report.add(String.format("pre-loaded %d hits into Kafka in %.1f s (%.0f/s)", n, produceSecs, n / produceSecs));

      BeaconNode node = BridgeTesting.startBridgeNode(stack, "bench", Map.of(
          "BEACON_BRIDGE_RAW_BATCH_SIZE", Integer.toString(batchSize),
          "BEACON_BRIDGE_RAW_WRITE_CONCURRENCY", Integer.toString(concurrency)));
      try {
        Counter rows = node.context().meters().find("beacon_bridge_rows_written").counter();
        long first = 0;
        double firstCount = 0;
        Map<String, Long> pids = new java.util.LinkedHashMap<>();
        pids.put("node (bridge: raw + real-time consumers, Ignite)", ProcessHandle.current().pid());
        pids.put("QuestDB", stack.questdb().pid());
        pids.put("Kafka", stack.kafka().pid());
        Map<String, Double> cpuAtFirst = Map.of();
        double rawThreadsAtFirst = 0;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(15);
        while (rows.count() < n && System.nanoTime() < deadline) {
          if (first == 0 && rows.count() > 0) {
            first = System.nanoTime();
            firstCount = rows.count();
            cpuAtFirst = cpuSeconds(pids);
            rawThreadsAtFirst = rawThreadsCpuSeconds();
          }
          waitMs(node, 2);
        }
        long last = System.nanoTime();
        double secs = (last - first) / 1e9;
        double batchMs = node.context().meters().find("beacon_bridge_write_latency").timer().mean(TimeUnit.MILLISECONDS);
        report.add(String.format("raw write: %.0f rows written; %.0f hits/s from the first to the last batch "
                + "(%.1f s; batch size %d; mean batch write %.0f ms; influx client, up to %d requests in flight); "
                + "load average then %s",
            rows.count(), (rows.count() - firstCount) / secs, secs, batchSize, batchMs, concurrency, io.beacon.testing.BenchMain.loadAverage()));
        json.put("rawHitsPerSecond", Math.round((rows.count() - firstCount) / secs)).put("meanBatchWriteMs", batchMs);
        Map<String, Double> cpuAtLast = cpuSeconds(pids);
        double written = rows.count() - firstCount;
        StringBuilder cpu = new StringBuilder();
        double total = 0;
        for (String name : pids.keySet()) {
          double used = cpuAtLast.getOrDefault(name, 0.0) - cpuAtFirst.getOrDefault(name, 0.0);
          total += used;
          cpu.append(String.format("%n  %s: %.1f s (%.0f%% of one core, %.1f us per hit)", name, used,
              100 * used / secs, used * 1e6 / written));
        }
        double rawThreads = rawThreadsCpuSeconds() - rawThreadsAtFirst;
        cpu.append(String.format("%n  of which the raw consumer and its writer threads: %.1f s (%.1f us per hit)",
            rawThreads, rawThreads * 1e6 / written));
        json.put("cpuUsPerHit", total * 1e6 / written);
        report.add(String.format("CPU while writing (%.1f s wall): %.1f s in all, %.1f us per hit%s", secs, total,
            total * 1e6 / written, cpu));
        // Accepted means in QuestDB's WAL; readable once the WAL is applied to the table.
        long visibleFrom = System.nanoTime();
        while (BridgeTesting.count(node, "SELECT count() FROM hits WHERE property_id = $1", property) < n
            && System.nanoTime() < deadline) {
          waitMs(node, 100);
        }
        double applied = (System.nanoTime() - visibleFrom) / 1e9;
        json.put("readableSecondsAfterLastWrite", applied);
        report.add(String.format("all %d rows readable (WAL applied) %.1f s after the last write was accepted: "
            + "%.0f hits/s from the first write to readable", n, applied, (n - firstCount) / (secs + applied)));

        List<Long> fromAck = new ArrayList<>();
        List<Long> fromSend = new ArrayList<>();
        String live = BridgeTesting.propertyId();
        for (int i = 0; i < samples; i++) {
          long send = System.nanoTime();
          BridgeTesting.produce(producer, List.of(BridgeTesting.fullHit(live, i, System.currentTimeMillis())));
          long ack = System.nanoTime();
          long expected = i + 1;
          while (events(node, live) < expected) {
            waitMs(node, 2);
          }
          long seen = System.nanoTime();
          fromAck.add((seen - ack) / 1_000);
          fromSend.add((seen - send) / 1_000);
        }
        report.add("hit-to-realtime, from the producer ack (us): " + percentiles(fromAck));
        json.put("hitToRealtimeFromAck", percentilesJson(fromAck)).put("hitToRealtimeFromSend", percentilesJson(fromSend));
        json.put("rssBytes", io.beacon.testing.BenchMain.rssBytes(pids));
        report.add("hit-to-realtime, from the send (us):         " + percentiles(fromSend));
        report.add("bridge freshness timer (Kafka timestamp -> Ignite), node-side: p50/p99 in "
            + node.context().meters().find("beacon_bridge_realtime_freshness").timer().takeSnapshot());
        report.add(questDbAlone(stack, n, now, batchSize, concurrency, json));
      } finally {
        BridgeTesting.join(node.close());
      }
    }
    report.add("load average at end " + io.beacon.testing.BenchMain.loadAverage());
    json.put("loadAverageAtEnd", io.beacon.testing.BenchMain.loadAverage());
    io.beacon.testing.BenchMain.writeJson(Path.of(out.toString().replaceAll("\\.txt$", "") + ".json"), json);
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.write(out, report);
    report.forEach(System.out::println);
    System.out.println("written to " + out.toAbsolutePath());
    System.exit(0);
  }

  private static long events(BeaconNode node, String property) throws Exception {
    return BridgeTesting.join(RealtimeContract.SNAPSHOT.request(node.vertx(),
        new RealtimeContract.SnapshotRequest(property))).events();
  }

  // Waits on a Vert.x timer: the benchmark polls, it does not spin.
  private static void waitMs(BeaconNode node, long ms) throws Exception {
    io.vertx.core.Promise<Void> p = io.vertx.core.Promise.promise();
    node.vertx().setTimer(ms, id -> p.complete());
    BridgeTesting.join(p.future());
  }

  static String percentiles(List<Long> values) {
    List<Long> s = new ArrayList<>(values);
    s.sort(Long::compare);
    return String.format("n=%d p50=%d p90=%d p99=%d max=%d", s.size(), at(s, 0.50), at(s, 0.90), at(s, 0.99),
        s.get(s.size() - 1));
  }

  /** p50, p99 and max of microsecond samples, in milliseconds. */
  static JsonObject percentilesJson(List<Long> values) {
    List<Long> s = new ArrayList<>(values);
    s.sort(Long::compare);
    return new JsonObject().put("samples", s.size()).put("p50Ms", at(s, 0.50) / 1e3).put("p99Ms", at(s, 0.99) / 1e3)
        .put("maxMs", s.get(s.size() - 1) / 1e3);
  }

  private static long at(List<Long> sorted, double q) {
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
  }

  /**
   * The ceiling QuestDB sets on its own: the same kind of hits, as ready-made line-protocol batches, written
   * straight from memory with the bridge's writer and concurrency (no Kafka, no decoding, no real-time
   * consumer), with QuestDB's CPU per hit (user and system).
   */
  private static String questDbAlone(LocalStack stack, int n, long now, int batchSize, int concurrency, JsonObject json)
      throws Exception {
    String property = BridgeTesting.propertyId();
    List<String> bodies = new ArrayList<>();
    StringBuilder body = new StringBuilder();
    int lines = 0;
    for (int i = 0; i < n; i++) {
      Hit h = BridgeTesting.fullHit(property, i, now - 60_000 + (i % 50_000));
      body.append(lines == 0 ? "" : "\n").append(LineProtocol.line(h));
      if (++lines == batchSize || i == n - 1) {
        bodies.add(body.toString());
        body.setLength(0);
        lines = 0;
      }
    }
    long pid = stack.questdb().pid();
    long[] before = userSystemTicks(pid);
    long start = System.nanoTime();
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(concurrency);
    try (RawBatchWriter writer = new RawBatchWriter(stack.questdbHttpUrl(), java.time.Duration.ofSeconds(60))) {
      List<java.util.concurrent.Future<?>> done = new ArrayList<>();
      for (String b : bodies) {
        done.add(pool.submit(() -> writer.write(b)));
      }
      for (var f : done) {
        f.get(10, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdown();
    }
    double secs = (System.nanoTime() - start) / 1e9;
    long[] after = userSystemTicks(pid);
    json.put("questdbAloneHitsPerSecond", Math.round(n / secs));
    double user = (after[0] - before[0]) / 100.0;
    double system = (after[1] - before[1]) / 100.0;
    return String.format("QuestDB alone (same hits as ready lines from memory, batch %d, %d in flight): %.0f hits/s; "
            + "QuestDB CPU %.1f us per hit (user %.1f, system %.1f); load average then %s", batchSize, concurrency,
        n / secs, (user + system) * 1e6 / n, user * 1e6 / n, system * 1e6 / n, io.beacon.testing.BenchMain.loadAverage());
  }

  private static long[] userSystemTicks(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])};
  }

  /** CPU seconds (user + system) each process has used so far, from /proc (Linux; left out elsewhere). */
  private static Map<String, Double> cpuSeconds(Map<String, Long> pids) {
    Map<String, Double> out = new java.util.HashMap<>();
    pids.forEach((name, pid) -> {
      try {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        // Fields after the ")" that closes the command name: utime is field 14, stime 15.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        out.put(name, (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0); // USER_HZ = 100 on Linux
      } catch (IOException | RuntimeException e) {
        // not on Linux: left out
      }
    });
    return out;
  }

  /** CPU seconds of the raw consumer's threads (its poll loop and its QuestDB writers) in this JVM. */
  private static double rawThreadsCpuSeconds() {
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    double total = 0;
    for (java.lang.management.ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
      if (t != null && t.getThreadName().startsWith("beacon-bridge-raw-")) {
        long ns = mx.getThreadCpuTime(t.getThreadId());
        total += ns > 0 ? ns / 1e9 : 0;
      }
    }
    return total;
  }


}
