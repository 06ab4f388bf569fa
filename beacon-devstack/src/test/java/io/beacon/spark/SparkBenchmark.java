package io.beacon.spark;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import io.beacon.devstack.LocalStack;
import io.beacon.devstack.ServerProcess;
import io.beacon.infra.clients.Clients;
import io.beacon.infra.config.BeaconConfig;
import io.beacon.infra.config.Store;
import io.beacon.infra.schema.SchemaManager;
import io.beacon.model.Hit;
import io.beacon.store.topic.HitCodec;
import io.beacon.testing.BenchMain;
import io.beacon.testing.TestConfigs;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Benchmark of the Spark job on {@code local[2]} against a fresh local stack (run by {@code bin/spark-bench}),
 * launched the way {@code beacon up} launches it ({@link LocalStack#startAggregationJob}: same heap, JIT and
 * flags), with its own topic and keyspace:
 * <ol>
 *   <li>throughput: N hits of the current hours are put on the topic first, then the job drains the backlog;
 *       sustained rate = hits / time between the first and the last completed batch (from the job's metrics),
 *       with the CPU seconds each process of the stack spent meanwhile (where the bottleneck is);</li>
 *   <li>delay: with the job caught up and a steady background load of R hits/s, probe hits (each of a fresh
 *       property) are produced one by one at random moments of the trigger period; delay = time from the
 *       producer's ack to the probe's totals row being readable in Cassandra; p50, p99 (nearest rank), max.</li>
 * </ol>
 * Both go to the results file, with the machine's load average (the machine is shared: read the numbers
 * against it), and the same figures as JSON to {@code json} (default {@code target/bench/spark.json}) with the
 * resident memory (VmRSS now, VmHWM peak) of the job, Kafka and Cassandra after draining, and Cassandra's
 * disk bytes per aggregated hit ({@code agg_buckets} SSTables after a graceful stop, which flushes the
 * memtables). Usage: {@code SparkBenchmark [hits=300000] [rate=2000] [probes=20] [trigger='5 seconds']
 * [max-offsets=min(100000, hits/5)] [dedup-window=PT15M] [out=target/spark-benchmark.txt] [json=target/bench/spark.json]}
 * ({@code dedup-window=PT0S} runs the job without its de-duplication, for a before/after).
 */
public final class SparkBenchmark {

  private static final Pattern METRIC = Pattern.compile("(?m)^beacon_spark_hits_total (\\S+)");
  private static final Pattern DUPLICATES = Pattern.compile("(?m)^beacon_spark_duplicates_total (\\S+)");
  private static final Pattern ROWS = Pattern.compile("(?m)^beacon_spark_rows_written_total (\\S+)");
  /** A probe not readable by then counts as lost for the percentiles (the job fell behind the load). */
  private static final long PROBE_TIMEOUT_NANOS = TimeUnit.MINUTES.toNanos(3);

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = new java.util.HashMap<>(Map.of("hits", "300000", "rate", "2000", "probes", "20",
        "out", "target/spark-benchmark.txt", "trigger", "5 seconds"));
    opts.putIfAbsent("json", "target/bench/spark.json");
    opts.putIfAbsent("dedup-window", "PT15M");
    for (String a : args) {
      opts.put(a.substring(0, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
    }
    int n = Integer.parseInt(opts.get("hits"));
    // The rate is measured between the first and the last completed batch: a backlog needs several batches.
    opts.putIfAbsent("max-offsets", Integer.toString(Math.min(100_000, Math.max(1_000, n / 5))));
    int rate = Integer.parseInt(opts.get("rate"));
    int probes = Integer.parseInt(opts.get("probes"));
    Path home = Path.of(System.getProperty("beacon.home", ".")).toAbsolutePath();
    Path data = home.resolve("target/bench-stack");
    io.beacon.testing.BenchMain.deleteRecursively(data);
    String loadBefore = io.beacon.testing.BenchMain.loadAverage();
    JsonObject json = new JsonObject().put("benchmark", "spark-job").put("at", Instant.now().toString())
        .put("cores", Runtime.getRuntime().availableProcessors()).put("load_average_before", loadBefore)
        .put("hits", n).put("trigger", opts.get("trigger"))
        .put("max_offsets_per_trigger", Long.parseLong(opts.get("max-offsets")))
        .put("dedup_window", opts.get("dedup-window"));
    Path jsonOut = home.resolve(opts.get("json"));
    Files.createDirectories(jsonOut.getParent());
    try (LocalStack stack = LocalStack.start(home, data, LocalStack.Ports.free(), false, true)) {
      BeaconConfig config = TestConfigs.forStack(stack, Map.of("BEACON_CASSANDRA_KEYSPACE", "beacon_bench"));
      Vertx vertx = Vertx.vertx();
      try (Clients clients = new Clients(vertx, config)) {
        SchemaManager.apply(vertx, clients, config, EnumSet.of(Store.KAFKA, Store.CASSANDRA))
            .toCompletionStage().toCompletableFuture().get(5, TimeUnit.MINUTES);
      } finally {
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
      String topic = "beacon.hits.bench";
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrap()))) {
        // Broker append time, as the schema step makes the hits topic (the de-duplication's time column).
        admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1).configs(Map.of(
            org.apache.kafka.common.config.TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime"))))
            .all().get(60, TimeUnit.SECONDS);
        var resources = List.of(new org.apache.kafka.common.config.ConfigResource(
            org.apache.kafka.common.config.ConfigResource.Type.TOPIC, topic));
        json.put("topic_timestamp_type", admin.describeConfigs(resources).all().get(60, TimeUnit.SECONDS)
            .values().iterator().next().get("message.timestamp.type").value());
        // What the schema step made of the real hits topic (the bench topic mirrors it).
        var hitsTopic = List.of(new org.apache.kafka.common.config.ConfigResource(
            org.apache.kafka.common.config.ConfigResource.Type.TOPIC, io.beacon.store.topic.Topics.HITS));
        json.put("hits_topic_timestamp_type", admin.describeConfigs(hitsTopic).all().get(60, TimeUnit.SECONDS)
            .values().iterator().next().get("message.timestamp.type").value());
      }
      String[] cp = stack.cassandraContactPoint().split(":");
      try (CqlSession cql = CqlSession.builder().withLocalDatacenter("datacenter1")
          .withConfigLoader(DriverConfigLoader.programmaticBuilder()
              .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(30)).build())
          .addContactPoint(new InetSocketAddress(cp[0], Integer.parseInt(cp[1]))).build();
           KafkaProducer<String, byte[]> producer = producer(stack)) {
        Random rnd = new Random(1);
        long produceStart = System.nanoTime();
        for (int i = 0; i < n; i++) {
          Hit h = hit(rnd, "B-BENCH-" + (i % 3), System.currentTimeMillis());
          producer.send(new ProducerRecord<>(topic, h.kafkaKey(), HitCodec.encode(h)));
        }
        producer.flush();
        double produceSeconds = (System.nanoTime() - produceStart) / 1e9;

        List<String> jobArgs = List.of("--keyspace=beacon_bench", "--topic=" + topic,
            "--trigger=" + opts.get("trigger"), "--max-offsets-per-trigger=" + opts.get("max-offsets"),
            "--dedup-window=" + opts.get("dedup-window"));
        ServerProcess job = stack.startAggregationJob(jobArgs);
        URI metrics = URI.create(stack.aggregationJobMetricsUrl());
        Map<String, ServerProcess> processes = new java.util.LinkedHashMap<>();
        processes.put("spark job", job);
        processes.put("cassandra", stack.cassandra());
        processes.put("kafka", stack.kafka());
        HttpClient http = HttpClient.newHttpClient();
        long firstAt = 0;
        long firstHits = 0;
        long firstRows = 0;
        Map<String, Double> cpuAtFirst = Map.of();
        long lastAt;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
        while (true) {
          if (!job.isAlive() || System.nanoTime() > deadline) {
            throw new IllegalStateException("job died or too slow; see " + job.logFile());
          }
          String body = metricsBody(http, metrics);
          long counted = value(METRIC, body);
          if (counted > 0 && firstAt == 0) {
            firstAt = System.nanoTime();
            firstHits = counted;
            firstRows = value(ROWS, body);
            cpuAtFirst = cpuSeconds(processes);
          }
          if (counted >= n) {
            lastAt = System.nanoTime();
            break;
          }
          TimeUnit.MILLISECONDS.sleep(200); // polling interval of a benchmark driver, not a test wait
        }
        double drainSeconds = (lastAt - firstAt) / 1e9;
        double sustained = lastAt > firstAt ? (n - firstHits) / drainSeconds : Double.NaN;
        double rowsPerSecond = (value(ROWS, metricsBody(http, metrics)) - firstRows) / drainSeconds;
        Map<String, Double> cpuAtLast = cpuSeconds(processes);
        StringBuilder cpu = new StringBuilder();
        JsonObject cpuJson = new JsonObject();
        JsonObject rssJson = new JsonObject();
        for (String name : processes.keySet()) {
          double used = cpuAtLast.getOrDefault(name, 0.0) - cpuAtFirst.getOrDefault(name, 0.0);
          cpuJson.put(name, new JsonObject().put("seconds", used).put("percent_of_one_core", 100 * used / drainSeconds)
              .put("us_per_hit", used * 1e6 / (n - firstHits)));
          long pid = processes.get(name).pid();
          rssJson.put(name, new JsonObject().put("rss_bytes", BenchMain.procStatusBytes(pid, "VmRSS"))
              .put("peak_rss_bytes", BenchMain.procStatusBytes(pid, "VmHWM")));
          cpu.append(String.format(java.util.Locale.ROOT, "%s%s %.0f s (%.0f%% of one core, %.0f us per hit)",
              cpu.length() == 0 ? "" : ", ", name, used, 100 * used / drainSeconds, used * 1e6 / (n - firstHits)));
        }

        String throughput = String.format(java.util.Locale.ROOT, "spark-job benchmark %s%n"
                + "machine: %d cores (shared; load average before %s, after draining %s)%n"
                + "job: as `beacon up` starts it: Spark local[2], heap 768 MB, trigger %s, max %s offsets/batch%n"
                + "backlog: %d hits produced in %.1f s (%.0f hits/s)%n"
                + "sustained aggregation throughput Kafka -> Cassandra: %.0f hits/s (%.0f rows written/s)%n"
                + "CPU while draining (%.0f s): %s%n",
            Instant.now(), Runtime.getRuntime().availableProcessors(), loadBefore, io.beacon.testing.BenchMain.loadAverage(),
            opts.get("trigger"), opts.get("max-offsets"), n, produceSeconds, n / produceSeconds, sustained,
            rowsPerSecond, drainSeconds, cpu);
        Path out = home.resolve(opts.get("out"));
        Files.createDirectories(out.getParent());
        json.put("load_average_after_drain", io.beacon.testing.BenchMain.loadAverage())
            .put("produce_seconds", produceSeconds).put("drain_seconds", drainSeconds)
            .put("hits_per_second", Double.isNaN(sustained) ? null : sustained).put("rows_written_per_second", rowsPerSecond)
            .put("cpu_while_draining", cpuJson).put("memory_after_drain", rssJson)
            .put("duplicates_dropped", value(DUPLICATES, metricsBody(http, metrics)));
        // Written now, so a failure of the delay phase still leaves the throughput.
        Files.writeString(out, throughput);
        Files.writeString(jsonOut, json.encodePrettily());
        System.out.print(throughput);

        // Delay phase: steady background load plus probes.
        AtomicBoolean running = new AtomicBoolean(true);
        try {
          Thread load = new Thread(() -> {
            Random r = new Random(2);
            long next = System.nanoTime();
            while (running.get()) {
              for (int i = 0; i < rate / 10; i++) {
                Hit h = hit(r, "B-BENCH-" + (i % 3), System.currentTimeMillis());
                producer.send(new ProducerRecord<>(topic, h.kafkaKey(), HitCodec.encode(h)));
              }
              next += 100_000_000L;
              long wait = next - System.nanoTime();
              if (wait > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(wait);
              }
            }
          }, "bench-load");
          load.start();
          // Let the load reach the job first, so the probes see its steady state rather than an idle job.
          TimeUnit.SECONDS.sleep(15);
          List<Double> delays = new ArrayList<>();
          int lost = 0;
          for (int p = 0; p < probes; p++) {
            String property = "B-PROBE-" + p;
            Hit h = hit(rnd, property, System.currentTimeMillis());
            producer.send(new ProducerRecord<>(topic, h.kafkaKey(), HitCodec.encode(h))).get();
            long acked = System.nanoTime();
            boolean readable = true;
            while (cql.execute("SELECT event_count FROM beacon_bench.agg_buckets WHERE property_id = ? AND"
                + " granularity = 'day' AND period = ? AND dimension = '(total)'", property,
                java.time.format.DateTimeFormatter.ofPattern("yyyy-MM").format(
                    Instant.ofEpochMilli(h.ts()).atZone(java.time.ZoneOffset.UTC))).one() == null) {
              if (!job.isAlive()) {
                throw new IllegalStateException("the job exited during probe " + p + "; see " + job.logFile());
              }
              if (System.nanoTime() - acked > PROBE_TIMEOUT_NANOS) {
                readable = false;
                break;
              }
              TimeUnit.MILLISECONDS.sleep(50);
            }
            if (readable) {
              delays.add((System.nanoTime() - acked) / 1e9);
            } else {
              // The job is behind the load: every later probe would wait just as long. Report it instead.
              lost = probes - p;
              break;
            }
            TimeUnit.MILLISECONDS.sleep(1000 + rnd.nextInt(4000)); // spread probes over the trigger period
          }
          running.set(false);
          load.join();
          Collections.sort(delays);
          String delayLine = delays.isEmpty() ? "none readable"
              : String.format(java.util.Locale.ROOT, "p50 %.2f s, p99 %.2f s, max %.2f s", percentile(delays, 50),
                  percentile(delays, 99), delays.get(delays.size() - 1));
          String lostNote = lost == 0 ? "" : String.format(java.util.Locale.ROOT, "; %d not measured: a probe took"
              + " over %d s, the job fell behind the load", lost, PROBE_TIMEOUT_NANOS / 1_000_000_000);
          String delay = String.format(java.util.Locale.ROOT, "produce-to-readable delay at %d hits/s steady load,"
                  + " %d probes%s: %s%n(load average after the probes: %s)%n", rate, delays.size(), lostNote,
              delayLine, io.beacon.testing.BenchMain.loadAverage());
          Files.writeString(out, throughput + delay);
          System.out.print(delay);
          JsonObject delayJson = new JsonObject().put("steady_load_hits_per_second", rate)
              .put("probes", delays.size()).put("lost_probes", lost)
              .put("load_average_after", io.beacon.testing.BenchMain.loadAverage());
          if (!delays.isEmpty()) {
            delayJson.put("p50_seconds", percentile(delays, 50)).put("p99_seconds", percentile(delays, 99))
                .put("max_seconds", delays.get(delays.size() - 1));
          }
          json.put("produce_to_readable_delay", delayJson);
          Files.writeString(jsonOut, json.encodePrettily());
        } catch (Exception e) {
          running.set(false);
          Files.writeString(out, throughput + "produce-to-readable delay: not measured: " + e + "\n");
          json.put("produce_to_readable_delay", new JsonObject().put("error", e.toString()));
          Files.writeString(jsonOut, json.encodePrettily());
          throw e;
        }
        // Disk per aggregated hit: stop Cassandra gracefully (it flushes its memtables on the way out), then
        // the size of the agg_buckets SSTables over every hit the job counted (backlog, load and probes).
        long counted = value(METRIC, metricsBody(http, metrics));
        job.stop();
        stack.cassandra().stop();
        long bytes = directoryBytes(stack.cassandra().home().resolve("data").resolve("beacon_bench"), "agg_buckets-");
        json.put("cassandra_agg_buckets_bytes", bytes).put("hits_counted", counted)
            .put("cassandra_bytes_per_hit", counted == 0 ? null : (double) bytes / counted);
        Files.writeString(jsonOut, json.encodePrettily());
        String disk = String.format(java.util.Locale.ROOT, "Cassandra agg_buckets on disk after a graceful stop:"
            + " %d bytes for %d hits (%.1f bytes per hit)%n", bytes, counted, (double) bytes / Math.max(1, counted));
        Files.writeString(out, disk, java.nio.file.StandardOpenOption.APPEND);
        System.out.print(disk);
      }
    }
    System.exit(0);
  }

  /** Nearest-rank percentile of sorted values. */
  static double percentile(List<Double> sorted, int p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }

  /** Bytes of the regular files under the subdirectories of {@code keyspaceDir} named {@code prefix}*. */
  private static long directoryBytes(Path keyspaceDir, String prefix) throws IOException {
    long total = 0;
    if (!Files.isDirectory(keyspaceDir)) {
      return 0;
    }
    try (var tables = Files.list(keyspaceDir)) {
      for (Path table : tables.filter(t -> t.getFileName().toString().startsWith(prefix)).toList()) {
        try (var files = Files.walk(table)) {
          for (Path f : files.filter(Files::isRegularFile).toList()) {
            total += Files.size(f);
          }
        }
      }
    }
    return total;
  }

  /** CPU seconds (user + system) each live process has used so far, from /proc (Linux). */
  private static Map<String, Double> cpuSeconds(Map<String, ServerProcess> processes) {
    Map<String, Double> out = new java.util.HashMap<>();
    processes.forEach((name, process) -> {
      try {
        String stat = Files.readString(Path.of("/proc/" + process.pid() + "/stat"));
        // Fields after the ")" that closes the command name: state is field 3, utime 14, stime 15.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        out.put(name, (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0); // USER_HZ = 100 on Linux
      } catch (IOException | RuntimeException e) {
        // not on Linux, or gone: left out
      }
    });
    return out;
  }


  private static String metricsBody(HttpClient http, URI uri) {
    try {
      return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      return ""; // not serving yet
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  private static long value(Pattern metric, String body) {
    Matcher m = metric.matcher(body);
    return m.find() ? (long) Double.parseDouble(m.group(1)) : 0; // Micrometer writes counters as doubles (1.2E7)
  }

  private static KafkaProducer<String, byte[]> producer(LocalStack stack) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrap());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "10");
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  private static final String[] PATHS = new String[200];
  private static final String[] COUNTRIES = {"DE", "US", "IN", "FR", "GB", "BR", "JP", "NL"};

  static {
    for (int i = 0; i < PATHS.length; i++) {
      PATHS[i] = "/page/" + i;
    }
  }

  /** A live-traffic-like hit of the last hour: 50k clients, 200 paths, a few values per other dimension. */
  private static Hit hit(Random r, String property, long now) {
    int client = r.nextInt(50_000);
    long ts = now - r.nextInt(3_600_000);
    String path = PATHS[(int) Math.min(PATHS.length - 1, Math.abs(r.nextGaussian()) * 40)];
    return Hit.builder()
        .propertyId(property)
        .clientId("c" + client)
        .requestId("r" + r.nextLong())
        .sessionId("s" + client + "-" + r.nextInt(3))
        .sessionNumber(1)
        .ts(ts)
        .receivedAt(now)
        .eventName(r.nextInt(4) == 0 ? "scroll" : "page_view")
        .engagementMs((long) r.nextInt(20_000))
        .sessionEngaged(r.nextBoolean())
        .keyEvent(r.nextInt(50) == 0)
        .firstVisit(r.nextInt(10) == 0)
        .sessionStart(r.nextInt(5) == 0)
        .pageLocation("https://example.com" + path)
        .hostname("example.com")
        .pagePath(path)
        .pageTitle("Title " + path)
        .pageReferrer(r.nextBoolean() ? null : "https://google.com/")
        .source(r.nextBoolean() ? "google" : "(direct)")
        .medium(r.nextBoolean() ? "organic" : "(none)")
        .deviceCategory(r.nextBoolean() ? "desktop" : "mobile")
        .browser(r.nextBoolean() ? "Chrome" : "Firefox")
        .os(r.nextBoolean() ? "Windows" : "Android")
        .screenResolution("1920x1080")
        .language("en-us")
        .country(COUNTRIES[r.nextInt(COUNTRIES.length)])
        .isBot(r.nextInt(100) == 0)
        .protocol("bench")
        .schemaVersion(Hit.SCHEMA_VERSION)
        .build();
  }


  private SparkBenchmark() {
  }
}
