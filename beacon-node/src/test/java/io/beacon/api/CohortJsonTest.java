package io.beacon.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.beacon.model.Hit;
import io.beacon.model.cohort.CohortActivity;
import io.beacon.model.cohort.CohortRequest;
import io.beacon.model.cohort.CohortTable;
import io.beacon.model.session.SessionRules;
import io.vertx.core.json.JsonObject;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The wire forms of a cohort report: a runReport body with a cohortSpec in (either key spelling), its answer out. */
class CohortJsonTest {
  private static final ZoneId ZONE = ZoneId.of("UTC");
  private static final long DAY = 86_400_000L;

  private static final String BODY = """
      {"dimensions":[{"name":"cohort"},{"name":"cohortNthDay"}],
       "metrics":[{"name":"cohortTotalUsers"},{"name":"cohortActiveUsers"}],
       "cohort_spec":{"cohorts":[{"dimension":"firstSessionDate",
                                  "date_range":{"start_date":"2026-11-01","end_date":"2026-11-01"}}],
                      "cohorts_range":{"granularity":"DAILY","end_offset":2},
                      "return_on":{"funnel_event_filter":{"event_name":"purchase"}}}}""";

  private static Hit hit(String client, long ts, String event) {
    return Hit.builder().propertyId("P").clientId(client).requestId(client + ts).ts(ts).eventName(event).build();
  }

  private static List<List<String>> rows(JsonObject json) {
    return json.getJsonArray("rows").stream().map(r -> {
      JsonObject row = (JsonObject) r;
      List<String> cells = new java.util.ArrayList<>();
      row.getJsonArray("dimensionValues").forEach(v -> cells.add(((JsonObject) v).getString("value")));
      row.getJsonArray("metricValues").forEach(v -> cells.add(((JsonObject) v).getString("value")));
      return cells;
    }).toList();
  }

  @Test
  void snakeCaseRequestAndAGa4ShapedRunReportAnswer() {
    JsonObject body = new JsonObject(BODY);
    assertThat(CohortJson.isCohortReport(body)).isTrue();
    assertThat(CohortJson.isCohortReport(new JsonObject().put("dimensions", List.of()))).isFalse();
    CohortRequest request = CohortJson.parseRequest(body, ZONE, LocalDate.of(2026, 12, 1), 1100);
    long t = LocalDate.of(2026, 11, 1).atStartOfDay(ZONE).toInstant().toEpochMilli() + 3_600_000L;
    CohortActivity activity = new CohortActivity(request, SessionRules.GA4, ZONE);
    CohortTable table = new CohortTable(request);
    for (List<Hit> person : List.of(List.of(hit("a", t, "page_view"), hit("a", t + DAY, "purchase")),
        List.of(hit("b", t, "purchase")))) {
      CohortActivity.Outcome o = activity.evaluate(person);
      table.add(o, o.firstSessionDate(null, ZONE));
    }
    JsonObject json = CohortJson.toJson(request, table, Map.of("dataSource", "rawHits", "exact", true));
    assertThat(json.getString("kind")).isEqualTo("analyticsData#runReport");
    assertThat(json.getJsonArray("metricHeaders").stream().map(m -> ((JsonObject) m).getString("name")).toList())
        .containsExactly("cohortTotalUsers", "cohortActiveUsers");
    assertThat(json.getJsonArray("dimensionHeaders").stream().map(m -> ((JsonObject) m).getString("name")).toList())
        .containsExactly("cohort", "cohortNthDay");
    // Without keepEmptyRows a row whose metrics are all 0 is left out: here none is (the totals are 2).
    assertThat(rows(json)).containsExactly(List.of("cohort_0", "0000", "2", "1"),
        List.of("cohort_0", "0001", "2", "1"), List.of("cohort_0", "0002", "2", "0"));
    assertThat(json.getInteger("rowCount")).isEqualTo(3);
    assertThat(json.getJsonObject("metadata").getString("dataSource")).isEqualTo("rawHits");

    // Only the active users: the empty period is left out; offset and limit page the rest.
    JsonObject active = new JsonObject(BODY).put("metrics", List.of(Map.of("name", "cohortActiveUsers")));
    CohortRequest r2 = CohortJson.parseRequest(active, ZONE, LocalDate.of(2026, 12, 1), 1100);
    CohortTable t2 = new CohortTable(r2);
    CohortActivity a2 = new CohortActivity(r2, SessionRules.GA4, ZONE);
    CohortActivity.Outcome o = a2.evaluate(List.of(hit("b", t, "purchase")));
    t2.add(o, o.firstSessionDate(null, ZONE));
    assertThat(rows(CohortJson.toJson(r2, t2, Map.of()))).containsExactly(List.of("cohort_0", "0000", "1"));
    JsonObject paged = new JsonObject(BODY).put("offset", 1).put("limit", 1).put("keepEmptyRows", true);
    CohortRequest r3 = CohortJson.parseRequest(paged, ZONE, LocalDate.of(2026, 12, 1), 1100);
    JsonObject p = CohortJson.toJson(r3, new CohortTable(r3), Map.of());
    assertThat(rows(p)).containsExactly(List.of("cohort_0", "0001", "0", "0"));
    assertThat(p.getInteger("rowCount")).isEqualTo(3);
  }

  @Test
  void aBadRequestIsA400NamingTheField() {
    JsonObject body = new JsonObject(BODY);
    body.getJsonObject("cohort_spec").getJsonObject("cohorts_range").put("granularity", "HOURLY");
    assertThatThrownBy(() -> CohortJson.parseRequest(body, ZONE, LocalDate.of(2026, 12, 1), 1100))
        .isInstanceOf(ApiException.class)
        .satisfies(e -> assertThat(((ApiException) e).field()).isEqualTo("cohortSpec.cohortsRange.granularity"))
        .satisfies(e -> assertThat(((ApiException) e).status()).isEqualTo(400));
  }
}
