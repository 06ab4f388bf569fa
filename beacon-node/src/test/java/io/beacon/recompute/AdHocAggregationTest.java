package io.beacon.recompute;

import io.beacon.api.ApiException;
import io.beacon.api.ReportJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.beacon.model.Hit;
import io.beacon.model.aggregation.MetricState;
import io.beacon.model.report.ReportRequest;
import io.vertx.core.json.JsonObject;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AdHocAggregationTest {
  private static final ZoneId ZONE = ZoneId.of("Asia/Kolkata");

  private static Hit hit(String client, String day, String path, String country, Map<String, String> params, boolean bot) {
    long ts = LocalDate.parse(day).atTime(12, 0).atZone(ZONE).toInstant().toEpochMilli();
    return Hit.builder()
        .propertyId("P")
        .clientId(client)
        .requestId("r-" + client + path)
        .sessionId("s1")
        .sessionNumber(1)
        .ts(ts)
        .receivedAt(ts)
        .eventName("page_view")
        .params(params)
        .hostname("h")
        .pagePath(path)
        .country(country)
        .isBot(bot)
        .protocol("t")
        .schemaVersion(Hit.SCHEMA_VERSION)
        .build();
  }

  /** Counts a hit alone in its session (bots: no scope), as recompute's scoped read would. */
  private static void add(AdHocAggregation agg, Hit h) {
    agg.add(h, Boolean.TRUE.equals(h.isBot()) ? null
        : io.beacon.model.session.Sessions.scope(List.of(h), io.beacon.model.session.ClientHistory.NONE,
            io.beacon.model.session.SessionRules.GA4).get(0).scope());
  }

  @Test
  void groupsByAnyDimensionsFiltersPerHitAndCountsAHitInEachOverlappingRange() {
    ReportRequest request = ReportJson.parseRequest(new JsonObject("""
        {"dateRanges":[{"startDate":"2026-01-01","endDate":"2026-01-02","name":"a"},
                       {"startDate":"2026-01-02","endDate":"2026-01-03","name":"b"}],
         "dimensions":[{"name":"pagePath"},{"name":"customEvent:plan"}],
         "dimensionFilter":{"filter":{"fieldName":"country","stringFilter":{"value":"DE"}}},
         "metrics":[{"name":"eventCount"}]}"""), ZONE, LocalDate.of(2026, 2, 1), 100);
    AdHocAggregation agg = new AdHocAggregation(request, ZONE, 100_000);
    add(agg, hit("c1", "2026-01-01", "/x", "DE", Map.of("plan", "pro"), false));
    add(agg, hit("c2", "2026-01-02", "/x", "DE", null, false));          // in both ranges
    add(agg, hit("c3", "2026-01-02", "/x", "FR", Map.of("plan", "pro"), false)); // filtered out
    add(agg, hit("c4", "2026-01-03", "/y", "DE", Map.of("plan", "free"), true)); // bot
    add(agg, hit("c5", "2026-01-04", "/x", "DE", Map.of("plan", "pro"), false)); // outside
    Map<List<String>, MetricState> g = agg.groups();
    assertThat(g.keySet()).containsExactlyInAnyOrder(
        List.of("/x", "pro", "a"), List.of("/x", "(not set)", "a"), List.of("/x", "(not set)", "b"));
    assertThat(g.values()).allSatisfy(s -> assertThat(s.eventCount()).isEqualTo(1));
    assertThat(agg.hits()).isEqualTo(5);
    assertThat(agg.bots()).isEqualTo(1);
    assertThat(AdHocAggregation.needsParams(request)).isTrue();
  }

  @Test
  void customUserDimensionsReadTheUserPropertiesSentWithTheEvent() {
    ReportRequest request = ReportJson.parseRequest(new JsonObject("""
        {"dateRanges":[{"startDate":"2026-01-01","endDate":"2026-01-02"}],
         "dimensions":[{"name":"customUser:plan"}],
         "dimensionFilter":{"filter":{"fieldName":"customUser:plan","stringFilter":{"matchType":"BEGINS_WITH","value":"p"}}},
         "metrics":[{"name":"eventCount"}]}"""), ZONE, LocalDate.of(2026, 2, 1), 100);
    AdHocAggregation agg = new AdHocAggregation(request, ZONE, 100_000);
    add(agg, hit("c1", "2026-01-01", "/x", "DE", Map.of("u:plan", "pro", "plan", "event"), false));
    add(agg, hit("c2", "2026-01-01", "/x", "DE", Map.of("plan", "pro"), false)); // an event parameter, not the user's
    add(agg, hit("c3", "2026-01-02", "/x", "DE", Map.of("u:plan", "premium"), false));
    assertThat(agg.groups().keySet()).containsExactlyInAnyOrder(List.of("pro"), List.of("premium"));
    assertThat(AdHocAggregation.needsParams(request)).isTrue();
  }

  @Test
  void groupsByTheSendersDeviceModelAndBrandWithNotSetWhenAbsent() {
    ReportRequest request = ReportJson.parseRequest(new JsonObject("""
        {"dateRanges":[{"startDate":"2026-01-01","endDate":"2026-01-02"}],
         "dimensions":[{"name":"mobileDeviceBranding"},{"name":"mobileDeviceModel"}],
         "metrics":[{"name":"eventCount"},{"name":"totalUsers"}]}"""), ZONE, LocalDate.of(2026, 2, 1), 100);
    AdHocAggregation agg = new AdHocAggregation(request, ZONE, 100_000);
    add(agg, device(hit("c1", "2026-01-01", "/x", "DE", null, false), "Pixel 8", "Google"));
    add(agg, device(hit("c2", "2026-01-01", "/y", "DE", null, false), "Pixel 8", "Google"));
    add(agg, device(hit("c3", "2026-01-02", "/x", "FR", null, false), "iPhone", "Apple"));
    add(agg, device(hit("c4", "2026-01-02", "/x", "FR", null, false), null, "Apple"));
    add(agg, hit("c5", "2026-01-02", "/x", "FR", null, false)); // a browser's hit: neither
    Map<List<String>, MetricState> g = agg.groups();
    assertThat(g.keySet()).containsExactlyInAnyOrder(List.of("Google", "Pixel 8"), List.of("Apple", "iPhone"),
        List.of("Apple", "(not set)"), List.of("(not set)", "(not set)"));
    assertThat(g.get(List.of("Google", "Pixel 8")).eventCount()).isEqualTo(2);
    assertThat(g.get(List.of("Google", "Pixel 8")).users()).isEqualTo(2);
    assertThat(AdHocAggregation.value("mobileDeviceModel", device(hit("c6", "2026-01-01", "/", "DE", null, false),
        "Pixel 8", null), null, ZONE)).isEqualTo("Pixel 8");
    // The raw read fetches the two columns; corrections of the precomputed aggregates never do.
    assertThat(AdHocAggregation.columns(request)).contains("device_model", "device_brand").doesNotContain("params");
    assertThat(RawHits.columnsOf("mobileDeviceModel")).containsExactly("device_model");
    assertThat(RawHits.columnsOf("mobileDeviceBranding")).containsExactly("device_brand");
    assertThat(RawHits.PRECOMPUTED_COLUMNS).doesNotContain("device_model", "device_brand", "stream_id", "params");
    // Every column a dimension reads is one the raw read fetches (streamId's was not: it answered "(not set)").
    for (io.beacon.model.aggregation.Dimension d : io.beacon.model.aggregation.Dimension.values()) {
      assertThat(RawHits.ALL).as(d.apiName()).containsAll(RawHits.columnsOf(d.apiName()));
    }
    assertThat(io.beacon.model.aggregation.Dimension.ofApiName("mobileDeviceModel").precomputed()).isFalse();
    assertThat(io.beacon.model.aggregation.Dimension.ofApiName("mobileDeviceBranding").precomputed()).isFalse();
  }

  private static Hit device(Hit h, String model, String brand) {
    return h.toBuilder().deviceModel(model).deviceBrand(brand).build();
  }

  /** Finding "ad-hoc reports have no cap on groups": one group per distinct tracked value, up to the bound. */
  @Test
  void adHocReportsHaveACapOnGroups() {
    ReportRequest request = ReportJson.parseRequest(new JsonObject("""
        {"dateRanges":[{"startDate":"2026-01-01","endDate":"2026-01-02"}],
         "dimensions":[{"name":"pagePath"}], "metrics":[{"name":"eventCount"}]}"""), ZONE, LocalDate.of(2026, 2, 1),
        100);
    AdHocAggregation agg = new AdHocAggregation(request, ZONE, 3);
    for (int i = 0; i < 3; i++) {
      add(agg, hit("c" + i, "2026-01-01", "/p" + i, "DE", null, false));
    }
    add(agg, hit("c9", "2026-01-01", "/p0", "DE", null, false)); // an existing group still counts
    assertThat(agg.groups()).hasSize(3);
    assertThat(agg.groups().get(List.of("/p0")).eventCount()).isEqualTo(2);
    assertThatThrownBy(() -> add(agg, hit("c3", "2026-01-01", "/p3", "DE", null, false)))
        .isInstanceOfSatisfying(ApiException.class, e -> {
          assertThat(e.status()).isEqualTo(400);
          assertThat(e.field()).isEqualTo("dimensions");
        })
        .hasMessage("dimensions: the report has more than 3 rows (recompute.maxGroups); add a filter or fewer"
            + " dimensions");
    // Slices merged past the bound are refused the same way.
    AdHocAggregation other = new AdHocAggregation(request, ZONE, 3);
    add(other, hit("c4", "2026-01-02", "/p4", "DE", null, false));
    assertThatThrownBy(() -> agg.merge(other)).isInstanceOf(ApiException.class);
  }

  @Test
  void cacheKeyIgnoresOrderAndPagingButNotTheFilter() {
    JsonObject base = new JsonObject("""
        {"dateRanges":[{"startDate":"2026-01-01","endDate":"2026-01-02"}],
         "dimensions":[{"name":"pagePath"},{"name":"country"}],
         "dimensionFilter":{"filter":{"fieldName":"country","stringFilter":{"value":"DE","matchType":"EXACT"}}},
         "metrics":[{"name":"eventCount"}]}""");
    JsonObject paged = base.copy().put("limit", 5).put("offset", 10);
    JsonObject reordered = base.copy().put("dimensionFilter", new JsonObject(
        "{\"filter\":{\"stringFilter\":{\"matchType\":\"EXACT\",\"value\":\"DE\"},\"fieldName\":\"country\"}}"));
    JsonObject other = base.copy().put("dimensionFilter", new JsonObject(
        "{\"filter\":{\"fieldName\":\"country\",\"stringFilter\":{\"value\":\"FR\"}}}"));
    LocalDate today = LocalDate.of(2026, 2, 1);
    String k = AdHocReports.key("P", ZONE, settings(Set.of("purchase")), ReportJson.parseRequest(base, ZONE, today, 100), base);
    assertThat(AdHocReports.key("P", ZONE, settings(Set.of("purchase")), ReportJson.parseRequest(paged, ZONE, today, 100), paged)).isEqualTo(k);
    assertThat(AdHocReports.key("P", ZONE, settings(Set.of("purchase")), ReportJson.parseRequest(reordered, ZONE, today, 100), reordered)).isEqualTo(k);
    assertThat(AdHocReports.key("P", ZONE, settings(Set.of("purchase")), ReportJson.parseRequest(other, ZONE, today, 100), other)).isNotEqualTo(k);
    assertThat(AdHocReports.key("Q", ZONE, settings(Set.of("purchase")), ReportJson.parseRequest(base, ZONE, today, 100), base)).isNotEqualTo(k);
    // Key events apply to history: a report cached under other names is not served.
    assertThat(AdHocReports.key("P", ZONE, settings(Set.of("purchase", "sign_up")),
        ReportJson.parseRequest(base, ZONE, today, 100), base)).isNotEqualTo(k);
    // So do session settings.
    assertThat(AdHocReports.key("P", ZONE, new io.beacon.infra.clients.PropertyLookup.Reporting(ZONE, Set.of("purchase"),
        new io.beacon.model.session.SessionRules(600_000, 10_000)), ReportJson.parseRequest(base, ZONE, today, 100),
        base)).isNotEqualTo(k);
  }

  private static io.beacon.infra.clients.PropertyLookup.Reporting settings(Set<String> keyEvents) {
    return new io.beacon.infra.clients.PropertyLookup.Reporting(ZONE, keyEvents);
  }

  @Test
  void overlappingRangesAreReadOnce() {
    ReportRequest request = ReportJson.parseRequest(new JsonObject("""
        {"dateRanges":[{"startDate":"2026-01-01","endDate":"2026-01-04"},{"startDate":"2026-01-03","endDate":"2026-01-06"}],
         "metrics":[{"name":"eventCount"}]}"""), ZONE, LocalDate.of(2026, 2, 1), 100);
    var intervals = AdHocReports.intervals(request, ZONE);
    assertThat(intervals).hasSize(1);
    assertThat(intervals.get(0)[0]).isEqualTo(LocalDate.of(2026, 1, 1).atStartOfDay(ZONE).toInstant());
    assertThat(intervals.get(0)[1]).isEqualTo(LocalDate.of(2026, 1, 7).atStartOfDay(ZONE).toInstant());
  }
}
