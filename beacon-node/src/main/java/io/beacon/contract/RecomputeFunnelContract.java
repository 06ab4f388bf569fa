package io.beacon.contract;

import io.vertx.core.json.JsonObject;

/**
 * Request/reply, funnel reports from raw hits ({@code beacon.recompute.funnel}): the query role forwards a
 * {@code runFunnelReport} body (with the property's zone and today, as {@link RecomputeReportContract.Request});
 * a recompute instance replies the {@code RunFunnelReportResponse} body. Failures are {@link BusFailure}s whose
 * status is the HTTP status to answer (400 bad request, 429 queue full, 503 raw store unavailable), with the field.
 */
public final class RecomputeFunnelContract {
  private RecomputeFunnelContract() {}

  public static final RequestReply<RecomputeReportContract.Request, JsonObject> CONTRACT = new RequestReply<>(
      "beacon.recompute.funnel", RecomputeReportContract.Request::toJson, RecomputeReportContract.Request::fromJson,
      reply -> reply, json -> json, FailureForm.FIELD_JSON);
}
