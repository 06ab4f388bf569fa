package io.beacon.bridge;

import io.beacon.infra.NodeContext;
import io.beacon.infra.RoleStatus;
import io.beacon.infra.config.BridgeConfig;
import io.beacon.infra.config.Role;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bridge role: the raw consumer (hits topic to QuestDB, exactly once) and the real-time consumer
 * (hits topic to per-property state in Ignite, published on the event bus), each in its own consumer
 * group and on its own thread, plus the raw-retention schedule. This verticle only wires them to
 * Vert.x: timers, event-bus addresses and lifecycle.
 */
public final class BridgeVerticle extends VerticleBase {
  private static final AtomicInteger INSTANCES = new AtomicInteger();
  private final NodeContext ctx;
  private final List<Thread> threads = new ArrayList<>();
  private RawBatchWriter writer;
  private RawHitsConsumer raw;

  public BridgeVerticle(NodeContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Future<?> start() {
    BridgeConfig cfg = ctx.config().bridge();
    BridgeMetrics metrics = new BridgeMetrics(ctx.meters());
    String id = ctx.nodeName() + "-" + INSTANCES.incrementAndGet();
    writer = new RawBatchWriter(ctx.config().questdb().httpUrl(), Duration.ofMillis(cfg.rawWriteTimeoutMs()));
    raw = new RawHitsConsumer(ctx.config().kafka().bootstrap(), "bridge-raw-" + id, cfg.rawBatchSize(), writer, metrics,
        cfg.retryMinBackoffMs(), cfg.retryMaxBackoffMs());
    startThread(raw, "beacon-bridge-raw-" + id);
    return RoleStatus.register(vertx, Role.BRIDGE, ctx.nodeName(), deploymentID());
  }

  private void startThread(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
    threads.add(t);
  }

  @Override
  public Future<?> stop() {
    List<Future<Void>> stopped = new ArrayList<>();
    if (raw != null) {
      raw.stop();
      stopped.add(Future.fromCompletionStage(raw.done(), vertx.getOrCreateContext()));
    }
    return Future.join(stopped)
        .timeout(20, TimeUnit.SECONDS)
        .eventually(() -> {
          if (writer != null) {
            writer.close();
          }
          return Future.succeededFuture();
        });
  }
}
