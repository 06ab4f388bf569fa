package io.beacon.infra.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.VertxOptions;
import java.util.concurrent.TimeUnit;

/**
 * Measures how late an event loop runs a task: each instance, on its own event loop, sets a 100 ms timer and
 * records by how much it fired late ({@code beacon_eventloop_delay_seconds}); a loop held by blocking code or a
 * long handler shows as a delay. Deployed with {@link #INSTANCES} instances, which Vert.x assigns to the event
 * loops in turn, so every loop of the default pool is probed.
 */
public final class EventLoopDelay extends VerticleBase {
  /** One instance per event loop of the node's (default-sized) pool. */
  public static final int INSTANCES = VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE;
  private static final long INTERVAL_MS = 100;

  private final Timer delay;
  private volatile boolean stopped;

  public EventLoopDelay(MeterRegistry meters) {
    delay = Timer.builder("beacon_eventloop_delay_seconds")
        .description("How late an event loop ran a timer due every 100 ms: time it was busy with other work")
        .register(meters);
  }

  @Override
  public Future<?> start() {
    schedule();
    return Future.succeededFuture();
  }

  private void schedule() {
    long due = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(INTERVAL_MS);
    vertx.setTimer(INTERVAL_MS, id -> {
      delay.record(Math.max(0, System.nanoTime() - due), TimeUnit.NANOSECONDS);
      if (!stopped) {
        schedule();
      }
    });
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    return Future.succeededFuture();
  }
}
