package io.beacon.collector;

import io.beacon.infra.NodeContext;
import io.beacon.infra.RoleStatus;
import io.beacon.infra.config.BeaconConfig.Endpoint;
import io.beacon.infra.config.Role;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.ext.web.Router;

/**
 * The public ingestion endpoints. Several instances share one listening port (Vert.x balances
 * connections across them). Protocol handling lands with the collector issue.
 */
public final class CollectorVerticle extends VerticleBase {
  private final NodeContext ctx;

  public CollectorVerticle(NodeContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.get("/").handler(rc -> rc.response().putHeader("content-type", "text/plain")
        .end("Beacon collector on " + ctx.nodeName() + "\n"));
    Endpoint ep = ctx.config().http().collector();
    return Future.all(
        vertx.createHttpServer().requestHandler(router).listen(ep.port(), ep.host()),
        RoleStatus.register(vertx, Role.COLLECTOR, ctx.nodeName(), deploymentID()));
  }
}
