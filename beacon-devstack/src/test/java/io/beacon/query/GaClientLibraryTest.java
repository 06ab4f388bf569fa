package io.beacon.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.analytics.data.v1beta.BatchRunReportsRequest;
import com.google.analytics.data.v1beta.BatchRunReportsResponse;
import com.google.analytics.data.v1beta.BetaAnalyticsDataClient;
import com.google.analytics.data.v1beta.BetaAnalyticsDataSettings;
import com.google.analytics.data.v1beta.CheckCompatibilityRequest;
import com.google.analytics.data.v1beta.CheckCompatibilityResponse;
import com.google.analytics.data.v1beta.Cohort;
import com.google.analytics.data.v1beta.CohortSpec;
import com.google.analytics.data.v1beta.Comparison;
import com.google.analytics.data.v1beta.Compatibility;
import com.google.analytics.data.v1beta.DateRange;
import com.google.analytics.data.v1beta.Dimension;
import com.google.analytics.data.v1beta.DimensionMetadata;
import com.google.analytics.data.v1beta.Filter;
import com.google.analytics.data.v1beta.FilterExpression;
import com.google.analytics.data.v1beta.FilterExpressionList;
import com.google.analytics.data.v1beta.Metadata;
import com.google.analytics.data.v1beta.Metric;
import com.google.analytics.data.v1beta.MetricAggregation;
import com.google.analytics.data.v1beta.MetricType;
import com.google.analytics.data.v1beta.NumericValue;
import com.google.analytics.data.v1beta.OrderBy;
import com.google.analytics.data.v1beta.Pivot;
import com.google.analytics.data.v1beta.Row;
import com.google.analytics.data.v1beta.RunPivotReportRequest;
import com.google.analytics.data.v1beta.RunPivotReportResponse;
import com.google.analytics.data.v1beta.RunRealtimeReportRequest;
import com.google.analytics.data.v1beta.RunRealtimeReportResponse;
import com.google.analytics.data.v1beta.RunReportRequest;
import com.google.analytics.data.v1beta.RunReportResponse;
import com.google.api.gax.core.FixedCredentialsProvider;
import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.InvalidArgumentException;
import com.google.api.gax.rpc.NotFoundException;
import com.google.api.gax.rpc.UnauthenticatedException;
import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import io.beacon.devstack.LocalStack;
import io.beacon.model.Hit;
import io.beacon.model.aggregation.Aggregator;
import io.beacon.store.topic.HitCodec;
import io.beacon.store.topic.Topics;
import io.beacon.testing.AggregateSeeder;
import io.beacon.testing.Dashboard;
import io.beacon.testing.NodeProcess;
import io.beacon.testing.NodeProcess.Cluster;
import io.beacon.testing.RealStack;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Google's own Java client for the GA4 Data API ({@code com.google.analytics:google-analytics-data}, unmodified,
 * REST transport) pointed at a live node with a Beacon API token as its bearer credential: runReport,
 * batchRunReports, runRealtimeReport, getMetadata, checkCompatibility answer and parse into the library's own
 * response types, with the numbers computed here from the same hits (runPivotReport too); errors
 * surface as the library's exception types. Also the contract, generated from the library's protos (their
 * descriptors): every field of {@code RunReportRequest} (and of its filters, order bys, and every value of their
 * enums) is either answered or refused with INVALID_ARGUMENT naming it, and every field of
 * {@code RunReportResponse} but the property quota is filled.
 *
 * <p>The node runs the query role (reports over aggregates seeded in Cassandra), the bridge (real-time state and
 * raw hits, from hits produced to Kafka here) and recompute (reports from those raw hits).
 */
@ExtendWith(RealStack.class)
class GaClientLibraryTest {
  private static final String PROPERTY = "B-GACLIENT1";
  private static final String GA_PROPERTY = "987654321";
  private static final ZoneId ZONE = ZoneId.of("America/Sao_Paulo");
  private static final LocalDate D1 = LocalDate.of(2026, 4, 1);
  private static final LocalDate D3 = D1.plusDays(2);
  private static final String ADMIN = "gaclient@example.com";
  private static final String ADMIN_PASSWORD = "a ga client admin password";
  private static final List<String> COUNTRIES = List.of("BR", "DE", "US");
  private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyyMMdd");

  private static NodeProcess node;
  private static BetaAnalyticsDataClient client;
  private static String token;
  private static List<Hit> past;
  private static List<Hit> live;

  @BeforeAll
  static void start(LocalStack stack) throws Exception {
    node = new NodeProcess("gaclient-node", stack, Cluster.fresh(2, 3_000), Map.of(
        "BEACON_NODE_VERTICLES_COLLECTOR_INSTANCES", "0", "BEACON_NODE_VERTICLES_BRIDGE_INSTANCES", "1",
        "BEACON_NODE_VERTICLES_QUERY_INSTANCES", "1", "BEACON_NODE_VERTICLES_RECOMPUTE_INSTANCES", "1",
        "BEACON_QUERY_ADMIN_EMAIL", ADMIN, "BEACON_QUERY_ADMIN_PASSWORD", ADMIN_PASSWORD,
        // A report over today is recomputed, not served from the cache, once a second: the test waits for the raw hits.
        "BEACON_RECOMPUTE_OPEN_CACHE_TTL_MS", "1000")).start();
    node.awaitReady(Duration.ofSeconds(180));
    past = hits(D1.atStartOfDay(ZONE).toInstant().toEpochMilli(),
        D3.plusDays(1).atStartOfDay(ZONE).toInstant().toEpochMilli(), 400, "p");
    Aggregator agg = new Aggregator(p -> ZONE);
    io.beacon.testing.Scoping.scopeAll(past).forEach(s -> agg.add(s.hit(), s.scope()));
    AggregateSeeder.write(stack, agg, cql -> cql.execute("INSERT INTO properties (property_id, name, time_zone,"
        + " created_at) VALUES ('" + PROPERTY + "', 'GA client test', '" + ZONE + "', '2026-01-01T00:00:00Z')"));
    // Live hits of the last ten minutes, through Kafka: the bridge's real-time state and raw hits.
    long now = System.currentTimeMillis();
    live = hits(now - 10 * 60_000, now - 1_000, 60, "l");
    Map<String, Object> p = new HashMap<>();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrap());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
      for (Hit h : live) {
        producer.send(new ProducerRecord<>(Topics.HITS, h.kafkaKey().getBytes(), HitCodec.encode(h)))
            .get(30, TimeUnit.SECONDS);
      }
    }
    Dashboard admin = Dashboard.login(node.queryPort, ADMIN, ADMIN_PASSWORD);
    // The GA4 property id scripts written for GA4 name it by (set as an admin would: properties/... or the digits).
    HttpResponse<String> ga = admin.send("PATCH", "/api/v1/admin/properties/" + PROPERTY,
        "{\"gaPropertyId\":\"properties/" + GA_PROPERTY + "\"}", true);
    assertThat(ga.statusCode()).as(ga.body()).isEqualTo(200);
    assertThat(new JsonObject(ga.body()).getString("gaPropertyId")).isEqualTo(GA_PROPERTY);
    HttpResponse<String> t = admin.post("/api/v1/tokens", "{\"name\":\"ga client\"}");
    assertThat(t.statusCode()).as(t.body()).isEqualTo(201);
    token = new JsonObject(t.body()).getString("token");
    client = client(token);
  }

  /**
   * Google's client over REST, its endpoint the node's query port over plain HTTP, the API token as bearer. The
   * credentials "refresh" to the same token: on a 401 the library refreshes and retries once before it raises
   * UNAUTHENTICATED (a credential that cannot refresh makes it raise an UnknownException instead).
   */
  private static BetaAnalyticsDataClient client(String bearer) throws Exception {
    GoogleCredentials credentials = new GoogleCredentials(new AccessToken(bearer, inAnHour())) {
      @Override
      public AccessToken refreshAccessToken() {
        return new AccessToken(bearer, inAnHour());
      }
    };
    return BetaAnalyticsDataClient.create(BetaAnalyticsDataSettings.newHttpJsonBuilder()
        .setEndpoint("http://127.0.0.1:" + node.queryPort)
        .setCredentialsProvider(FixedCredentialsProvider.create(credentials))
        .build());
  }

  private static Date inAnHour() {
    return new Date(System.currentTimeMillis() + 3_600_000);
  }

  @AfterAll
  static void stop() {
    if (client != null) {
      client.close();
    }
    if (node != null) {
      node.close();
    }
  }

  private static List<Hit> hits(long from, long to, int n, String prefix) {
    Random rnd = new Random(prefix.hashCode());
    List<Hit> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int client = rnd.nextInt(25);
      long ts = from + (long) (rnd.nextDouble() * (to - from));
      out.add(Hit.builder()
          .propertyId(PROPERTY)
          .clientId(prefix + "c" + client)
          .requestId(prefix + "r" + i)
          .sessionId(prefix + "s" + client)
          .sessionNumber(1)
          .ts(ts)
          .receivedAt(ts)
          .eventName(rnd.nextInt(3) > 0 ? "page_view" : "scroll")
          .engagementMs((long) rnd.nextInt(3000))
          .sessionEngaged(false)
          .keyEvent(false)
          .firstVisit(false)
          .sessionStart(false)
          .hostname("example.com")
          .pagePath("/p" + rnd.nextInt(4))
          .deviceCategory("desktop")
          .browser("Chrome")
          .os("Linux")
          .country(COUNTRIES.get(client % COUNTRIES.size()))
          .isBot(false)
          .protocol("test")
          .schemaVersion(Hit.SCHEMA_VERSION)
          .build());
    }
    return out;
  }

  /** Expected eventCount and distinct users by the values {@code key} gives (plain loops, exact sets). */
  private static Map<String, long[]> expected(List<Hit> hits, java.util.function.Function<Hit, String> key) {
    Map<String, long[]> counts = new TreeMap<>();
    Map<String, Set<String>> users = new HashMap<>();
    for (Hit h : hits) {
      String k = key.apply(h);
      counts.computeIfAbsent(k, x -> new long[2])[0]++;
      users.computeIfAbsent(k, x -> new HashSet<>()).add(h.clientId());
    }
    counts.forEach((k, v) -> v[1] = users.get(k).size());
    return counts;
  }

  private static Map<String, long[]> rows(List<Row> rows) {
    Map<String, long[]> out = new TreeMap<>();
    for (Row r : rows) {
      List<String> dims = r.getDimensionValuesList().stream().map(v -> v.getValue()).toList();
      out.put(String.join("|", dims), r.getMetricValuesList().stream().mapToLong(v -> Long.parseLong(v.getValue())).toArray());
    }
    return out;
  }

  private static Map<String, List<Long>> lists(Map<String, long[]> m) {
    Map<String, List<Long>> out = new TreeMap<>();
    m.forEach((k, v) -> out.put(k, java.util.Arrays.stream(v).boxed().toList()));
    return out;
  }

  private static RunReportRequest.Builder pastReport() {
    return RunReportRequest.newBuilder().setProperty("properties/" + PROPERTY)
        .addDateRanges(DateRange.newBuilder().setStartDate(D1.toString()).setEndDate(D3.toString()))
        .addMetrics(Metric.newBuilder().setName("eventCount")).addMetrics(Metric.newBuilder().setName("totalUsers"));
  }

  @Test
  void runReportParsesIntoTheLibrarysTypesWithTheRightNumbers() {
    RunReportResponse r = client.runReport(pastReport()
        .addDimensions(Dimension.newBuilder().setName("country")).addDimensions(Dimension.newBuilder().setName("date"))
        .addMetricAggregations(MetricAggregation.TOTAL).addMetricAggregations(MetricAggregation.MAXIMUM)
        .addOrderBys(OrderBy.newBuilder().setDimension(OrderBy.DimensionOrderBy.newBuilder().setDimensionName("date")
            .setOrderType(OrderBy.DimensionOrderBy.OrderType.NUMERIC)))
        .setCurrencyCode("EUR")
        .build());
    assertThat(r.getDimensionHeadersList()).extracting(h -> h.getName()).containsExactly("country", "date");
    assertThat(r.getMetricHeaders(0).getType()).isEqualTo(MetricType.TYPE_INTEGER);
    Map<String, long[]> want = expected(past, h -> h.country() + "|"
        + DATE.format(Instant.ofEpochMilli(h.ts()).atZone(ZONE)));
    assertThat(lists(rows(r.getRowsList()))).isEqualTo(lists(want));
    assertThat(r.getRowCount()).isEqualTo(want.size());
    List<String> dates = r.getRowsList().stream().map(row -> row.getDimensionValues(1).getValue()).toList();
    assertThat(dates).isSorted();
    Map<String, long[]> total = expected(past, h -> "RESERVED_TOTAL|RESERVED_TOTAL");
    assertThat(lists(rows(r.getTotalsList()))).isEqualTo(lists(total));
    long maxEvents = want.values().stream().mapToLong(v -> v[0]).max().orElseThrow();
    assertThat(r.getMaximums(0).getMetricValues(0).getValue()).isEqualTo(Long.toString(maxEvents));
    assertThat(r.getMinimumsCount()).isZero();
    assertThat(r.getMetadata().getTimeZone()).isEqualTo(ZONE.getId());
    assertThat(r.getMetadata().getCurrencyCode()).isEqualTo("EUR");
    assertThat(r.getKind()).isEqualTo("analyticsData#runReport");
  }

  /** A cohort report as Google's library sends it (enums by name, no dateRanges) and reads it back. */
  @Test
  void aCohortReportParsesIntoTheLibrarysTypes() {
    RunReportResponse r = client.runReport(RunReportRequest.newBuilder().setProperty("properties/" + PROPERTY)
        .addDimensions(Dimension.newBuilder().setName("cohort"))
        .addDimensions(Dimension.newBuilder().setName("cohortNthDay"))
        .addMetrics(Metric.newBuilder().setName("cohortActiveUsers"))
        .addMetrics(Metric.newBuilder().setName("cohortTotalUsers"))
        .setKeepEmptyRows(true)
        .setCohortSpec(CohortSpec.newBuilder()
            .addCohorts(Cohort.newBuilder().setName("first").setDimension("firstSessionDate")
                .setDateRange(DateRange.newBuilder().setStartDate(D1.toString()).setEndDate(D1.toString())))
            .setCohortsRange(com.google.analytics.data.v1beta.CohortsRange.newBuilder()
                .setGranularity(com.google.analytics.data.v1beta.CohortsRange.Granularity.DAILY).setEndOffset(1))
            .setCohortReportSettings(com.google.analytics.data.v1beta.CohortReportSettings.newBuilder()
                .setAccumulate(true)))
        .build());
    assertThat(r.getDimensionHeadersList().stream().map(h -> h.getName()).toList())
        .containsExactly("cohort", "cohortNthDay");
    assertThat(r.getMetricHeadersList().stream().map(h -> h.getType()).toList())
        .containsExactly(MetricType.TYPE_INTEGER, MetricType.TYPE_INTEGER);
    assertThat(r.getRowsList().stream().map(row -> row.getDimensionValues(0).getValue() + " "
        + row.getDimensionValues(1).getValue()).toList()).containsExactly("first 0000", "first 0001");
    assertThat(r.getRowCount()).isEqualTo(2);
  }

  @Test
  void aGa4PropertyIdNamesThePropertyItWasGivenTo() {
    RunReportRequest byBeaconId = pastReport().addDimensions(Dimension.newBuilder().setName("country")).build();
    RunReportResponse viaGa = client.runReport(byBeaconId.toBuilder().setProperty("properties/" + GA_PROPERTY).build());
    assertThat(lists(rows(viaGa.getRowsList()))).isEqualTo(lists(expected(past, Hit::country)));
    assertThat(client.getMetadata("properties/" + GA_PROPERTY + "/metadata").getDimensionsList())
        .extracting(d -> d.getApiName()).contains("country", "streamId", "platform");
    assertThatThrownBy(() -> client.runReport(byBeaconId.toBuilder().setProperty("properties/123").build()))
        .as("a GA4 id no property carries").isInstanceOf(com.google.api.gax.rpc.ApiException.class);
  }

  @Test
  void batchRunReportsAnswersEachReport() {
    BatchRunReportsResponse batch = client.batchRunReports(BatchRunReportsRequest.newBuilder()
        .setProperty("properties/" + PROPERTY)
        .addRequests(pastReport().addDimensions(Dimension.newBuilder().setName("pagePath")))
        .addRequests(pastReport().setLimit(1).setOffset(1)
            .addDimensions(Dimension.newBuilder().setName("country"))
            .addOrderBys(OrderBy.newBuilder().setMetric(OrderBy.MetricOrderBy.newBuilder().setMetricName("eventCount"))
                .setDesc(true)))
        .build());
    assertThat(batch.getReportsCount()).isEqualTo(2);
    assertThat(lists(rows(batch.getReports(0).getRowsList()))).isEqualTo(lists(expected(past, Hit::pagePath)));
    Map<String, long[]> byCountry = expected(past, Hit::country);
    List<String> byCount = new ArrayList<>(byCountry.keySet());
    byCount.sort((a, b) -> Long.compare(byCountry.get(b)[0], byCountry.get(a)[0]));
    assertThat(batch.getReports(1).getRowCount()).isEqualTo(byCountry.size());
    assertThat(batch.getReports(1).getRowsList()).hasSize(1);
    assertThat(batch.getReports(1).getRows(0).getDimensionValues(0).getValue()).isEqualTo(byCount.get(1));
    assertThat(batch.getKind()).isEqualTo("analyticsData#batchRunReports");
  }

  @Test
  void runRealtimeReportCountsTheLastThirtyMinutes() {
    await("the bridge counted the live hits").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
        .untilAsserted(() -> {
          RunRealtimeReportResponse r = client.runRealtimeReport(RunRealtimeReportRequest.newBuilder()
              .setProperty("properties/" + PROPERTY).addMetrics(Metric.newBuilder().setName("eventCount"))
              .addMetrics(Metric.newBuilder().setName("activeUsers")).build());
          assertThat(r.getRowsCount()).isEqualTo(1);
          assertThat(r.getRows(0).getMetricValues(0).getValue()).isEqualTo(Integer.toString(live.size()));
          assertThat(r.getRows(0).getMetricValues(1).getValue())
              .isEqualTo(Long.toString(live.stream().map(Hit::clientId).distinct().count()));
        });
    RunRealtimeReportResponse byMinute = client.runRealtimeReport(RunRealtimeReportRequest.newBuilder()
        .setProperty("properties/" + PROPERTY).addDimensions(Dimension.newBuilder().setName("minutesAgo"))
        .addMetrics(Metric.newBuilder().setName("eventCount")).setLimit(3).build());
    assertThat(byMinute.getDimensionHeaders(0).getName()).isEqualTo("minutesAgo");
    assertThat(byMinute.getRowsCount()).isBetween(1, 3);
    assertThatThrownBy(() -> client.runRealtimeReport(RunRealtimeReportRequest.newBuilder()
        .setProperty("properties/" + PROPERTY).addMetrics(Metric.newBuilder().setName("eventCount"))
        .addOrderBys(OrderBy.newBuilder().setMetric(OrderBy.MetricOrderBy.newBuilder().setMetricName("eventCount")))
        .build())).isInstanceOf(InvalidArgumentException.class)
        .satisfies(e -> assertThat(e.getCause().getMessage()).contains("\"field\":\"orderBys\""));
  }

  @Test
  void aReportFromRawHitsCarriesItsTotals() {
    // Two non-time dimensions: recompute answers from the raw hits the bridge wrote.
    Map<String, long[]> want = expected(live, h -> h.country() + "|" + h.pagePath());
    Map<String, long[]> total = expected(live, h -> "RESERVED_TOTAL|RESERVED_TOTAL");
    await("recompute sees every live hit").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(2))
        .untilAsserted(() -> {
          RunReportResponse r = client.runReport(RunReportRequest.newBuilder().setProperty("properties/" + PROPERTY)
              .addDateRanges(DateRange.newBuilder().setStartDate("yesterday").setEndDate("today"))
              .addDimensions(Dimension.newBuilder().setName("country"))
              .addDimensions(Dimension.newBuilder().setName("pagePath"))
              .addMetrics(Metric.newBuilder().setName("eventCount")).addMetrics(Metric.newBuilder().setName("totalUsers"))
              .addMetricAggregations(MetricAggregation.TOTAL).addMetricAggregations(MetricAggregation.MINIMUM)
              .build());
          assertThat(lists(rows(r.getRowsList()))).isEqualTo(lists(want));
          assertThat(lists(rows(r.getTotalsList()))).isEqualTo(lists(total));
          long min = want.values().stream().mapToLong(v -> v[1]).min().orElseThrow();
          assertThat(r.getMinimums(0).getMetricValues(1).getValue()).isEqualTo(Long.toString(min));
        });
  }

  @Test
  void metadataAndCompatibility() {
    Metadata m = client.getMetadata("properties/" + PROPERTY + "/metadata");
    assertThat(m.getName()).isEqualTo("properties/" + PROPERTY + "/metadata");
    DimensionMetadata country = m.getDimensionsList().stream().filter(d -> d.getApiName().equals("country"))
        .findFirst().orElseThrow();
    assertThat(country.getUiName()).isNotBlank();
    assertThat(country.getCategory()).isEqualTo("Geography");
    assertThat(m.getDimensionsList()).filteredOn(DimensionMetadata::getCustomDefinition).isNotEmpty()
        .allSatisfy(d -> assertThat(d.getApiName()).startsWith("custom"));
    assertThat(m.getMetricsList()).isNotEmpty().allSatisfy(x -> {
      assertThat(x.getType()).isNotEqualTo(MetricType.METRIC_TYPE_UNSPECIFIED);
      assertThat(x.getDescription()).isNotBlank();
    });
    CheckCompatibilityResponse c = client.checkCompatibility(CheckCompatibilityRequest.newBuilder()
        .setProperty("properties/" + PROPERTY).addDimensions(Dimension.newBuilder().setName("country"))
        .addMetrics(Metric.newBuilder().setName("sessions")).build());
    assertThat(c.getDimensionCompatibilitiesList()).isNotEmpty()
        .allSatisfy(d -> assertThat(d.getCompatibility()).isEqualTo(Compatibility.COMPATIBLE));
    assertThat(c.getMetricCompatibilitiesCount()).isEqualTo(m.getMetricsCount());
  }

  @Test
  void runPivotReportParsesIntoTheLibrarysTypesWithTheRightCells() {
    RunPivotReportResponse r = client.runPivotReport(RunPivotReportRequest.newBuilder()
        .setProperty("properties/" + PROPERTY)
        .addDateRanges(DateRange.newBuilder().setStartDate(D1.toString()).setEndDate(D3.toString()))
        .addDimensions(Dimension.newBuilder().setName("country")).addDimensions(Dimension.newBuilder().setName("date"))
        .addMetrics(Metric.newBuilder().setName("eventCount"))
        .addPivots(Pivot.newBuilder().addFieldNames("country").setLimit(2).addOrderBys(OrderBy.newBuilder()
            .setMetric(OrderBy.MetricOrderBy.newBuilder().setMetricName("eventCount")).setDesc(true)))
        .addPivots(Pivot.newBuilder().addFieldNames("date").setLimit(3).addOrderBys(OrderBy.newBuilder()
            .setDimension(OrderBy.DimensionOrderBy.newBuilder().setDimensionName("date"))))
        .build());
    // Written from GA's definition over the same hits: the two countries with the most events, most first; every
    // date in date order; the cells of those.
    Map<String, long[]> byCountry = expected(past, Hit::country);
    List<String> top = new ArrayList<>(byCountry.keySet());
    top.sort((a, b) -> Long.compare(byCountry.get(b)[0], byCountry.get(a)[0]));
    List<String> countries = r.getPivotHeaders(0).getPivotDimensionHeadersList().stream()
        .map(h -> h.getDimensionValues(0).getValue()).toList();
    if (byCountry.get(top.get(0))[0] != byCountry.get(top.get(1))[0]
        && byCountry.get(top.get(1))[0] != byCountry.get(top.get(2))[0]) {
      assertThat(countries).containsExactly(top.get(0), top.get(1));
    }
    assertThat(r.getPivotHeaders(0).getRowCount()).isEqualTo(byCountry.size());
    Map<String, long[]> cells = expected(past, h -> h.country() + "|"
        + DATE.format(Instant.ofEpochMilli(h.ts()).atZone(ZONE)));
    List<String> dates = r.getPivotHeaders(1).getPivotDimensionHeadersList().stream()
        .map(h -> h.getDimensionValues(0).getValue()).toList();
    assertThat(dates).isSorted().hasSize(3);
    Map<String, long[]> want = new java.util.TreeMap<>();
    cells.forEach((k, v) -> {
      String[] kd = k.split("\\|");
      if (countries.contains(kd[0]) && dates.contains(kd[1])) {
        want.put(k, new long[] {v[0]});
      }
    });
    assertThat(lists(rows(r.getRowsList()))).isEqualTo(lists(want));
    assertThat(r.getRows(0).getDimensionValues(0).getValue()).isEqualTo(countries.get(0));
    assertThat(r.getKind()).isEqualTo("analyticsData#runPivotReport");
  }

  @Test
  void pivotsAndErrorsSurfaceAsTheLibrarysExceptions() throws Exception {
    assertThatThrownBy(() -> client.runPivotReport(RunPivotReportRequest.newBuilder()
        .setProperty("properties/" + PROPERTY)
        .addDateRanges(DateRange.newBuilder().setStartDate(D1.toString()).setEndDate(D3.toString()))
        .addDimensions(Dimension.newBuilder().setName("country")).addMetrics(Metric.newBuilder().setName("eventCount"))
        .addPivots(Pivot.newBuilder().addFieldNames("country").setLimit(5)
            .addMetricAggregations(MetricAggregation.TOTAL)).build()))
        .as("per-pivot aggregates: not answered, refused").isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> client.runReport(pastReport().addMetrics(Metric.newBuilder().setName("visits")).build()))
        .isInstanceOf(InvalidArgumentException.class)
        // The library's exception carries Google's error body (its cause's message): the field is named there.
        .satisfies(e -> assertThat(e.getCause().getMessage()).contains("\"field\":\"metrics[2].name\"")
            .contains("\"status\":\"INVALID_ARGUMENT\""));
    assertThatThrownBy(() -> client.runReport(pastReport().setProperty("properties/B-NOSUCHPROP").build()))
        .isInstanceOf(NotFoundException.class);
    try (BetaAnalyticsDataClient stranger = client("bk_not-a-token")) {
      assertThatThrownBy(() -> stranger.runReport(pastReport().build())).isInstanceOf(UnauthenticatedException.class);
    }
  }

  // ---- the contract, from the library's protos

  /** A representative non-default value for each field of RunReportRequest, and whether Beacon answers it. */
  private record Case(boolean answered, Consumer<RunReportRequest.Builder> set) {}

  private static Map<String, Case> requestFields() {
    Map<String, Case> c = new LinkedHashMap<>();
    c.put("property", new Case(true, b -> b.setProperty("properties/" + PROPERTY)));
    c.put("dimensions", new Case(true, b -> b.addDimensions(Dimension.newBuilder().setName("country"))));
    c.put("metrics", new Case(true, b -> b.addMetrics(Metric.newBuilder().setName("screenPageViews"))));
    c.put("date_ranges", new Case(true, b -> b.addDateRanges(DateRange.newBuilder().setStartDate("30daysAgo")
        .setEndDate("yesterday").setName("earlier"))));
    c.put("dimension_filter", new Case(true, b -> b.setDimensionFilter(FilterExpression.newBuilder()
        .setFilter(Filter.newBuilder().setFieldName("country").setStringFilter(Filter.StringFilter.newBuilder()
            .setValue("de"))))));
    c.put("metric_filter", new Case(true, b -> b.setMetricFilter(FilterExpression.newBuilder()
        .setFilter(Filter.newBuilder().setFieldName("eventCount").setNumericFilter(Filter.NumericFilter.newBuilder()
            .setOperation(Filter.NumericFilter.Operation.GREATER_THAN)
            .setValue(NumericValue.newBuilder().setInt64Value(0)))))));
    c.put("offset", new Case(true, b -> b.setOffset(1)));
    c.put("limit", new Case(true, b -> b.setLimit(2)));
    c.put("metric_aggregations", new Case(true, b -> b.addMetricAggregations(MetricAggregation.TOTAL)));
    c.put("order_bys", new Case(true, b -> b.addOrderBys(OrderBy.newBuilder()
        .setMetric(OrderBy.MetricOrderBy.newBuilder().setMetricName("eventCount")).setDesc(true))));
    c.put("currency_code", new Case(true, b -> b.setCurrencyCode("JPY")));
    c.put("cohort_spec", new Case(false, b -> b.setCohortSpec(CohortSpec.newBuilder().addCohorts(Cohort.newBuilder()
        .setDimension("firstSessionDate").setDateRange(DateRange.newBuilder().setStartDate(D1.toString())
            .setEndDate(D1.toString()))))));
    c.put("keep_empty_rows", new Case(true, b -> b.setKeepEmptyRows(true)));
    c.put("return_property_quota", new Case(false, b -> b.setReturnPropertyQuota(true)));
    c.put("comparisons", new Case(false, b -> b.addComparisons(Comparison.newBuilder().setName("c")
        .setComparison("mobile"))));
    return c;
  }

  @Test
  void everyRunReportRequestFieldIsAnsweredOrRefusedByName() {
    Map<String, Case> cases = requestFields();
    List<String> problems = new ArrayList<>();
    for (FieldDescriptor f : RunReportRequest.getDescriptor().getFields()) {
      Case c = cases.get(f.getName());
      if (c == null) {
        problems.add(f.getName() + ": a field of Google's RunReportRequest this contract has no case for: add one");
        continue;
      }
      RunReportRequest.Builder b = pastReport();
      c.set.accept(b);
      RunReportRequest request = b.build();
      assertThat(request.getAllFields()).as(f.getName()).containsKey(f);
      outcome(problems, f.getJsonName(), c.answered, () -> client.runReport(request));
    }
    assertThat(problems).isEmpty();
  }

  /** The oneofs and enums inside: each kind of filter, order by and aggregation, and every enum value. */
  @Test
  void everyFilterOrderByAndEnumValueIsAnsweredOrRefusedByName() {
    List<String> problems = new ArrayList<>();
    Map<String, Filter.Builder> filters = new LinkedHashMap<>();
    filters.put("string_filter", Filter.newBuilder().setStringFilter(Filter.StringFilter.newBuilder().setValue("/p1")));
    filters.put("in_list_filter", Filter.newBuilder().setInListFilter(Filter.InListFilter.newBuilder().addValues("/p1")));
    filters.put("numeric_filter", Filter.newBuilder().setNumericFilter(Filter.NumericFilter.newBuilder()
        .setOperation(Filter.NumericFilter.Operation.EQUAL).setValue(NumericValue.newBuilder().setDoubleValue(1))));
    filters.put("between_filter", Filter.newBuilder().setBetweenFilter(Filter.BetweenFilter.newBuilder()
        .setFromValue(NumericValue.newBuilder().setInt64Value(1)).setToValue(NumericValue.newBuilder().setInt64Value(9))));
    filters.put("empty_filter", Filter.newBuilder().setEmptyFilter(Filter.EmptyFilter.getDefaultInstance()));
    for (FieldDescriptor f : Filter.getDescriptor().getFields()) {
      if (f.getName().equals("field_name")) {
        continue;
      }
      Filter.Builder filter = filters.get(f.getName());
      if (filter == null) {
        problems.add("Filter." + f.getName() + ": no case: add one");
        continue;
      }
      FilterExpression e = FilterExpression.newBuilder().setNotExpression(FilterExpression.newBuilder()
          .setFilter(filter.clone().setFieldName("pagePath"))).build();
      outcome(problems, "dimensionFilter " + f.getJsonName(), true,
          () -> client.runReport(pastReport().setDimensionFilter(e).build()));
    }
    FilterExpression and = FilterExpression.newBuilder().setAndGroup(FilterExpressionList.newBuilder()
        .addExpressions(FilterExpression.newBuilder().setFilter(filters.get("numeric_filter").clone()
            .setFieldName("eventCount")))
        .addExpressions(FilterExpression.newBuilder().setFilter(filters.get("between_filter").clone()
            .setFieldName("totalUsers")))).build();
    outcome(problems, "metricFilter andGroup", true, () -> client.runReport(pastReport().setMetricFilter(and).build()));
    for (EnumValueDescriptor v : Filter.StringFilter.MatchType.getDescriptor().getValues()) {
      Filter.StringFilter.MatchType t = Filter.StringFilter.MatchType.forNumber(v.getNumber());
      outcome(problems, "matchType " + v.getName(), true, () -> client.runReport(pastReport().setDimensionFilter(
          FilterExpression.newBuilder().setFilter(Filter.newBuilder().setFieldName("pagePath").setStringFilter(
              Filter.StringFilter.newBuilder().setMatchType(t).setValue("/p")))).build()));
    }
    for (EnumValueDescriptor v : Filter.NumericFilter.Operation.getDescriptor().getValues()) {
      Filter.NumericFilter.Operation op = Filter.NumericFilter.Operation.forNumber(v.getNumber());
      // The unspecified operation is no comparison: refused.
      outcome(problems, v.getNumber() == 0 ? "metricFilter.filter.numericFilter.operation" : "operation " + v.getName(),
          v.getNumber() != 0, () -> client.runReport(pastReport().setMetricFilter(FilterExpression.newBuilder()
              .setFilter(Filter.newBuilder().setFieldName("eventCount").setNumericFilter(Filter.NumericFilter
                  .newBuilder().setOperation(op).setValue(NumericValue.newBuilder().setInt64Value(3))))).build()));
    }
    for (EnumValueDescriptor v : OrderBy.DimensionOrderBy.OrderType.getDescriptor().getValues()) {
      OrderBy.DimensionOrderBy.OrderType t = OrderBy.DimensionOrderBy.OrderType.forNumber(v.getNumber());
      outcome(problems, "orderType " + v.getName(), true, () -> client.runReport(pastReport()
          .addDimensions(Dimension.newBuilder().setName("pagePath")).addOrderBys(OrderBy.newBuilder().setDimension(
              OrderBy.DimensionOrderBy.newBuilder().setDimensionName("pagePath").setOrderType(t))).build()));
    }
    for (EnumValueDescriptor v : MetricAggregation.getDescriptor().getValues()) {
      MetricAggregation a = MetricAggregation.forNumber(v.getNumber());
      boolean answered = a == MetricAggregation.TOTAL || a == MetricAggregation.MAXIMUM || a == MetricAggregation.MINIMUM;
      outcome(problems, answered ? "metricAggregations " + v.getName() : "metricAggregations[0]", answered,
          () -> client.runReport(pastReport().addMetricAggregations(a).build()));
    }
    outcome(problems, "orderBys[0].pivot", false, () -> client.runReport(pastReport().addOrderBys(OrderBy.newBuilder()
        .setPivot(OrderBy.PivotOrderBy.newBuilder().setMetricName("eventCount"))).build()));
    assertThat(problems).isEmpty();
  }

  /** Every field of RunReportResponse but the property quota (returnPropertyQuota is refused) is filled. */
  @Test
  void everyRunReportResponseFieldIsFilled() {
    RunReportResponse r = client.runReport(pastReport().addDimensions(Dimension.newBuilder().setName("country"))
        .addMetricAggregations(MetricAggregation.TOTAL).addMetricAggregations(MetricAggregation.MAXIMUM)
        .addMetricAggregations(MetricAggregation.MINIMUM).build());
    Set<String> notFilled = new HashSet<>();
    for (FieldDescriptor f : RunReportResponse.getDescriptor().getFields()) {
      boolean filled = f.isRepeated() ? r.getRepeatedFieldCount(f) > 0 : r.hasField(f);
      if (!filled) {
        notFilled.add(f.getName());
      }
    }
    assertThat(notFilled).containsExactly("property_quota");
  }

  /** Runs {@code call}; a problem unless it answers (when {@code answered}) or is refused naming {@code name}. */
  private static void outcome(List<String> problems, String name, boolean answered, Runnable call) {
    try {
      call.run();
      if (!answered) {
        problems.add(name + ": answered, but Beacon does not implement it: it must be refused");
      }
    } catch (InvalidArgumentException e) {
      String body = e.getCause() == null ? e.getMessage() : e.getCause().getMessage();
      if (answered) {
        problems.add(name + ": refused: " + body);
      } else if (!body.contains("\"field\": \"" + name + "\"") && !body.contains("\"field\":\"" + name + "\"")) {
        problems.add(name + ": refused without naming it: " + body);
      }
    } catch (ApiException e) {
      problems.add(name + ": " + e.getStatusCode().getCode() + " " + (e.getCause() == null ? e.getMessage()
          : e.getCause().getMessage()));
    }
  }
}
