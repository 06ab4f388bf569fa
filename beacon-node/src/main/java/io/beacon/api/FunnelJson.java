package io.beacon.api;

import io.beacon.model.funnel.FunnelAggregation;
import io.beacon.model.funnel.FunnelRequest;
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
 * The GA4 Data API v1alpha's wire forms of a funnel: a {@code runFunnelReport} body into a {@link FunnelRequest}, and
 * the counted steps into a {@code RunFunnelReportResponse} ({@code funnelTable}, {@code funnelVisualization};
 * docs/analytics-model.md, "Funnels").
 */
public final class FunnelJson {
  private FunnelJson() {}

  /** Beacon's metric beside GA4's four: the median time from the prior step, in seconds. */
  public static final String MEDIAN = "funnelStepMedianSecondsFromPriorStep";

  /**
   * Parses and validates a {@code runFunnelReport} body (keys in either JSON spelling).
   *
   * @throws ApiException (400) naming the field
   */
  public static FunnelRequest parseRequest(JsonObject body, ZoneId zone, LocalDate today, int maxDays) {
    try {
      return FunnelRequest.parse(body == null ? null : ReportJson.plainObject(ReportJson.camelCaseKeys(body)), zone,
          today, maxDays);
    } catch (InvalidRequestException e) {
      throw ApiException.of(e);
    }
  }

  /** The response body of {@code request} counted into {@code counts}. */
  public static JsonObject toJson(FunnelRequest request, FunnelAggregation counts, Map<String, Object> metadata) {
    List<String> names = new ArrayList<>();
    for (int s = 0; s < request.funnel().steps().size(); s++) {
      names.add((s + 1) + ". " + request.funnel().steps().get(s).name());
    }
    List<FunnelAggregation.StepRow> rows = new ArrayList<>(counts.totals());
    boolean breakdown = request.breakdown() != null;
    if (breakdown) {
      // GA4's order: per step, its total then each breakdown value.
      List<FunnelAggregation.StepRow> values = counts.breakdown(request.breakdownLimit());
      List<FunnelAggregation.StepRow> ordered = new ArrayList<>();
      for (FunnelAggregation.StepRow total : rows) {
        ordered.add(total);
        values.stream().filter(v -> v.step() == total.step()).forEach(ordered::add);
      }
      rows = ordered;
    }
    JsonArray dims = new JsonArray().add(new JsonObject().put("name", "funnelStepName"));
    if (breakdown) {
      dims.add(new JsonObject().put("name", request.breakdown()));
    }
    JsonArray metrics = new JsonArray()
        .add(metric("activeUsers", "TYPE_INTEGER"))
        .add(metric("funnelStepCompletionRate", "TYPE_FLOAT"))
        .add(metric("funnelStepAbandonments", "TYPE_INTEGER"))
        .add(metric("funnelStepAbandonmentRate", "TYPE_FLOAT"))
        .add(metric(MEDIAN, "TYPE_SECONDS"));
    JsonArray tableRows = new JsonArray();
    int limit = request.limit();
    for (FunnelAggregation.StepRow r : rows.subList(0, Math.min(limit, rows.size()))) {
      JsonArray dv = new JsonArray().add(value(names.get(r.step())));
      if (breakdown) {
        dv.add(value(r.breakdownValue() == null ? FunnelAggregation.TOTAL : r.breakdownValue()));
      }
      JsonArray mv = new JsonArray()
          .add(value(ReportEngine.format(r.activeUsers())))
          .add(value(ReportEngine.format(r.completionRate())))
          .add(value(ReportEngine.format(r.abandonments())))
          .add(value(ReportEngine.format(r.abandonmentRate())))
          .add(value(ReportEngine.format(Math.max(0.0, r.medianSecondsFromPrior()))));
      tableRows.add(new JsonObject().put("dimensionValues", dv).put("metricValues", mv));
    }
    JsonArray vizRows = new JsonArray();
    for (FunnelAggregation.StepRow r : counts.totals()) {
      vizRows.add(new JsonObject().put("dimensionValues", new JsonArray().add(value(names.get(r.step()))))
          .put("metricValues", new JsonArray().add(value(ReportEngine.format(r.activeUsers())))));
    }
    JsonObject meta = new JsonObject(new LinkedHashMap<>(metadata));
    return new JsonObject()
        .put("funnelTable", new JsonObject().put("dimensionHeaders", dims).put("metricHeaders", metrics)
            .put("rows", tableRows).put("metadata", meta))
        .put("funnelVisualization", new JsonObject()
            .put("dimensionHeaders", new JsonArray().add(new JsonObject().put("name", "funnelStepName")))
            .put("metricHeaders", new JsonArray().add(metric("activeUsers", "TYPE_INTEGER")))
            .put("rows", vizRows).put("metadata", meta.copy()))
        .put("kind", "analyticsData#runFunnelReport");
  }

  /**
   * Beacon's {@code abandonedUsers}: who left after the requested step, as client ids for the user explorer
   * ({@code :runUserTimeline}); {@code count} is all of them, {@code clientIds} the first in id order.
   */
  public static JsonObject abandoned(io.beacon.model.funnel.AbandonedUsers users) {
    return new JsonObject().put("step", users.stepNumber()).put("count", users.count())
        .put("clientIds", new JsonArray(new ArrayList<Object>(users.clientIds()))).put("truncated", users.truncated());
  }

  private static JsonObject metric(String name, String type) {
    return new JsonObject().put("name", name).put("type", type);
  }

  private static JsonObject value(String v) {
    return new JsonObject().put("value", v);
  }
}
