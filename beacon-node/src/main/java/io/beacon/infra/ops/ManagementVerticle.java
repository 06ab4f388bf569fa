package io.beacon.infra.ops;

import io.beacon.infra.NodeContext;
import io.beacon.infra.cluster.SegmentationGuard;
import io.beacon.infra.config.BeaconConfig.Endpoint;
import io.beacon.infra.config.Role;
import io.beacon.contract.RoleStatus;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.micrometer.core.instrument.Gauge;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.List;
import org.apache.ignite.cluster.ClusterNode;

/**
 * The management port, separate from the public ones: {@code /metrics} (Prometheus), {@code
 * /health} (liveness), {@code /ready} (the node's stores answer and it is part of the cluster) and
 * {@code /cluster} (members, and which node answers for each role over the event bus).
 */
public final class ManagementVerticle extends VerticleBase {
  private static final long READINESS_EVERY_MS = 5_000;
  private final NodeContext ctx;
  private final HealthChecks readiness;
  private final SegmentationGuard guard;

  public ManagementVerticle(NodeContext ctx, HealthChecks readiness, SegmentationGuard guard) {
    this.ctx = ctx;
    this.readiness = readiness;
    this.guard = guard;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.get("/metrics").handler(PrometheusScrapingHandler.create((PrometheusMeterRegistry) ctx.meters()));
    router.get("/health").handler(this::health);
    router.get("/ready").handler(HealthCheckHandler.createWithHealthChecks(readiness));
    router.get("/cluster").handler(this::cluster);
    Endpoint ep = ctx.config().http().management();
    exportReadiness();
    return vertx.createHttpServer().requestHandler(router).listen(ep.port(), ep.host());
  }

  /**
   * Evaluates readiness every few seconds into gauges, so alerts see a store outage or a cut-off
   * node without anyone calling /ready: {@code beacon_node_ready} and
   * {@code beacon_dependency_up{dependency=...}} (1 up, 0 down).
   */
  private void exportReadiness() {
    AtomicInteger ready = new AtomicInteger();
    Gauge.builder("beacon_node_ready", ready, AtomicInteger::get)
        .description("1 when every dependency of this node's roles answers and it is in the cluster")
        .register(ctx.meters());
    Map<String, AtomicInteger> up = new ConcurrentHashMap<>();
    vertx.setPeriodic(0, READINESS_EVERY_MS, id -> readiness.checkStatus().onSuccess(result -> {
      ready.set(result.getUp() ? 1 : 0);
      JsonArray checks = result.toJson().getJsonArray("checks", new JsonArray());
      for (int i = 0; i < checks.size(); i++) {
        JsonObject check = checks.getJsonObject(i);
        up.computeIfAbsent(check.getString("id"), dep -> {
          AtomicInteger v = new AtomicInteger();
          Gauge.builder("beacon_dependency_up", v, AtomicInteger::get)
              .description("1 when this dependency answered the last readiness check")
              .tag("dependency", dep)
              .register(ctx.meters());
          return v;
        }).set("UP".equals(check.getString("status")) ? 1 : 0);
      }
    }));
    Gauge.builder("beacon_cluster_members", ctx.ignite(), ignite -> ignite.cluster().nodes().size())
        .description("Members of the cluster as this node sees them")
        .register(ctx.meters());
  }

  private void health(RoutingContext rc) {
    boolean up = !guard.isSegmented();
    rc.response().setStatusCode(up ? 200 : 503).putHeader("content-type", "application/json")
        .end(new JsonObject().put("status", up ? "UP" : "DOWN").put("node", ctx.nodeName()).encode());
  }

  private void cluster(RoutingContext rc) {
    JsonArray members = new JsonArray();
    for (ClusterNode n : ctx.ignite().cluster().nodes()) {
      members.add(String.valueOf(n.consistentId()));
    }
    // Short: a role that does not answer quickly is reported missing rather than stalling the probe.
    DeliveryOptions opts = new DeliveryOptions().setSendTimeout(Math.min(2_000, ctx.config().cluster().eventBusTimeoutMs()));
    List<Future<RoleStatus.Instance>> asks = new ArrayList<>();
    for (Role role : Role.values()) {
      asks.add(RoleStatus.of(role).request(vertx, new RoleStatus.Ask(), opts).otherwise(e -> null));
    }
    Future.join(asks).onComplete(ar -> {
      JsonObject roles = new JsonObject();
      for (int i = 0; i < asks.size(); i++) {
        RoleStatus.Instance answer = asks.get(i).result();
        roles.put(Role.values()[i].key(), answer == null ? null : answer.toJson());
      }
      rc.response().putHeader("content-type", "application/json").end(new JsonObject()
          .put("node", ctx.nodeName())
          .put("members", members)
          .put("roles", roles)
          .encode());
    });
  }
}
