package io.beacon.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.Row;
import io.beacon.testing.RealStack;
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

  /** Runs one SQL statement through QuestDB's REST endpoint and returns its JSON answer. */
  private JsonObject exec(String sql) throws Exception {
    URI uri = URI.create(stack.questdbHttpUrl() + "/exec?query=" + URLEncoder.encode(sql, StandardCharsets.UTF_8));
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("QuestDB answer to %s: %s", sql, response.body()).isEqualTo(200);
    return new JsonObject(response.body());
  }
}
