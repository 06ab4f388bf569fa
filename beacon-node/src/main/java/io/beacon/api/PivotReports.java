package io.beacon.api;

import io.beacon.model.report.ReportRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The GA4 Data API's {@code runPivotReport} on top of plain reports: a pivot's header values, their order, offset,
 * limit and count are those of a report over the pivot's own dimensions (so a distinct count orders its values
 * exactly, as it would in that report), and the answer's rows are the report over all dimensions, kept where every
 * pivot's values are among that pivot's headers, in the headers' order (the first pivot's, then the next).
 *
 * <p>Beacon's limits, each refused with a 400 naming the field: every requested dimension is in exactly one pivot;
 * one date range; no per-pivot {@code metricAggregations}; the product of the pivots' limits at most {@link
 * #MAX_CELLS} (GA's rule). A report over all dimensions larger than {@link ReportRequest#MAX_LIMIT} rows is cut
 * there (its {@code metadata} says so as for any report).
 */
public final class PivotReports {
  /** GA's bound on the product of the pivots' limits. */
  public static final long MAX_CELLS = 250_000;
  /** A pivot's limit when it names none. */
  public static final long DEFAULT_PIVOT_LIMIT = 10_000;
  static final Set<String> FIELDS = Set.of("property", "dimensions", "metrics", "dateRanges", "pivots",
      "dimensionFilter", "metricFilter", "currencyCode", "cohortSpec", "keepEmptyRows", "returnPropertyQuota",
      "comparisons");
  /** Fields a pivot report passes to every report it runs (the reports refuse those Beacon does not answer). */
  private static final List<String> SHARED = List.of("dateRanges", "metrics", "dimensionFilter", "metricFilter",
      "currencyCode", "cohortSpec", "keepEmptyRows", "returnPropertyQuota", "comparisons");

  /** The reports a pivot report runs: {@code all} over every dimension, one per pivot. */
  public record Plan(List<String> dimensions, JsonObject all, List<JsonObject> pivots, List<List<Integer>> columns) {}

  private PivotReports() {}

  /** Checks a RunPivotReportRequest (keys in camelCase) and plans its reports. */
  public static Plan plan(JsonObject body) {
    for (String k : body.fieldNames()) {
      if (!FIELDS.contains(k)) {
        throw ApiException.badRequest(k, "unknown field (a RunPivotReportRequest has " + String.join(", ",
            FIELDS.stream().sorted().toList()) + ")");
      }
    }
    List<String> dimensions = new ArrayList<>();
    if (body.getValue("dimensions") instanceof JsonArray dims) {
      for (int i = 0; i < dims.size(); i++) {
        String name = dims.getValue(i) instanceof JsonObject d && d.getValue("name") instanceof String n ? n : null;
        if (name == null) {
          throw ApiException.badRequest("dimensions[" + i + "].name", "is required");
        }
        dimensions.add(name);
      }
    }
    if (body.getValue("dateRanges") instanceof JsonArray ranges && ranges.size() > 1) {
      throw ApiException.badRequest("dateRanges", "a pivot report takes one date range in Beacon");
    }
    if (!(body.getValue("pivots") instanceof JsonArray pivots) || pivots.isEmpty()) {
      throw ApiException.badRequest("pivots", "is required: one pivot or more, each naming some of the dimensions");
    }
    Set<String> used = new HashSet<>();
    List<JsonObject> runs = new ArrayList<>();
    List<List<Integer>> columns = new ArrayList<>();
    long cells = 1;
    for (int p = 0; p < pivots.size(); p++) {
      String at = "pivots[" + p + "]";
      if (!(pivots.getValue(p) instanceof JsonObject pivot)) {
        throw ApiException.badRequest(at, "must be an object");
      }
      JsonObject pv = ReportJson.camelCaseKeys(pivot);
      for (String k : pv.fieldNames()) {
        if (k.equals("metricAggregations")) {
          throw ApiException.badRequest(at + ".metricAggregations", "is not supported in pivots by Beacon yet");
        }
        if (!Set.of("fieldNames", "orderBys", "offset", "limit").contains(k)) {
          throw ApiException.badRequest(at + "." + k, "unknown field (a Pivot has fieldNames, orderBys, offset, limit,"
              + " metricAggregations)");
        }
      }
      if (!(pv.getValue("fieldNames") instanceof JsonArray names) || names.isEmpty()) {
        throw ApiException.badRequest(at + ".fieldNames", "must name one dimension or more");
      }
      JsonArray pivotDims = new JsonArray();
      List<Integer> cols = new ArrayList<>();
      for (int i = 0; i < names.size(); i++) {
        Object n = names.getValue(i);
        int col = n instanceof String s ? dimensions.indexOf(s) : -1;
        if (col < 0) {
          throw ApiException.badRequest(at + ".fieldNames[" + i + "]", "must be one of the request's dimensions");
        }
        if (!used.add((String) n)) {
          throw ApiException.badRequest(at + ".fieldNames[" + i + "]", "'" + n + "' is in another pivot already");
        }
        cols.add(col);
        pivotDims.add(new JsonObject().put("name", n));
      }
      long limit = pv.getValue("limit") == null ? DEFAULT_PIVOT_LIMIT : number(pv.getValue("limit"), at + ".limit");
      if (limit <= 0) {
        throw ApiException.badRequest(at + ".limit", "must be positive");
      }
      cells = Math.multiplyExact(cells, Math.min(limit, MAX_CELLS + 1));
      if (cells > MAX_CELLS) {
        throw ApiException.badRequest(at + ".limit", "the product of the pivots' limits must be at most " + MAX_CELLS);
      }
      JsonObject run = shared(body).put("dimensions", pivotDims).put("limit", limit);
      if (pv.getValue("offset") != null) {
        run.put("offset", number(pv.getValue("offset"), at + ".offset"));
      }
      if (pv.getValue("orderBys") != null) {
        run.put("orderBys", pv.getValue("orderBys"));
      }
      runs.add(run);
      columns.add(cols);
    }
    for (String d : dimensions) {
      if (!used.contains(d)) {
        throw ApiException.badRequest("pivots", "dimension '" + d + "' is in no pivot (each one must be in one)");
      }
    }
    JsonObject all = shared(body).put("dimensions", body.getValue("dimensions")).put("limit", ReportRequest.MAX_LIMIT);
    return new Plan(List.copyOf(dimensions), all, List.copyOf(runs), List.copyOf(columns));
  }

  /** The RunPivotReportResponse from the answers (GA's JSON) to {@code plan}'s reports. */
  public static JsonObject assemble(Plan plan, JsonObject all, List<JsonObject> pivots) {
    JsonArray headers = new JsonArray();
    List<Map<List<String>, Integer>> positions = new ArrayList<>();
    for (JsonObject pivot : pivots) {
      JsonArray values = new JsonArray();
      Map<List<String>, Integer> at = new HashMap<>();
      for (Object o : pivot.getJsonArray("rows", new JsonArray())) {
        JsonArray dv = ((JsonObject) o).getJsonArray("dimensionValues");
        at.put(values(dv), at.size());
        values.add(new JsonObject().put("dimensionValues", dv.copy()));
      }
      headers.add(new JsonObject().put("pivotDimensionHeaders", values).put("rowCount", pivot.getInteger("rowCount", 0)));
      positions.add(at);
    }
    List<Map.Entry<int[], JsonObject>> kept = new ArrayList<>();
    for (Object o : all.getJsonArray("rows", new JsonArray())) {
      JsonObject row = (JsonObject) o;
      List<String> v = values(row.getJsonArray("dimensionValues"));
      int[] key = new int[positions.size()];
      boolean in = true;
      for (int p = 0; p < positions.size() && in; p++) {
        List<String> part = new ArrayList<>();
        plan.columns().get(p).forEach(c -> part.add(v.get(c)));
        Integer pos = positions.get(p).get(part);
        in = pos != null;
        key[p] = in ? pos : 0;
      }
      if (in) {
        kept.add(Map.entry(key, row));
      }
    }
    kept.sort(Map.Entry.comparingByKey(java.util.Arrays::compare));
    JsonArray rows = new JsonArray();
    kept.forEach(e -> rows.add(e.getValue()));
    JsonObject answer = new JsonObject().put("pivotHeaders", headers)
        .put("dimensionHeaders", all.getJsonArray("dimensionHeaders")).put("metricHeaders", all.getJsonArray("metricHeaders"))
        .put("rows", rows);
    if (all.containsKey("metadata")) {
      answer.put("metadata", all.getJsonObject("metadata"));
    }
    return answer.put("kind", "analyticsData#runPivotReport");
  }

  private static List<String> values(JsonArray dimensionValues) {
    List<String> out = new ArrayList<>(dimensionValues.size());
    for (Object o : dimensionValues) {
      out.add(((JsonObject) o).getString("value"));
    }
    return out;
  }

  private static JsonObject shared(JsonObject body) {
    JsonObject run = new JsonObject();
    for (String k : SHARED) {
      if (body.containsKey(k)) {
        run.put(k, body.getValue(k));
      }
    }
    return run;
  }

  /** An int64 as the API sends it: a number or its decimal string. */
  private static long number(Object v, String field) {
    if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
      return n.longValue();
    }
    if (v instanceof String s && s.matches("-?[0-9]{1,18}")) {
      return Long.parseLong(s);
    }
    throw ApiException.badRequest(field, "must be an integer");
  }
}
