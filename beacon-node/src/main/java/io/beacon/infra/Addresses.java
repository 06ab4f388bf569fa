package io.beacon.infra;

import io.beacon.infra.config.Role;

/** Event-bus addresses shared by the verticles; verticle packages talk only through these and Kafka topics. */
public final class Addresses {
  private Addresses() {}

  /** Each role's instances answer here with who they are (node, role, deployment); used by ops and tests. */
  public static String roleStatus(Role role) {
    return "beacon." + role.key() + ".status";
  }

  /**
   * Real-time updates of one property: the bridge publishes its snapshot (JSON, shape in
   * {@code io.beacon.bridge.realtime.Snapshot}) here at most once per {@code bridge.realtimePublishMs}
   * whenever its numbers changed. Subscribe to push them to open dashboards.
   */
  public static String realtime(String propertyId) {
    return "beacon.realtime." + propertyId;
  }

  /**
   * Request/reply: send {@code {"propertyId": "..."}}, get the property's current real-time snapshot
   * (same JSON as {@link #realtime(String)}); any bridge instance of the cluster answers.
   */
  public static String realtimeSnapshot() {
    return "beacon.realtime.snapshot";
  }

  /**
   * Request/reply, right to erasure: send {@code {"clientId": "..."}}; a bridge instance deletes every
   * raw hit of that client id from QuestDB (nothing else) and replies
   * {@code {"clientId", "rowsErased", "partitions"}}. Raw writes pause cluster-wide meanwhile; one
   * erasure runs at a time (a concurrent request fails, retry it). Allow a generous send timeout.
   */
  public static String rawErasure() {
    return "beacon.bridge.erasure";
  }

  /**
   * Request/reply, ad-hoc reports from raw hits: send {@code {"propertyId", "timeZone", "today", "request"}}
   * ({@code request}: the runReport body, {@code today}: the property's current date, so both sides resolve
   * relative dates alike); a recompute instance replies the GA4 runReport response body, its metadata saying
   * {@code dataSource: "recompute"} and whether it came from the cache. Failures are
   * {@link io.vertx.core.eventbus.ReplyException}s whose {@code failureCode()} is the HTTP status to answer
   * (400 bad request, 429 queue full, 503 raw store unavailable).
   */
  public static String recomputeReport() {
    return "beacon.recompute.report";
  }

  /**
   * Request/reply, correction jobs: {@code {"action": "start", "propertyId", "from", "to", "requestedBy"}}
   * (local dates, inclusive), {@code {"action": "get", "jobId"}}, {@code {"action": "cancel", "jobId"}} or
   * {@code {"action": "list", "propertyId"}}; replies the job(s) as JSON (see {@code io.beacon.recompute.Job}).
   * Failures carry the HTTP status as {@code failureCode()}, as for {@link #recomputeReport()}.
   */
  public static String recomputeJobs() {
    return "beacon.recompute.jobs";
  }
}
