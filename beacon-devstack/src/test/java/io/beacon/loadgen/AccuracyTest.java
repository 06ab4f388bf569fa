package io.beacon.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.beacon.devstack.LocalStack;
import io.beacon.testing.ApiClient;
import io.beacon.testing.Dashboard;
import io.beacon.testing.NodeProcess;
import io.beacon.testing.NodeProcess.Cluster;
import io.beacon.testing.RealStack;
import io.beacon.testing.SparkJobProcess;
import io.beacon.testing.TestConfigs;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * End to end against ground truth: two clustered nodes (one with every role, one that collects and bridges, as
 * the ingest nodes of {@code deploy/}; both collectors trusting this host's X-Forwarded-For and reading a geo
 * database written from {@link GeoTable}) and the real Spark job take a few thousand generated hits for two
 * properties over the tracker, gtag, the Measurement Protocol and UA: the scenario catalog (sessions across
 * midnight, first hits sent last, engagement at the threshold, utm on later pages, self-referrals, every channel
 * group, MP device and location, missing User-Agents) then random traffic, with bots, late MP hits (hours to two
 * days old) and duplicate requests; then every report of the truth (totals and each single dimension by date, a
 * few ad-hoc two-dimension reports answered by recompute from raw hits, and range totals) must match the
 * generator's independent truth, sums exactly and distinct counts within the sketch bound, from the stream and
 * again recomputed from raw hits.
 *
 * <p>Twice: once undisturbed, once with a {@code kill -9} of the Spark job and then of the collecting node in
 * the middle of the stream (restarted as a supervisor would; the sender's retries go to the other collector, as
 * through a load balancer): the same numbers.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(RealStack.class)
class AccuracyTest {
  private static final String KEYSPACE = "beacon_loadgen_it";
  private static final String ADMIN = "root@example.com";
  private static final String ADMIN_PASSWORD = "correct horse battery";
  private static final String TOPIC = "beacon.hits";

  private static NodeProcess node;
  /** Collects and bridges only: the node killed mid-stream. */
  private static NodeProcess ingest;
  private static SparkJobProcess spark;
  private static String token;
  private static LocalStack stack;

  @BeforeAll
  static void start(LocalStack localStack) throws Exception {
    stack = localStack;
    Path work = Path.of(System.getProperty("beacon.home", "")).toAbsolutePath().resolve("target/test-stack/loadgen");
    Path mmdb = work.resolve("geo.mmdb");
    WireTest.writeMmdb(mmdb);
    Cluster cluster = Cluster.fresh(2, 3_000);
    ingest = new NodeProcess("loadgen-ingest", stack, cluster, Map.ofEntries(
        Map.entry("BEACON_NODE_VERTICLES_COLLECTOR_INSTANCES", "1"),
        Map.entry("BEACON_NODE_VERTICLES_BRIDGE_INSTANCES", "1"),
        Map.entry("BEACON_NODE_VERTICLES_QUERY_INSTANCES", "0"),
        Map.entry("BEACON_NODE_VERTICLES_RECOMPUTE_INSTANCES", "0"),
        Map.entry("BEACON_CASSANDRA_KEYSPACE", KEYSPACE),
        Map.entry("BEACON_COLLECTOR_GEO_DATABASE", mmdb.toString()),
        Map.entry("BEACON_COLLECTOR_TRUSTED_PROXIES", "127.0.0.1"),
        Map.entry("BEACON_COLLECTOR_SPOOL_DIR", work.resolve("spool-ingest").toString()))).start();
    node = new NodeProcess("loadgen-node", stack, cluster, Map.ofEntries(
        Map.entry("BEACON_CASSANDRA_KEYSPACE", KEYSPACE),
        Map.entry("BEACON_COLLECTOR_GEO_DATABASE", mmdb.toString()),
        Map.entry("BEACON_COLLECTOR_TRUSTED_PROXIES", "127.0.0.1"),
        Map.entry("BEACON_COLLECTOR_SPOOL_DIR", work.resolve("spool").toString()),
        // An ad-hoc report over days still open is cached for a minute: too long for polling until it is complete.
        Map.entry("BEACON_RECOMPUTE_OPEN_CACHE_TTL_MS", "1000"),
        Map.entry("BEACON_QUERY_ADMIN_EMAIL", ADMIN), Map.entry("BEACON_QUERY_ADMIN_PASSWORD", ADMIN_PASSWORD)))
        .start();
    // The Spark job (its build, then a minute of start-up on a busy machine) starts while the node does: it needs
    // only the keyspace's tables (created here too, idempotently) and the hits topic (the node's first step).
    TestConfigs.applyCassandraSchema(stack, KEYSPACE);
    try (Admin kafka = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrap()))) {
      await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
          .until(() -> kafka.listTopics().names().get(30, TimeUnit.SECONDS).contains(TOPIC));
      // The job reads the run's shared hits topic from its current end: only this test's hits.
      spark = new SparkJobProcess(List.of("--master=local[2]", "--kafka-bootstrap=" + stack.kafkaBootstrap(),
          "--cassandra-contact-points=" + stack.cassandraContactPoint(), "--keyspace=" + KEYSPACE, "--topic=" + TOPIC,
          "--starting-offsets=" + endOffsets(kafka), "--checkpoint=" + work.resolve("checkpoint-" + System.nanoTime()),
          "--trigger=2 seconds"), work.resolve("spark-job.log")).start();
    }
    node.awaitReady(Duration.ofSeconds(180));
    ingest.awaitReady(Duration.ofSeconds(180));
    Dashboard admin = Dashboard.login(node.queryPort, ADMIN, ADMIN_PASSWORD);
    HttpResponse<String> t = admin.post("/api/v1/tokens", "{\"name\":\"accuracy test\"}");
    assertThat(t.statusCode()).as(t.body()).isEqualTo(201);
    token = new JsonObject(t.body()).getString("token");
  }

  @AfterAll
  static void stop() throws Exception {
    if (spark != null) {
      spark.close();
    }
    if (node != null) {
      node.close();
    }
    if (ingest != null) {
      ingest.close();
    }
  }

  @Test
  @Order(1)
  void reportsMatchTheGroundTruthOfGeneratedTraffic() throws Exception {
    List<TrafficPlan.Property> properties = List.of(property("Shop", 0), blog("Blog", 1));
    TrafficPlan.Options options = TrafficPlan.Options.defaults(20261127, LoadgenCli.mix("mixed"));
    LoadgenCli.Result result = LoadgenCli.generate(properties, options, 3_000,
        new Sender.Config(URI.create("http://127.0.0.1:" + node.collectorPort), true, 0, 16, Duration.ofMinutes(2)), true);
    Sender.Stats stats = result.stats();
    assertThat(stats.failures()).isEmpty();
    assertThat(stats.hits()).isGreaterThanOrEqualTo(3_000);
    assertThat(stats.duplicateRequests()).isPositive();
    assertThat(stats.bots()).isPositive();
    Path truthFile = Path.of("target", "loadgen-accuracy-truth.json");
    Files.writeString(truthFile, result.truth().encodePrettily());
    // Late MP hits reach back one or two days: the truth has more than one date per property.
    assertThat(result.truth().getJsonArray("properties").getJsonObject(0).getString("firstDate"))
        .isNotEqualTo(result.truth().getJsonArray("properties").getJsonObject(0).getString("lastDate"));

    System.out.printf("AccuracyTest: sent %d hits (%d bots, %d duplicate requests, %d retries) in %d ms%n",
        stats.hits(), stats.bots(), stats.duplicateRequests(), stats.retries(), stats.elapsed().toMillis());

    long sent = System.nanoTime();
    AccuracyCheck check = new AccuracyCheck(URI.create("http://127.0.0.1:" + node.queryPort), token);
    await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(5))
        .failFast("the Spark job exited", () -> !spark.isAlive())
        .untilAsserted(() -> assertThat(check.check(result.truth())).as("differences from %s", truthFile).isEmpty());
    System.out.printf("AccuracyTest: reports match the truth %d ms after the last hit was sent%n",
        (System.nanoTime() - sent) / 1_000_000);
    // Again from raw hits: every report answered by recompute (the code that rebuilds days) equals the truth too.
    AccuracyCheck raw = new AccuracyCheck(URI.create("http://127.0.0.1:" + node.queryPort), token, true);
    assertThat(raw.check(result.truth())).as("differences from %s, recomputed from raw hits", truthFile).isEmpty();

    // The check does see a difference: one count off by one in the truth is exactly one difference.
    JsonObject tampered = result.truth().copy();
    JsonObject totals = tampered.getJsonArray("properties").getJsonObject(1).getJsonArray("reports").getJsonObject(0)
        .getJsonArray("rows").getJsonObject(0).getJsonObject("metrics");
    totals.put("eventCount", totals.getLong("eventCount") + 1);
    assertThat(check.check(tampered)).singleElement().asString().contains("[\"date\"]", "eventCount expected");
  }

  @Test
  @Order(2)
  void theSameNumbersAfterAKillOfTheSparkJobAndOfANodeMidStream() throws Exception {
    List<TrafficPlan.Property> properties = List.of(property("Shop after faults", 0), blog("Blog after faults", 1));
    TrafficPlan.Options options = TrafficPlan.Options.defaults(20261207, LoadgenCli.mix("mixed"));
    // Paced, so that the faults fall in the middle of the stream: about 75 s of traffic over both collectors.
    Sender.Config config = new Sender.Config(List.of(URI.create("http://127.0.0.1:" + ingest.collectorPort),
        URI.create("http://127.0.0.1:" + node.collectorPort)), true, 40, 16, Duration.ofMinutes(3));
    long before;
    try (Admin kafka = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrap()))) {
      before = produced(kafka);
      CompletableFuture<LoadgenCli.Result> sending = CompletableFuture.supplyAsync(() -> {
        try {
          return LoadgenCli.generate(properties, options, 3_000, config, true);
        } catch (InterruptedException e) {
          throw new CompletionException(e);
        }
      });
      awaitProduced(kafka, before + 800, sending);
      long sparkKilled = System.nanoTime();
      spark.kill();
      spark.start();
      System.out.printf("AccuracyTest: Spark job killed and started again after %d hits%n", produced(kafka) - before);

      awaitProduced(kafka, before + 1_800, sending);
      ingest.kill();
      System.out.printf("AccuracyTest: node %s killed after %d hits%n", ingest.name(), produced(kafka) - before);
      ingest.restart();
      ingest.awaitReady(Duration.ofMinutes(3));
      System.out.printf("AccuracyTest: node %s ready again, Spark job killed %d s ago%n", ingest.name(),
          (System.nanoTime() - sparkKilled) / 1_000_000_000);

      LoadgenCli.Result result = sending.get(10, TimeUnit.MINUTES);
      Sender.Stats stats = result.stats();
      assertThat(stats.failures()).isEmpty();
      assertThat(stats.hits()).isGreaterThanOrEqualTo(3_000);
      // The stream went on while the node was down: some requests were retried on the other collector.
      assertThat(stats.retries()).isPositive();
      Path truthFile = Path.of("target", "loadgen-accuracy-faults-truth.json");
      Files.writeString(truthFile, result.truth().encodePrettily());
      System.out.printf("AccuracyTest (faults): sent %d hits (%d bots, %d duplicate requests, %d retries) in %d ms%n",
          stats.hits(), stats.bots(), stats.duplicateRequests(), stats.retries(), stats.elapsed().toMillis());

      AccuracyCheck check = new AccuracyCheck(URI.create("http://127.0.0.1:" + node.queryPort), token);
      await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(5))
          .failFast("the Spark job exited", () -> !spark.isAlive())
          .untilAsserted(() -> assertThat(check.check(result.truth())).as("differences from %s", truthFile).isEmpty());
      AccuracyCheck raw = new AccuracyCheck(URI.create("http://127.0.0.1:" + node.queryPort), token, true);
      assertThat(raw.check(result.truth())).as("differences from %s, recomputed from raw hits", truthFile).isEmpty();
    }
  }

  /** Waits until the hits topic has {@code offsets} records in all (the sender still at work). */
  private static void awaitProduced(Admin kafka, long offsets, CompletableFuture<?> sending) {
    await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200))
        .failFast("the sender stopped early", sending::isDone)
        .until(() -> produced(kafka) >= offsets);
  }

  /** The sum of the hits topic's end offsets. */
  private static long produced(Admin kafka) throws Exception {
    return new JsonObject(endOffsets(kafka)).getJsonObject(TOPIC).stream()
        .mapToLong(e -> ((Number) e.getValue()).longValue()).sum();
  }

  /**
   * A property whose zone puts local noon (+ {@code shift} hours) about now: hits dated by their receive time are
   * then nowhere near a local midnight, whatever time the test runs.
   */
  private static TrafficPlan.Property property(String name, int shift) throws Exception {
    return property(name, shift, null, null);
  }

  /**
   * A property with its own session settings, 10 minutes and 20 s (GA4: 30 minutes, 10 s): the truth counts by
   * them, and so must the stream (the collector stamps them on the hits) and recompute (the property's settings).
   */
  private static TrafficPlan.Property blog(String name, int shift) throws Exception {
    return property(name, shift, 10, 20);
  }

  private static TrafficPlan.Property property(String name, int shift, Integer timeoutMinutes, Integer engagedSeconds)
      throws Exception {
    int offset = 12 + shift - ZonedDateTime.now(ZoneOffset.UTC).getHour();
    offset = offset > 14 ? offset - 24 : offset < -12 ? offset + 24 : offset;
    // Etc/GMT zones count the other way round: Etc/GMT-5 is UTC+5.
    String zone = offset == 0 ? "Etc/UTC" : "Etc/GMT" + (offset > 0 ? "-" : "+") + Math.abs(offset);
    HttpResponse<String> r = new ApiClient(node.queryPort, token).post("/api/v1/admin/properties", new JsonObject()
        .put("name", name).put("timeZone", zone).put("keyEvents", List.of("sign_up", "purchase"))
        .put("sessionTimeoutMinutes", timeoutMinutes).put("engagedSessionSeconds", engagedSeconds).encode());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    JsonObject p = new JsonObject(r.body());
    assertThat(p.getInteger("sessionTimeoutMinutes")).isEqualTo(timeoutMinutes == null ? 30 : timeoutMinutes);
    return new TrafficPlan.Property(p.getString("propertyId"), p.getString("apiSecret"), ZoneId.of(zone),
        p.getLong("sessionTimeoutMinutes") * 60_000, p.getLong("engagedSessionSeconds") * 1000);
  }

  /** The hits topic's end offsets, as Spark's startingOffsets JSON. */
  private static String endOffsets(Admin kafka) throws Exception {
    var partitions = kafka.describeTopics(List.of(TOPIC)).allTopicNames().get(60, TimeUnit.SECONDS).get(TOPIC)
        .partitions();
    Map<TopicPartition, OffsetSpec> request = new java.util.HashMap<>();
    partitions.forEach(p -> request.put(new TopicPartition(TOPIC, p.partition()), OffsetSpec.latest()));
    Map<String, Object> offsets = new TreeMap<>();
    kafka.listOffsets(request).all().get(60, TimeUnit.SECONDS)
        .forEach((tp, info) -> offsets.put(Integer.toString(tp.partition()), info.offset()));
    return new JsonObject().put(TOPIC, new JsonObject(offsets)).encode();
  }
}
