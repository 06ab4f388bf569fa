package io.beacon.collector;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.collector.enrich.RequestId;
import io.beacon.model.DedupKey;
import io.beacon.infra.cluster.IgniteConfigFactory;
import io.beacon.infra.config.BeaconConfig;
import io.beacon.infra.config.ConfigLoader;
import io.beacon.infra.config.Role;
import io.beacon.testing.FreePorts;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.Ignition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The collector's cluster state on two Ignite nodes in this JVM (no other server): its typed keys and
 * de-duplication marks go through Ignite's binary marshaller, entry processors and conditional replace, and
 * a request id claimed on one node is seen from the other with the same key built anew.
 */
class ClusterStateIgniteTest {
  /** The derived ids' window here (2 min in production): short, so a test sees a mark expire. */
  private static final long DERIVED_WINDOW_MS = 2_000;
  private static final RequestId.Origin SENDER = RequestId.Origin.SENDER;
  private static final RequestId.Origin DERIVED = RequestId.Origin.DERIVED;
  @TempDir
  static Path work;
  private static Ignite a;
  private static Ignite b;
  private static Vertx vertx;
  private static ClusterState onA;
  private static ClusterState onB;

  @BeforeAll
  static void start() throws Exception {
    int disco = FreePorts.block(4);
    int comm = FreePorts.block(4);
    BeaconConfig c = ConfigLoader.load(null, Map.of(
        "BEACON_CLUSTER_DISCOVERY_PORT", Integer.toString(disco),
        "BEACON_CLUSTER_DISCOVERY_PORT_RANGE", "4",
        "BEACON_CLUSTER_MEMBERS", "127.0.0.1:" + disco + ".." + (disco + 3),
        "BEACON_CLUSTER_COMMUNICATION_PORT", Integer.toString(comm),
        "BEACON_CLUSTER_COMMUNICATION_PORT_RANGE", "4",
        "BEACON_CLUSTER_WORK_DIR", work.resolve("ignite").toString()));
    a = Ignition.start(IgniteConfigFactory.create(c.cluster(), "state-a", Set.of(Role.COLLECTOR), 32, 32)
        .setWorkDirectory(Files.createDirectories(work.resolve("a")).toString()));
    b = Ignition.start(IgniteConfigFactory.create(c.cluster(), "state-b", Set.of(Role.COLLECTOR), 32, 32)
        .setWorkDirectory(Files.createDirectories(work.resolve("b")).toString()));
    vertx = Vertx.vertx();
    onA = ClusterState.create(a, 60_000, DERIVED_WINDOW_MS);
    onB = ClusterState.create(b, 60_000, DERIVED_WINDOW_MS);
  }

  @AfterAll
  static void stop() throws Exception {
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    if (b != null) {
      b.close();
    }
    if (a != null) {
      a.close();
    }
  }

  /** Runs a call on an event-loop context, as the collector does, and waits for its result. */
  private static <T> T on(Function<Context, Future<T>> call) throws Exception {
    Context ctx = vertx.getOrCreateContext();
    Future<T> f = Future.future(p -> ctx.runOnContext(v -> call.apply(ctx).onComplete(p)));
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static DedupKey key(int i) {
    return new DedupKey("B-STATE", "client-" + i, "request-" + i);
  }

  @Test
  void aRequestIdClaimedOnOneNodeIsInFlightThenADuplicateOnTheOther() throws Exception {
    assertThat(a.cluster().nodes()).hasSize(2);
    int n = 64; // enough keys that some have their primary on each node
    for (int i = 0; i < n; i++) {
      int k = i;
      ClusterState.ClaimResult first = on(ctx -> onA.claim(ctx, key(k), SENDER, 1_000 + k));
      assertThat(first.claim()).isEqualTo(ClusterState.Claim.PRODUCE);
      ClusterState.ClaimResult retry = on(ctx -> onB.claim(ctx, key(k), SENDER, 5_000));
      assertThat(retry.claim()).as("key %d while handed over", k).isEqualTo(ClusterState.Claim.IN_FLIGHT);
      assertThat(retry.firstReceivedAt()).isEqualTo(1_000 + k);
      on(ctx -> {
        onA.produced(ctx, key(k), SENDER, 1_000 + k);
        return Future.succeededFuture();
      });
    }
    IgniteCache<DedupKey, ClusterState.DedupMark> dedup = b.cache(ClusterState.DEDUP_CACHE);
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
        .until(() -> dedup.get(key(n - 1)) != null && dedup.get(key(n - 1)).produced);
    for (int i = 0; i < n; i++) {
      int k = i;
      ClusterState.ClaimResult retry = on(ctx -> onB.claim(ctx, key(k), SENDER, 9_000));
      assertThat(retry.claim()).as("key %d once produced", k).isEqualTo(ClusterState.Claim.DUPLICATE);
      assertThat(retry.firstReceivedAt()).isEqualTo(1_000 + k);
    }
    ClusterState.DedupMark mark = dedup.get(key(7));
    assertThat(mark.produced).isTrue();
    assertThat(mark.node).isEqualTo(a.cluster().localNode().id());
  }

  @Test
  void aPendingMarkOfANodeThatLeftIsTakenOverWithItsReceiveTime() throws Exception {
    IgniteCache<DedupKey, ClusterState.DedupMark> dedup = a.cache(ClusterState.DEDUP_CACHE);
    DedupKey orphan = new DedupKey("B-STATE", "orphan", "r-1");
    dedup.put(orphan, ClusterState.DedupMark.pending(UUID.randomUUID(), 42));
    ClusterState.ClaimResult r = on(ctx -> onB.claim(ctx, new DedupKey("B-STATE", "orphan", "r-1"), SENDER, 99));
    assertThat(r.claim()).isEqualTo(ClusterState.Claim.PRODUCE);
    assertThat(r.firstReceivedAt()).isEqualTo(42);
    assertThat(dedup.get(orphan).node).isEqualTo(b.cluster().localNode().id());
    onB.forget(orphan);
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> dedup.get(orphan) == null);
  }

  @Test
  void aDerivedIdsMarkExpiresAfterItsShortWindowASendersKeepsItsOwn() throws Exception {
    DedupKey derived = new DedupKey("B-STATE", "c-derived", "6f1c5c9e-8a53-3c5e-9d7b-2d1c7a0e4b11");
    DedupKey sender = new DedupKey("B-STATE", "c-derived", "r-sender");
    long created = System.nanoTime();
    assertThat(on(ctx -> onA.claim(ctx, derived, DERIVED, 1_000)).claim()).isEqualTo(ClusterState.Claim.PRODUCE);
    assertThat(on(ctx -> onA.claim(ctx, sender, SENDER, 1_000)).claim()).isEqualTo(ClusterState.Claim.PRODUCE);
    on(ctx -> {
      onA.produced(ctx, derived, DERIVED, 1_000);
      onA.produced(ctx, sender, SENDER, 1_000);
      return Future.succeededFuture();
    });
    IgniteCache<DedupKey, ClusterState.DedupMark> dedup = b.cache(ClusterState.DEDUP_CACHE);
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
        .until(() -> dedup.get(sender) != null && dedup.get(sender).produced);
    // Within the window a copy is a duplicate carrying the first attempt's time (the produced request_id's suffix).
    ClusterState.ClaimResult copy = on(ctx -> onB.claim(ctx, derived, DERIVED, 1_500));
    if (System.nanoTime() - created < TimeUnit.MILLISECONDS.toNanos(DERIVED_WINDOW_MS)) {
      assertThat(copy).isEqualTo(new ClusterState.ClaimResult(ClusterState.Claim.DUPLICATE, 1_000));
    }
    // After it, the same payload is a new first attempt with its own time: another hit.
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(15)).pollInterval(java.time.Duration.ofMillis(200))
        .until(() -> on(ctx -> onB.claim(ctx, derived, DERIVED, 9_000)).claim() == ClusterState.Claim.PRODUCE);
    assertThat(System.nanoTime() - created).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(DERIVED_WINDOW_MS));
    assertThat(dedup.get(derived).receivedAt).isEqualTo(9_000);
    // The sender's id of the same age is still claimed (its window is the long one).
    ClusterState.ClaimResult senders = on(ctx -> onB.claim(ctx, sender, SENDER, 9_000));
    assertThat(senders).isEqualTo(new ClusterState.ClaimResult(ClusterState.Claim.DUPLICATE, 1_000));
    onB.forget(derived);
  }

  @Test
  void theCollectorKeepsNoClientState() {
    // Sessions are the model's (event time): the collector creates no clients cache, only the de-dup one.
    assertThat(a.cacheNames()).contains(ClusterState.DEDUP_CACHE).doesNotContain("beacon-collector-clients");
  }
}
