package io.beacon.api;

import io.beacon.api.ReportJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.beacon.model.aggregation.BucketKey;
import io.beacon.model.aggregation.Granularity;
import io.beacon.model.report.AggregatePlan;
import io.beacon.api.ApiException;
import io.beacon.model.report.ReportRequest;
import io.vertx.core.json.JsonObject;
import java.time.LocalDate;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class ReportRequestTest {
  private static final ZoneId ZONE = ZoneId.of("Europe/Berlin");
  private static final LocalDate TODAY = LocalDate.of(2026, 11, 26);

  private static ReportRequest parse(String json) {
    return ReportJson.parseRequest(new JsonObject(json), ZONE, TODAY, 400);
  }

  private static void rejects(String json, String field) {
    assertThatThrownBy(() -> parse(json)).isInstanceOf(ApiException.class)
        .satisfies(e -> {
          assertThat(((ApiException) e).status()).isEqualTo(400);
          assertThat(((ApiException) e).field()).isEqualTo(field);
          assertThat(e.getMessage()).startsWith(field + ":");
        });
  }

  @Test
  void dateExpressionsResolveInThePropertysZone() {
    ReportRequest r = parse("""
        {"dateRanges":[{"startDate":"7daysAgo","endDate":"yesterday"},{"startDate":"2026-11-01","endDate":"today"}],
         "metrics":[{"name":"sessions"}]}""");
    assertThat(r.dateRanges().get(0).start()).isEqualTo(LocalDate.of(2026, 11, 19));
    assertThat(r.dateRanges().get(0).end()).isEqualTo(LocalDate.of(2026, 11, 25));
    assertThat(r.dateRanges().get(1).end()).isEqualTo(TODAY);
    assertThat(r.dateRanges().get(1).name()).isEqualTo("date_range_1");
    assertThat(r.limit()).isEqualTo(ReportRequest.DEFAULT_LIMIT);
  }

  @Test
  void everyMistakeNamesItsField() {
    rejects("{\"metrics\":[{\"name\":\"sessions\"}]}", "dateRanges");
    rejects("{\"dateRanges\":[{\"startDate\":\"2026-13-01\",\"endDate\":\"today\"}],\"metrics\":[{\"name\":\"sessions\"}]}",
        "dateRanges[0].startDate");
    rejects("{\"dateRanges\":[{\"startDate\":\"today\",\"endDate\":\"yesterday\"}],\"metrics\":[{\"name\":\"sessions\"}]}",
        "dateRanges[0]");
    rejects("{\"dateRanges\":[{\"startDate\":\"999daysAgo\",\"endDate\":\"today\"}],\"metrics\":[{\"name\":\"sessions\"}]}",
        "dateRanges[0]");
    rejects("{\"dateRanges\":[{\"startDate\":\"today\",\"endDate\":\"today\"}],\"metrics\":[{\"name\":\"visits\"}]}",
        "metrics[0].name");
    rejects("{\"dateRanges\":[{\"startDate\":\"today\",\"endDate\":\"today\"}],\"metrics\":[{\"name\":\"sessions\"}],"
        + "\"dimensions\":[{\"name\":\"pagePath\"},{\"name\":\"planet\"}]}", "dimensions[1].name");
    rejects("{\"dateRanges\":[{\"startDate\":\"today\",\"endDate\":\"today\"}],\"metrics\":[{\"name\":\"sessions\"}],"
        + "\"limit\":0}", "limit");
    rejects("{\"dateRanges\":[{\"startDate\":\"today\",\"endDate\":\"today\"}],\"metrics\":[{\"name\":\"sessions\"}],"
        + "\"offset\":-1}", "offset");
    rejects("{\"dateRanges\":[{\"startDate\":\"today\",\"endDate\":\"today\"}],\"metrics\":[{\"name\":\"sessions\"}],"
        + "\"dimensionFilter\":{\"filter\":{\"fieldName\":\"country\",\"stringFilter\":{\"matchType\":\"FUZZY\",\"value\":\"x\"}}}}",
        "dimensionFilter.filter.stringFilter.matchType");
    rejects("{\"dateRanges\":[{\"startDate\":\"today\",\"endDate\":\"today\"}],\"metrics\":[{\"name\":\"sessions\"}],"
        + "\"orderBys\":[{\"metric\":{\"metricName\":\"newUsers\"}}]}", "orderBys[0].metric.metricName");
  }

  @Test
  void plansSayWhatTheAggregatesCanAnswer() {
    String base = "{\"dateRanges\":[{\"startDate\":\"today\",\"endDate\":\"today\"}],\"metrics\":[{\"name\":\"sessions\"}]";
    assertThat(AggregatePlan.of(parse(base + "}"))).contains(new AggregatePlan(BucketKey.TOTAL, Granularity.DAY));
    assertThat(AggregatePlan.of(parse(base + ",\"dimensions\":[{\"name\":\"date\"},{\"name\":\"country\"}]}")))
        .contains(new AggregatePlan("country", Granularity.DAY));
    assertThat(AggregatePlan.of(parse(base + ",\"dimensions\":[{\"name\":\"dateHour\"}]}")))
        .contains(new AggregatePlan(BucketKey.TOTAL, Granularity.HOUR));
    // A filter on the dimension read is fine; on another one it needs raw hits.
    assertThat(AggregatePlan.of(parse(base + ",\"dimensions\":[{\"name\":\"country\"}],\"dimensionFilter\":"
        + "{\"filter\":{\"fieldName\":\"country\",\"inListFilter\":{\"values\":[\"DE\"]}}}}"))).isPresent();
    assertThat(AggregatePlan.of(parse(base + ",\"dimensions\":[{\"name\":\"pagePath\"}],\"dimensionFilter\":"
        + "{\"filter\":{\"fieldName\":\"country\",\"inListFilter\":{\"values\":[\"DE\"]}}}}"))).isEmpty();
    assertThat(AggregatePlan.of(parse(base + ",\"dimensions\":[{\"name\":\"pagePath\"},{\"name\":\"country\"}]}"))).isEmpty();
  }
}
