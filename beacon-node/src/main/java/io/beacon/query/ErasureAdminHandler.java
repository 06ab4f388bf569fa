package io.beacon.query;

import io.beacon.api.ApiException;
import io.beacon.contract.BusFailure;
import io.beacon.contract.RawErasureContract;
import io.beacon.infra.clients.PropertyLookup;
import io.beacon.query.auth.Caller;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * Right to erasure in the admin API ({@code POST /api/v1/admin/erasures}): erase one person of one property, by
 * client id or by user id, from every store (see {@code io.beacon.bridge.PersonErasure}). Property admins only,
 * as GA4's user-deletion API asks for edit rights on the property. The work runs on a bridge node, reached over
 * the event bus ({@link RawErasureContract}); the answer says what was erased and which rebuild of the aggregates
 * was queued. Neither the id nor the caller is logged.
 */
final class ErasureAdminHandler {
  /** A rewrite of many day partitions with raw writes paused can take a while. */
  private static final DeliveryOptions SEND = new DeliveryOptions().setSendTimeout(300_000);

  private final Vertx vertx;
  private final AccessHandler access;
  private final PropertyLookup zones;

  ErasureAdminHandler(Vertx vertx, AccessHandler access, PropertyLookup zones) {
    this.vertx = vertx;
    this.access = access;
    this.zones = zones;
  }

  /** {@code POST /api/v1/admin/erasures {"property", "clientId" | "userId"}}: 200 with what was erased. */
  void erase(RoutingContext rc) {
    JsonObject body = ReportHandler.jsonBody(rc);
    if (body == null) {
      return;
    }
    String propertyId = AdminTarget.propertyOf(rc, body);
    if (propertyId == null) {
      return;
    }
    Caller caller = rc.get(Caller.KEY);
    RawErasureContract.Request request;
    try {
      request = RawErasureContract.Request.fromJson(new JsonObject().put("propertyId", propertyId)
          .put("clientId", body.getValue("clientId")).put("userId", body.getValue("userId"))
          .put("requestedBy", caller.email()));
    } catch (BusFailure e) {
      ReportHandler.error(rc, new ApiException(400, e.field(), e.getMessage()));
      return;
    }
    AdminTarget.administered(rc, access, zones, propertyId)
        .compose(zone -> RawErasureContract.CONTRACT.request(vertx, request, SEND))
        .onSuccess(result -> rc.response().putHeader("content-type", "application/json")
            .end(result.toJson().encode()))
        .onFailure(e -> {
          if (e instanceof ApiException re) {
            ReportHandler.error(rc, re);
          } else {
            ReportHandler.replyFailure(rc, e, "bridge");
          }
        });
  }
}
