package io.beacon.bridge;

import static io.beacon.bridge.BridgeTesting.count;
import static io.beacon.bridge.BridgeTesting.fullHit;
import static io.beacon.bridge.BridgeTesting.join;
import static io.beacon.bridge.BridgeTesting.produce;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.beacon.BeaconNode;
import io.beacon.devstack.LocalStack;
import io.beacon.contract.RawErasureContract;
import io.beacon.model.Hit;
import io.beacon.testing.RealStack;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Raw retention by partition and the right-to-erasure call, against real QuestDB through a real bridge node. */
@ExtendWith(RealStack.class)
class BridgeRetentionTest {
  private static final Duration VISIBLE = Duration.ofSeconds(60);
  private static final long DAY = 86_400_000L;
  private static BeaconNode node;
  private static KafkaProducer<byte[], byte[]> producer;

  @BeforeAll
  static void start(LocalStack s) throws Exception {
    node = BridgeTesting.startBridgeNode(s, "bridge-retention", Map.of());
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

  private static Hit withClient(Hit h, String clientId) {
    return h.toBuilder()
        .clientId(clientId)
        .build();
  }

  private static Set<String> requestIds(String property) throws Exception {
    Set<String> ids = new HashSet<>();
    BridgeTesting.sql(node, "SELECT request_id FROM hits WHERE property_id = $1", property)
        .forEach(r -> ids.add(r.getString(0)));
    return ids;
  }

  @Test
  void erasureDeletesEveryRawHitOfOneClientAndNothingElse() throws Exception {
    String property = BridgeTesting.propertyId();
    String other = BridgeTesting.propertyId();
    String victim = "victim-" + property;
    long now = System.currentTimeMillis();
    List<Hit> hits = new ArrayList<>();
    for (int i = 0; i < 90; i++) {
      long ts = now - (i % 2 == 0 ? 0 : 3 * DAY) - i * 1000L; // two day partitions
      String client = switch (i % 3) {
        case 0 -> victim;
        case 1 -> "keep-a-" + property;
        default -> "keep-b-" + property;
      };
      hits.add(withClient(fullHit(property, i, ts), client));
    }
    List<Hit> others = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      others.add(fullHit(other, i, now - (i % 2 == 0 ? 0 : 3 * DAY) - i * 1000L));
    }
    produce(producer, hits);
    produce(producer, others);
    await().atMost(VISIBLE).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
      assertThat(count(node, "SELECT count() FROM hits WHERE property_id = $1", property)).isEqualTo(90L);
      assertThat(count(node, "SELECT count() FROM hits WHERE property_id = $1", other)).isEqualTo(40L);
    });
    Set<String> kept = new HashSet<>();
    hits.stream().filter(h -> !h.clientId().equals(victim)).forEach(h -> kept.add(h.requestId()));
    Set<String> otherIds = requestIds(other);

    // Hits keep flowing while the erasure runs: they are held back, then written, none lost.
    String concurrent = BridgeTesting.propertyId();
    List<Hit> during = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      during.add(fullHit(concurrent, i, now - (i % 2 == 0 ? 0 : 3 * DAY) - i));
    }
    var reply = RawErasureContract.CONTRACT.request(node.vertx(), new RawErasureContract.Request(victim),
        new DeliveryOptions().setSendTimeout(120_000));
    produce(producer, during);
    RawErasureContract.Result result = join(reply, 150);

    assertThat(result.rowsErased()).isEqualTo(30L);
    assertThat(result.partitions()).isEqualTo(2);
    assertThat(count(node, "SELECT count() FROM hits WHERE client_id = $1", victim)).isZero();
    assertThat(requestIds(property)).isEqualTo(kept);
    assertThat(requestIds(other)).isEqualTo(otherIds);
    await().atMost(VISIBLE).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
        assertThat(count(node, "SELECT count() FROM hits WHERE property_id = $1", concurrent)).isEqualTo(200L));
    assertThat(count(node, "SELECT count() FROM tables() WHERE table_name LIKE 'hits_erasure_%'")).isZero();
  }

  @Test
  void eachPropertysOwnRetentionDropsItsExpiredHitsAndNothingElse() throws Exception {
    String shortLived = BridgeTesting.propertyId();
    String longLived = BridgeTesting.propertyId();
    String unset = BridgeTesting.propertyId();
    long now = System.currentTimeMillis();
    int[] ages = {10, 6, 4, 2, 0};
    List<Hit> hits = new ArrayList<>();
    for (String p : List.of(shortLived, longLived, unset)) {
      for (int age : ages) {
        hits.add(fullHit(p, age, now - age * DAY));
      }
    }
    produce(producer, hits);
    await().atMost(VISIBLE).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> assertThat(count(node,
        "SELECT count() FROM hits WHERE property_id IN ($1, $2, $3)", shortLived, longLived, unset)).isEqualTo(15L));
    var cassandra = node.context().clients().cassandra();
    join(cassandra.execute("INSERT INTO properties (property_id, name, retention_days) VALUES ('" + shortLived
        + "', 'short', 3)"));
    join(cassandra.execute("INSERT INTO properties (property_id, name, retention_days) VALUES ('" + longLived
        + "', 'long', 8)"));
    join(cassandra.execute("INSERT INTO properties (property_id, name) VALUES ('" + unset + "', 'unset')"));

    // The settings as the bridge reads them from the real properties table, narrowed to this test's
    // properties (the suite's other tests share the table); no default retention, so no partition drop.
    Set<String> mine = Set.of(shortLived, longLived, unset);
    var fromTable = RawRetention.fromProperties(() -> cassandra);
    IgniteWriteGate gate = new IgniteWriteGate(node.context().ignite());
    RawRetention retention = new RawRetention(node.vertx(), node.context().clients().questdb(),
        () -> fromTable.get().map(all -> {
          Map<String, Integer> narrowed = new java.util.HashMap<>(all);
          narrowed.keySet().retainAll(mine);
          return narrowed;
        }), new RawErasure(node.vertx(), node.context().clients().questdb(), gate), 0, 3_600_000);

    JsonObject first = join(retention.runOnce(Instant.ofEpochMilli(now)), 150);
    assertThat(first.getLong("rowsErased")).as("in %s", first).isEqualTo(4L); // 10, 6, 4 days old; and 10
    assertThat(first.getInteger("partitions")).isEqualTo(3);
    assertThat(first.getString("droppedBefore")).isNull();
    JsonObject again = join(retention.runOnce(Instant.ofEpochMilli(now)), 150);
    assertThat(again.getLong("rowsErased")).as("nothing left to erase").isZero();

    assertThat(requestIds(shortLived)).containsExactlyInAnyOrder(hits.get(3).requestId(), hits.get(4).requestId());
    assertThat(requestIds(longLived)).containsExactlyInAnyOrder(hits.get(6).requestId(), hits.get(7).requestId(),
        hits.get(8).requestId(), hits.get(9).requestId());
    assertThat(requestIds(unset)).hasSize(5);
    assertThat(count(node, "SELECT count() FROM tables() WHERE table_name LIKE 'hits_erasure_%'")).isZero();
  }

  @Test
  void theDefaultRetentionCoversPropertiesWithoutTheirOwn() {
    Instant now = Instant.parse("2026-11-26T10:15:00Z");
    RawRetention r = new RawRetention(null, null, null, null, 5, 3_600_000);
    // Longest in force is 8 days: partitions before it go whole; the default's and 3-day property's older rows by rewrite.
    String condition = r.expiredCondition(now, new java.util.TreeMap<>(Map.of("P-3", 3, "P-8", 8)), 8);
    assertThat(condition).isEqualTo("(property_id = 'P-3' AND ts < '2026-11-23T00:00:00Z') OR "
        + "(ts < '2026-11-21T00:00:00Z' AND property_id NOT IN ('P-3','P-8'))");
    // The default is the longest: only the shorter property needs a rewrite.
    assertThat(r.expiredCondition(now, Map.of("P-3", 3), 5)).isEqualTo("(property_id = 'P-3' AND ts < '2026-11-23T00:00:00Z')");
    assertThat(r.expiredCondition(now, Map.of(), 5)).isNull();
  }

  @Test
  void retentionDropsOnlyWholeDaysPastRetention() throws Exception {
    String property = BridgeTesting.propertyId();
    long now = System.currentTimeMillis();
    List<Hit> hits = List.of(fullHit(property, 1, now - 10 * DAY), fullHit(property, 2, now - 9 * DAY),
        fullHit(property, 3, now - DAY), fullHit(property, 4, now));
    produce(producer, hits);
    await().atMost(VISIBLE).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
        assertThat(count(node, "SELECT count() FROM hits WHERE property_id = $1", property)).isEqualTo(4L));

    // A default of 5 days and no property with its own retention: whole partitions before the cut-off go.
    RawRetention retention = new RawRetention(node.vertx(), node.context().clients().questdb(),
        () -> io.vertx.core.Future.succeededFuture(Map.of()), null, 5, 3_600_000);
    assertThat(join(retention.runOnce(Instant.ofEpochMilli(now))).getString("droppedBefore"))
        .isEqualTo(RawRetention.cutoff(Instant.ofEpochMilli(now), 5).toString());
    join(retention.runOnce(Instant.ofEpochMilli(now))); // nothing left to drop: still a success

    await().atMost(VISIBLE).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
        assertThat(requestIds(property)).containsExactlyInAnyOrder(hits.get(2).requestId(), hits.get(3).requestId()));
    assertThat(RawRetention.cutoff(Instant.parse("2026-11-26T10:15:00Z"), 5)).isEqualTo(Instant.parse("2026-11-21T00:00:00Z"));
  }
}
