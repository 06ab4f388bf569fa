package io.beacon.bridge;

import static io.beacon.bridge.BridgeTesting.count;
import static io.beacon.bridge.BridgeTesting.join;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.beacon.BeaconNode;
import io.beacon.devstack.LocalStack;
import io.beacon.contract.RealtimeContract;
import io.beacon.model.Hit;
import io.beacon.testing.HitStream;
import io.beacon.testing.NodeProcess;
import io.beacon.testing.RealStack;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A bridge node killed with SIGKILL mid-stream and restarted: afterwards the real-time numbers are exact
 * (rebuilt by replay, nothing counted twice on top of what survived in Ignite) and the raw table holds
 * every hit exactly once (uncommitted batches rewritten, DEDUP absorbing what QuestDB had already taken).
 *
 * <p>The bridge runs in a child JVM ({@link NodeProcess}), the only bridge of its cluster; an in-process
 * node of the same cluster with only the recompute role keeps the Ignite caches alive across the kill and
 * lets the test ask for the real-time snapshot over the clustered event bus.
 */
@ExtendWith(RealStack.class)
class BridgeNodeKillTest {

  /** The real-time view of one property, computed independently from the unique hits sent (bots left out). */
  private record Expected(int activeUsers, long pageViews, long events, Map<String, Long> usersByCountry) {
    static Expected of(List<Hit> hits) {
      Set<String> requests = new HashSet<>();
      Set<String> users = new HashSet<>();
      Map<String, Set<String>> byCountry = new HashMap<>();
      long views = 0;
      long events = 0;
      for (Hit h : hits) {
        if (!requests.add(h.requestId()) || Boolean.TRUE.equals(h.isBot())) {
          continue; // a copy; or a bot, which real time counts apart, as reports do
        }
        users.add(h.clientId());
        byCountry.computeIfAbsent(h.country() == null ? "(not set)" : h.country(), c -> new HashSet<>()).add(h.clientId());
        events++;
        if ("page_view".equals(h.eventName())) {
          views++;
        }
      }
      Map<String, Long> counts = new HashMap<>();
      byCountry.forEach((c, u) -> counts.put(c, (long) u.size()));
      return new Expected(users.size(), views, events, counts);
    }

    void check(JsonObject snap) {
      assertThat(snap.getInteger("activeUsers")).as("activeUsers in %s", snap).isEqualTo(activeUsers);
      assertThat(snap.getLong("pageViews")).as("pageViews in %s", snap).isEqualTo(pageViews);
      assertThat(snap.getLong("events")).as("events in %s", snap).isEqualTo(events);
      long perMinute = snap.getJsonArray("minutes").stream().mapToLong(m -> ((JsonObject) m).getLong("events")).sum();
      assertThat(perMinute).as("per-minute events").isEqualTo(events);
      Map<String, Long> countries = new HashMap<>();
      snap.getJsonArray("topCountries").forEach(c -> countries.put(((JsonObject) c).getString("value"),
          ((JsonObject) c).getLong("count")));
      assertThat(countries).as("active users by country").isEqualTo(usersByCountry);
    }
  }

  /** HitStream's hits under fresh property ids, their event times moved into the last 20 minutes (the window). */
  private static List<Hit> stream(long now) {
    String run = BridgeTesting.propertyId();
    Random rnd = new Random(4);
    List<Hit> out = new ArrayList<>();
    for (Hit h : HitStream.generate(4, 500, now)) {
      long ts = now - 60_000 - rnd.nextInt(19 * 60_000);
      out.add(h.toBuilder()
          .propertyId(run + "-" + h.propertyId())
          .requestId(run + "-" + h.requestId())
          .ts(ts)
          .receivedAt(ts + rnd.nextInt(2_000))
          .build());
    }
    // Senders' retries: the same hit again (same ts and request id) somewhere later in the stream.
    for (int i = 0; i < out.size() / 10; i++) {
      out.add(rnd.nextInt(out.size()), out.get(rnd.nextInt(out.size())));
    }
    return out;
  }

  @Test
  void killingTheBridgeNodeMidStreamLeavesExactRealtimeCountsAndEveryRawHitOnce(LocalStack stack) throws Exception {
    long now = System.currentTimeMillis();
    List<Hit> hits = stream(now);
    Map<String, List<Hit>> byProperty = new HashMap<>();
    hits.forEach(h -> byProperty.computeIfAbsent(h.propertyId(), p -> new ArrayList<>()).add(h));
    long unique = hits.stream().map(Hit::requestId).distinct().count();
    String inList = "('" + String.join("','", byProperty.keySet()) + "')";

    NodeProcess.Cluster cluster = NodeProcess.Cluster.fresh(4, 3_000);
    BeaconNode observer = BridgeTesting.startBridgeNode(stack, "kill-observer", Map.of(
            "BEACON_NODE_VERTICLES_BRIDGE_INSTANCES", "0",
            "BEACON_NODE_VERTICLES_RECOMPUTE_INSTANCES", "1",
            "BEACON_CLUSTER_FAILURE_DETECTION_TIMEOUT_MS", "3000"),
        new BridgeTesting.Ports(cluster.discoveryBase(), cluster.communicationBase()));
    try (NodeProcess bridge = new NodeProcess("bridge-kill", stack, cluster, Map.of(
            "BEACON_NODE_VERTICLES_COLLECTOR_INSTANCES", "0",
            "BEACON_NODE_VERTICLES_QUERY_INSTANCES", "0",
            "BEACON_NODE_VERTICLES_RECOMPUTE_INSTANCES", "0",
            "BEACON_NODE_VERTICLES_BRIDGE_INSTANCES", "1",
            "BEACON_BRIDGE_RAW_BATCH_SIZE", "200",
            "BEACON_BRIDGE_RETRY_MAX_BACKOFF_MS", "1000"));
         KafkaProducer<byte[], byte[]> producer = BridgeTesting.producer(stack)) {
      startLikeASupervisor(bridge, false);
      // A steady stream: 40 hits every 20 ms, from a timer thread, across the kill and the restart.
      AtomicInteger sent = new AtomicInteger();
      // The second half waits until the bridge has written something, so the kill always lands mid-stream (on a
      // loaded machine the node may start writing only after a fast sender is done).
      java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean();
      CompletableFuture<Void> streaming = new CompletableFuture<>();
      ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
      timer.scheduleWithFixedDelay(() -> {
        int from = sent.get();
        if (from >= hits.size() / 2 && !writing.get()) {
          return;
        }
        try {
          BridgeTesting.produce(producer, hits.subList(from, Math.min(hits.size(), from + 40)));
          sent.set(Math.min(hits.size(), from + 40));
        } catch (Exception e) {
          streaming.completeExceptionally(e);
        }
        if (sent.get() == hits.size()) {
          streaming.complete(null);
        }
        if (streaming.isDone()) {
          timer.shutdown();
        }
      }, 0, 20, TimeUnit.MILLISECONDS);
      await("the bridge writing part of the stream").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
          .ignoreExceptions()
          .until(() -> sent.get() > hits.size() / 4 && count(observer, "SELECT count() FROM hits WHERE property_id IN "
              + inList) > 0);
      writing.set(true);
      bridge.kill(); // SIGKILL, mid-stream: batches in flight, offsets not yet committed, state half flushed
      int sentAtKill = sent.get();
      startLikeASupervisor(bridge, true);
      streaming.get(120, TimeUnit.SECONDS);
      assertThat(sentAtKill).as("killed mid-stream").isLessThan(hits.size());

      await("the raw table holding every hit").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
          .ignoreExceptions().untilAsserted(() ->
              assertThat(count(observer, "SELECT count() FROM hits WHERE property_id IN " + inList)).isEqualTo(unique));
      assertThat(count(observer, "SELECT count_distinct(request_id) FROM hits WHERE property_id IN " + inList))
          .as("each hit once").isEqualTo(unique);

      for (Map.Entry<String, List<Hit>> p : byProperty.entrySet()) {
        Expected expected = Expected.of(p.getValue());
        await("exact real-time numbers of " + p.getKey()).atMost(Duration.ofSeconds(120))
            .pollInterval(Duration.ofMillis(250)).ignoreExceptions()
            .untilAsserted(() -> expected.check(snapshot(observer, p.getKey())));
      }
    } finally {
      join(observer.close());
    }
  }

  /**
   * Starts (or restarts) the node and waits for it to be ready; a start that fails with exit code 1 (a
   * store not answering in time, as happens on a saturated machine) is retried, as a supervisor would.
   */
  private static void startLikeASupervisor(NodeProcess node, boolean restart) throws Exception {
    for (int attempt = 1; ; attempt++) {
      try {
        (restart || attempt > 1 ? node.restart() : node.start()).awaitReady(Duration.ofSeconds(180));
        return;
      } catch (AssertionError e) {
        if (attempt == 3 || node.process().isAlive() || node.process().exitValue() != 1) {
          throw e;
        }
      }
    }
  }

  private static JsonObject snapshot(BeaconNode node, String property) throws Exception {
    return join(RealtimeContract.SNAPSHOT.request(node.vertx(), new RealtimeContract.SnapshotRequest(property),
        new DeliveryOptions().setSendTimeout(5_000))).toJson();
  }
}
