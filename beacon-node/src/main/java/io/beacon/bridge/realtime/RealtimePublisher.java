package io.beacon.bridge.realtime;

import io.beacon.contract.BusFailure;
import io.beacon.contract.RealtimeContract;
import io.beacon.contract.RealtimeSnapshot;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The event-bus side of the real-time state: answers snapshot requests ({@link RealtimeContract#SNAPSHOT}) and
 * publishes changed properties ({@link RealtimeContract#UPDATES}), each at most once per interval cluster-wide
 * ({@link RealtimeStore#claimPublish}). Ignite calls run off the event loop.
 */
public final class RealtimePublisher {
  private final Vertx vertx;
  private final RealtimeStore store;
  private final Supplier<Set<String>> changed;
  private final int windowMinutes;
  private final IntSupplier partitions;
  private final long intervalMs;
  private final Set<String> deferred = new HashSet<>();
  private long timer = -1;
  private boolean ticking;
  private MessageConsumer<JsonObject> requests;

  public RealtimePublisher(Vertx vertx, RealtimeStore store, Supplier<Set<String>> changed, int windowMinutes,
                           IntSupplier partitions, long intervalMs) {
    this.vertx = vertx;
    this.store = store;
    this.changed = changed;
    this.windowMinutes = windowMinutes;
    this.partitions = partitions;
    this.intervalMs = intervalMs;
  }

  /** Completes when the request address is registered cluster-wide. */
  public Future<Void> start() {
    requests = RealtimeContract.SNAPSHOT.serve(vertx, request -> snapshot(request.propertyId())
        .recover(e -> Future.failedFuture(new BusFailure(500, "", "real-time snapshot of " + request.propertyId()
            + " failed: " + e.getMessage()))));
    // Ticks at a quarter of the interval so an update is due at most a quarter late.
    timer = vertx.setPeriodic(Math.max(50, intervalMs / 4), id -> tick());
    return requests.completion();
  }

  /** The property's current numbers, merged from every partition's buckets in Ignite. */
  public Future<RealtimeSnapshot> snapshot(String propertyId) {
    // On a worker: even Ignite's async reads can wait for a topology change (a node joining or leaving).
    return vertx.executeBlocking(() -> {
      long now = System.currentTimeMillis();
      int n = partitions.getAsInt();
      Map<String, String> buckets = store.getAllNow(Snapshot.keys(propertyId, now, windowMinutes, n));
      return Snapshot.build(propertyId, now, windowMinutes, n, buckets);
    }, false);
  }

  private void tick() {
    if (ticking) {
      return;
    }
    deferred.addAll(changed.get());
    if (deferred.isEmpty()) {
      return;
    }
    ticking = true;
    Set<String> candidates = new HashSet<>(deferred);
    vertx.executeBlocking(() -> {
      List<RealtimeSnapshot> out = new ArrayList<>();
      for (String property : candidates) {
        long now = System.currentTimeMillis();
        if (!store.isDue(property, now, intervalMs)) {
          continue;
        }
        int n = partitions.getAsInt();
        Map<String, String> buckets = store.getAllNow(Snapshot.keys(property, now, windowMinutes, n));
        RealtimeSnapshot snap = Snapshot.build(property, now, windowMinutes, n, buckets);
        // Claimed after the read, right before publishing, so the interval holds between deliveries.
        long claimedAt = System.currentTimeMillis();
        if (store.claimPublish(property, claimedAt, intervalMs)) {
          // The claim time travels with the update: subscribers can see the spacing the cluster kept.
          out.add(snap.withPublishedAt(claimedAt));
        }
      }
      return out;
    }, false).onComplete(ar -> {
      ticking = false;
      if (ar.succeeded()) {
        for (RealtimeSnapshot snap : ar.result()) {
          deferred.remove(snap.propertyId());
          RealtimeContract.UPDATES.publish(vertx, snap);
        }
      }
      // Properties not claimed (another publisher had them this interval) stay deferred.
    });
  }

  public Future<Void> stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return requests == null ? Future.succeededFuture() : requests.unregister();
  }
}
