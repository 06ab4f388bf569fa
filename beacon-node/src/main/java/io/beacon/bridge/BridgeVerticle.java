package io.beacon.bridge;

import io.beacon.bridge.realtime.RealtimeConsumer;
import io.beacon.bridge.realtime.RealtimePublisher;
import io.beacon.bridge.realtime.RealtimeStore;
import io.beacon.contract.BusFailure;
import io.beacon.contract.RawErasureContract;
import io.beacon.infra.NodeContext;
import io.beacon.contract.RoleStatus;
import io.beacon.infra.config.BridgeConfig;
import io.beacon.infra.config.Role;
import io.beacon.store.cassandra.ErasuresTable;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge role: the raw consumer (hits topic to QuestDB, exactly once) and the real-time consumer
 * (hits topic to per-property state in Ignite, published on the event bus), each in its own consumer
 * group and on its own thread, plus the raw-retention schedule. This verticle only wires them to
 * Vert.x: threads, timers, event-bus addresses and lifecycle.
 */
public final class BridgeVerticle extends VerticleBase {
  /** The tombstones read from {@code erasures} at start. */
  private List<ErasuresTable.Tombstone> recorded = List.of();
  private static final Logger LOG = LoggerFactory.getLogger(BridgeVerticle.class);
  private final NodeContext ctx;
  private final List<Gauge> gauges = new ArrayList<>();
  private RawBatchWriter writer;
  private RawHitsConsumer raw;
  private RealtimeConsumer realtime;
  private RealtimePublisher publisher;
  private RawRetention retention;
  private Tombstones tombstones;
  private ConsumerHealth rawHealth;
  private volatile boolean stopping;

  public BridgeVerticle(NodeContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Future<?> start() {
    BridgeConfig cfg = ctx.config().bridge();
    BridgeMetrics metrics = new BridgeMetrics(ctx.meters());
    String id = ctx.nodeName() + "-" + ctx.resources().nextInstance("bridge");
    Map<String, Object> kafka = ctx.config().kafka().clientProps();
    int partitions = ctx.config().kafka().hits().partitions();

    // On a worker: creating Ignite caches and atomics blocks (cluster-wide exchange), and the InfluxDB client's
    // set-up (Retrofit proxies, OkHttp) took seconds of class loading on a busy machine (blocked-thread warnings).
    return vertx.executeBlocking(() -> {
      writer = new RawBatchWriter(ctx.config().questdb().httpUrl(), ctx.config().questdb().user(),
          ctx.config().questdb().password(), Duration.ofMillis(cfg.rawWriteTimeoutMs()));
      tombstones = new Tombstones(ctx.ignite());
      return new IgniteWriteGate(ctx.ignite());
    }).compose(gate -> ctx.clients().cassandra().executeWithFullFetch(ErasuresTable.selectAll(null))
        .compose(rows -> vertx.executeBlocking(() -> {
          // Before the raw consumer starts: a replay must meet every recent erasure.
          recorded = rows.stream().map(ErasuresTable::from).toList();
          tombstones.load(recorded, java.time.Instant.now());
          return gate;
        }))).compose(gate -> {
      rawHealth = new ConsumerHealth(vertx, "bridge-raw-" + id, System::currentTimeMillis);
      supervise("beacon-bridge-raw-" + id, () -> {
        raw = new RawHitsConsumer(kafka, "bridge-raw-" + id, cfg.rawBatchSize(), cfg.rawWriteConcurrency(), writer,
            gate, tombstones, metrics, rawHealth, cfg.retryMinBackoffMs(), cfg.retryMaxBackoffMs());
        return new Started(raw, raw.done());
      }, rawHealth);
      RawErasure erasure = new RawErasure(vertx, ctx.clients().questdb(), gate);
      PersonErasure persons = new PersonErasure(vertx, erasure, () -> ctx.clients().cassandra(), tombstones,
          ctx.ignite());
      retention = new RawRetention(vertx, ctx.clients().questdb(),
          RawRetention.fromProperties(() -> ctx.clients().cassandra()), erasure,
          new AggRetention(() -> ctx.clients().cassandra()),
          new PropertyPurge(vertx, ctx.clients().questdb(), erasure, () -> ctx.clients().cassandra(), tombstones,
              persons::dropReports, ctx.meters()),
          cfg.retentionDays(), cfg.retentionCheckMs());
      retention.start();
      // A rewrite a crash interrupted is completed now, not at the next erasure.
      erasure.recover().onFailure(e -> LOG.warn("Could not restore rows of an interrupted erasure: {}", e.toString()));
      // Tombstones recorded before recent_erasures existed (an upgrade): the Spark job reads that table only.
      persons.fileRecent(recorded).onFailure(e -> LOG.warn("Could not file recent erasure tombstones for the Spark job: {}",
          e.toString()));
      MessageConsumer<JsonObject> erasures = RawErasureContract.CONTRACT.serve(vertx, request ->
          persons.erase(request).recover(e -> Future.failedFuture(new BusFailure(
              e instanceof IllegalArgumentException ? 400 : e instanceof RawErasure.ErasureBusyException ? 409 : 500,
              "", e.getMessage()))));
      return erasures.completion();
    }).compose(v -> vertx.executeBlocking(() -> new RealtimeStore(ctx.ignite(), cfg.realtimeWindowMinutes())))
        .compose(s -> {
          AtomicLong lag = new AtomicLong();
          gauges.add(metrics.lag(RealtimeConsumer.GROUP, "bridge-realtime-" + id, lag));
          supervise("beacon-bridge-realtime-" + id, () -> {
            realtime = new RealtimeConsumer(
                KafkaProps.realtimeConsumer(kafka, RealtimeConsumer.GROUP, "bridge-realtime-" + id),
                "bridge-realtime-" + id, s, cfg.realtimeWindowMinutes(), cfg.realtimeFlushMs(),
                metrics.realtimeFreshness, lag, System::currentTimeMillis);
            return new Started(realtime, realtime.done());
          }, null);
          publisher = new RealtimePublisher(vertx, s, () -> realtime.drainChanged(), cfg.realtimeWindowMinutes(),
              () -> Math.max(partitions, realtime.topicPartitions()), cfg.realtimePublishMs());
          return publisher.start();
        })
        .compose(v -> RoleStatus.register(vertx, Role.BRIDGE, ctx.nodeName(), deploymentID()));
  }

  private record Started(Runnable loop, CompletableFuture<Void> done) {}

  /**
   * Runs a consumer loop on its own thread and, should it die of an unexpected error while the
   * verticle is up, starts a fresh one a second later (its offsets or replay make that safe).
   */
  private void supervise(String name, Supplier<Started> create, ConsumerHealth health) {
    Started started = create.get();
    Thread t = new Thread(started.loop(), name);
    t.setDaemon(true);
    t.start();
    toFuture(started.done()).onComplete(x -> {
      if (!stopping) {
        LOG.error("{} ended unexpectedly; restarting it in 1 s", name);
        if (health != null) {
          health.failing(name + " ended unexpectedly; restarting");
        }
        vertx.setTimer(1_000, tid -> {
          if (!stopping) {
            supervise(name, create, health);
          }
        });
      }
    });
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    List<Future<?>> stopped = new ArrayList<>();
    if (raw != null) {
      raw.stop();
      stopped.add(toFuture(raw.done()));
    }
    if (realtime != null) {
      realtime.stop();
      stopped.add(toFuture(realtime.done()));
    }
    if (publisher != null) {
      stopped.add(publisher.stop());
    }
    if (retention != null) {
      retention.stop();
    }
    if (rawHealth != null) {
      rawHealth.remove();
    }
    gauges.forEach(ctx.meters()::remove);
    return Future.join(stopped)
        .timeout(20, TimeUnit.SECONDS)
        .eventually(() -> vertx.executeBlocking(() -> {
          if (writer != null) {
            writer.close();
          }
          return null;
        }));
  }

  private Future<Void> toFuture(CompletableFuture<Void> f) {
    return Future.fromCompletionStage(f, vertx.getOrCreateContext());
  }
}
