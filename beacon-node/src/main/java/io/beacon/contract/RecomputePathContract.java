package io.beacon.contract;

import io.vertx.core.json.JsonObject;

/**
 * Request/reply, path explorations from raw hits ({@code beacon.recompute.path}): the query role forwards a
 * {@code runPathReport} body (with the property's zone and today, as {@link RecomputeReportContract.Request}); a
 * recompute instance replies the answer's JSON body. Failures are {@link BusFailure}s whose status is the HTTP status
 * to answer (400 bad request, 429 queue full, 503 raw store unavailable or deadline), with the field.
 */
public final class RecomputePathContract {
  private RecomputePathContract() {}

  public static final RequestReply<RecomputeReportContract.Request, JsonObject> CONTRACT = new RequestReply<>(
      "beacon.recompute.path", RecomputeReportContract.Request::toJson, RecomputeReportContract.Request::fromJson,
      reply -> reply, json -> json, FailureForm.FIELD_JSON);
}
