package io.beacon.api;

import io.beacon.model.cohort.CohortRequest;
import io.beacon.model.cohort.CohortTable;
import io.beacon.model.report.InvalidRequestException;
import io.beacon.model.report.ReportEngine;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The GA4 Data API's wire forms of a cohort report: a {@code runReport} body with a {@code cohortSpec} into a
 * {@link CohortRequest}, and the counted {@link CohortTable} into a {@code RunReportResponse}
 * (docs/analytics-model.md, "Retention cohorts").
 */
public final class CohortJson {
  private CohortJson() {}

  /** Whether a {@code runReport} body (keys in either JSON spelling) asks for a cohort report. */
  public static boolean isCohortReport(JsonObject body) {
    return body != null && (body.getValue("cohortSpec") != null || body.getValue("cohort_spec") != null);
  }

  /**
   * Parses and validates a cohort {@code runReport} body (keys in either JSON spelling).
   *
   * @throws ApiException (400) naming the field
   */
  public static CohortRequest parseRequest(JsonObject body, ZoneId zone, LocalDate today, int maxDays) {
    try {
      return CohortRequest.parse(body == null ? null : ReportJson.plainObject(ReportJson.camelCaseKeys(body)), zone,
          today, maxDays);
    } catch (InvalidRequestException e) {
      throw ApiException.of(e);
    }
  }

  /** The response body of {@code request} counted into {@code table}. */
  public static JsonObject toJson(CohortRequest request, CohortTable table, Map<String, Object> metadata) {
    JsonArray dims = new JsonArray();
    request.dimensions().forEach(d -> dims.add(new JsonObject().put("name", d)));
    JsonArray metrics = new JsonArray();
    request.metrics().forEach(m -> metrics.add(new JsonObject().put("name", m).put("type", "TYPE_INTEGER")));
    List<CohortTable.Row> rows = new ArrayList<>();
    for (CohortTable.Row r : table.rows()) {
      boolean empty = request.metrics().stream().allMatch(m -> value(r, m) == 0);
      if (request.keepEmptyRows() || !empty) {
        rows.add(r);
      }
    }
    JsonArray out = new JsonArray();
    int from = (int) Math.min(request.offset(), rows.size());
    for (CohortTable.Row r : rows.subList(from, (int) Math.min(rows.size(), (long) from + request.limit()))) {
      JsonArray dv = new JsonArray();
      request.dimensions().forEach(d -> dv.add(new JsonObject().put("value",
          d.equals(CohortRequest.COHORT) ? r.cohort() : r.nth())));
      JsonArray mv = new JsonArray();
      request.metrics().forEach(m -> mv.add(new JsonObject().put("value", ReportEngine.format(value(r, m)))));
      out.add(new JsonObject().put("dimensionValues", dv).put("metricValues", mv));
    }
    return new JsonObject().put("dimensionHeaders", dims).put("metricHeaders", metrics).put("rows", out)
        .put("rowCount", rows.size()).put("metadata", new JsonObject(new LinkedHashMap<>(metadata)))
        .put("kind", "analyticsData#runReport");
  }

  private static long value(CohortTable.Row r, String metric) {
    return metric.equals(CohortRequest.ACTIVE) ? r.activeUsers() : r.totalUsers();
  }
}
