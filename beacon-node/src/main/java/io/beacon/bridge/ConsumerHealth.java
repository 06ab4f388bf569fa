package io.beacon.bridge;

import io.beacon.infra.ops.Readiness;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import java.util.function.LongSupplier;

/**
 * Whether one bridge consumer is getting its records written, as the node's readiness sees it: an entry
 * in the node-local map {@link Readiness#BRIDGE_CONSUMERS}, {@code {"failingSince": epoch ms or 0,
 * "reason": ...}}. A consumer calls {@link #failing} whenever a write fails (or its loop dies) and
 * {@link #healthy} when a write succeeds or it has nothing waiting to be written; the readiness check
 * turns a failure older than {@code bridge.rawWriteStalledMs} into 503. Thread-safe.
 */
public final class ConsumerHealth {
  private final LocalMap<String, JsonObject> map;
  private final String consumer;
  private final LongSupplier clock;
  private long failingSince;

  public ConsumerHealth(Vertx vertx, String consumer, LongSupplier clock) {
    this.map = vertx.sharedData().getLocalMap(Readiness.BRIDGE_CONSUMERS);
    this.consumer = consumer;
    this.clock = clock;
    map.put(consumer, entry(0, null));
  }

  /** Not writing: the first call starts the clock, later ones update the reason. */
  public synchronized void failing(String reason) {
    if (failingSince == 0) {
      failingSince = clock.getAsLong();
    }
    map.put(consumer, entry(failingSince, reason));
  }

  public synchronized void healthy() {
    if (failingSince != 0) {
      failingSince = 0;
      map.put(consumer, entry(0, null));
    }
  }

  /** The consumer is gone (verticle stopped): it no longer counts. */
  public synchronized void remove() {
    map.remove(consumer);
  }

  private static JsonObject entry(long since, String reason) {
    return new JsonObject().put("failingSince", since).put("reason", reason);
  }
}
