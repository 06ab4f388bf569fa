package io.beacon.contract;

import io.vertx.core.json.JsonObject;

/**
 * Request/reply, cohort reports from raw hits ({@code beacon.recompute.cohort}): the query role forwards a
 * {@code runReport} body with a {@code cohortSpec} (with the property's zone and today, as
 * {@link RecomputeReportContract.Request}); a recompute instance replies the {@code RunReportResponse} body.
 * Failures are {@link BusFailure}s whose status is the HTTP status to answer (400 bad request, 429 queue full, 503
 * raw store unavailable or deadline), with the field.
 */
public final class RecomputeCohortContract {
  private RecomputeCohortContract() {}

  public static final RequestReply<RecomputeReportContract.Request, JsonObject> CONTRACT = new RequestReply<>(
      "beacon.recompute.cohort", RecomputeReportContract.Request::toJson, RecomputeReportContract.Request::fromJson,
      reply -> reply, json -> json, FailureForm.FIELD_JSON);
}
