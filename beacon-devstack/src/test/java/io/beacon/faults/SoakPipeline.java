package io.beacon.faults;

import static org.awaitility.Awaitility.await;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.Row;
import io.beacon.devstack.LocalStack;
import io.beacon.store.topic.Topics;
import io.beacon.testing.ApiClient;
import io.beacon.testing.BenchMain;
import io.beacon.testing.Dashboard;
import io.beacon.testing.FreePorts;
import io.beacon.testing.HitsTopicTail;
import io.beacon.testing.NodeProcess;
import io.beacon.testing.SparkJobProcess;
import io.beacon.testing.SteadyHits;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
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
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * The whole pipeline on a real stack, as the soak and fault tests and the soak benchmark run it: two clustered
 * Beacon nodes as child processes ({@code soak-a}: collector, bridge, query, recompute; {@code soak-b}: collector,
 * bridge, query), the Spark aggregation job writing their keyspace, a {@link SteadyHits} stream over both
 * collectors, and a {@link HitsTopicTail} on the hits topic.
 *
 * <p>Accounting is per property: each phase of a run (the soak, then each fault) sends to a property of its own,
 * so a phase's numbers can be checked while the next phase streams. {@link #awaitIdentity} checks, for one
 * property, that every hit the collectors acknowledged is counted exactly once everywhere:
 * acknowledged = distinct request ids in Kafka (each acknowledged id among them) = rows in QuestDB = Cassandra day
 * totals ({@code event_count} for humans, {@code bot_hits} for bots) and, for humans, = the report API's
 * {@code eventCount}.
 */
final class SoakPipeline implements AutoCloseable {

  static final String KEYSPACE = "beacon_faults";
  static final String ADMIN = "faults-admin@example.com";
  private static final String ADMIN_PASSWORD = "faults test password";
  private static final Duration NODE_START = Duration.ofSeconds(300);
  /**
   * The cluster's failure detection (the default): with 3 s, as ClusterTest uses, nodes of this pipeline were
   * dropped as segmented while the shared 2-core machine ran at a load average of 20.
   */
  static final long FAILURE_DETECTION_MS = 10_000;

  final LocalStack stack;
  final String run = UUID.randomUUID().toString().replace("-", "").substring(0, 6).toUpperCase();
  final NodeProcess a;
  final NodeProcess b;
  final int sparkMetricsPort = FreePorts.one();
  final Instant startedAt = Instant.now();
  /** Processes a test stops on purpose (the watchdog leaves them alone). */
  final Set<Object> expectedDown = ConcurrentHashMap.newKeySet();
  /** Exits nobody asked for, e.g. "spark job exited with 3": the watchdog restarts them and notes them here. */
  final List<String> unexpectedExits = Collections.synchronizedList(new ArrayList<>());

  private final Path work;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "soak-watchdog");
    t.setDaemon(true);
    return t;
  });
  private HitsTopicTail tail;
  private SteadyHits hits;
  private CqlSession cql;
  private Vertx vertx;
  private Pool questdb;
  private String token;

  /** One phase's numbers; -1 where a store did not answer. */
  record Identity(String phase, String property, int sent, int ackedHumans, int ackedBots, long retries,
                  long kafkaRecords, long kafkaDistinct, long ackedMissingFromKafka, long questdbRows,
                  long questdbDistinct, long questdbHumans, long cassandraHumans, long cassandraBots,
                  long reportEvents, Map<String, String> rejected) {

    long acked() {
      return ackedHumans + ackedBots;
    }

    boolean holds() {
      return rejected.isEmpty() && ackedMissingFromKafka == 0 && kafkaDistinct == acked()
          && questdbRows == acked() && questdbDistinct == acked() && questdbHumans == ackedHumans
          && cassandraHumans == ackedHumans && cassandraBots == ackedBots && reportEvents == ackedHumans;
    }

    /** Cassandra counted more than was acknowledged: waiting cannot fix that (sums only grow). */
    boolean overcounted() {
      return cassandraHumans > ackedHumans || cassandraBots > ackedBots;
    }

    @Override
    public String toString() {
      return String.format("%s (%s): sent %d, acked %d humans + %d bots (%d retries) | kafka %d distinct ids in %d "
              + "records (%d duplicate records), %d acked ids missing | questdb %d rows, %d distinct, %d humans "
              + "| cassandra %d humans + %d bots | report eventCount %d%s", phase, property, sent, ackedHumans,
          ackedBots, retries, kafkaDistinct, kafkaRecords, kafkaRecords - kafkaDistinct, ackedMissingFromKafka,
          questdbRows, questdbDistinct, questdbHumans, cassandraHumans, cassandraBots, reportEvents,
          rejected.isEmpty() ? "" : " | REJECTED " + rejected.size() + ", e.g. " + rejected.values().iterator().next());
    }

    JsonObject toJson() {
      return new JsonObject().put("phase", phase).put("property", property).put("sent", sent)
          .put("ackedHumans", ackedHumans).put("ackedBots", ackedBots).put("retries", retries)
          .put("kafkaRecords", kafkaRecords).put("kafkaDistinct", kafkaDistinct)
          .put("ackedMissingFromKafka", ackedMissingFromKafka).put("questdbRows", questdbRows)
          .put("questdbDistinct", questdbDistinct).put("cassandraHumans", cassandraHumans)
          .put("cassandraBots", cassandraBots).put("reportEventCount", reportEvents).put("holds", holds());
    }
  }

  /** Thrown (not retried) when Cassandra already counts more hits than were acknowledged. */
  static final class Overcount extends IllegalStateException {
    Overcount(String message) {
      super(message);
    }
  }

  private SoakPipeline(LocalStack stack, Path work) {
    this.stack = stack;
    this.work = work.toAbsolutePath();
    NodeProcess.Cluster cluster = NodeProcess.Cluster.fresh(4, FAILURE_DETECTION_MS);
    a = new NodeProcess("soak-a", stack, cluster, nodeEnv(true));
    b = new NodeProcess("soak-b", stack, cluster, nodeEnv(false));
  }

  private Map<String, String> nodeEnv(boolean recompute) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("BEACON_NODE_VERTICLES_COLLECTOR_INSTANCES", "1");
    env.put("BEACON_NODE_VERTICLES_BRIDGE_INSTANCES", "1");
    env.put("BEACON_NODE_VERTICLES_QUERY_INSTANCES", "1");
    env.put("BEACON_NODE_VERTICLES_RECOMPUTE_INSTANCES", recompute ? "1" : "0");
    env.put("BEACON_CASSANDRA_KEYSPACE", KEYSPACE);
    env.put("BEACON_COLLECTOR_PROPERTY_REFRESH_MS", "500");
    env.put("BEACON_COLLECTOR_SPOOL_DIR", work.resolve("spool").toString());
    // Back within a second of QuestDB's restart (the default backs off to 10 s).
    env.put("BEACON_BRIDGE_RETRY_MAX_BACKOFF_MS", "1000");
    env.put("BEACON_QUERY_ADMIN_EMAIL", ADMIN);
    env.put("BEACON_QUERY_ADMIN_PASSWORD", ADMIN_PASSWORD);
    return env;
  }

  /** The property a phase's hits go to. */
  String property(String phase) {
    return "B-F" + run + phase.toUpperCase().replaceAll("[^A-Z0-9]", "");
  }

  /**
   * Starts nodes, job, tail and stream (to {@code phases.get(0)}'s property at {@code perSecond} hits/s), with
   * the properties of all {@code phases} created up front (UTC), and returns once hits are acknowledged.
   *
   * @param work throw-away directory (wiped): spools, the job's checkpoint and log
   */
  static SoakPipeline start(LocalStack stack, Path work, List<String> phases, int perSecond) throws Exception {
    BenchMain.deleteRecursively(work);
    Files.createDirectories(work);
    SoakPipeline p = new SoakPipeline(stack, work);
    try {
      p.startAll(phases, perSecond);
      return p;
    } catch (Exception | Error e) {
      p.close();
      throw e;
    }
  }

  private SparkJobProcess sparkJob;

  private void startAll(List<String> phases, int perSecond) throws Exception {
    long t0 = System.nanoTime();
    a.start();
    // The second node starts once the first has made the topics and tables: two nodes creating the Kafka
    // topics at once can fail one with TopicExistsException.
    cql = CqlSession.builder().withLocalDatacenter("datacenter1")
        .withConfigLoader(DriverConfigLoader.programmaticBuilder()
            .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(30))
            .withDuration(DefaultDriverOption.RECONNECTION_MAX_DELAY, Duration.ofSeconds(2)).build())
        .addContactPoint(contactPoint()).build();
    await("soak-a creating the hits topic and the " + KEYSPACE + " tables").atMost(NODE_START)
        .pollInterval(Duration.ofMillis(500)).ignoreExceptions()
        .failFast("soak-a exited", () -> !a.process().isAlive())
        .until(() -> hitsTopicExists() && cql.execute("SELECT table_name FROM system_schema.tables WHERE "
            + "keyspace_name = ? AND table_name IN ('agg_buckets', 'properties', 'api_tokens')", KEYSPACE)
            .all().size() >= 2);
    b.start();
    for (String phase : phases) {
      cql.execute("INSERT INTO " + KEYSPACE + ".properties (property_id, name, time_zone, allowed_hostnames) "
          + "VALUES (?, ?, 'UTC', {})", property(phase), "Soak " + phase);
    }
    tail = new HitsTopicTail(stack.kafkaBootstrap(), "B-F" + run);
    sparkJob = new SparkJobProcess(List.of("--master=local[2]", "--kafka-bootstrap=" + stack.kafkaBootstrap(),
        "--cassandra-contact-points=" + stack.cassandraContactPoint(), "--keyspace=" + KEYSPACE,
        "--checkpoint=" + work.resolve("checkpoint"), "--trigger=2 seconds", "--metrics-port=" + sparkMetricsPort,
        "--starting-offsets=" + tail.startingOffsetsJson()), work.resolve("spark-job.log")).start();
    awaitReadyLikeASupervisor(a);
    awaitReadyLikeASupervisor(b);
    Dashboard admin = Dashboard.login(a.queryPort, ADMIN, ADMIN_PASSWORD);
    HttpResponse<String> t = admin.post("/api/v1/tokens", "{\"name\":\"soak\"}");
    if (t.statusCode() != 201) {
      throw new IllegalStateException("token: " + t.statusCode() + " " + t.body());
    }
    token = new JsonObject(t.body()).getString("token");
    vertx = Vertx.vertx();
    questdb = PgBuilder.pool().with(new PoolOptions().setMaxSize(1))
        .connectingTo(new PgConnectOptions().setHost("127.0.0.1").setPort(stack.questdbPgPort())
            .setDatabase("qdb").setUser("admin").setPassword("quest")).using(vertx).build();
    List<IntSupplier> ports = List.of(() -> a.collectorPort, () -> b.collectorPort);
    hits = new SteadyHits(ports, run, 10).start(property(phases.get(0)), perSecond);
    SteadyHits.Ledger first = hits.ledger(property(phases.get(0)));
    try {
      await("the first hits acknowledged").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200))
          .until(() -> {
            if (!first.rejected.isEmpty()) {
              throw new IllegalStateException("the collector rejected hits: " + first);
            }
            return first.acknowledged() >= 10;
          });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("no hits acknowledged within 3 minutes: " + first + "; Kafka holds "
          + tail.counts(property(phases.get(0))).records() + " of them", e);
    }
    await("the Spark job's first micro-batch").atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(500))
        .failFast("the Spark job exited:\n" + sparkJob.logTail(30), () -> !sparkJob.isAlive())
        .until(() -> sparkBatches() >= 1);
    watchdog.scheduleWithFixedDelay(this::watch, 1, 1, TimeUnit.SECONDS);
    System.out.printf("soak pipeline %s up in %.1f s%n", run, (System.nanoTime() - t0) / 1e9);
  }

  /** Like a supervisor: a process that exits while nobody stops it on purpose is noted and started again. */
  private void watch() {
    try {
      if (!expectedDown.contains(sparkJob) && !sparkJob.isAlive()) {
        unexpectedExits.add(Instant.now() + " spark job exited with " + sparkJob.exitCode());
        sparkJob.start();
      }
      for (NodeProcess n : List.of(a, b)) {
        if (!expectedDown.contains(n) && !n.process().isAlive()) {
          unexpectedExits.add(Instant.now() + " " + n.name() + " exited with " + n.process().exitValue() + ":\n"
              + n.logTail());
          n.restart();
        }
      }
    } catch (Exception e) {
      unexpectedExits.add("watchdog: " + e);
    }
  }

  SteadyHits hits() {
    return hits;
  }

  SparkJobProcess sparkJob() {
    return sparkJob;
  }

  /** Heap of each node after warm-up and at the end of a soak, and what the stream did meanwhile. */
  record SoakResult(Duration duration, long sent, double ratePerSecond, Map<String, Map<String, Long>> heapWarm,
                    Map<String, Map<String, Long>> heapEnd, Map<String, Long> rssEndKb) {

    /** Growth allowed from warm-up to the end of the soak: 32 MB or a quarter of the warm live heap, the larger. */
    static long margin(long warm) {
      return Math.max(32L << 20, warm / 4);
    }

    /** Nodes whose live heap grew past {@link #margin}, with the numbers; empty when memory stayed flat. */
    List<String> heapGrowth() {
      List<String> grown = new ArrayList<>();
      heapWarm.forEach((node, warm) -> {
        long w = warm.get("heapUsedAfterGc");
        long e = heapEnd.get(node).get("heapUsedAfterGc");
        if (e > w + margin(w)) {
          grown.add(String.format("%s: live heap %d MB after warm-up, %d MB at the end (margin %d MB)", node,
              w >> 20, e >> 20, margin(w) >> 20));
        }
      });
      return grown;
    }

    JsonObject toJson() {
      return new JsonObject().put("seconds", duration.toSeconds()).put("sent", sent).put("ratePerSecond", ratePerSecond)
          .put("heapAfterWarmUp", new JsonObject(new LinkedHashMap<>(heapWarm)))
          .put("heapAtEnd", new JsonObject(new LinkedHashMap<>(heapEnd)))
          .put("rssAtEndKb", new JsonObject(new LinkedHashMap<>(rssEndKb)));
    }
  }

  /**
   * Keeps the stream going for {@code duration} (to the current property), sampling each node's live heap after
   * a third of it (warm-up) and at the end. Fails early if a process exits on its own meanwhile.
   */
  SoakResult soak(Duration duration) throws Exception {
    long sentBefore = hits.sent();
    Instant begin = Instant.now();
    holdFor(duration.dividedBy(3));
    Map<String, Map<String, Long>> warm = new LinkedHashMap<>();
    for (NodeProcess n : List.of(a, b)) {
      warm.put(n.name(), liveHeap(n));
    }
    holdFor(Duration.between(Instant.now(), begin.plus(duration)));
    Map<String, Map<String, Long>> end = new LinkedHashMap<>();
    for (NodeProcess n : List.of(a, b)) {
      end.put(n.name(), liveHeap(n));
    }
    Duration took = Duration.between(begin, Instant.now());
    long sent = hits.sent() - sentBefore;
    return new SoakResult(took, sent, sent * 1000.0 / took.toMillis(), warm, end, rss());
  }

  /** Lets the stream run for {@code d}, failing at once if a process of the pipeline exits on its own. */
  void holdFor(Duration d) {
    if (d.isNegative() || d.isZero()) {
      return;
    }
    long until = System.nanoTime() + d.toNanos();
    await("the stream running for " + d.toSeconds() + " s").atMost(d.plusSeconds(10))
        .pollInterval(Duration.ofMillis(250))
        .until(() -> {
          if (!unexpectedExits.isEmpty()) {
            throw new IllegalStateException("a process exited on its own: " + unexpectedExits);
          }
          return System.nanoTime() >= until;
        });
  }

  /** {@code kill -9} of the job, then a new one on the same checkpoint; returns once it has run a batch. */
  void killAndRestartSpark() throws Exception {
    expectedDown.add(sparkJob);
    try {
      sparkJob.kill();
      sparkJob.start();
      await("the restarted Spark job's first micro-batch").atMost(Duration.ofMinutes(5))
          .pollInterval(Duration.ofMillis(500))
          .failFast("the Spark job exited:\n" + sparkJob.logTail(30), () -> !sparkJob.isAlive())
          .until(() -> sparkBatches() >= 1);
    } finally {
      expectedDown.remove(sparkJob);
    }
  }

  /** Starts a node again (it is dead) and waits until ready, as {@link #awaitReadyLikeASupervisor}. */
  static void restartLikeASupervisor(NodeProcess node) throws Exception {
    node.restart();
    awaitReadyLikeASupervisor(node);
  }

  /**
   * Waits until a started node is ready; a start that fails with exit code 1 (a store not answering in time, as
   * happens on this saturated 2-core machine) is retried twice, as a supervisor would.
   */
  static void awaitReadyLikeASupervisor(NodeProcess node) throws Exception {
    for (int attempt = 1; ; attempt++) {
      try {
        node.awaitReady(NODE_START);
        return;
      } catch (AssertionError e) {
        if (attempt == 3 || node.process().isAlive() || node.process().exitValue() != 1) {
          throw e;
        }
        System.out.println(node.name() + " failed to start (exit 1), starting it again");
        node.restart();
      }
    }
  }

  /**
   * Waits for {@code phase}'s stream to settle (every hit acknowledged), then until the accounting identity
   * holds, and returns its numbers. Fails at once on a payload the collector rejected or on Cassandra counting
   * more than was acknowledged; else after {@code within} with the last numbers.
   */
  Identity awaitIdentity(String phase, Duration within) {
    String prop = property(phase);
    SteadyHits.Ledger ledger = hits.ledger(prop);
    await(phase + ": every hit acknowledged").atMost(within).pollInterval(Duration.ofMillis(200))
        .until(() -> ledger.outstanding() == 0);
    Identity[] last = new Identity[1];
    try {
      await(phase + ": accounting identity").atMost(within).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
        Identity id = measure(phase);
        last[0] = id;
        if (!id.rejected().isEmpty()) {
          throw new IllegalStateException("collector rejected hits: " + id);
        }
        if (id.overcounted()) {
          throw new Overcount("Cassandra counts more than was acknowledged"
              + (id.kafkaRecords() > id.kafkaDistinct() ? " (Kafka holds " + (id.kafkaRecords() - id.kafkaDistinct())
              + " records that repeat a request id: the Spark job does not de-duplicate them yet, see helper/sparkdedup)"
              : "") + ": " + id);
        }
        if (!id.holds()) {
          throw new AssertionError(id.toString());
        }
      });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(phase + ": the accounting identity did not hold within " + within + "; last: " + last[0], e);
    }
    return last[0];
  }

  /** The numbers of one phase now; -1 for a store that did not answer. */
  Identity measure(String phase) {
    String prop = property(phase);
    SteadyHits.Ledger ledger = hits.ledger(prop);
    Set<String> humans = Set.copyOf(ledger.humans);
    Set<String> bots = Set.copyOf(ledger.bots);
    HitsTopicTail.Counts kafka = tail.counts(prop);
    long missing = humans.stream().filter(id -> !kafka.humanIds().contains(id)).count()
        + bots.stream().filter(id -> !kafka.botIds().contains(id)).count();
    long[] q = questdbCounts(prop);
    long[] c = cassandraTotals(prop);
    return new Identity(phase, prop, ledger.sent(), humans.size(), bots.size(), ledger.retryCount(), kafka.records(),
        kafka.distinct(), missing, q[0], q[1], q[2], c[0], c[1], reportEventCount(prop), Map.copyOf(ledger.rejected));
  }

  /** {rows, distinct request ids, human rows} in QuestDB's raw table, over PG wire. */
  private long[] questdbCounts(String prop) {
    try {
      var rows = questdb.query("SELECT is_bot, count() n, count_distinct(request_id) d FROM hits WHERE property_id = '"
          + prop + "'").execute().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      long n = 0;
      long d = 0;
      long humans = 0;
      for (var r : rows) {
        n += r.getLong("n");
        d += r.getLong("d");
        if (!Boolean.TRUE.equals(r.getBoolean("is_bot"))) {
          humans += r.getLong("n");
        }
      }
      return new long[] {n, d, humans};
    } catch (Exception e) {
      return new long[] {-1, -1, -1};
    }
  }

  /** {event_count, bot_hits} summed over the property's day totals rows (every month of the run). */
  private long[] cassandraTotals(String prop) {
    try {
      Set<String> months = new TreeSet<>();
      DateTimeFormatter month = DateTimeFormatter.ofPattern("yyyy-MM").withZone(ZoneOffset.UTC);
      months.add(month.format(startedAt));
      months.add(month.format(Instant.now()));
      long events = 0;
      long bots = 0;
      for (String period : months) {
        for (Row r : cql.execute("SELECT event_count, bot_hits FROM " + KEYSPACE + ".agg_buckets WHERE property_id = ?"
            + " AND granularity = 'day' AND period = ? AND dimension = '(total)'", prop, period)) {
          events += r.getLong("event_count");
          bots += r.getLong("bot_hits");
        }
      }
      return new long[] {events, bots};
    } catch (RuntimeException e) {
      return new long[] {-1, -1};
    }
  }

  /** {@code eventCount} of the property from yesterday to today (UTC), from whichever node answers. */
  private long reportEventCount(String prop) {
    for (NodeProcess n : List.of(a, b)) {
      try {
        HttpResponse<String> r = new ApiClient(n.queryPort, token).post("/api/v1/properties/" + prop + ":runReport",
            "{\"dateRanges\":[{\"startDate\":\"yesterday\",\"endDate\":\"today\"}],\"metrics\":[{\"name\":\"eventCount\"}]}");
        if (r.statusCode() != 200) {
          continue;
        }
        JsonArray rows = new JsonObject(r.body()).getJsonArray("rows", new JsonArray());
        return rows.isEmpty() ? 0 : Long.parseLong(rows.getJsonObject(0).getJsonArray("metricValues")
            .getJsonObject(0).getString("value"));
      } catch (Exception e) {
        // that node is down: ask the other
      }
    }
    return -1;
  }

  private long sparkBatches() {
    try {
      String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sparkMetricsPort + "/metrics"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
      return (long) metric(body, "beacon_spark_batches_total");
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** The sum of a Prometheus metric's samples whose name and labels start with {@code prefix}; -1 if none. */
  static double metric(String body, String prefix) {
    double sum = 0;
    boolean found = false;
    for (String line : body.split("\n")) {
      if (line.startsWith(prefix) && (prefix.endsWith("\"") || " {".indexOf(line.charAt(prefix.length())) >= 0)) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        found = true;
      }
    }
    return found ? sum : -1;
  }

  /**
   * A node's live heap: a full GC through {@code jcmd <pid> GC.run}, then the heap in use from its {@code /metrics}
   * ({@code jvm_memory_used_bytes{area="heap"}} over all pools) and the old-gen live size after that GC
   * ({@code jvm_gc_live_data_size_bytes}). Without the GC, heap use mostly measures how full the young
   * generation happens to be.
   */
  static Map<String, Long> liveHeap(NodeProcess node) throws Exception {
    Process jcmd = new ProcessBuilder("jcmd", Long.toString(node.process().pid()), "GC.run")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    if (!jcmd.waitFor(60, TimeUnit.SECONDS) || jcmd.exitValue() != 0) {
      jcmd.destroyForcibly();
      throw new IllegalStateException("jcmd GC.run failed on " + node.name());
    }
    String body = node.get("/metrics").body();
    Map<String, Long> out = new LinkedHashMap<>();
    out.put("heapUsedAfterGc", (long) metric(body, "jvm_memory_used_bytes{area=\"heap\""));
    out.put("liveDataSize", (long) metric(body, "jvm_gc_live_data_size_bytes"));
    return out;
  }

  /**
   * Flushes Cassandra's schema tables to disk (StorageService {@code forceKeyspaceFlush} over the JVM's local JMX
   * agent, started through the attach API), so a {@code kill -9} right after keeps the schema. Only because the
   * shared test stack runs Cassandra with {@code -Dcassandra.unsafesystem=true} (DDL twice as fast): its schema
   * changes then live only in memtables, and without this flush a hard kill lost the keyspace ("keyspace
   * beacon_faults does not exist" after the restart). User tables need no help: their writes are in the commit log
   * (its skipped fsyncs cost nothing on a process crash: the page cache survives it).
   */
  void flushCassandraSchema() throws Exception {
    com.sun.tools.attach.VirtualMachine vm = com.sun.tools.attach.VirtualMachine.attach(Long.toString(stack.cassandra().pid()));
    String address;
    try {
      address = vm.startLocalManagementAgent();
    } finally {
      vm.detach();
    }
    try (javax.management.remote.JMXConnector jmx = javax.management.remote.JMXConnectorFactory.connect(
        new javax.management.remote.JMXServiceURL(address))) {
      jmx.getMBeanServerConnection().invoke(new javax.management.ObjectName("org.apache.cassandra.db:type=StorageService"),
          "forceKeyspaceFlush", new Object[] {"system_schema", new String[0]},
          new String[] {String.class.getName(), String[].class.getName()});
    }
  }

  /** Resident set size of a process (kB, from /proc/<pid>/status VmRSS), -1 if gone. */
  static long rssKb(long pid) {
    long bytes = io.beacon.testing.BenchMain.procStatusBytes(pid, "VmRSS");
    return bytes < 0 ? -1 : bytes / 1024;
  }

  /** RSS in kB of every process of the pipeline. */
  Map<String, Long> rss() {
    Map<String, Long> out = new LinkedHashMap<>();
    out.put(a.name(), rssKb(a.process().pid()));
    out.put(b.name(), rssKb(b.process().pid()));
    out.put("spark", rssKb(sparkJob.pid()));
    out.put("kafka", rssKb(stack.kafka().pid()));
    out.put("cassandra", rssKb(stack.cassandra().pid()));
    out.put("questdb", rssKb(stack.questdb().pid()));
    return out;
  }

  /** {@code /cluster} of a node: its member count, or -1 if it does not answer. */
  static int members(NodeProcess node) {
    try {
      return new JsonObject(node.get("/cluster").body()).getJsonArray("members").size();
    } catch (Exception e) {
      return -1;
    }
  }

  private boolean hitsTopicExists() throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrap()))) {
      return admin.listTopics().names().get(10, TimeUnit.SECONDS).contains(Topics.HITS);
    }
  }

  private InetSocketAddress contactPoint() {
    String[] hostPort = stack.cassandraContactPoint().split(":");
    return new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1]));
  }

  /** Stops the stream, the job and the nodes (the stack is the caller's). */
  @Override
  public void close() {
    watchdog.shutdownNow();
    if (hits != null) {
      hits.close();
    }
    try {
      if (sparkJob != null) {
        sparkJob.close();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    a.close();
    b.close();
    try {
      if (tail != null) {
        tail.close();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (cql != null) {
      cql.close();
    }
    if (vertx != null) {
      vertx.close();
    }
  }
}
