package io.beacon.infra.ops;

import io.beacon.infra.NodeContext;
import io.beacon.infra.clients.Clients;
import io.beacon.infra.cluster.SegmentationGuard;
import io.beacon.infra.config.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The node's readiness: each store its roles depend on must answer a real query, and the node must
 * not be a segmented leftover of the cluster. Each check has its own timeout so a hung store
 * answers DOWN instead of hanging the probe.
 */
public final class Readiness {
  static final long CHECK_TIMEOUT_MS = 3_000;

  private Readiness() {}

  public static HealthChecks create(Vertx vertx, NodeContext ctx, Set<Store> stores, SegmentationGuard guard) {
    Clients clients = ctx.clients();
    int minMembers = ctx.config().cluster().minMembers();
    HealthChecks hc = HealthChecks.create(vertx);
    hc.register("cluster", CHECK_TIMEOUT_MS, p -> {
      int members = ctx.ignite().cluster().nodes().size();
      if (guard.isSegmented()) {
        p.complete(Status.KO(new JsonObject().put("reason", "cut off from the cluster: " + guard.reason())));
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
    return hc;
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
