package io.beacon.query;

import io.beacon.api.ApiException;
import io.beacon.query.auth.PropertyRole;
import io.beacon.infra.clients.PropertyLookup;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.ZoneId;

/**
 * The property an admin request's body names ({@code "property"}), checked as every admin job checks it: the caller
 * administers it, and it exists (its zone: 404 otherwise). Shared by the recompute and erasure endpoints.
 */
final class AdminTarget {
  private AdminTarget() {}

  /** The body's {@code property}, or null once the request was answered 400. */
  static String propertyOf(RoutingContext rc, JsonObject body) {
    if (!(body.getValue("property") instanceof String propertyId) || propertyId.isBlank()) {
      ReportHandler.error(rc, ApiException.badRequest("property", "is required (a property id)"));
      return null;
    }
    return propertyId;
  }

  /** The property's zone once the caller is found to administer it; fails 403 / 404 as the API answers them. */
  static Future<ZoneId> administered(RoutingContext rc, AccessHandler access, PropertyLookup zones,
      String propertyId) {
    return access.require(rc, propertyId, PropertyRole.ADMIN)
        .compose(v -> zones.zoneOf(propertyId))
        .compose(zone -> zone.isEmpty()
            ? Future.failedFuture(new ApiException(404, "property", "property '" + propertyId + "' not found"))
            : Future.succeededFuture(zone.get()));
  }
}
