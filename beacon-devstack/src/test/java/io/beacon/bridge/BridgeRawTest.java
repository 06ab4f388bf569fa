package io.beacon.bridge;

import static io.beacon.bridge.BridgeTesting.count;
import static io.beacon.bridge.BridgeTesting.fullHit;
import static io.beacon.bridge.BridgeTesting.join;
import static io.beacon.bridge.BridgeTesting.produce;
import static io.beacon.bridge.BridgeTesting.sql;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.beacon.store.questdb.LineEncoder;
import io.beacon.store.questdb.LineProtocol;
import io.beacon.BeaconNode;
import io.beacon.devstack.LocalStack;
import io.beacon.model.Hit;
import io.beacon.store.topic.HitCodec;
import io.beacon.store.topic.Topics;
import io.beacon.testing.RealStack;
import io.micrometer.core.instrument.Counter;
import io.vertx.sqlclient.Row;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Raw hits from Kafka into QuestDB through a real bridge node: exactly once, every field, DLQ, outages. */
@ExtendWith(RealStack.class)
class BridgeRawTest {
  private static final Duration VISIBLE = Duration.ofSeconds(60);
  private static LocalStack stack;
  private static BeaconNode node;
  private static KafkaProducer<byte[], byte[]> producer;

  @BeforeAll
  static void start(LocalStack s) throws Exception {
    stack = s;
    node = BridgeTesting.startBridgeNode(s, "bridge-raw", Map.of("BEACON_BRIDGE_RAW_BATCH_SIZE", "200"));
    producer = BridgeTesting.producer(s);
  }

  @AfterAll
  static void stop() throws Exception {
    if (producer != null) {
      producer.close();
    }
    if (node != null) {
      join(node.close());
    }
  }

  @Test
  void everyHitLandsExactlyOnceWithEveryFieldIntact() throws Exception {
    String property = BridgeTesting.propertyId();
    long base = System.currentTimeMillis() - 60_000;
    List<Hit> hits = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      hits.add(fullHit(property, i, base + i * 7L));
    }
    // Retries of the same hits (same ts and request id), interleaved: they must collapse.
    List<Hit> sent = new ArrayList<>(hits);
    sent.addAll(hits.subList(100, 180));
    sent.addAll(hits.subList(0, 20));
    produce(producer, sent);

    await().atMost(VISIBLE).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
        assertThat(count(node, "SELECT count() FROM hits WHERE property_id = $1", property)).isEqualTo(500L));
    assertThat(count(node, "SELECT count_distinct(request_id) FROM hits WHERE property_id = $1", property)).isEqualTo(500L);

    Map<String, Hit> byRequest = new HashMap<>();
    hits.forEach(h -> byRequest.put(h.requestId(), h));
    int checked = 0;
    for (Row r : sql(node, "SELECT * FROM hits WHERE property_id = $1", property)) {
      Hit h = byRequest.get(r.getString("request_id"));
      assertThat(h).as("row %s", r.toJson()).isNotNull();
      assertThat(r.getLocalDateTime("ts")).isEqualTo(utc(h.ts()));
      assertThat(r.getLocalDateTime("received_at")).isEqualTo(utc(h.receivedAt()));
      assertThat(r.getString("property_id")).isEqualTo(h.propertyId());
      assertThat(r.getString("client_id")).isEqualTo(h.clientId());
      assertThat(r.getString("user_id")).isEqualTo(h.userId());
      assertThat(r.getString("session_id")).isEqualTo(h.sessionId());
      assertThat(r.getInteger("session_number")).isEqualTo(h.sessionNumber());
      assertThat(r.getString("event_name")).isEqualTo(h.eventName());
      assertThat(r.getString("params")).isEqualTo(LineProtocol.params(h.params()));
      assertThat(r.getLong("engagement_ms")).isEqualTo(h.engagementMs());
      assertThat(r.getBoolean("session_engaged")).isEqualTo(h.sessionEngaged());
      assertThat(r.getBoolean("key_event")).isEqualTo(h.keyEvent());
      assertThat(r.getBoolean("first_visit")).isEqualTo(h.firstVisit());
      assertThat(r.getBoolean("session_start")).isEqualTo(h.sessionStart());
      assertThat(r.getString("page_location")).isEqualTo(h.pageLocation());
      assertThat(r.getString("hostname")).isEqualTo(h.hostname());
      assertThat(r.getString("page_path")).isEqualTo(h.pagePath());
      assertThat(r.getString("page_title")).isEqualTo(h.pageTitle());
      assertThat(r.getString("page_referrer")).isEqualTo(h.pageReferrer());
      assertThat(r.getString("source")).isEqualTo(h.source());
      assertThat(r.getString("medium")).isEqualTo(h.medium());
      assertThat(r.getString("campaign")).isEqualTo(h.campaign());
      assertThat(r.getString("term")).isEqualTo(h.term());
      assertThat(r.getString("content")).isEqualTo(h.content());
      assertThat(r.getString("device_category")).isEqualTo(h.deviceCategory());
      assertThat(r.getString("browser")).isEqualTo(h.browser());
      assertThat(r.getString("browser_version")).isEqualTo(h.browserVersion());
      assertThat(r.getString("os")).isEqualTo(h.os());
      assertThat(r.getString("os_version")).isEqualTo(h.osVersion());
      assertThat(r.getString("screen_resolution")).isEqualTo(h.screenResolution());
      assertThat(r.getString("language")).isEqualTo(h.language());
      assertThat(r.getString("country")).isEqualTo(h.country());
      assertThat(r.getString("region")).isEqualTo(h.region());
      assertThat(r.getString("city")).isEqualTo(h.city());
      assertThat(r.getBoolean("is_bot")).isEqualTo(h.isBot());
      assertThat(r.getString("protocol")).isEqualTo(h.protocol());
      assertThat(r.getInteger("schema_version")).isEqualTo(h.schemaVersion());
      checked++;
    }
    assertThat(checked).isEqualTo(500);
  }

  @Test
  void absentOptionalFieldsStayNull() throws Exception {
    String property = BridgeTesting.propertyId();
    Hit minimal = Hit.builder()
        .propertyId(property)
        .clientId("c-min")
        .requestId("req-min-" + property)
        .ts(System.currentTimeMillis())
        .receivedAt(0)
        .schemaVersion(Hit.SCHEMA_VERSION)
        .build();
    produce(producer, List.of(minimal));
    await().atMost(VISIBLE).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
        assertThat(count(node, "SELECT count() FROM hits WHERE property_id = $1", property)).isEqualTo(1L));
    Row r = sql(node, "SELECT * FROM hits WHERE property_id = $1", property).iterator().next();
    assertThat(r.getString("client_id")).isEqualTo("c-min");
    assertThat(r.getString("event_name")).isNull();
    assertThat(r.getString("page_title")).isNull();
    assertThat(r.getValue("session_engaged")).isIn(null, false); // QuestDB BOOLEAN has no null
    assertThat(r.getValue("engagement_ms")).isNull();
  }

  @Test
  void poisonedRecordsGoToTheDeadLetterTopicAndTheirBatchMatesAreWritten() throws Exception {
    String property = BridgeTesting.propertyId();
    long now = System.currentTimeMillis();
    List<Hit> good = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      good.add(fullHit(property, i, now - 1000 + i));
    }
    String garbageKey = "poison-" + property;
    Hit outOfRange = Hit.builder()
        .propertyId(property)
        .clientId("c-x")
        .requestId("req-range-" + property)
        .ts(Long.MAX_VALUE / 2)
        .receivedAt(0)
        .eventName("page_view")
        .schemaVersion(Hit.SCHEMA_VERSION)
        .build();
    produce(producer, good.subList(0, 20));
    producer.send(new ProducerRecord<>(Topics.HITS, garbageKey.getBytes(), "{not json".getBytes())).get();
    producer.send(new ProducerRecord<>(Topics.HITS, outOfRange.kafkaKey().getBytes(), HitCodec.encode(outOfRange))).get();
    produce(producer, good.subList(20, 40));

    await().atMost(VISIBLE).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
        assertThat(count(node, "SELECT count() FROM hits WHERE property_id = $1", property)).isEqualTo(40L));
    await().atMost(VISIBLE).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
      Map<String, String> reasons = new HashMap<>();
      for (ConsumerRecord<byte[], byte[]> r : BridgeTesting.deadLetters(stack)) {
        String key = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
        var reason = r.headers().lastHeader(RawHitsConsumer.H_REASON);
        reasons.put(key, reason == null ? null : new String(reason.value(), StandardCharsets.UTF_8));
      }
      assertThat(reasons.get(garbageKey)).startsWith("undecodable: not a hit");
      assertThat(reasons.get(outOfRange.kafkaKey())).contains("ts out of range");
    });
    assertThat(count(node, "SELECT count() FROM hits WHERE request_id = $1", outOfRange.requestId())).isZero();
  }

  @Test
  void questDbRejectingOneLineOfABatchWritesTheOthersAndIsolatesIt() throws Exception {
    String property = BridgeTesting.propertyId();
    long now = System.currentTimeMillis();
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      lines.add(LineProtocol.line(fullHit(property, i, now + i)));
    }
    // A string field into the LONG column: QuestDB rejects the whole request with 400.
    String bad = "hits,property_id=" + property + " client_id=\"c\",request_id=\"bad-" + property
        + "\",engagement_ms=\"not a number\" " + (now * 1000);
    lines.add(4, bad);
    try (RawBatchWriter writer = new RawBatchWriter(stack.questdbHttpUrl(), Duration.ofSeconds(10))) {
      var rejected = BatchSplitter.write(lines, writer::write);
      assertThat(rejected).hasSize(1);
      assertThat(rejected.get(0).item()).isEqualTo(bad);
      assertThat(rejected.get(0).reason()).contains("400");
    }
    await().atMost(VISIBLE).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
        assertThat(count(node, "SELECT count() FROM hits WHERE property_id = $1", property)).isEqualTo(9L));
  }

  @Test
  void questDbDownMidStreamLosesAndDuplicatesNothing() throws Exception {
    String property = BridgeTesting.propertyId();
    long base = System.currentTimeMillis() - 120_000;
    List<Hit> hits = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      hits.add(fullHit(property, i, base + i));
    }
    Counter retries = node.context().meters().find("beacon_bridge_write_retries").counter();
    double retriesBefore = retries.count();
    try {
      produce(producer, hits.subList(0, 1000));
      await().atMost(VISIBLE).pollInterval(Duration.ofMillis(100)).until(() ->
          count(node, "SELECT count() FROM hits WHERE property_id = $1", property) > 0);
      stack.questdb().kill();
      produce(producer, hits.subList(1000, 3000));
      await("the bridge retries while QuestDB is down").atMost(VISIBLE).until(() -> retries.count() > retriesBefore + 1);
    } finally {
      stack.questdb().restart();
    }
    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() ->
        assertThat(count(node, "SELECT count() FROM hits WHERE property_id = $1", property)).isEqualTo(3000L));
    assertThat(count(node, "SELECT count_distinct(request_id) FROM hits WHERE property_id = $1", property)).isEqualTo(3000L);
    assertThat(node.context().meters().find("beacon_bridge_consumer_lag").gauge()).isNotNull();
  }

  private static LocalDateTime utc(long epochMs) {
    return LocalDateTime.ofInstant(Instant.ofEpochMilli(epochMs), ZoneOffset.UTC);
  }
}
