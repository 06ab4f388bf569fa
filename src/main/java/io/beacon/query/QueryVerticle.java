package io.beacon.query;

import io.beacon.infra.NodeContext;
import io.beacon.infra.RoleStatus;
import io.beacon.infra.config.BeaconConfig.Endpoint;
import io.beacon.infra.config.Role;
import io.beacon.query.report.AggregateReader;
import io.beacon.query.report.PropertyZones;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Duration;

/**
 * The dashboard and reporting API: {@code POST /api/v1/properties/{id}:runReport} and {@code GET
 * /api/v1/properties/{id}/metadata}, over the precomputed aggregates in Cassandra.
 */
public final class QueryVerticle extends VerticleBase {
  /** Reports are small JSON documents; anything larger is refused before parsing. */
  private static final long MAX_BODY_BYTES = 64 * 1024;
  private static final Duration STORE_TIMEOUT = Duration.ofSeconds(5);

  private final NodeContext ctx;

  public QueryVerticle(NodeContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Future<?> start() {
    var cassandra = ctx.clients().cassandra();
    ReportHandler reports = new ReportHandler(new PropertyZones(cassandra, STORE_TIMEOUT),
        new AggregateReader(cassandra, STORE_TIMEOUT), ctx.meters());
    Router router = Router.router(vertx);
    router.get("/").handler(rc -> rc.response().putHeader("content-type", "text/plain")
        .end("Beacon dashboard on " + ctx.nodeName() + "\n"));
    router.post("/api/v1/*").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES));
    router.postWithRegex("/api/v1/properties/(?<id>[A-Za-z0-9_-]{1,64}):runReport").handler(reports::runReport);
    router.get("/api/v1/properties/:id/metadata").handler(reports::metadata);
    Endpoint ep = ctx.config().http().query();
    return Future.all(
        vertx.createHttpServer().requestHandler(router).listen(ep.port(), ep.host()),
        RoleStatus.register(vertx, Role.QUERY, ctx.nodeName(), deploymentID()));
  }
}
