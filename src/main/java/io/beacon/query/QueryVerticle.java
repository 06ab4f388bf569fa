package io.beacon.query;

import io.beacon.infra.NodeContext;
import io.beacon.infra.RoleStatus;
import io.beacon.infra.config.BeaconConfig.Endpoint;
import io.beacon.infra.config.Role;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.ext.web.Router;

/** The dashboard and reporting API. Reports land with the serving issue. */
public final class QueryVerticle extends VerticleBase {
  private final NodeContext ctx;

  public QueryVerticle(NodeContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.get("/").handler(rc -> rc.response().putHeader("content-type", "text/plain")
        .end("Beacon dashboard on " + ctx.nodeName() + "\n"));
    Endpoint ep = ctx.config().http().query();
    return Future.all(
        vertx.createHttpServer().requestHandler(router).listen(ep.port(), ep.host()),
        RoleStatus.register(vertx, Role.QUERY, ctx.nodeName(), deploymentID()));
  }
}
