package io.beacon.contract;

import io.vertx.core.json.JsonObject;

/**
 * Request/reply, one person's timeline from raw hits ({@code beacon.recompute.timeline}, the user explorer): the
 * query role forwards a {@code runUserTimeline} body (with the property's zone and today, as
 * {@link RecomputeReportContract.Request}); a recompute instance replies the answer's JSON body. Failures are
 * {@link BusFailure}s whose status is the HTTP status to answer (400 bad request, 429 queue full, 503 raw store
 * unavailable or deadline), with the field.
 */
public final class RecomputeTimelineContract {
  private RecomputeTimelineContract() {}

  public static final RequestReply<RecomputeReportContract.Request, JsonObject> CONTRACT = new RequestReply<>(
      "beacon.recompute.timeline", RecomputeReportContract.Request::toJson, RecomputeReportContract.Request::fromJson,
      reply -> reply, json -> json, FailureForm.FIELD_JSON);
}
