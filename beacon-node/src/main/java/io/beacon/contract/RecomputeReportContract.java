package io.beacon.contract;

import io.beacon.api.ReportJson;
import io.beacon.model.report.ReportEngine.Report;
import io.vertx.core.json.JsonObject;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.ZoneId;

/**
 * Request/reply, ad-hoc reports from raw hits ({@code beacon.recompute.report}): the query role asks for a report
 * the precomputed aggregates cannot answer; a recompute instance replies the report (GA4 runReport response body
 * on the wire), its metadata saying {@code dataSource: "recompute"} and whether it came from the cache. Failures
 * are {@link BusFailure}s whose status is the HTTP status to answer (400 bad request, 429 queue full, 503 raw
 * store unavailable), with the field ({@code {"field", "message"}} on the wire).
 */
public final class RecomputeReportContract {
  private RecomputeReportContract() {}

  public static final RequestReply<Request, Report> CONTRACT = new RequestReply<>("beacon.recompute.report",
      Request::toJson, Request::fromJson, ReportJson::toJson, ReportJson::fromJson, FailureForm.FIELD_JSON);

  /**
   * @param timeZone the property's time zone
   * @param today    the property's current date, so both sides resolve relative dates alike
   * @param body     the runReport request body, as the API received it
   */
  public record Request(String propertyId, ZoneId timeZone, LocalDate today, JsonObject body) {
    JsonObject toJson() {
      return new JsonObject().put("propertyId", propertyId).put("timeZone", timeZone.getId())
          .put("today", today.toString()).put("request", body);
    }

    static Request fromJson(JsonObject json) {
      try {
        ZoneId zone = ZoneId.of(json.getString("timeZone"));
        LocalDate today = LocalDate.parse(json.getString("today"));
        JsonObject body = json.getJsonObject("request");
        if (body == null) {
          throw new NullPointerException("request is required");
        }
        return new Request(json.getString("propertyId"), zone, today, body);
      } catch (DateTimeException | NullPointerException | ClassCastException e) {
        throw BusFailure.badRequest("", "malformed recompute request: " + e.getMessage());
      }
    }
  }
}
