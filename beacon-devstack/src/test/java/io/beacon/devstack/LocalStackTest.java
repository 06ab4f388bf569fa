package io.beacon.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.Row;
import io.beacon.model.Hit;
import io.beacon.store.topic.HitCodec;
import io.beacon.testing.RealStack;
import io.beacon.testing.TestConfigs;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The local stack's servers really answer, through the same client libraries the app uses. */
@ExtendWith(RealStack.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LocalStackTest {

  private final LocalStack stack;
  private final HttpClient http = HttpClient.newHttpClient();

  LocalStackTest(LocalStack stack) {
    this.stack = stack;
  }

  @Test
  void kafkaCreatesTopicAndRoundTripsARecord() throws Exception {
    String topic = "devstack-smoke";
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrap()))) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(
        Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrap(), ProducerConfig.ACKS_CONFIG, "all"),
        new StringSerializer(), new StringSerializer())) {
      producer.send(new ProducerRecord<>(topic, "key", "hello kafka")).get(30, TimeUnit.SECONDS);
    }
    TopicPartition partition = new TopicPartition(topic, 0);
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(
        Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrap()),
        new StringDeserializer(), new StringDeserializer())) {
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      List<ConsumerRecord<String, String>> received = new ArrayList<>();
      // KafkaConsumer is single-threaded: poll it from the test thread.
      await().atMost(Duration.ofSeconds(30)).pollInSameThread().until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(received::add);
        return !received.isEmpty();
      });
      assertThat(received).extracting(ConsumerRecord::key, ConsumerRecord::value)
          .containsExactly(tuple("key", "hello kafka"));
    }
  }

  @Test
  void cassandraCreatesSchemaAndRoundTripsARow() {
    String[] hostPort = stack.cassandraContactPoint().split(":");
    try (CqlSession session = CqlSession.builder()
        .addContactPoint(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])))
        .withLocalDatacenter("datacenter1")
        // DDL takes seconds on a small machine; the driver's 2 s default times out.
        .withConfigLoader(DriverConfigLoader.programmaticBuilder()
            .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(30))
            .build())
        .build()) {
      session.execute("CREATE KEYSPACE IF NOT EXISTS devstack_smoke "
          + "WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
      session.execute("CREATE TABLE IF NOT EXISTS devstack_smoke.kv (k text PRIMARY KEY, v text)");
      session.execute("INSERT INTO devstack_smoke.kv (k, v) VALUES (?, ?)", "greeting", "hello cassandra");

      Row row = session.execute("SELECT v FROM devstack_smoke.kv WHERE k = ?", "greeting").one();

      assertThat(row).isNotNull();
      assertThat(row.getString("v")).isEqualTo("hello cassandra");
    }
  }

  @Test
  void questdbCreatesTableAndRoundTripsARow() throws Exception {
    exec("CREATE TABLE IF NOT EXISTS devstack_smoke (id LONG, name VARCHAR, ts TIMESTAMP) "
        + "TIMESTAMP(ts) PARTITION BY DAY WAL");
    exec("INSERT INTO devstack_smoke VALUES (1, 'hello questdb', now())");

    // WAL tables apply commits asynchronously (~1 s): poll until the row is visible.
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(exec("SELECT id, name FROM devstack_smoke").getJsonArray("dataset"))
            .containsExactly(new JsonArray().add(1).add("hello questdb")));
  }

  @Test
  void questdbSurvivesKillAndRestartWithItsData() throws Exception {
    ServerProcess questdb = stack.questdb();
    exec("CREATE TABLE IF NOT EXISTS devstack_restart (id LONG, ts TIMESTAMP) TIMESTAMP(ts) PARTITION BY DAY WAL");
    exec("INSERT INTO devstack_restart VALUES (42, now())");
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(exec("SELECT count() FROM devstack_restart").getJsonArray("dataset"))
            .containsExactly(new JsonArray().add(1)));
    long oldPid = questdb.pid();

    questdb.kill();

    assertThat(questdb.isAlive()).isFalse();
    assertThat(ProcessHandle.of(oldPid).filter(ProcessHandle::isAlive)).isEmpty();

    questdb.restart();

    assertThat(questdb.isAlive()).isTrue();
    assertThat(questdb.pid()).isNotEqualTo(oldPid);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(exec("SELECT id FROM devstack_restart").getJsonArray("dataset"))
            .containsExactly(new JsonArray().add(42)));
  }

  /**
   * What {@code beacon up} does once its node has created the schema: the stack starts the Spark aggregation
   * job as its child, a produced hit ends up aggregated in Cassandra, stopping it leaves no Spark process
   * behind, and a restart resumes from the checkpoint under the stack's data dir (the first hit is not counted
   * again). Own keyspace and topic: the job must not aggregate other tests' hits into their keyspaces.
   */
  @Test
  @Timeout(value = 8, unit = TimeUnit.MINUTES) // two Spark starts; 15-40 s each on a busy 2-core machine
  void aggregationJobAggregatesAHitStopsWithoutLeftoversAndResumesFromItsCheckpoint() throws Exception {
    String keyspace = "beacon_devstack";
    String topic = "beacon.hits.devstack";
    createAggregationSchema(keyspace, topic);
    // A 1 s trigger instead of up's 5 s only to keep the test short.
    List<String> jobArgs = List.of("--keyspace=" + keyspace, "--topic=" + topic, "--trigger=1 second",
        "--session-settle=PT1S");
    long ts = System.currentTimeMillis();
    String period = DateTimeFormatter.ofPattern("yyyy-MM").format(Instant.ofEpochMilli(ts).atZone(ZoneOffset.UTC));
    try (CqlSession cql = cql()) {
      ServerProcess job = stack.startAggregationJob(jobArgs);
      assertThat(job.isAlive()).isTrue();
      assertThat(job.logFile()).isEqualTo(stack.dataDir().resolve("logs").resolve("spark.log"));

      produce(topic, hit("r1", ts));
      awaitEventCount(cql, job, keyspace, period, 1);

      long pid = job.pid();
      List<ProcessHandle> tree = new ArrayList<>(ProcessHandle.of(pid).orElseThrow().descendants().toList());
      tree.add(ProcessHandle.of(pid).orElseThrow());
      stack.stopAggregationJob(); // what close() and the shutdown hook do first

      assertThat(job.isAlive()).isFalse();
      assertThat(tree).noneMatch(ProcessHandle::isAlive);
      assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine()
          .filter(line -> line.contains("io.beacon.spark.AggregationJob")
              && line.contains(stack.dataDir().toString()))
          .isPresent()))
          .as("Spark processes of this stack").isEmpty();

      job = stack.startAggregationJob(jobArgs);
      produce(topic, hit("r2", ts));
      // 2, not 3: the restarted query resumed after hit r1's offset (a fresh checkpoint would re-read it, and
      // a new query id would not be fenced off the row).
      awaitEventCount(cql, job, keyspace, period, 2);
    } finally {
      stack.stopAggregationJob();
    }
  }

  private void createAggregationSchema(String keyspace, String topic) throws Exception {
    TestConfigs.applyCassandraSchema(stack, keyspace);
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrap()))) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
    }
  }

  private void awaitEventCount(CqlSession cql, ServerProcess job, String keyspace, String period, long expected) {
    await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250))
        .failFast("the job exited; see " + job.logFile(), () -> !job.isAlive())
        .untilAsserted(() -> {
          Row row = cql.execute("SELECT event_count FROM " + keyspace + ".agg_buckets WHERE property_id = ?"
              + " AND granularity = 'day' AND period = ? AND dimension = '(total)'", "B-DEVSTACK", period).one();
          assertThat(row).as("day total of B-DEVSTACK").isNotNull();
          assertThat(row.getLong("event_count")).isEqualTo(expected);
        });
  }

  private void produce(String topic, Hit hit) throws Exception {
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
        Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrap(), ProducerConfig.ACKS_CONFIG, "all"),
        new StringSerializer(), new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(topic, hit.kafkaKey(), HitCodec.encode(hit))).get(30, TimeUnit.SECONDS);
    }
  }

  /** A page view of property B-DEVSTACK (no time zone row: counted in UTC) at {@code ts}, received now. */
  private static Hit hit(String requestId, long ts) {
    return Hit.builder()
        .propertyId("B-DEVSTACK")
        .clientId("client-1")
        .requestId(requestId)
        .sessionId("session-1")
        .sessionNumber(1)
        .ts(ts)
        .receivedAt(System.currentTimeMillis())
        .eventName("page_view")
        .engagementMs(1000L)
        .sessionEngaged(true)
        .keyEvent(false)
        .firstVisit(false)
        .sessionStart(false)
        .pageLocation("https://example.com/")
        .hostname("example.com")
        .pagePath("/")
        .pageTitle("Home")
        .source("(direct)")
        .medium("(none)")
        .deviceCategory("desktop")
        .browser("Firefox")
        .os("Linux")
        .screenResolution("1920x1080")
        .language("en-us")
        .country("DE")
        .isBot(false)
        .protocol("test")
        .schemaVersion(Hit.SCHEMA_VERSION)
        .build();
  }

  private CqlSession cql() {
    String[] hostPort = stack.cassandraContactPoint().split(":");
    return CqlSession.builder()
        .addContactPoint(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])))
        .withLocalDatacenter("datacenter1")
        .withConfigLoader(DriverConfigLoader.programmaticBuilder()
            .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(30))
            .build())
        .build();
  }

  /** Runs one SQL statement through QuestDB's REST endpoint and returns its JSON answer. */
  private JsonObject exec(String sql) throws Exception {
    URI uri = URI.create(stack.questdbHttpUrl() + "/exec?query=" + URLEncoder.encode(sql, StandardCharsets.UTF_8));
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("QuestDB answer to %s: %s", sql, response.body()).isEqualTo(200);
    return new JsonObject(response.body());
  }
}
