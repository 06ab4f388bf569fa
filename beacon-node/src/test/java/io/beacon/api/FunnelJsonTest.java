package io.beacon.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.beacon.model.Hit;
import io.beacon.model.funnel.FunnelAggregation;
import io.beacon.model.funnel.FunnelPath;
import io.beacon.model.funnel.FunnelRequest;
import io.beacon.model.session.SessionRules;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The wire forms of a funnel: GA4's RunFunnelReportRequest in (either key spelling), its response out. */
class FunnelJsonTest {
  private static final ZoneId ZONE = ZoneId.of("UTC");

  private static final String BODY = """
      {"date_ranges":[{"start_date":"2026-11-01","end_date":"2026-11-02"}],
       "funnel":{"steps":[{"name":"View","filter_expression":{"funnel_event_filter":{"event_name":"page_view"}}},
                          {"name":"Buy","filter_expression":{"funnel_event_filter":{"event_name":"purchase"}}}]},
       "funnel_breakdown":{"breakdown_dimension":{"name":"country"}}}""";

  private static Hit hit(String client, long ts, String event, String country) {
    return Hit.builder().propertyId("P").clientId(client).requestId(client + ts).ts(ts).eventName(event)
        .country(country).build();
  }

  @Test
  void snakeCaseRequestAndGa4ShapedAnswer() {
    FunnelRequest request = FunnelJson.parseRequest(new JsonObject(BODY), ZONE, LocalDate.of(2026, 12, 1), 1100);
    long t = LocalDate.of(2026, 11, 1).atStartOfDay(ZONE).toInstant().toEpochMilli();
    FunnelPath path = new FunnelPath(request.funnel(), SessionRules.GA4, request.breakdown());
    FunnelAggregation counts = new FunnelAggregation(2, 100);
    counts.add(path.evaluate(List.of(hit("a", t, "page_view", "DE"), hit("a", t + 4_000, "purchase", "DE")), "country"));
    counts.add(path.evaluate(List.of(hit("b", t, "page_view", "FR")), "country"));
    JsonObject json = FunnelJson.toJson(request, counts, Map.of("dataSource", "rawHits"));

    assertThat(json.getString("kind")).isEqualTo("analyticsData#runFunnelReport");
    JsonObject table = json.getJsonObject("funnelTable");
    assertThat(table.getJsonArray("metricHeaders").stream().map(m -> ((JsonObject) m).getString("name")).toList())
        .containsExactly("activeUsers", "funnelStepCompletionRate", "funnelStepAbandonments",
            "funnelStepAbandonmentRate", FunnelJson.MEDIAN);
    JsonArray rows = table.getJsonArray("rows");
    assertThat(rows.stream().map(r -> cells((JsonObject) r)).toList()).containsExactly(
        List.of("1. View", "RESERVED_TOTAL", "2", "0.5", "1", "0.5", "0.0"),
        List.of("1. View", "DE", "1", "1.0", "0", "0.0", "0.0"),
        List.of("1. View", "FR", "1", "0.0", "1", "1.0", "0.0"),
        List.of("2. Buy", "RESERVED_TOTAL", "1", "1.0", "0", "0.0", "4.0"),
        List.of("2. Buy", "DE", "1", "1.0", "0", "0.0", "4.0"),
        List.of("2. Buy", "FR", "0", "0.0", "0", "0.0", "0.0"));
    assertThat(json.getJsonObject("funnelVisualization").getJsonArray("rows")).hasSize(2);
  }

  @Test
  void badBodiesAre400sNamingTheField() {
    assertThatThrownBy(() -> FunnelJson.parseRequest(new JsonObject(BODY.replace("\"funnel_breakdown\"",
        "\"funnel_next_action\":{},\"funnel_breakdown\"")), ZONE, LocalDate.of(2026, 12, 1), 1100))
        .isInstanceOfSatisfying(ApiException.class, e -> {
          assertThat(e.status()).isEqualTo(400);
          assertThat(e.field()).isEqualTo("funnelNextAction");
        });
  }

  private static List<String> cells(JsonObject row) {
    List<String> out = new java.util.ArrayList<>();
    row.getJsonArray("dimensionValues").forEach(v -> out.add(((JsonObject) v).getString("value")));
    row.getJsonArray("metricValues").forEach(v -> out.add(((JsonObject) v).getString("value")));
    return out;
  }
}
