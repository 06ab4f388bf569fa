package io.beacon.bridge;

import static io.beacon.bridge.BridgeTesting.join;
import static io.beacon.bridge.BridgeTesting.produce;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.beacon.BeaconNode;
import io.beacon.devstack.LocalStack;
import io.beacon.contract.RealtimeContract;
import io.beacon.model.Hit;
import io.beacon.testing.RealStack;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Real-time numbers through real bridge nodes: exact counts, restart, two nodes, node loss, freshness. */
@ExtendWith(RealStack.class)
class BridgeRealtimeTest {
  private static final Duration SOON = Duration.ofSeconds(60);
  private static LocalStack stack;
  private static KafkaProducer<byte[], byte[]> producer;

  @BeforeAll
  static void start(LocalStack s) {
    stack = s;
    producer = BridgeTesting.producer(s);
  }

  @AfterAll
  static void stop() {
    if (producer != null) {
      producer.close();
    }
  }

  /** What the snapshot must say for these hits (all inside the window, duplicates by request id collapse). */
  private record Expected(int activeUsers, long pageViews, long events, Set<String> countries) {
    static Expected of(List<Hit> hits) {
      Set<String> users = new HashSet<>();
      Set<String> requests = new HashSet<>();
      Set<String> countries = new HashSet<>();
      long views = 0;
      long events = 0;
      for (Hit h : hits) {
        if (!requests.add(h.requestId())) {
          continue;
        }
        users.add(h.clientId());
        countries.add(h.country());
        events++;
        if ("page_view".equals(h.eventName())) {
          views++;
        }
      }
      return new Expected(users.size(), views, events, countries);
    }

    void check(JsonObject snap) {
      assertThat(snap.getInteger("activeUsers")).as("activeUsers in %s", snap).isEqualTo(activeUsers);
      assertThat(snap.getLong("pageViews")).as("pageViews").isEqualTo(pageViews);
      assertThat(snap.getLong("events")).as("events").isEqualTo(events);
      long perMinuteEvents = snap.getJsonArray("minutes").stream().mapToLong(m -> ((JsonObject) m).getLong("events")).sum();
      assertThat(perMinuteEvents).isEqualTo(events);
      Set<String> top = new HashSet<>();
      snap.getJsonArray("topCountries").forEach(c -> top.add(((JsonObject) c).getString("value")));
      assertThat(top).isEqualTo(countries);
    }
  }

  private static JsonObject snapshot(BeaconNode node, String property) throws Exception {
    return join(RealtimeContract.SNAPSHOT.request(node.vertx(), new RealtimeContract.SnapshotRequest(property)))
        .toJson();
  }

  /** Asks once with the dashboard's 2 s timeout: true with the answer kept, false on a timeout. */
  private static boolean answered(BeaconNode node, String property, AtomicReference<JsonObject> answer)
      throws Exception {
    try {
      answer.set(join(RealtimeContract.SNAPSHOT.request(node.vertx(), new RealtimeContract.SnapshotRequest(property),
          new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(2_000))).toJson());
      return true;
    } catch (Exception e) {
      if (e instanceof io.vertx.core.eventbus.ReplyException r
          && r.failureType() == io.vertx.core.eventbus.ReplyFailure.TIMEOUT
          || e.getCause() instanceof io.vertx.core.eventbus.ReplyException c
          && c.failureType() == io.vertx.core.eventbus.ReplyFailure.TIMEOUT) {
        return false;
      }
      throw e;
    }
  }

  private static List<Hit> hits(String property, int n, long now) {
    List<Hit> hits = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      hits.add(BridgeTesting.fullHit(property, i, now - (i % 5) * 60_000L - i));
    }
    hits.addAll(hits.subList(0, n / 10)); // sender retries: same request ids
    return hits;
  }

  @Test
  void countsAreExactPublishedAtMostOncePerSecondAndExactAgainAfterARestart() throws Exception {
    String property = BridgeTesting.propertyId();
    List<Hit> pool = hits(property, 2000, System.currentTimeMillis());
    List<Hit> sent = new ArrayList<>();
    BeaconNode node = BridgeTesting.startBridgeNode(stack, "rt-single", Map.of());
    List<Long> updates = new CopyOnWriteArrayList<>();
    Expected expected;
    try {
      MessageConsumer<JsonObject> sub = RealtimeContract.UPDATES.subscribe(node.vertx(), property,
          snap -> updates.add(snap.publishedAt()));
      join(sub.completion());
      // Keep the numbers changing (with some sender retries) until several updates were published,
      // so the spacing between updates is really put to the test.
      await().atMost(Duration.ofSeconds(90)).pollDelay(Duration.ofMillis(200)).pollInterval(Duration.ofMillis(200))
          .until(() -> {
            List<Hit> chunk = new ArrayList<>(pool.subList(sent.size(), Math.min(pool.size(), sent.size() + 20)));
            chunk.add(chunk.get(0));
            produce(producer, chunk);
            sent.addAll(chunk.subList(0, chunk.size() - 1));
            return sent.size() >= 200 && updates.size() >= 4;
          });
      List<Hit> all = new ArrayList<>(sent);
      all.add(sent.get(0));
      expected = Expected.of(all);
      await().atMost(SOON).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
          .untilAsserted(() -> expected.check(snapshot(node, property)));
      // Publishes are claimed >= 1 s apart cluster-wide (the claim time is in each update; arrival
      // times would add the machine's scheduling jitter, which is not what is promised).
      for (int i = 1; i < updates.size(); i++) {
        assertThat(updates.get(i) - updates.get(i - 1)).as("gap between updates %d and %d", i - 1, i)
            .isGreaterThanOrEqualTo(1000L);
      }
    } finally {
      join(node.close());
    }
    // A new cluster (Ignite state gone): replay of the last window rebuilds exactly the same numbers.
    BeaconNode again = BridgeTesting.startBridgeNode(stack, "rt-single-2", Map.of());
    try {
      await().atMost(SOON).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
          .untilAsserted(() -> expected.check(snapshot(again, property)));
    } finally {
      join(again.close());
    }
  }

  @Test
  void twoNodesReportIdenticalNumbersAndSurviveTheLossOfOne() throws Exception {
    String property = BridgeTesting.propertyId();
    List<Hit> hits = hits(property, 400, System.currentTimeMillis());
    Expected expected = Expected.of(hits);
    BridgeTesting.Ports ports = BridgeTesting.Ports.fresh();
    BeaconNode a = BridgeTesting.startBridgeNode(stack, "rt-a", Map.of(), ports);
    BeaconNode b = null;
    try {
      b = BridgeTesting.startBridgeNode(stack, "rt-b", Map.of(), ports);
      assertThat(a.context().ignite().cluster().nodes()).hasSize(2);
      produce(producer, hits);
      BeaconNode nodeB = b;
      await().atMost(SOON).pollInterval(Duration.ofMillis(200)).ignoreExceptions().untilAsserted(() -> {
        JsonObject fromA = snapshot(a, property);
        JsonObject fromB = snapshot(nodeB, property);
        expected.check(fromA);
        expected.check(fromB);
        assertThat(strip(fromA)).isEqualTo(strip(fromB));
      });
      // Node B leaves: A takes over its partitions (replays them) and its buckets survive in the backups.
      join(b.close());
      b = null;
      await().atMost(Duration.ofSeconds(10)).until(() -> a.context().ignite().cluster().nodes().size() == 1);
      // The first answer after the leave is already right. A request may still be routed to B's consumer for a
      // moment (the clustered event bus drops a left node's registrations asynchronously) and go unanswered: the
      // dashboard asks with a 2 s timeout and asks again, and so does this check, on timeouts only.
      AtomicReference<JsonObject> first = new AtomicReference<>();
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
          .until(() -> answered(a, property, first));
      expected.check(first.get());
      List<Hit> more = hits(property + "-more", 50, System.currentTimeMillis());
      List<Hit> moreOfProperty = new ArrayList<>();
      for (Hit h : more) {
        moreOfProperty.add(BridgeTesting.fullHit(property, 10_000 + moreOfProperty.size(), h.ts()));
      }
      produce(producer, moreOfProperty);
      List<Hit> all = new ArrayList<>(hits);
      all.addAll(moreOfProperty);
      await().atMost(SOON).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
          .untilAsserted(() -> Expected.of(all).check(snapshot(a, property)));
    } finally {
      if (b != null) {
        join(b.close());
      }
      join(a.close());
    }
  }

  @Test
  void aHitIsVisibleInTheRealtimeNumbersWithinOneSecond() throws Exception {
    String property = BridgeTesting.propertyId();
    BeaconNode node = BridgeTesting.startBridgeNode(stack, "rt-fresh", Map.of());
    List<Long> latenciesMs = new ArrayList<>();
    try {
      // Warm-up: the first hit pays for connections and JIT.
      produce(producer, List.of(BridgeTesting.fullHit(property, 0, System.currentTimeMillis())));
      await().atMost(SOON).ignoreExceptions().until(() -> snapshot(node, property).getLong("events") == 1);
      for (int i = 1; i <= 40; i++) {
        long events = i;
        long start = System.nanoTime();
        produce(producer, List.of(BridgeTesting.fullHit(property, i, System.currentTimeMillis())));
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
            .until(() -> snapshot(node, property).getLong("events") == events + 1);
        latenciesMs.add((System.nanoTime() - start) / 1_000_000);
      }
    } finally {
      join(node.close());
    }
    latenciesMs.sort(Long::compare);
    long p50 = latenciesMs.get(latenciesMs.size() / 2);
    long max = latenciesMs.get(latenciesMs.size() - 1);
    System.out.println("hit-to-realtime latency ms: p50=" + p50 + " max=" + max + " all=" + latenciesMs);
    // Produce + poll + flush + read; the 1 s target is for p99, checked here on the median (a shared
    // 2-core machine); the benchmark reports the full distribution.
    assertThat(p50).isLessThan(1000);
  }

  private static JsonObject strip(JsonObject snap) {
    JsonObject copy = snap.copy();
    copy.remove("asOf");
    copy.remove("minutes"); // the window may roll over a minute between the two reads
    return copy;
  }

  @SuppressWarnings("unused")
  private static JsonArray minutes(JsonObject snap) {
    return snap.getJsonArray("minutes");
  }
}
