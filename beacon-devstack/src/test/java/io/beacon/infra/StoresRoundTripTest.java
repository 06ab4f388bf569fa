package io.beacon.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.datastax.oss.driver.api.core.cql.Row;
import com.influxdb.client.domain.WritePrecision;
import com.influxdb.client.reactive.InfluxDBClientReactive;
import com.influxdb.client.reactive.InfluxDBClientReactiveFactory;
import io.beacon.devstack.LocalStack;
import io.beacon.infra.clients.Clients;
import io.beacon.infra.config.BeaconConfig;
import io.beacon.infra.schema.CassandraSchema;
import io.beacon.infra.schema.QuestDbSchema;
import io.beacon.testing.RealStack;
import io.beacon.testing.TestConfigs;
import io.reactivex.rxjava3.core.Flowable;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A round trip through each real store with Beacon's own clients and schema. */
@ExtendWith(RealStack.class)
class StoresRoundTripTest {
  private static Vertx vertx;
  private static Clients clients;
  private static BeaconConfig config;
  private static LocalStack stack;

  @BeforeAll
  static void setUp(LocalStack s) {
    stack = s;
    vertx = Vertx.vertx();
    config = TestConfigs.forStack(s, Map.of());
    clients = new Clients(vertx, config);
  }

  @AfterAll
  static void tearDown() throws Exception {
    clients.close();
    join(vertx.close());
  }

  @Test
  void kafkaRecordProducedIsConsumed() throws Exception {
    String topic = "roundtrip-" + UUID.randomUUID();
    clients.kafkaAdmin().createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
    Map<String, String> common = Map.of("bootstrap.servers", config.kafka().bootstrap());
    KafkaProducer<String, String> producer = KafkaProducer.create(vertx, merge(common, Map.of(
        "key.serializer", "org.apache.kafka.common.serialization.StringSerializer",
        "value.serializer", "org.apache.kafka.common.serialization.StringSerializer",
        "acks", "all", "enable.idempotence", "true")));
    var meta = join(producer.send(KafkaProducerRecord.create(topic, "B-TEST:client-1", "{\"hello\":\"kafka\"}")));
    assertThat(meta.getOffset()).isZero();

    List<KafkaConsumerRecord<String, String>> got = new CopyOnWriteArrayList<>();
    KafkaConsumer<String, String> consumer = KafkaConsumer.create(vertx, merge(common, Map.of(
        "key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer",
        "value.deserializer", "org.apache.kafka.common.serialization.StringDeserializer",
        "group.id", "roundtrip-" + UUID.randomUUID(), "auto.offset.reset", "earliest")));
    consumer.handler(got::add);
    join(consumer.subscribe(topic));
    await().atMost(Duration.ofSeconds(60)).until(() -> !got.isEmpty());
    assertThat(got.get(0).key()).isEqualTo("B-TEST:client-1");
    assertThat(got.get(0).value()).isEqualTo("{\"hello\":\"kafka\"}");
    join(consumer.close());
    join(producer.close());
  }

  @Test
  void cassandraRowWrittenIsRead() throws Exception {
    join(CassandraSchema.apply(vertx, config.cassandra()));
    String id = "B-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
    var insert = join(clients.cassandra().prepare(
        "INSERT INTO properties (property_id, name, time_zone, allowed_hostnames) VALUES (?, ?, ?, ?)"));
    join(clients.cassandra().execute(insert.bind(id, "Round trip", "Europe/Berlin", Set.of("example.com"))));
    var select = join(clients.cassandra().prepare("SELECT name, time_zone, allowed_hostnames FROM properties WHERE property_id = ?"));
    List<Row> rows = join(clients.cassandra().executeWithFullFetch(select.bind(id)));
    assertThat(rows).hasSize(1);
    assertThat(rows.get(0).getString("name")).isEqualTo("Round trip");
    assertThat(rows.get(0).getString("time_zone")).isEqualTo("Europe/Berlin");
    assertThat(rows.get(0).getSet("allowed_hostnames", String.class)).containsExactly("example.com");
  }

  @Test
  void questdbHitWrittenByLineProtocolIsReadOverPgWire() throws Exception {
    join(QuestDbSchema.apply(clients.questdb()));
    String requestId = UUID.randomUUID().toString();
    long tsMicros = System.currentTimeMillis() * 1000;
    String line = "hits,property_id=B-RT,event_name=page_view client_id=\"c-1\",request_id=\"" + requestId
        + "\",page_path=\"/pricing\",engagement_ms=1500i,session_engaged=true " + tsMicros;
    try (InfluxDBClientReactive influx = InfluxDBClientReactiveFactory.create(
        stack.questdbHttpUrl(), "unused".toCharArray(), "beacon", "beacon")) {
      Flowable.fromPublisher(influx.getWriteReactiveApi().writeRecord(WritePrecision.US, line)).blockingSubscribe();
    }
    // Rows become visible once QuestDB applies its WAL (about a second).
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
      var rows = join(clients.questdb().preparedQuery(
          "SELECT property_id, client_id, page_path, engagement_ms, session_engaged FROM hits WHERE request_id = $1")
          .execute(Tuple.of(requestId)));
      assertThat(rows.size()).isEqualTo(1);
      var row = rows.iterator().next();
      assertThat(row.getString("property_id")).isEqualTo("B-RT");
      assertThat(row.getString("client_id")).isEqualTo("c-1");
      assertThat(row.getString("page_path")).isEqualTo("/pricing");
      assertThat(row.getLong("engagement_ms")).isEqualTo(1500L);
      assertThat(row.getBoolean("session_engaged")).isTrue();
    });
  }

  private static Map<String, String> merge(Map<String, String> a, Map<String, String> b) {
    var m = new java.util.HashMap<>(a);
    m.putAll(b);
    return m;
  }

  static <T> T join(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
