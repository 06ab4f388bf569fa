package io.beacon.loadgen;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compares a {@link GroundTruth} file with what a node's reporting API answers: for each property and each report
 * of the truth ({@code POST /api/v1/properties/{id}:runReport} over the truth's date range, with the report's
 * dimensions, "date" first or none over the whole range, and every metric), every row either side has. Sums must
 * be equal (engagement duration to the millisecond); distinct counts (total, active and new users, sessions,
 * engaged sessions: an exact part up to 2,048 values next to an HLL_4 lgK 16 sketch) must be equal up to 2,048,
 * within 2 up to 6,000 (the HLL alone then, still holding 32-bit coupons up to 6,144: only a coupon collision, ~1%
 * likely at 2,000 and ~6% at 5,000, makes it one short), and within 1.22% above (three standard errors of a union
 * of sketches). A fresh stack is assumed: rows written before the exact part (plain HLL images) give the HLL
 * estimate even below 2,048. Bot hits are in the truth but not in the API: a bot counted anywhere shows up as a
 * difference in the other metrics.
 */
public final class AccuracyCheck {
  private static final Set<String> DISTINCT =
      Set.of("totalUsers", "activeUsers", "newUsers", "sessions", "engagedSessions");
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();
  private final URI api;
  private final String token;
  private final boolean fromRawHits;

  /** @param api the node's dashboard/API base URL, e.g. http://localhost:8081 */
  public AccuracyCheck(URI api, String token) {
    this(api, token, false);
  }

  /**
   * @param fromRawHits ask every report so that recompute answers it from raw hits (a filter that keeps every row,
   *     on a custom parameter, which the precomputed aggregates cannot apply), and require
   *     {@code metadata.dataSource} "recompute": the same numbers again, through the other path
   */
  public AccuracyCheck(URI api, String token, boolean fromRawHits) {
    this.api = api;
    this.token = token;
    this.fromRawHits = fromRawHits;
  }

  /** Runs every report of {@code truth}; returns the differences, one line each (empty: the node is exact). */
  public List<String> check(JsonObject truth) throws IOException, InterruptedException {
    List<String> out = new ArrayList<>();
    JsonArray metrics = truth.getJsonArray("metrics");
    for (Object o : truth.getJsonArray("properties")) {
      JsonObject p = (JsonObject) o;
      if (p.getString("firstDate") == null) {
        continue;
      }
      for (Object r : p.getJsonArray("reports")) {
        JsonObject report = (JsonObject) r;
        compare(p, report, metrics, out);
      }
    }
    return out;
  }

  private void compare(JsonObject p, JsonObject report, JsonArray metrics, List<String> out)
      throws IOException, InterruptedException {
    String id = p.getString("id");
    JsonArray dims = report.getJsonArray("dimensions");
    JsonObject request = new JsonObject()
        .put("dateRanges", new JsonArray().add(new JsonObject().put("startDate", p.getString("firstDate"))
            .put("endDate", p.getString("lastDate"))))
        .put("dimensions", new JsonArray(dims.stream().map(d -> new JsonObject().put("name", d)).toList()))
        .put("metrics", new JsonArray(metrics.stream().map(m -> new JsonObject().put("name", m)).toList()))
        .put("limit", 250_000);
    if (fromRawHits) {
      // A custom parameter no hit carries ("(not set)" on every hit): no precomputed row can apply it, even to a
      // totals report (which the aggregates answer from any single dimension's rows).
      request.put("dimensionFilter", new JsonObject().put("notExpression", new JsonObject().put("filter",
          new JsonObject().put("fieldName", "customEvent:beacon_accuracy_check")
              .put("stringFilter", new JsonObject().put("value", "(beacon: no such value)")))));
    }
    String label = id + " " + dims.encode() + (fromRawHits ? " (raw)" : "");
    HttpResponse<String> res = http.send(HttpRequest.newBuilder(api.resolve("/api/v1/properties/" + id + ":runReport"))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
        .timeout(Duration.ofMinutes(2)).POST(HttpRequest.BodyPublishers.ofString(request.encode())).build(),
        HttpResponse.BodyHandlers.ofString());
    if (res.statusCode() != 200) {
      out.add(label + ": the API answered " + res.statusCode() + " " + res.body());
      return;
    }
    JsonObject answer = new JsonObject(res.body());
    if (fromRawHits && !"recompute".equals(answer.getJsonObject("metadata", new JsonObject()).getString("dataSource"))) {
      out.add(label + ": not answered from raw hits (metadata " + answer.getJsonObject("metadata") + ")");
      return;
    }
    List<String> headers = new ArrayList<>();
    answer.getJsonArray("metricHeaders").forEach(h -> headers.add(((JsonObject) h).getString("name")));
    Map<List<String>, JsonObject> actual = new HashMap<>();
    for (Object row : answer.getJsonArray("rows", new JsonArray())) {
      JsonObject jr = (JsonObject) row;
      List<String> key = jr.getJsonArray("dimensionValues").stream().map(v -> ((JsonObject) v).getString("value")).toList();
      JsonObject values = new JsonObject();
      JsonArray mv = jr.getJsonArray("metricValues");
      for (int i = 0; i < headers.size(); i++) {
        values.put(headers.get(i), Double.parseDouble(mv.getJsonObject(i).getString("value")));
      }
      actual.put(key, values);
    }
    Map<List<String>, JsonObject> expected = new HashMap<>();
    for (Object row : report.getJsonArray("rows")) {
      JsonObject jr = (JsonObject) row;
      expected.put(jr.getJsonArray("dimensionValues").stream().map(String::valueOf).toList(), jr.getJsonObject("metrics"));
    }
    Set<List<String>> keys = new LinkedHashSet<>(expected.keySet());
    keys.addAll(actual.keySet());
    for (List<String> key : keys) {
      JsonObject e = expected.getOrDefault(key, new JsonObject());
      JsonObject a = actual.getOrDefault(key, new JsonObject());
      List<String> diffs = new ArrayList<>();
      for (Object m : metrics) {
        String metric = (String) m;
        double want = e.getNumber(metric, 0).doubleValue();
        double got = a.getNumber(metric, 0).doubleValue();
        if (Math.abs(want - got) > tolerance(metric, want)) {
          diffs.add(metric + " expected " + format(want) + " got " + format(got));
        }
      }
      if (!diffs.isEmpty()) {
        String where = !actual.containsKey(key) ? " (row missing)" : !expected.containsKey(key) ? " (unexpected row)" : "";
        out.add(label + " " + key + where + ": " + String.join(", ", diffs));
      }
    }
  }

  /** How far a metric may be off: sums exactly (to the ms for durations), distinct counts within the sketch bound. */
  static double tolerance(String metric, double exact) {
    if (metric.equals("userEngagementDuration")) {
      return 0.0005;
    }
    if (!DISTINCT.contains(metric) || exact <= 2048) {
      return 0;
    }
    return exact <= 6000 ? 2 : Math.ceil(exact * 0.0122);
  }

  private static String format(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }
}
