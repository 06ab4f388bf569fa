package io.beacon.query;

import io.beacon.api.ApiException;
import io.beacon.query.auth.Accounts;
import io.beacon.query.auth.PropertyRole;
import io.beacon.store.cassandra.PropertyRecord;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reports of a deleted property (in the trash: {@link PropertyRecord#deletedAt}) answer 404 with the reason "property
 * deleted", on every report route (GA4's Data API paths and the dashboard's). Runs after authentication and before
 * the report handlers; the deletion is read through {@link Accounts#propertyDeletedAt} (kept for {@link
 * Accounts#FRESH}, forgotten cluster-wide when a property is deleted or restored), so a report costs no extra read.
 * Only a caller who may read the property learns that it is deleted: anyone else goes on to the usual 403.
 */
final class DeletedPropertyGate {
  /**
   * A property's routes: {@code /api/v1/properties/{id}...}, {@code /v1beta/properties/{id}...} and (once the Data
   * API's v1alpha routes exist) {@code /v1alpha/properties/{id}...}.
   */
  private static final Pattern PATH =
      Pattern.compile("^/(?:api/v1|v1beta|v1alpha)/properties/([A-Za-z0-9_-]{1,64})(?:[:/].*)?$");

  private final Accounts accounts;
  private final AccessHandler access;

  DeletedPropertyGate(Accounts accounts, AccessHandler access) {
    this.accounts = accounts;
    this.access = access;
  }

  void handle(RoutingContext rc) {
    Matcher m = PATH.matcher(rc.normalizedPath());
    if (!m.matches()) {
      rc.next();
      return;
    }
    String id = m.group(1);
    accounts.propertyDeletedAt(id).onComplete(r -> {
      // A failed read decides nothing here: the report's own reads answer as they would have.
      if (r.failed() || r.result().isEmpty()) {
        rc.next();
        return;
      }
      Instant at = r.result().get();
      access.require(rc, id, PropertyRole.VIEWER).onComplete(may -> {
        if (may.succeeded()) {
          ReportHandler.error(rc, deleted(id, at));
        } else {
          rc.next();
        }
      });
    });
  }

  /** The 404 of a deleted property: its reason, and until when it may be restored. */
  static ApiException deleted(String id, Instant at) {
    return new ApiException(404, "property", "property deleted: '" + id + "' was moved to the trash at " + at
        + "; an admin may restore it (POST /api/v1/admin/properties/" + id + "/restore) until "
        + at.plus(Duration.ofDays(PropertyRecord.TRASH_DAYS)));
  }
}
