package io.beacon.query;

import io.beacon.api.ApiException;
import io.beacon.infra.TokenBuckets;
import io.beacon.query.auth.Caller;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.ext.web.RoutingContext;

/**
 * The report quota of a node ({@code query.reportsPerMinute}): how many reports (runReport, batchRunReports, pivot,
 * funnel, path and realtime reports, user timelines) one user may ask of one node per minute, whether from the dashboard or through API
 * tokens (a user's tokens share the user's quota), as GA4's Data API keeps quotas per property and project and
 * Plausible's Stats API per key. Beyond it the node answers 429 RESOURCE_EXHAUSTED with {@code Retry-After} before
 * any store is read, so a script (or a hostile viewer) repeating expensive reports costs the node a token-bucket
 * check per request and leaves the stores and the report workers to everyone else. A user may use a whole minute's
 * quota at once (a dashboard page asks for about ten reports together). Shared by the node's query verticle
 * instances.
 */
final class ReportQuota implements AutoCloseable {
  private final TokenBuckets users;
  private final Counter refused;

  /** @param perMinute reports per user and minute on this node; 0: no quota */
  ReportQuota(int perMinute, MeterRegistry meters) {
    this.users = new TokenBuckets(perMinute, 100_000);
    this.refused = Counter.builder("beacon_query_reports_refused_total")
        .description("Reports refused because their user had used this node's report quota (query.reportsPerMinute)")
        .register(meters);
  }

  /** The report operations the quota counts, under each API prefix (checkCompatibility and metadata read nothing). */
  static final java.util.regex.Pattern REPORTS = java.util.regex.Pattern.compile(
      "/(?:v1beta|v1alpha|api/v1)/properties/[A-Za-z0-9_-]{1,64}:(?:runReport|batchRunReports|runPivotReport"
          + "|batchRunPivotReports|runFunnelReport|runRealtimeReport|runUserTimeline|runPathReport)");

  @Override
  public void close() {
    // Nothing held but memory.
  }

  /**
   * Middleware on the property routes, after authentication: a report passes on or is answered 429 with Retry-After;
   * any other request passes on untouched. Registered once per API prefix, so a report takes one token.
   */
  void handle(RoutingContext rc) {
    if (rc.request().method() != io.vertx.core.http.HttpMethod.POST || !REPORTS.matcher(rc.normalizedPath()).matches()) {
      rc.next();
      return;
    }
    Caller caller = rc.get(Caller.KEY);
    long wait = users.take(caller == null ? null : caller.email(), System.nanoTime());
    if (wait == 0) {
      rc.next();
      return;
    }
    refused.increment();
    rc.response().putHeader("Retry-After", Long.toString(wait));
    ReportHandler.error(rc, new ApiException(429, "", "too many reports: at most " + users.perMinute()
        + " a minute per user on this node (query.reportsPerMinute); retry in " + wait + " s"));
  }
}
