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
        + "\"limit\":-1}", "limit");
    rejects("{\"dateRanges\":[{\"startDate\":\"today\",\"endDate\":\"today\"}],\"metrics\":[{\"name\":\"sessions\"}],"
        + "\"offset\":-1}", "offset");
    rejects("{\"dateRanges\":[{\"startDate\":\"today\",\"endDate\":\"today\"}],\"metrics\":[{\"name\":\"sessions\"}],"
        + "\"dimensionFilter\":{\"filter\":{\"fieldName\":\"country\",\"stringFilter\":{\"matchType\":\"FUZZY\",\"value\":\"x\"}}}}",
        "dimensionFilter.filter.stringFilter.matchType");
    rejects("{\"dateRanges\":[{\"startDate\":\"today\",\"endDate\":\"today\"}],\"metrics\":[{\"name\":\"sessions\"}],"
        + "\"orderBys\":[{\"metric\":{\"metricName\":\"newUsers\"}}]}", "orderBys[0].metric.metricName");
  }

  @Test
  void googlesClientsWritingIsRead() {
    // Enums by number, int64 as strings, snake_case names: as Google's REST clients and proto JSON parsers do.
    ReportRequest r = parse("""
        {"date_ranges":[{"start_date":"today","end_date":"today"}],"metrics":[{"name":"sessions"}],
         "dimensions":[{"name":"country"}],"limit":"0","offset":"20",
         "metric_aggregations":[1,6,"MINIMUM"],
         "order_bys":[{"dimension":{"dimension_name":"country","order_type":2},"desc":true}],
         "metric_filter":{"filter":{"field_name":"eventCount","numeric_filter":{"operation":4,"value":{"int64_value":"3"}}}},
         "keep_empty_rows":true,"currency_code":"EUR","return_property_quota":false}""");
    assertThat(r.limit()).isEqualTo(ReportRequest.DEFAULT_LIMIT);
    assertThat(r.offset()).isEqualTo(20);
    assertThat(r.aggregations()).containsExactlyInAnyOrder(io.beacon.model.report.MetricAggregation.values());
    assertThat(r.orderBys().get(0).orderType()).isEqualTo(ReportRequest.OrderType.CASE_INSENSITIVE_ALPHANUMERIC);
    assertThat(r.metricFilter().metrics()).containsExactly(io.beacon.model.report.ReportMetric.EVENT_COUNT);
    assertThat(r.keepEmptyRows()).isTrue();
    assertThat(r.currencyCode()).isEqualTo("EUR");
    assertThat(parse("{\"dateRanges\":[{\"startDate\":\"today\",\"endDate\":\"today\"}],"
        + "\"metrics\":[{\"name\":\"sessions\"}],\"limit\":900000}").limit()).isEqualTo(ReportRequest.MAX_LIMIT);
    String four = "{\"startDate\":\"today\",\"endDate\":\"today\",\"name\":\"a\"},{\"startDate\":\"today\","
        + "\"endDate\":\"today\"},{\"startDate\":\"yesterday\",\"endDate\":\"today\",\"name\":\"b\"},"
        + "{\"startDate\":\"7daysAgo\",\"endDate\":\"today\"}";
    assertThat(parse("{\"dateRanges\":[" + four + "],\"metrics\":[{\"name\":\"sessions\"}]}").dateRanges())
        .extracting(io.beacon.model.report.DateRangeSpec::name).containsExactly("a", "date_range_1", "b", "date_range_3");
    rejects("{\"dateRanges\":[" + four + ",{\"startDate\":\"today\",\"endDate\":\"today\"}],"
        + "\"metrics\":[{\"name\":\"sessions\"}]}", "dateRanges");
    rejects("{\"dateRanges\":[{\"startDate\":\"today\",\"endDate\":\"today\",\"name\":\"RESERVED_X\"}],"
        + "\"metrics\":[{\"name\":\"sessions\"}]}", "dateRanges[0].name");
    rejects("{\"dateRanges\":[{\"startDate\":\"today\",\"endDate\":\"today\"}],\"metrics\":[{\"name\":\"sessions\"}],"
        + "\"dimensionFilter\":{\"filter\":{\"fieldName\":\"country\",\"stringFilter\":{\"value\":\"x\"},"
        + "\"emptyFilter\":{}}}}", "dimensionFilter.filter");
    rejects("{\"dateRanges\":[{\"startDate\":\"today\",\"endDate\":\"today\"}],\"metrics\":[{\"name\":\"sessions\"}],"
        + "\"dimensionFilter\":{\"filter\":{\"fieldName\":\"sessions\",\"emptyFilter\":{}}}}", "dimensionFilter");
    rejects("{\"dateRanges\":[{\"startDate\":\"today\",\"endDate\":\"today\"}],\"metrics\":[{\"name\":\"sessions\"}],"
        + "\"metricFilter\":{\"filter\":{\"fieldName\":\"sessions\",\"betweenFilter\":{\"fromValue\":{\"int64Value\":\"1\"}}}}}",
        "metricFilter.filter.betweenFilter.toValue");
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
