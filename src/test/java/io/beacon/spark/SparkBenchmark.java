package io.beacon.spark;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import io.beacon.devstack.LocalStack;
import io.beacon.infra.clients.Clients;
import io.beacon.infra.config.BeaconConfig;
import io.beacon.infra.config.Store;
import io.beacon.infra.schema.SchemaManager;
import io.beacon.model.Hit;
import io.beacon.model.HitCodec;
import io.beacon.testing.SparkJobProcess;
import io.beacon.testing.TestConfigs;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
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
 * Benchmark of the Spark job on {@code local[2]} against a fresh local stack (run by {@code bin/spark-bench}):
 * <ol>
 *   <li>throughput: N hits of the current hours are put on the topic first, then the job drains the backlog;
 *       sustained rate = hits / time between the first and the last completed batch (from the job's metrics);</li>
 *   <li>delay: with the job caught up and a background load of R hits/s, probe hits (each of a fresh
 *       property) are produced one by one; delay = time from the producer's ack to the probe's totals row being
 *       readable in Cassandra.</li>
 * </ol>
 * Usage: {@code SparkBenchmark [hits=300000] [rate=2000] [probes=10] [out=target/spark-benchmark.txt]}
 */
public final class SparkBenchmark {

  private static final Pattern METRIC = Pattern.compile("(?m)^beacon_spark_hits_total (\\d+)");

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = new java.util.HashMap<>(Map.of("hits", "300000", "rate", "2000", "probes", "10",
        "out", "target/spark-benchmark.txt", "trigger", "5 seconds"));
    for (String a : args) {
      opts.put(a.substring(0, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
    }
    int n = Integer.parseInt(opts.get("hits"));
    int rate = Integer.parseInt(opts.get("rate"));
    int probes = Integer.parseInt(opts.get("probes"));
    Path home = Path.of(System.getProperty("beacon.home", ".")).toAbsolutePath();
    Path data = home.resolve("target/bench-stack");
    deleteRecursively(data);
    try (LocalStack stack = LocalStack.start(home, data, LocalStack.Ports.free(), false)) {
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
        admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(60, TimeUnit.SECONDS);
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

        int metricsPort;
        try (ServerSocket s = new ServerSocket(0)) {
          metricsPort = s.getLocalPort();
        }
        List<String> jobArgs = List.of("--master=local[2]", "--kafka-bootstrap=" + stack.kafkaBootstrap(),
            "--cassandra-contact-points=" + stack.cassandraContactPoint(), "--keyspace=beacon_bench",
            "--topic=" + topic, "--checkpoint=" + data.resolve("checkpoint"), "--trigger=" + opts.get("trigger"),
            "--max-offsets-per-trigger=100000", "--metrics-port=" + metricsPort);
        try (SparkJobProcess job = new SparkJobProcess(jobArgs, data.resolve("logs/spark-job.log")).start()) {
          HttpClient http = HttpClient.newHttpClient();
          long firstAt = 0;
          long firstHits = 0;
          long lastAt;
          long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
          while (true) {
            if (!job.isAlive() || System.nanoTime() > deadline) {
              throw new IllegalStateException("job died or too slow; see " + job.log() + "\n" + job.logTail(30));
            }
            long counted = hitsTotal(http, metricsPort);
            if (counted > 0 && firstAt == 0) {
              firstAt = System.nanoTime();
              firstHits = counted;
            }
            if (counted >= n) {
              lastAt = System.nanoTime();
              break;
            }
            TimeUnit.MILLISECONDS.sleep(200); // polling interval of a benchmark driver, not a test wait
          }
          double sustained = lastAt > firstAt ? (n - firstHits) / ((lastAt - firstAt) / 1e9) : Double.NaN;

          // Delay phase: background load plus probes.
          AtomicBoolean running = new AtomicBoolean(true);
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
          List<Double> delays = new ArrayList<>();
          for (int p = 0; p < probes; p++) {
            String property = "B-PROBE-" + p;
            Hit h = hit(rnd, property, System.currentTimeMillis());
            producer.send(new ProducerRecord<>(topic, h.kafkaKey(), HitCodec.encode(h))).get();
            long acked = System.nanoTime();
            while (cql.execute("SELECT event_count FROM beacon_bench.agg_buckets WHERE property_id = ? AND"
                + " granularity = 'day' AND period = ? AND dimension = '(total)'", property,
                java.time.format.DateTimeFormatter.ofPattern("yyyy-MM").format(
                    Instant.ofEpochMilli(h.ts()).atZone(java.time.ZoneOffset.UTC))).one() == null) {
              if (!job.isAlive() || System.nanoTime() - acked > TimeUnit.MINUTES.toNanos(5)) {
                throw new IllegalStateException("probe " + p + " never readable; see " + job.log());
              }
              TimeUnit.MILLISECONDS.sleep(50);
            }
            delays.add((System.nanoTime() - acked) / 1e9);
            TimeUnit.MILLISECONDS.sleep(1000 + rnd.nextInt(4000)); // spread probes over the trigger period
          }
          running.set(false);
          load.join();
          Collections.sort(delays);
          String report = String.format(java.util.Locale.ROOT, "spark-job benchmark %s%n"
                  + "machine: %d cores (shared), Spark local[2], job heap 640 MB, trigger %s, max 100000 offsets/batch%n"
                  + "backlog: %d hits produced in %.1f s (%.0f hits/s)%n"
                  + "sustained aggregation throughput Kafka -> Cassandra: %.0f hits/s%n"
                  + "produce-to-readable delay at %d hits/s background load, %d probes: p50 %.2f s, max %.2f s%n",
              Instant.now(), Runtime.getRuntime().availableProcessors(), opts.get("trigger"), n, produceSeconds,
              n / produceSeconds, sustained, rate, delays.size(), delays.get(delays.size() / 2),
              delays.get(delays.size() - 1));
          Path out = home.resolve(opts.get("out"));
          Files.createDirectories(out.getParent());
          Files.writeString(out, report);
          System.out.print(report);
        }
      }
    }
    System.exit(0);
  }

  private static long hitsTotal(HttpClient http, int port) {
    try {
      String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
      Matcher m = METRIC.matcher(body);
      return m.find() ? Long.parseLong(m.group(1)) : 0;
    } catch (IOException e) {
      return 0; // not serving yet
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
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
    return new Hit(property, "c" + client, null, "r" + r.nextLong(), "s" + client + "-" + r.nextInt(3), 1, ts, now,
        r.nextInt(4) == 0 ? "scroll" : "page_view", null, (long) r.nextInt(20_000), r.nextBoolean(),
        r.nextInt(50) == 0, r.nextInt(10) == 0, r.nextInt(5) == 0, "https://example.com" + path, "example.com", path,
        "Title " + path, r.nextBoolean() ? null : "https://google.com/", r.nextBoolean() ? "google" : "(direct)",
        r.nextBoolean() ? "organic" : "(none)", null, null, null, r.nextBoolean() ? "desktop" : "mobile",
        r.nextBoolean() ? "Chrome" : "Firefox", null, r.nextBoolean() ? "Windows" : "Android", null, "1920x1080",
        "en-us", COUNTRIES[r.nextInt(COUNTRIES.length)], null, null, r.nextInt(100) == 0, "bench",
        Hit.SCHEMA_VERSION);
  }

  private static void deleteRecursively(Path root) throws IOException {
    if (Files.exists(root)) {
      try (var walk = Files.walk(root)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private SparkBenchmark() {
  }
}
