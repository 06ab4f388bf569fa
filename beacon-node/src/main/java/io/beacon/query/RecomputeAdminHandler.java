package io.beacon.query;

import io.beacon.infra.Addresses;
import io.beacon.infra.clients.PropertyZones;
import io.beacon.api.ApiException;
import io.beacon.query.auth.Caller;
import io.beacon.query.auth.PropertyRole;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * The admin API of correction jobs ({@code /api/v1/admin/recompute}): start one for a property and a range of
 * closed days, follow its progress, cancel it, list a property's jobs. Property admins only; the work runs on
 * a recompute node, reached over the event bus ({@link Addresses#recomputeJobs()}).
 */
final class RecomputeAdminHandler {
  private static final DeliveryOptions SEND = new DeliveryOptions().setSendTimeout(15_000);

  private final Vertx vertx;
  private final AccessHandler access;
  private final PropertyZones zones;

  RecomputeAdminHandler(Vertx vertx, AccessHandler access, PropertyZones zones) {
    this.vertx = vertx;
    this.access = access;
    this.zones = zones;
  }

  /** {@code POST /api/v1/admin/recompute {"property", "from", "to"}}: 202 with the queued job. */
  void start(RoutingContext rc) {
    JsonObject body = ReportHandler.jsonBody(rc);
    if (body == null) {
      return;
    }
    if (!(body.getValue("property") instanceof String propertyId) || propertyId.isBlank()) {
      ReportHandler.error(rc, ApiException.badRequest("property", "is required (a property id)"));
      return;
    }
    Caller caller = rc.get(Caller.KEY);
    access.require(rc, propertyId, PropertyRole.ADMIN)
        .compose(v -> zones.zoneOf(propertyId))
        .compose(zone -> zone.isEmpty()
            ? Future.failedFuture(new ApiException(404, "property", "property '" + propertyId + "' not found"))
            : send(new JsonObject().put("action", "start").put("propertyId", propertyId)
                .put("timeZone", zone.get().getId()).put("from", body.getValue("from")).put("to", body.getValue("to"))
                .put("requestedBy", caller.email())))
        .onSuccess(job -> rc.response().setStatusCode(202).putHeader("content-type", "application/json")
            .putHeader("Location", "/api/v1/admin/recompute/" + job.getString("jobId")).end(job.encode()))
        .onFailure(e -> fail(rc, e));
  }

  /** {@code GET /api/v1/admin/recompute/:job}: the job and its progress (viewers of the property may look). */
  void get(RoutingContext rc) {
    job(rc, PropertyRole.VIEWER, "get");
  }

  /** {@code DELETE /api/v1/admin/recompute/:job}: asks the job to stop; answers it as it is now. */
  void cancel(RoutingContext rc) {
    job(rc, PropertyRole.ADMIN, "cancel");
  }

  /** {@code GET /api/v1/admin/recompute?property=ID}: the property's latest jobs, newest first. */
  void list(RoutingContext rc) {
    String propertyId = rc.queryParams().get("property");
    if (propertyId == null || propertyId.isBlank()) {
      ReportHandler.error(rc, ApiException.badRequest("property", "query parameter is required"));
      return;
    }
    access.require(rc, propertyId, PropertyRole.ADMIN)
        .compose(v -> send(new JsonObject().put("action", "list").put("propertyId", propertyId)))
        .onSuccess(json -> ok(rc, json))
        .onFailure(e -> fail(rc, e));
  }

  private void job(RoutingContext rc, PropertyRole needed, String action) {
    String jobId = rc.pathParam("job");
    send(new JsonObject().put("action", "get").put("jobId", jobId))
        .compose(job -> access.require(rc, job.getString("propertyId"), needed).map(job))
        .compose(job -> action.equals("get") ? Future.succeededFuture(job)
            : send(new JsonObject().put("action", action).put("jobId", jobId)))
        .onSuccess(json -> ok(rc, json))
        .onFailure(e -> fail(rc, e));
  }

  private Future<JsonObject> send(JsonObject msg) {
    return vertx.eventBus().<JsonObject>request(Addresses.recomputeJobs(), msg, SEND).map(m -> m.body());
  }

  private static void ok(RoutingContext rc, JsonObject json) {
    rc.response().putHeader("content-type", "application/json").end(json.encode());
  }

  private static void fail(RoutingContext rc, Throwable e) {
    if (e instanceof ApiException re) {
      ReportHandler.error(rc, re);
    } else {
      ReportHandler.replyFailure(rc, e, "recompute");
    }
  }
}
