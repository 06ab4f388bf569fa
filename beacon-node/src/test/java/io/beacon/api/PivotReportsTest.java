package io.beacon.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** runPivotReport's plan and assembly over plain reports (GA's JSON in, GA's RunPivotReportResponse out). */
class PivotReportsTest {
  static JsonObject request() {
    return new JsonObject()
        .put("dateRanges", new JsonArray().add(new JsonObject().put("startDate", "7daysAgo").put("endDate", "today")))
        .put("dimensions", new JsonArray().add(new JsonObject().put("name", "country"))
            .add(new JsonObject().put("name", "browser")))
        .put("metrics", new JsonArray().add(new JsonObject().put("name", "sessions")))
        .put("pivots", new JsonArray()
            .add(new JsonObject().put("fieldNames", new JsonArray().add("country")).put("limit", "2")
                .put("orderBys", new JsonArray().add(new JsonObject().put("metric", new JsonObject()
                    .put("metricName", "sessions")).put("desc", true))))
            .add(new JsonObject().put("fieldNames", new JsonArray().add("browser")).put("offset", 1).put("limit", 2)));
  }

  static JsonObject report(int rowCount, String[]... rows) {
    JsonArray out = new JsonArray();
    for (String[] r : rows) {
      JsonArray dv = new JsonArray();
      for (int i = 0; i < r.length - 1; i++) {
        dv.add(new JsonObject().put("value", r[i]));
      }
      out.add(new JsonObject().put("dimensionValues", dv)
          .put("metricValues", new JsonArray().add(new JsonObject().put("value", r[r.length - 1]))));
    }
    return new JsonObject().put("dimensionHeaders", new JsonArray()).put("metricHeaders", new JsonArray())
        .put("rows", out).put("rowCount", rowCount).put("metadata", new JsonObject().put("timeZone", "UTC"));
  }

  @Test
  void eachPivotIsAReportOverItsDimensionsAndTheWholeReportCoversThemAll() {
    PivotReports.Plan plan = PivotReports.plan(request());
    assertThat(plan.pivots()).hasSize(2);
    JsonObject first = plan.pivots().get(0);
    assertThat(first.getJsonArray("dimensions")).containsExactly(new JsonObject().put("name", "country"));
    assertThat(first.getLong("limit")).isEqualTo(2);
    assertThat(first.getJsonArray("orderBys")).hasSize(1);
    assertThat(first.getJsonArray("metrics")).isEqualTo(request().getJsonArray("metrics"));
    assertThat(plan.pivots().get(1).getLong("offset")).isEqualTo(1);
    assertThat(plan.all().getJsonArray("dimensions")).hasSize(2);
    assertThat(plan.all().containsKey("pivots")).isFalse();
  }

  @Test
  void rowsAreThoseOfTheChosenHeadersInTheHeadersOrder() {
    PivotReports.Plan plan = PivotReports.plan(request());
    JsonObject countries = report(3, new String[] {"US", "9"}, new String[] {"DE", "5"});
    JsonObject browsers = report(3, new String[] {"Firefox", "4"}, new String[] {"Chrome", "8"});
    JsonObject all = report(6, new String[] {"DE", "Chrome", "3"}, new String[] {"US", "Safari", "1"},
        new String[] {"US", "Chrome", "5"}, new String[] {"DE", "Firefox", "2"}, new String[] {"US", "Firefox", "3"},
        new String[] {"FR", "Chrome", "1"});
    JsonObject answer = PivotReports.assemble(plan, all, List.of(countries, browsers));
    assertThat(answer.getString("kind")).isEqualTo("analyticsData#runPivotReport");
    JsonArray headers = answer.getJsonArray("pivotHeaders");
    assertThat(headers.getJsonObject(0).getInteger("rowCount")).isEqualTo(3);
    assertThat(headers.getJsonObject(0).getJsonArray("pivotDimensionHeaders").getJsonObject(1)
        .getJsonArray("dimensionValues").getJsonObject(0).getString("value")).isEqualTo("DE");
    // Written from the rule: the cells of US then DE (the first pivot's order), within each Firefox then Chrome.
    List<String> cells = new ArrayList<>();
    for (Object o : answer.getJsonArray("rows")) {
      JsonArray dv = ((JsonObject) o).getJsonArray("dimensionValues");
      cells.add(dv.getJsonObject(0).getString("value") + "/" + dv.getJsonObject(1).getString("value") + "="
          + ((JsonObject) o).getJsonArray("metricValues").getJsonObject(0).getString("value"));
    }
    assertThat(cells).containsExactly("US/Firefox=3", "US/Chrome=5", "DE/Firefox=2", "DE/Chrome=3");
    assertThat(answer.getJsonObject("metadata").getString("timeZone")).isEqualTo("UTC");
  }

  @Test
  void whatBeaconDoesNotAnswerIsA400NamingTheField() {
    JsonObject twoRanges = request();
    twoRanges.getJsonArray("dateRanges").add(new JsonObject().put("startDate", "14daysAgo").put("endDate", "8daysAgo"));
    JsonObject aggregates = request();
    aggregates.getJsonArray("pivots").getJsonObject(0).put("metricAggregations", new JsonArray().add("TOTAL"));
    JsonObject unpivoted = request();
    unpivoted.getJsonArray("dimensions").add(new JsonObject().put("name", "city"));
    JsonObject twice = request();
    twice.getJsonArray("pivots").getJsonObject(1).getJsonArray("fieldNames").add("country");
    JsonObject huge = request();
    huge.getJsonArray("pivots").getJsonObject(0).put("limit", 1000);
    huge.getJsonArray("pivots").getJsonObject(1).put("limit", 1000);
    JsonObject none = request();
    none.remove("pivots");
    JsonObject stray = request().put("orderBys", new JsonArray());
    List<Object[]> cases = List.of(new Object[] {twoRanges, "dateRanges"},
        new Object[] {aggregates, "pivots[0].metricAggregations"}, new Object[] {unpivoted, "pivots"},
        new Object[] {twice, "pivots[1].fieldNames[1]"}, new Object[] {huge, "pivots[1].limit"},
        new Object[] {none, "pivots"}, new Object[] {stray, "orderBys"});
    for (Object[] c : cases) {
      assertThatThrownBy(() -> PivotReports.plan((JsonObject) c[0])).as((String) c[1])
          .isInstanceOf(ApiException.class).satisfies(e -> assertThat(((ApiException) e).field()).isEqualTo(c[1]));
    }
  }
}
