package io.beacon.infra.ops;

import io.beacon.infra.NodeContext;
import io.beacon.infra.clients.Clients;
import io.beacon.infra.cluster.SegmentationGuard;
import io.beacon.infra.config.Role;
import io.beacon.infra.config.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The node's readiness: each store its roles depend on must answer a real query, and the node must
 * not be a segmented leftover of the cluster. Each check has its own timeout so a hung store
 * answers DOWN instead of hanging the probe.
 */
public final class Readiness {
  static final long CHECK_TIMEOUT_MS = 3_000;
  /**
   * Node-local map (Vert.x shared data) in which each bridge consumer reports whether its records are
   * being written: consumer id to {@code {"failingSince": epoch ms, 0 when fine, "reason": ...}}.
   */
  public static final String BRIDGE_CONSUMERS = "beacon.bridge.consumers";

  private Readiness() {}

  public static HealthChecks create(Vertx vertx, NodeContext ctx, Set<Store> stores, SegmentationGuard guard) {
    Clients clients = ctx.clients();
    int minMembers = ctx.config().cluster().minMembers();
    HealthChecks hc = HealthChecks.create(vertx);
    hc.register("cluster", CHECK_TIMEOUT_MS, p -> {
      int members = ctx.ignite().cluster().nodes().size();
      if (guard.isSegmented()) {
        p.complete(Status.KO(new JsonObject().put("reason", "cut off from the cluster: " + guard.reason())));
      } else if (guard.recentPauseMs() > 0) {
        // Woken from a freeze: until Ignite's failure events arrive (1.5 s later on a loaded machine, while this
        // node already saw a cluster of 1) it cannot tell a dead peer from being the one the cluster dropped.
        p.complete(Status.KO(new JsonObject().put("reason", "paused for " + guard.recentPauseMs()
            + " ms: not serving until it is clear whether the cluster dropped this node")));
      } else if (members < minMembers) {
        // A partition left this node in a minority: it must not serve alone.
        p.complete(Status.KO(new JsonObject().put("reason", "sees " + members + " members, needs " + minMembers)));
      } else {
        p.complete(Status.OK(new JsonObject().put("members", members)));
      }
    });
    if (stores.contains(Store.KAFKA)) {
      hc.register("kafka", CHECK_TIMEOUT_MS, p -> report(p, clients.fromKafka(
          clients.kafkaAdmin().describeCluster(new org.apache.kafka.clients.admin.DescribeClusterOptions()
              .timeoutMs((int) CHECK_TIMEOUT_MS)).nodes().toCompletionStage())
          .map(nodes -> !nodes.isEmpty())));
    }
    if (stores.contains(Store.CASSANDRA)) {
      hc.register("cassandra", CHECK_TIMEOUT_MS, p -> report(p,
          clients.cassandra().executeWithFullFetch("SELECT release_version FROM system.local")
              .map(rows -> !rows.isEmpty())));
    }
    if (stores.contains(Store.QUESTDB)) {
      hc.register("questdb", CHECK_TIMEOUT_MS, p -> report(p,
          clients.questdb().query("SELECT 1").execute().map(rows -> rows.size() == 1)));
    }
    if (ctx.config().node().roles().contains(Role.BRIDGE)) {
      long stalledMs = ctx.config().bridge().rawWriteStalledMs();
      hc.register("bridge", CHECK_TIMEOUT_MS, p -> p.complete(bridgeStatus(
          vertx.sharedData().<String, JsonObject>getLocalMap(BRIDGE_CONSUMERS), stalledMs, System.currentTimeMillis())));
    }
    return hc;
  }

  /**
   * KO when a bridge consumer has failed to write for longer than {@code stalledMs} (QuestDB refusing
   * writes while it still answers queries, the write gate stuck, the consumer loop dying...), with
   * each such consumer's reason; OK otherwise, with the number of consumers.
   */
  static Status bridgeStatus(Map<String, JsonObject> consumers, long stalledMs, long now) {
    JsonObject stalled = new JsonObject();
    consumers.forEach((consumer, state) -> {
      long since = state.getLong("failingSince", 0L);
      if (since > 0 && now - since > stalledMs) {
        stalled.put(consumer, "not writing for " + (now - since) / 1000 + " s: " + state.getString("reason"));
      }
    });
    if (!stalled.isEmpty()) {
      return Status.KO(new JsonObject().put("reason", "bridge consumers stalled").put("consumers", stalled));
    }
    return Status.OK(new JsonObject().put("consumers", consumers.size()));
  }

  private static void report(io.vertx.core.Promise<Status> p, Future<Boolean> check) {
    check.timeout(CHECK_TIMEOUT_MS, TimeUnit.MILLISECONDS).onComplete(ar -> {
      if (ar.succeeded() && ar.result()) {
        p.tryComplete(Status.OK());
      } else {
        String reason = ar.failed() ? String.valueOf(ar.cause().getMessage()) : "no answer";
        p.tryComplete(Status.KO(new JsonObject().put("reason", reason)));
      }
    });
  }
}
