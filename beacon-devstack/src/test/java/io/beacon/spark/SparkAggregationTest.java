package io.beacon.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.Row;
import io.beacon.devstack.LocalStack;
import io.beacon.model.Hit;
import io.beacon.store.topic.HitCodec;
import io.beacon.store.topic.Topics;
import io.beacon.model.aggregation.BucketKey;
import io.beacon.model.aggregation.DirtyBucket;
import io.beacon.model.aggregation.Granularity;
import io.beacon.model.aggregation.MetricState;
import io.beacon.testing.AggregateAssertions;
import io.beacon.testing.HitStream;
import io.beacon.testing.ReferenceAggregation;
import io.beacon.testing.RealStack;
import io.beacon.testing.SparkJobProcess;
import io.beacon.testing.TestConfigs;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Spark job ({@code spark-job/}, a child JVM on {@code local[2]}) against the real Kafka and Cassandra:
 * what lands in {@code agg_buckets} must equal the independent reference computation for totals and every
 * precomputed dimension by hour and day, also across a {@code kill -9} of the job and a Cassandra restart.
 * The streams carry retries (a hit produced again with the same property, client and request id, as after
 * a collector crash) within a micro-batch, across micro-batches and across the {@code kill -9}; the reference
 * counts each request once, so every retry the job counted would show as a difference.
 */
@ExtendWith(RealStack.class)
class SparkAggregationTest {

  /** Generous: Spark's first micro-batch comes 7-15 s after JVM start on an idle machine, more under load. */
  private static final Duration FIRST_ANSWER = Duration.ofMinutes(5);

  private static LocalStack stack;
  private static CqlSession session;
  private static Path work;
  private final List<SparkJobProcess> jobs = new ArrayList<>();

  @BeforeAll
  static void schema(LocalStack s) throws Exception {
    stack = s;
    ensureSideTopics();
    work = Path.of(System.getProperty("beacon.home", "")).toAbsolutePath().resolve("target/test-stack/spark");
    for (String keyspace : List.of("beacon_spark_it", "beacon_spark_kill", "beacon_spark_cap")) {
      TestConfigs.applyCassandraSchema(stack, keyspace);
      HitStream.ZONES.forEach((property, zone) -> cql().execute("INSERT INTO " + keyspace
          + ".properties (property_id, time_zone) VALUES (?, ?)", property, zone.getId()));
    }
  }

  /**
   * The job's side-output topics, with one partition if missing (the schema step only ever grows a topic, so
   * a later run of it still applies its own partition count).
   */
  private static void ensureSideTopics() throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrap()))) {
      Set<String> existing = admin.listTopics().names().get(60, TimeUnit.SECONDS);
      List<NewTopic> missing = new ArrayList<>();
      for (String topic : List.of(Topics.DIRTY_BUCKETS, Topics.DEAD_LETTER)) {
        if (!existing.contains(topic)) {
          missing.add(new NewTopic(topic, 1, (short) 1));
        }
      }
      admin.createTopics(missing).all().get(60, TimeUnit.SECONDS);
    }
  }

  @AfterEach
  void stopJobs() throws InterruptedException {
    for (SparkJobProcess job : jobs) {
      job.close();
    }
  }

  @Test
  void everyPrecomputedRowEqualsTheReferenceIncludingLateAndOutOfOrderHits() throws Exception {
    String topic = "beacon.hits.spark-it";
    createTopic(topic);
    List<Hit> hits = HitStream.generate(42, 600, System.currentTimeMillis());
    ReferenceAggregation ref = ReferenceAggregation.of(hits, HitStream.ZONES);
    // All of it is in Kafka before the job starts, so the copies land in the original's micro-batch.
    produce(topic, withRetries(hits, 10, 0, hits.size() / 4));
    // Records that are not hits, one of them twice: the de-duplication must pass each to the dead letters.
    byte[] garbage = "{not a hit".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] noRequestId = "{\"property_id\":\"p\",\"client_id\":\"c\",\"ts\":1}".getBytes(
        java.nio.charset.StandardCharsets.UTF_8);
    produceRaw(topic, List.of(garbage, garbage, noRequestId));

    long started = System.nanoTime();
    SparkJobProcess job = job("it", topic, "beacon_spark_it", List.of());
    awaitExactly(job, "beacon_spark_it", ref);
    System.out.printf("spark-it: %d hits aggregated, readable %.1f s after job start%n", hits.size(),
        (System.nanoTime() - started) / 1e9);
    // Hits beyond 72 h are not in any row (above) but reported for recompute.
    Map<String, Set<Long>> dirty = dirtyDays();
    ref.dirtyDays.forEach((property, days) -> assertThat(dirty.get(property)).as(property).containsAll(days));
    assertThat(deadLetters(topic)).as("dead letters from " + topic).isEqualTo(3);
  }

  @Test
  void killMinus9AndCassandraRestartMidStreamCountEveryHitExactlyOnce() throws Exception {
    String topic = "beacon.hits.spark-kill";
    createTopic(topic);
    // Each client's events in event-time order, and a client's all in one part: the stream is exact for in-order
    // traffic (a session settles once its client is quiet), and this test is about the kill and the restart, not
    // about out-of-order sessions (the first test: all in one batch; ClientStateProperties: any order).
    List<Hit> generated = HitStream.generate(99, 600, System.currentTimeMillis());
    List<Hit> hits = new ArrayList<>(generated.stream().filter(h -> Math.floorMod(h.clientId().hashCode(), 3) != 0)
        .sorted(java.util.Comparator.comparingLong(Hit::ts)).toList());
    int cut = hits.size();
    hits.addAll(generated.stream().filter(h -> Math.floorMod(h.clientId().hashCode(), 3) == 0)
        .sorted(java.util.Comparator.comparingLong(Hit::ts)).toList());
    ReferenceAggregation ref = ReferenceAggregation.of(hits, HitStream.ZONES);
    // Copies right after their original and copies of the first ninth at the end: with 150-record batches
    // the first are mostly in the original's batch, the second in a later one.
    List<Hit> firstPart = withRetries(hits.subList(0, cut), 10, 0, cut / 3);
    produce(topic, firstPart);

    // Small micro-batches, so the kill lands while batches are being written.
    // A session settles 90 s after its client's last event arrived: longer than a batch stalled by the Cassandra
    // restart or the kill, so no session is counted before its last event is read.
    List<String> small = List.of("--max-offsets-per-trigger=150", "--trigger=500 milliseconds",
        "--session-settle=PT90S");
    SparkJobProcess first = job("kill", topic, "beacon_spark_kill", small);
    // Killed once two batches are committed (so the restart resumes from checkpointed de-duplication state,
    // not only from an empty one), while later ones are being written.
    Path commits = work.resolve("checkpoint-kill").resolve("commits");
    await().atMost(FIRST_ANSWER).pollInterval(Duration.ofMillis(100))
        .failFast("the job exited: " + first.log(), () -> !first.isAlive())
        .until(() -> Files.exists(commits.resolve("1")));
    first.kill();
    assertThat(counted("beacon_spark_kill")).as("killed before it finished").isLessThan(ref.counted);

    // Across the kill: copies of every 7th hit of the first part (whose originals the killed job partly
    // counted, so the restarted job knows them only from its checkpointed state) among the rest.
    List<Hit> secondPart = new ArrayList<>(hits.subList(cut, hits.size()));
    int acrossKill = 0;
    for (int i = 0; i < cut; i += 7) {
      secondPart.add(Math.min(secondPart.size(), i / 7 * 3), retry(hits.get(i)));
      acrossKill++;
    }
    produce(topic, secondPart);
    int metricsPort = freePort();
    List<String> withMetrics = new ArrayList<>(small);
    withMetrics.add("--metrics-port=" + metricsPort);
    SparkJobProcess second = job("kill", topic, "beacon_spark_kill", withMetrics);
    // Once the restarted job has completed a batch, restart Cassandra under it: its writes retry and resume.
    HttpClient http = HttpClient.newHttpClient();
    await().atMost(FIRST_ANSWER).pollInterval(Duration.ofMillis(500))
        .failFast("the job exited: " + second.log(), () -> !second.isAlive())
        // Spark's progress event (the gauges below) follows the batch asynchronously: wait for both.
        .until(() -> metric(http, metricsPort, "beacon_spark_batches_total") >= 1
            && metric(http, metricsPort, "beacon_spark_batch_duration_seconds") >= 0);
    String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
        .build(), HttpResponse.BodyHandlers.ofString()).body();
    assertThat(metrics).contains("beacon_spark_input_rows_per_second", "beacon_spark_processed_rows_per_second",
        "beacon_spark_batch_duration_seconds", "beacon_spark_state_rows", "beacon_spark_watermark_seconds");
    stack.cassandra().restart();

    awaitExactly(second, "beacon_spark_kill", ref);
    assertThat(metric(http, metricsPort, "beacon_spark_hits_total")).isPositive();
    // The restarted job read every copy of the second part (and any of the first the killed job had not):
    // each of them dropped, none as late.
    int copies = firstPart.size() - cut + acrossKill;
    int secondPartCopies = acrossKill;
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
        .until(() -> metric(http, metricsPort, "beacon_spark_duplicates_total") >= secondPartCopies);
    assertThat(metric(http, metricsPort, "beacon_spark_duplicates_total")).isLessThanOrEqualTo(copies);
    assertThat(metric(http, metricsPort, "beacon_spark_dedup_late_rows_total")).isZero();
    // Every hit counted has a receive-to-aggregate delay (HitStream's receive times are made up: only its presence
    // is checked here; JobMetricsTest checks the figures).
    assertThat(metric(http, metricsPort, "beacon_spark_sink_delay_seconds_count")).isPositive();
  }

  /**
   * A flood of distinct page paths on one local day, past a cap of 20: at most 20 paths keep rows of their own by day
   * and by hour, the rest count under "(other)", so the rows still add up to every hit; totals are exact; and the day
   * is on the dirty-buckets topic, so recompute rebuilds it with its top 20 once it is closed.
   */
  @Test
  void aFloodOfDistinctValuesIsCappedIntoOtherAndTheDayGoesToRecompute() throws Exception {
    String topic = "beacon.hits.spark-cap";
    createTopic(topic);
    int cap = 20;
    String property = "P-cap";
    long now = System.currentTimeMillis();
    long dayStart = java.time.LocalDate.now(java.time.ZoneOffset.UTC).minusDays(1)
        .atStartOfDay(java.time.ZoneOffset.UTC).toInstant().toEpochMilli();
    List<Hit> hits = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      for (int e = 0; e <= i % 3; e++) {
        long ts = dayStart + (i % 24) * 3_600_000L + i * 1_000L + e;
        hits.add(Hit.builder().propertyId(property).clientId("c" + i).requestId("r" + i + "-" + e).sessionId("s" + i)
            .eventName("page_view").pagePath(String.format("/flood/%03d", i)).ts(ts).receivedAt(now).build());
      }
    }
    produce(topic, hits);
    SparkJobProcess job = job("cap", topic, "beacon_spark_cap", List.of("--max-values-per-dimension=" + cap));
    String pagePath = io.beacon.model.aggregation.Dimension.PAGE_PATH.apiName();
    java.util.concurrent.atomic.AtomicReference<Map<BucketKey, MetricState>> last =
        new java.util.concurrent.atomic.AtomicReference<>();
    await().atMost(FIRST_ANSWER).pollInterval(Duration.ofSeconds(2))
        .failFast("the job exited (" + job.log() + ")", () -> !job.isAlive())
        .until(() -> {
          last.set(readAll("beacon_spark_cap"));
          long total = 0;
          long byPath = 0;
          for (Map.Entry<BucketKey, MetricState> e : last.get().entrySet()) {
            BucketKey k = e.getKey();
            if (k.granularity() == Granularity.DAY && k.bucketStart() == dayStart) {
              total += k.isTotal() ? e.getValue().eventCount() : 0;
              byPath += k.dimension().equals(pagePath) ? e.getValue().eventCount() : 0;
            }
          }
          return total == hits.size() && byPath == hits.size();
        });
    Map<BucketKey, MetricState> rows = last.get();
    Map<String, MetricState> dayRows = new HashMap<>();
    rows.forEach((k, v) -> {
      if (k.granularity() == Granularity.DAY && k.bucketStart() == dayStart && k.dimension().equals(pagePath)) {
        dayRows.put(k.value(), v);
      }
    });
    assertThat(dayRows).hasSizeLessThanOrEqualTo(cap + 1)
        .containsKey(io.beacon.model.aggregation.CardinalityCap.OTHER);
    // Each row against the hits it stands for (the paths with rows of their own, the others in (other)).
    Map<String, Long> events = new HashMap<>();
    Map<String, Set<String>> users = new HashMap<>();
    Map<Long, Long> eventsByHour = new HashMap<>();
    for (Hit h : hits) {
      String value = dayRows.containsKey(h.pagePath()) ? h.pagePath()
          : io.beacon.model.aggregation.CardinalityCap.OTHER;
      events.merge(value, 1L, Long::sum);
      users.computeIfAbsent(value, v -> new HashSet<>()).add(h.clientId());
      eventsByHour.merge(Granularity.HOUR.bucketStart(h.ts(), java.time.ZoneOffset.UTC), 1L, Long::sum);
    }
    dayRows.forEach((value, state) -> {
      assertThat(state.eventCount()).as(value).isEqualTo(events.get(value));
      assertThat(state.screenPageViews()).as(value).isEqualTo(events.get(value));
      assertThat(state.users()).as(value).isEqualTo(users.get(value).size());
    });
    // Hours follow their day: no value the day folded has an hour row, and each hour's rows add up to its hits.
    Map<Long, Long> byHour = new HashMap<>();
    rows.forEach((k, v) -> {
      if (k.granularity() == Granularity.HOUR && k.dimension().equals(pagePath) && k.propertyId().equals(property)) {
        assertThat(dayRows).as("hour row " + k).containsKey(k.value());
        byHour.merge(k.bucketStart(), v.eventCount(), Long::sum);
      }
    });
    assertThat(byHour).isEqualTo(eventsByHour);
    MetricState totals = rows.get(new BucketKey(property, Granularity.DAY, Granularity.DAY.period(dayStart,
        java.time.ZoneOffset.UTC), dayStart, BucketKey.TOTAL, BucketKey.TOTAL_VALUE));
    assertThat(totals.eventCount()).isEqualTo(hits.size());
    assertThat(totals.users()).isEqualTo(150);
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
        .until(() -> dirtyDays().getOrDefault(property, Set.of()).contains(dayStart));
  }

  private static double metric(HttpClient http, int port, String name) {
    try {
      String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
      for (String line : body.split("\n")) {
        if (line.startsWith(name + " ")) {
          return Double.parseDouble(line.substring(name.length() + 1));
        }
      }
      return -1;
    } catch (java.io.IOException e) {
      return -1; // not serving yet
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static int freePort() throws java.io.IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Test
  void unreachableKafkaOrCassandraAtStartExitsWithCode1() throws Exception {
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    SparkJobProcess noKafka = job("no-kafka", Topics.DIRTY_BUCKETS, "beacon_spark_it",
        List.of("--kafka-bootstrap=127.0.0.1:" + closed, "--startup-timeout=PT5S"));
    assertThat(noKafka.awaitExit(Duration.ofMinutes(2))).isEqualTo(1);
    assertThat(noKafka.logTail(20)).contains("Kafka unreachable at 127.0.0.1:" + closed);

    // Any topic that exists (the side topics are made in @BeforeAll), so the Kafka check passes.
    SparkJobProcess noCassandra = job("no-cassandra", Topics.DIRTY_BUCKETS, "beacon_spark_it",
        List.of("--cassandra-contact-points=127.0.0.1:" + closed, "--startup-timeout=PT5S"));
    assertThat(noCassandra.awaitExit(Duration.ofMinutes(2))).isEqualTo(1);
    assertThat(noCassandra.logTail(20)).contains("Cassandra unreachable at [127.0.0.1:" + closed + "]");
  }

  // ---- helpers

  private SparkJobProcess job(String name, String topic, String keyspace, List<String> extra) throws Exception {
    List<String> args = new ArrayList<>(List.of("--master=local[2]", "--kafka-bootstrap=" + stack.kafkaBootstrap(),
        "--cassandra-contact-points=" + stack.cassandraContactPoint(), "--keyspace=" + keyspace, "--topic=" + topic,
        "--checkpoint=" + work.resolve("checkpoint-" + name), "--trigger=2 seconds"));
    args.addAll(extra);
    SparkJobProcess job = new SparkJobProcess(args, work.resolve("spark-job-" + name + ".log")).start();
    jobs.add(job);
    return job;
  }

  /**
   * Waits until every row in Cassandra equals the reference (no row missing, none extra); fails at once if
   * the job dies, and after {@link #FIRST_ANSWER} if it never gets there (e.g. no micro-batch ever arrives).
   * Overcounting cannot pass by waiting: the last comparison's difference is the failure message.
   */
  private static void awaitExactly(SparkJobProcess job, String keyspace, ReferenceAggregation ref) {
    await().atMost(FIRST_ANSWER).pollInterval(Duration.ofSeconds(3))
        .failFast("the job exited (" + job.log() + ")", () -> !job.isAlive())
        .conditionEvaluationListener(c -> {
          if (c.getRemainingTimeInMS() <= 0) {
            System.out.println(job.logTail(40));
          }
        })
        // A read may fail while the test's session reconnects after the Cassandra restart: poll again.
        .ignoreExceptionsMatching(e -> e instanceof com.datastax.oss.driver.api.core.DriverException)
        .untilAsserted(() -> AggregateAssertions.assertMatches(ref, readAll(keyspace)));
  }

  /** Non-late hits (bots included) in the day totals rows. */
  private static long counted(String keyspace) {
    long total = 0;
    for (Map.Entry<BucketKey, MetricState> e : readAll(keyspace).entrySet()) {
      if (e.getKey().isTotal() && e.getKey().granularity() == Granularity.DAY) {
        total += e.getValue().eventCount() + e.getValue().botHits();
      }
    }
    return total;
  }

  static Map<BucketKey, MetricState> readAll(String keyspace) {
    Map<BucketKey, MetricState> rows = new HashMap<>();
    {
      for (Row r : cql().execute("SELECT * FROM " + keyspace + ".agg_buckets")) {
        BucketKey key = new BucketKey(r.getString("property_id"), Granularity.ofCode(r.getString("granularity")),
            r.getString("period"), r.getInstant("bucket_start").toEpochMilli(), r.getString("dimension"),
            r.getString("dim_value"));
        rows.put(key, MetricState.of(r.getLong("screen_page_views"), r.getLong("event_count"),
            r.getLong("key_events"), r.getLong("engagement_ms"), r.getLong("new_users"), r.getLong("bot_hits"),
            bytes(r.getByteBuffer("users_hll")), bytes(r.getByteBuffer("sessions_hll")),
            bytes(r.getByteBuffer("engaged_sessions_hll")), bytes(r.getByteBuffer("active_users_hll"))));
      }
    }
    return rows;
  }

  private static byte[] bytes(ByteBuffer b) {
    if (b == null) {
      return null;
    }
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }

  private static synchronized CqlSession cql() {
    if (session == null) {
      String[] hostPort = stack.cassandraContactPoint().split(":");
      // 30 s, not the driver's 2 s: full scans of the test keyspaces on a loaded 2-core machine.
      session = CqlSession.builder().withLocalDatacenter("datacenter1")
          .withConfigLoader(DriverConfigLoader.programmaticBuilder()
              .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(30))
              // back within seconds after the Cassandra restart (the default backs off to 60 s)
              .withDuration(DefaultDriverOption.RECONNECTION_MAX_DELAY, Duration.ofSeconds(2)).build())
          .addContactPoint(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1]))).build();
    }
    return session;
  }

  @AfterAll
  static void closeSession() {
    if (session != null) {
      session.close();
    }
  }

  private static void createTopic(String topic) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrap()))) {
      // As the schema step makes the hits topic: the broker's clock stamps records (the de-duplication's time).
      admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1).configs(Map.of(
          org.apache.kafka.common.config.TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime"))))
          .all().get(60, TimeUnit.SECONDS);
      // Produce only once every partition has its leader: an idempotent producer's first batches to a partition
      // still being set up were refused (NOT_LEADER_OR_FOLLOWER), and the batches behind them then failed with
      // OUT_OF_ORDER_SEQUENCE_NUMBER until they expired (seen: half the records of a test lost).
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
          .until(() -> admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic)
              .partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
    }
  }

  /**
   * The hits with retries as a collector crash makes them: after every {@code every}-th hit a copy of it,
   * and at the end copies of hits {@code [from, to)}. A copy has the original's ids and content; see
   * {@link #retry}.
   */
  private static List<Hit> withRetries(List<Hit> hits, int every, int from, int to) {
    List<Hit> out = new ArrayList<>();
    for (int i = 0; i < hits.size(); i++) {
      out.add(hits.get(i));
      if (i % every == 0) {
        out.add(retry(hits.get(i)));
      }
    }
    for (int i = from; i < to; i++) {
      out.add(retry(hits.get(i)));
    }
    return out;
  }

  /**
   * A client's retry of the hit through another collector node: same ids and content, received a second
   * later (kept identical for hits near the 72 h lateness limit, whose counting must not depend on which
   * copy the job keeps).
   */
  private static Hit retry(Hit h) {
    if (h.receivedAt() - h.ts() > Duration.ofHours(71).toMillis()) {
      return h;
    }
    return h.toBuilder()
        .receivedAt(h.receivedAt() + 1_000)
        .build();
  }

  private static void produceRaw(String topic, List<byte[]> values) throws Exception {
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerProps(), new StringSerializer(),
        new ByteArraySerializer())) {
      List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
      for (byte[] value : values) {
        sent.add(producer.send(new ProducerRecord<>(topic, "bad", value)));
      }
      producer.flush();
      for (var f : sent) {
        f.get(30, TimeUnit.SECONDS);
      }
    }
  }

  /** Records on the dead-letter topic that came from {@code topic} (the topic is shared by the suite). */
  private static int deadLetters(String topic) {
    int[] count = {0};
    readToEnd(Topics.DEAD_LETTER, r -> {
      var source = r.headers().lastHeader("source");
      if (source != null && new String(source.value(), java.nio.charset.StandardCharsets.UTF_8)
          .startsWith(topic + "/")) {
        count[0]++;
      }
    });
    return count[0];
  }

  /** Reads every record of {@code topic} from its beginning to its end offsets as of now. */
  private static void readToEnd(String topic, java.util.function.Consumer<ConsumerRecord<String, byte[]>> each) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrap());
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      await().atMost(Duration.ofSeconds(60)).until(() -> {
        consumer.poll(Duration.ofMillis(500)).forEach(each);
        return partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp));
      });
    }
  }

  private static Properties producerProps() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrap());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    return p;
  }

  private static void produce(String topic, List<Hit> hits) throws Exception {
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerProps(), new StringSerializer(),
        new ByteArraySerializer())) {
      List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
      for (Hit hit : hits) {
        sent.add(producer.send(new ProducerRecord<>(topic, hit.kafkaKey(), HitCodec.encode(hit))));
      }
      producer.flush();
      for (var f : sent) {
        f.get(30, TimeUnit.SECONDS); // a record Kafka did not take fails the test here, not as a wrong count later
      }
    }
  }

  /** Property -> day bucket starts reported on the dirty-buckets topic so far. */
  private static Map<String, Set<Long>> dirtyDays() {
    Map<String, Set<Long>> days = new HashMap<>();
    readToEnd(Topics.DIRTY_BUCKETS, r -> {
      DirtyBucket d = io.beacon.store.topic.DirtyBucketCodec.decode(r.value());
      days.computeIfAbsent(d.propertyId(), k -> new HashSet<>()).add(d.bucketStart());
    });
    return days;
  }
}
