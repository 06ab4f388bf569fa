package io.beacon;

import io.beacon.bridge.BridgeVerticle;
import io.beacon.collector.CollectorVerticle;
import io.beacon.infra.NodeContext;
import io.beacon.infra.NodeResources;
import io.beacon.infra.clients.CassandraCacheStore;
import io.beacon.infra.clients.Clients;
import io.beacon.infra.cluster.IgniteConfigFactory;
import io.beacon.infra.cluster.SegmentationGuard;
import io.beacon.infra.config.BeaconConfig;
import io.beacon.infra.config.Role;
import io.beacon.infra.config.Store;
import io.beacon.infra.metrics.EventLoopDelay;
import io.beacon.infra.metrics.Metrics;
import io.beacon.infra.metrics.StoreFootprint;
import io.beacon.infra.ops.ManagementVerticle;
import io.beacon.infra.ops.Readiness;
import io.beacon.infra.schema.SchemaManager;
import io.beacon.query.QueryVerticle;
import io.beacon.recompute.RecomputeVerticle;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PfxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.spi.cluster.ignite.IgniteClusterManager;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Beacon node: a clustered Vert.x instance (Ignite), its management port, and the role
 * verticles its config names, each with its number of instances. The composition root: the only
 * class that knows every verticle.
 */
public final class BeaconNode {
  private static final Logger LOG = LoggerFactory.getLogger(BeaconNode.class);

  private static final Map<Role, Function<NodeContext, Deployable>> VERTICLES = new EnumMap<>(Map.of(
      Role.COLLECTOR, CollectorVerticle::new,
      Role.BRIDGE, BridgeVerticle::new,
      Role.QUERY, QueryVerticle::new,
      Role.RECOMPUTE, RecomputeVerticle::new));

  private final Vertx vertx;
  private final NodeContext context;
  private final SegmentationGuard guard;

  private BeaconNode(Vertx vertx, NodeContext context, SegmentationGuard guard) {
    this.vertx = vertx;
    this.context = context;
    this.guard = guard;
  }

  /**
   * Joins the cluster, migrates the schema of the stores this node's roles use, then deploys the
   * management verticle and the roles. Fails (and leaves the cluster) if any step fails.
   */
  public static Future<BeaconNode> start(BeaconConfig config, Runnable onSegmented) {
    // No phoning home for updates (there may be no route out), and no performance tips on stdout.
    System.setProperty("IGNITE_UPDATE_NOTIFIER", "false");
    System.setProperty("IGNITE_PERFORMANCE_SUGGESTIONS_DISABLED", "true");
    // Ignite's page-lock tracker is a debugging aid that logs every page lock of every cache write (a
    // third of the collector's de-dup cost in a profile); off unless the operator sets it.
    if (System.getProperty("IGNITE_PAGE_LOCK_TRACKER_TYPE") == null) {
      System.setProperty("IGNITE_PAGE_LOCK_TRACKER_TYPE", "-1");
    }
    String name = config.node().name();
    Metrics metrics = new Metrics(name);
    IgniteClusterManager clusterManager =
        new IgniteClusterManager(IgniteConfigFactory.create(config.cluster(), name, config.node().roles(),
            config.recompute().cacheRegionMb(), config.collector().stateRegionMb()));
    VertxOptions options = new VertxOptions().setMetricsOptions(
        metrics.vertxOptions(config.collector().proxyProtocol() || config.query().proxyProtocol()));
    options.getEventBusOptions().setHost(config.cluster().host()).setPort(config.cluster().eventBusPort());
    if (config.cluster().tlsEnabled()) {
      // The event bus's own links (node to node, apart from Ignite's) over mutual TLS with the same certificates:
      // a peer must present one the cluster's CA signed, or no message of it is read.
      BeaconConfig.ClusterTls tls = config.cluster().tls();
      options.getEventBusOptions().setSsl(true).setClientAuth(ClientAuth.REQUIRED)
          .setKeyCertOptions(new PfxOptions().setPath(tls.keyStore()).setPassword(tls.keyStorePassword()))
          .setTrustOptions(new PfxOptions().setPath(tls.trustStore()).setPassword(tls.trustStorePassword()));
    }
    return Vertx.builder().with(options).withClusterManager(clusterManager).withMetrics(metrics.vertxFactory())
        .buildClustered()
        .compose(vertx -> {
          Clients clients = new Clients(vertx, config);
          // The caches' stores run on Ignite's threads and find the node's Cassandra session through Ignite.
          CassandraCacheStore.install(clusterManager.getIgniteInstance(), clients);
          SegmentationGuard guard = new SegmentationGuard(config.cluster().failureDetectionTimeoutMs());
          NodeContext ctx = new NodeContext(config, clusterManager.getIgniteInstance(), metrics.registry(), clients,
              guard, new NodeResources(name));
          guard.install(ctx.ignite(), onSegmented);
          guard.watchMinority(ctx.ignite(), config.cluster().minMembers(), config.cluster().minorityExitMs(),
              onSegmented);
          Set<Store> stores = Role.storesOf(config.node().roles());
          BeaconNode node = new BeaconNode(vertx, ctx, guard);
          LOG.info("Node {} joined the cluster ({} members); roles {}, stores {}", name,
              ctx.ignite().cluster().nodes().size(), config.node().roles(), stores);
          // Not ready until every role is deployed: a balancer must not send hits to a node still starting.
          AtomicBoolean rolesDeployed = new AtomicBoolean();
          HealthChecks readiness = Readiness.create(vertx, ctx, stores, guard)
              .register("roles", p -> p.complete(rolesDeployed.get() ? Status.OK()
                  : Status.KO(new JsonObject().put("reason", "deploying"))));
          Future<Void> schema = config.schema().autoMigrate()
              // Bounded even if a step's attempt never answers: the retries' budget plus one slow attempt.
              ? SchemaManager.apply(vertx, clients, config, stores)
                  .timeout(SchemaManager.RETRY_FOR.toMillis() + 4 * config.cassandra().requestTimeoutMs(),
                      TimeUnit.MILLISECONDS)
              : Future.succeededFuture();
          return schema
              .compose(v -> stores.contains(Store.CASSANDRA) ? connectCassandra(vertx, clients) : Future.succeededFuture())
              .compose(v -> vertx.deployVerticle(new ManagementVerticle(ctx, readiness, guard)))
              .compose(v -> vertx.deployVerticle(() -> new EventLoopDelay(ctx.meters()),
                  new DeploymentOptions().setInstances(EventLoopDelay.INSTANCES)))
              .compose(v -> stores.isEmpty() ? Future.succeededFuture()
                  : vertx.deployVerticle(new StoreFootprint(ctx, stores)))
              .compose(v -> node.deployRoles())
              .onSuccess(v -> rolesDeployed.set(true))
              .map(node)
              .recover(e -> node.close().transform(x -> Future.failedFuture(e)));
        });
  }

  /**
   * Opens the node's shared Cassandra session once, before any verticle uses it: with
   * vertx-cassandra-client 5.0.7, instances opening a shared session at the same moment fail with
   * IllegalStateException.
   */
  private static Future<Void> connectCassandra(Vertx vertx, Clients clients) {
    // Creating the client parses the driver's config (seconds on a busy machine): not on an event loop.
    return vertx.executeBlocking(clients::cassandra, false)
        .compose(c -> c.execute("SELECT release_version FROM system.local")).mapEmpty();
  }

  private Future<Void> deployRoles() {
    Future<Void> chain = Future.succeededFuture();
    for (Role role : context.config().node().roles()) {
      int instances = context.config().node().instances(role);
      Function<NodeContext, Deployable> factory = VERTICLES.get(role);
      // Recompute aggregates millions of rows: worker threads, so it never holds an event loop.
      ThreadingModel threading = role == Role.RECOMPUTE ? ThreadingModel.WORKER : ThreadingModel.EVENT_LOOP;
      chain = chain.compose(v -> vertx.deployVerticle(() -> factory.apply(context),
              new DeploymentOptions().setInstances(instances).setThreadingModel(threading))
          .onSuccess(id -> {
            LOG.info("Deployed role {} x{} on node {} (deployment {})", role.key(), instances, context.nodeName(), id);
            Gauge.builder("beacon_verticle_instances", () -> instances)
                .description("Verticle instances deployed on this node, by role")
                .tag("role", role.key())
                .register(context.meters());
          })
          .mapEmpty());
    }
    return chain;
  }

  public Vertx vertx() {
    return vertx;
  }

  public NodeContext context() {
    return context;
  }

  /**
   * Undeploys everything, closes the store clients (all of the node's Cassandra sessions, the caches' stores'
   * included: once, here) and leaves the cluster cleanly.
   */
  public Future<Void> close() {
    guard.close();
    return context.clients().closeAsync()
        .timeout(5, TimeUnit.SECONDS)
        .eventually(vertx::close)
        // After the verticles stopped (vertx.close undeploys them): e.g. the hand-off flushes what they handed it.
        .eventually(() -> Future.fromCompletionStage(CompletableFuture.runAsync(context.resources()::close)));
  }
}
