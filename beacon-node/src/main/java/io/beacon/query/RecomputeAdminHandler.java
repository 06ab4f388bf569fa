package io.beacon.query;

import io.beacon.contract.RecomputeJob;
import io.beacon.contract.RecomputeJobRequest;
import io.beacon.contract.RecomputeJobsContract;
import io.beacon.infra.clients.PropertyLookup;
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
 * a recompute node, reached over the event bus ({@link RecomputeJobsContract}).
 */
final class RecomputeAdminHandler {
  private static final DeliveryOptions SEND = new DeliveryOptions().setSendTimeout(15_000);

  private final Vertx vertx;
  private final AccessHandler access;
  private final PropertyLookup zones;

  RecomputeAdminHandler(Vertx vertx, AccessHandler access, PropertyLookup zones) {
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
    String propertyId = AdminTarget.propertyOf(rc, body);
    if (propertyId == null) {
      return;
    }
    Caller caller = rc.get(Caller.KEY);
    AdminTarget.administered(rc, access, zones, propertyId)
        .compose(zone -> send(RecomputeJobRequest.Start.of(propertyId, zone, body.getValue("from"),
            body.getValue("to"), caller.email())))
        .onSuccess(job -> rc.response().setStatusCode(202).putHeader("content-type", "application/json")
            .putHeader("Location", "/api/v1/admin/recompute/" + job.jobId()).end(job.toJson().encode()))
        .onFailure(e -> fail(rc, e));
  }

  /** {@code GET /api/v1/admin/recompute/:job}: the job and its progress (viewers of the property may look). */
  void get(RoutingContext rc) {
    job(rc, PropertyRole.VIEWER, false);
  }

  /** {@code DELETE /api/v1/admin/recompute/:job}: asks the job to stop; answers it as it is now. */
  void cancel(RoutingContext rc) {
    job(rc, PropertyRole.ADMIN, true);
  }

  /** {@code GET /api/v1/admin/recompute?property=ID}: the property's latest jobs, newest first. */
  void list(RoutingContext rc) {
    String propertyId = rc.queryParams().get("property");
    if (propertyId == null || propertyId.isBlank()) {
      ReportHandler.error(rc, ApiException.badRequest("property", "query parameter is required"));
      return;
    }
    access.require(rc, propertyId, PropertyRole.ADMIN)
        .compose(v -> send(new RecomputeJobRequest.List(propertyId)))
        .onSuccess(list -> ok(rc, list.toJson()))
        .onFailure(e -> fail(rc, e));
  }

  /** The job, after checking the caller's role on its property; then cancelled if asked. */
  private void job(RoutingContext rc, PropertyRole needed, boolean cancel) {
    String jobId = rc.pathParam("job");
    send(new RecomputeJobRequest.Get(jobId))
        .compose(job -> access.require(rc, job.propertyId(), needed).map(job))
        .compose(job -> cancel ? send(new RecomputeJobRequest.Cancel(jobId)) : Future.<RecomputeJob>succeededFuture(job))
        .onSuccess(job -> ok(rc, job.toJson()))
        .onFailure(e -> fail(rc, e));
  }

  private <R> Future<R> send(RecomputeJobRequest<R> request) {
    return RecomputeJobsContract.request(vertx, request, SEND);
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
