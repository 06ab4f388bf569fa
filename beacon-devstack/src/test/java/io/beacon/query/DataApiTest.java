package io.beacon.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.devstack.LocalStack;
import io.beacon.model.Hit;
import io.beacon.model.aggregation.Aggregator;
import io.beacon.testing.AggregateSeeder;
import io.beacon.testing.ApiClient;
import io.beacon.testing.Dashboard;
import io.beacon.testing.NodeProcess;
import io.beacon.testing.NodeProcess.Cluster;
import io.beacon.testing.RealStack;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The GA4 Data API v1beta of a real node ({@code /v1beta/properties/{id}:runReport} and friends) over aggregates
 * in the real Cassandra: every feature Beacon added for it (metricFilter with each operation, numeric, between and
 * empty dimension filters, metricAggregations, orderBys with each orderType, offset/limit paging, four date ranges,
 * keepEmptyRows) checked against an answer computed here from the same generated hits with plain loops and exact
 * sets, written from Google's documentation of the fields and docs/analytics-model.md (never with Beacon's report
 * code); and the errors in Google's shape.
 */
@ExtendWith(RealStack.class)
class DataApiTest {
  private static final String PROPERTY = "B-DATAAPI1";
  private static final ZoneId ZONE = ZoneId.of("Europe/Berlin");
  private static final LocalDate D1 = LocalDate.of(2026, 5, 4);
  private static final int DAYS = 5;
  private static final LocalDate D5 = D1.plusDays(DAYS - 1);
  private static final String ADMIN = "dataapi@example.com";
  private static final String ADMIN_PASSWORD = "a data api admin password";
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  /**
   * Page paths chosen to order differently by code point, case-insensitively and as numbers: numbers, upper and
   * lower case, U+FB01 (a BMP character above the surrogates) and an emoji beyond U+FFFF (UTF-16 order would put
   * it before U+FB01), and no path at all ("(not set)").
   */
  private static final List<String> PATHS = Arrays.asList("100", "25", "7.5", "-3", "/Zeta", "/alpha", "/Beta",
      "/\uFB01le", "/\uD83D\uDE00", "/\u00E9b\u00E8ne", null);
  private static final List<String> COUNTRIES = List.of("DE", "FR", "US", "JP");
  private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyyMMdd");
  private static final DateTimeFormatter DATE_HOUR = DateTimeFormatter.ofPattern("yyyyMMddHH");

  private static NodeProcess node;
  private static String token;
  /** The generated hits that count (bots left out, as the spec says). */
  private static List<Fact> facts;

  /** One counted event, with the dimension values the spec gives it. */
  private record Fact(LocalDate day, String dateHour, String path, String title, String country, String client,
      boolean view, boolean key) {}

  @BeforeAll
  static void seed(LocalStack stack) throws Exception {
    node = new NodeProcess("dataapi-node", stack, Cluster.fresh(2, 3_000), Map.of(
        "BEACON_NODE_VERTICLES_COLLECTOR_INSTANCES", "0", "BEACON_NODE_VERTICLES_BRIDGE_INSTANCES", "0",
        "BEACON_NODE_VERTICLES_QUERY_INSTANCES", "1", "BEACON_NODE_VERTICLES_RECOMPUTE_INSTANCES", "0",
        "BEACON_QUERY_ADMIN_EMAIL", ADMIN, "BEACON_QUERY_ADMIN_PASSWORD", ADMIN_PASSWORD)).start();
    node.awaitReady(Duration.ofSeconds(150));
    List<Hit> hits = generate(1500);
    Aggregator agg = new Aggregator(p -> ZONE);
    io.beacon.testing.Scoping.scopeAll(hits).forEach(s -> agg.add(s.hit(), s.scope()));
    AggregateSeeder.write(stack, agg, cql -> cql.execute("INSERT INTO properties (property_id, name, time_zone) VALUES ('"
        + PROPERTY + "', 'Data API test', '" + ZONE + "')"));
    facts = new ArrayList<>();
    for (Hit h : hits) {
      if (Boolean.TRUE.equals(h.isBot())) {
        continue;
      }
      ZonedDateTime t = Instant.ofEpochMilli(h.ts()).atZone(ZONE);
      facts.add(new Fact(t.toLocalDate(), DATE_HOUR.format(t), h.pagePath() == null ? "(not set)" : h.pagePath(),
          h.pageTitle() == null ? "(not set)" : h.pageTitle(), h.country(), h.clientId(),
          "page_view".equals(h.eventName()), h.keyEvent()));
    }
    Dashboard admin = Dashboard.login(node.queryPort, ADMIN, ADMIN_PASSWORD);
    HttpResponse<String> t = admin.post("/api/v1/tokens", "{\"name\":\"data api test\"}");
    assertThat(t.statusCode()).as(t.body()).isEqualTo(201);
    token = new JsonObject(t.body()).getString("token");
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  /**
   * Hits over five local days: 60 clients, eleven page paths (purchases, the key events, only on the first four),
   * titles on three hits in four, some bots.
   */
  private static List<Hit> generate(int n) {
    Random rnd = new Random(17);
    long start = D1.atStartOfDay(ZONE).toInstant().toEpochMilli();
    long span = D5.plusDays(1).atStartOfDay(ZONE).toInstant().toEpochMilli() - start;
    List<Hit> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int client = rnd.nextInt(60);
      // Skewed, so paths differ in their counts.
      int p = Math.min(PATHS.size() - 1, (int) Math.floor(Math.abs(rnd.nextGaussian()) * 4));
      boolean purchase = p < 4 && rnd.nextInt(4) == 0;
      String event = purchase ? "purchase" : rnd.nextInt(3) > 0 ? "page_view" : "scroll";
      out.add(Hit.builder()
          .propertyId(PROPERTY)
          .clientId("c" + client)
          .requestId("r" + i)
          .sessionId("s" + client + "-" + rnd.nextInt(3))
          .sessionNumber(1)
          .ts(start + (long) (rnd.nextDouble() * span))
          .receivedAt(0)
          .eventName(event)
          .engagementMs((long) rnd.nextInt(5000))
          .sessionEngaged(false)
          .keyEvent(purchase)
          .firstVisit(false)
          .sessionStart(false)
          .hostname("example.com")
          .pagePath(PATHS.get(p))
          .pageTitle(rnd.nextInt(4) == 0 ? null : "Title " + (p % 3))
          .deviceCategory("desktop")
          .browser("Chrome")
          .os("Linux")
          .country(COUNTRIES.get(client % COUNTRIES.size()))
          .isBot(rnd.nextInt(25) == 0)
          .protocol("test")
          .schemaVersion(Hit.SCHEMA_VERSION)
          .build());
    }
    return out;
  }

  // ---- the independent answer

  /** Expected metrics of one row: eventCount, screenPageViews, keyEvents, totalUsers (exact distinct clients). */
  private static final class Counts {
    long events;
    long views;
    long keys;
    final Set<String> users = new HashSet<>();

    void add(Fact f) {
      events++;
      views += f.view ? 1 : 0;
      keys += f.key ? 1 : 0;
      users.add(f.client);
    }

    long get(String metric) {
      return switch (metric) {
        case "eventCount" -> events;
        case "screenPageViews" -> views;
        case "keyEvents" -> keys;
        case "totalUsers" -> users.size();
        default -> throw new IllegalArgumentException(metric);
      };
    }
  }

  private static Map<String, Counts> by(java.util.function.Function<Fact, String> key, Predicate<Fact> where) {
    Map<String, Counts> out = new TreeMap<>();
    for (Fact f : facts) {
      if (where.test(f)) {
        out.computeIfAbsent(key.apply(f), k -> new Counts()).add(f);
      }
    }
    return out;
  }

  private static Predicate<Fact> between(LocalDate from, LocalDate to) {
    return f -> !f.day.isBefore(from) && !f.day.isAfter(to);
  }

  private static final Predicate<Fact> ALL = between(D1, D5);

  /** GA's ALPHANUMERIC: by Unicode code point. */
  private static int byCodePoints(String a, String b) {
    return Arrays.compare(a.codePoints().toArray(), b.codePoints().toArray());
  }

  private static final Pattern NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?");

  /** GA's NUMERIC: a number, or null ("all have equal ordering value below all numeric values"). */
  private static BigDecimal number(String v) {
    return NUMBER.matcher(v).matches() ? new BigDecimal(v) : null;
  }

  // ---- calls

  private static HttpResponse<String> call(String method, String path, String body, String bearer) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.queryPort + path))
        .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json");
    if (bearer != null) {
      b.header("Authorization", "Bearer " + bearer);
    }
    return HTTP.send(b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonObject report(JsonObject body) throws Exception {
    HttpResponse<String> r = call("POST", "/v1beta/properties/" + PROPERTY + ":runReport", body.encode(), token);
    assertThat(r.statusCode()).as(body.encode() + " -> " + r.body()).isEqualTo(200);
    return new JsonObject(r.body());
  }

  private static JsonObject request(String dimension, String... metrics) {
    JsonArray m = new JsonArray();
    for (String name : metrics) {
      m.add(new JsonObject().put("name", name));
    }
    JsonObject body = new JsonObject().put("dateRanges", new JsonArray().add(range(D1, D5, null))).put("metrics", m);
    if (dimension != null) {
      body.put("dimensions", new JsonArray().add(new JsonObject().put("name", dimension)));
    }
    return body;
  }

  private static JsonObject range(LocalDate from, LocalDate to, String name) {
    JsonObject r = new JsonObject().put("startDate", from.toString()).put("endDate", to.toString());
    return name == null ? r : r.put("name", name);
  }

  private static JsonObject numeric(String field, Object operation, JsonObject value) {
    return new JsonObject().put("filter", new JsonObject().put("fieldName", field)
        .put("numericFilter", new JsonObject().put("operation", operation).put("value", value)));
  }

  private static JsonObject int64(long v) {
    return new JsonObject().put("int64Value", Long.toString(v)); // as Google's clients write int64: a string
  }

  private static JsonObject group(String kind, JsonObject... parts) {
    JsonArray a = new JsonArray();
    for (JsonObject p : parts) {
      a.add(p);
    }
    return new JsonObject().put(kind, new JsonObject().put("expressions", a));
  }

  /** Each row as "dimension values joined by |" -> metric values (longs), in answer order. */
  private static LinkedHashMap<String, List<Long>> rows(JsonArray rows) {
    LinkedHashMap<String, List<Long>> out = new LinkedHashMap<>();
    for (Object o : rows == null ? new JsonArray() : rows) {
      JsonObject row = (JsonObject) o;
      List<String> dv = row.getJsonArray("dimensionValues").stream().map(v -> ((JsonObject) v).getString("value")).toList();
      List<Long> mv = row.getJsonArray("metricValues").stream()
          .map(v -> Long.parseLong(((JsonObject) v).getString("value"))).toList();
      assertThat(out.put(String.join("|", dv), mv)).as("row %s twice", dv).isNull();
    }
    return out;
  }

  private static Map<String, List<Long>> expected(Map<String, Counts> counts, String... metrics) {
    Map<String, List<Long>> out = new LinkedHashMap<>();
    counts.forEach((k, c) -> out.put(k, Arrays.stream(metrics).map(c::get).toList()));
    return out;
  }

  // ---- the tests

  @Test
  void metricFilterKeepsTheRowsEachOperationSelects() throws Exception {
    Map<String, Counts> byPath = by(Fact::path, ALL);
    List<Long> counts = byPath.values().stream().map(c -> c.events).sorted().toList();
    long median = counts.get(counts.size() / 2);
    Map<String, Predicate<Long>> ops = new LinkedHashMap<>();
    ops.put("EQUAL", v -> v == median);
    ops.put("LESS_THAN", v -> v < median);
    ops.put("LESS_THAN_OR_EQUAL", v -> v <= median);
    ops.put("GREATER_THAN", v -> v > median);
    ops.put("GREATER_THAN_OR_EQUAL", v -> v >= median);
    int number = 1;
    for (Map.Entry<String, Predicate<Long>> op : ops.entrySet()) {
      // Every other operation by its enum number, as Google's REST clients send enums.
      Object operation = number % 2 == 0 ? number : op.getKey();
      JsonObject answer = report(request("pagePath", "eventCount", "totalUsers")
          .put("metricFilter", numeric("eventCount", operation, int64(median))));
      Map<String, List<Long>> want = new TreeMap<>();
      byPath.forEach((path, c) -> {
        if (op.getValue().test(c.events)) {
          want.put(path, List.of(c.events, (long) c.users.size()));
        }
      });
      assertThat(new TreeMap<>(rows(answer.getJsonArray("rows")))).as(op.getKey()).isEqualTo(want);
      assertThat(answer.getInteger("rowCount")).isEqualTo(want.size());
      number++;
    }

    // betweenFilter (doubles, inclusive), a metric the request does not show, and/or/not.
    List<Long> users = byPath.values().stream().map(c -> (long) c.users.size()).sorted().toList();
    long lo = users.get(1);
    long hi = users.get(users.size() - 2);
    long views = byPath.values().stream().mapToLong(c -> c.views).sorted().toArray()[byPath.size() / 3];
    JsonObject filter = group("orGroup",
        numeric("eventCount", "GREATER_THAN", int64(counts.get(counts.size() - 2))),
        group("andGroup",
            new JsonObject().put("filter", new JsonObject().put("fieldName", "totalUsers").put("betweenFilter",
                new JsonObject().put("fromValue", new JsonObject().put("doubleValue", lo - 0.5))
                    .put("toValue", new JsonObject().put("doubleValue", (double) hi)))),
            new JsonObject().put("notExpression",
                numeric("screenPageViews", "LESS_THAN_OR_EQUAL", new JsonObject().put("doubleValue", views)))));
    JsonObject answer = report(request("pagePath", "eventCount", "totalUsers").put("metricFilter", filter));
    Map<String, List<Long>> want = new TreeMap<>();
    byPath.forEach((path, c) -> {
      boolean top = c.events > counts.get(counts.size() - 2);
      boolean mid = c.users.size() >= lo - 0.5 && c.users.size() <= hi && !(c.views <= views);
      if (top || mid) {
        want.put(path, List.of(c.events, (long) c.users.size()));
      }
    });
    assertThat(want).as("a filter that keeps some rows and drops others").isNotEmpty().hasSizeLessThan(byPath.size());
    assertThat(new TreeMap<>(rows(answer.getJsonArray("rows")))).isEqualTo(want);
  }

  @Test
  void numericBetweenAndEmptyDimensionFilters() throws Exception {
    // numericFilter on a date (GA's "numeric or date values").
    JsonObject onDate = report(request("date", "eventCount").put("dimensionFilter",
        numeric("date", "GREATER_THAN_OR_EQUAL", int64(Long.parseLong(DATE.format(D1.plusDays(2)))))));
    assertThat(rows(onDate.getJsonArray("rows"))).isEqualTo(expected(
        by(f -> DATE.format(f.day), between(D1.plusDays(2), D5)), "eventCount"));

    // betweenFilter: only the paths that are numbers can match.
    JsonObject numbers = report(request("pagePath", "eventCount").put("dimensionFilter", new JsonObject()
        .put("filter", new JsonObject().put("fieldName", "pagePath").put("betweenFilter", new JsonObject()
            .put("fromValue", int64(-5)).put("toValue", new JsonObject().put("doubleValue", 30))))));
    Map<String, Counts> want = by(Fact::path, ALL.and(f -> number(f.path) != null
        && number(f.path).compareTo(BigDecimal.valueOf(-5)) >= 0 && number(f.path).compareTo(BigDecimal.valueOf(30)) <= 0));
    assertThat(want.keySet()).containsExactlyInAnyOrder("25", "7.5", "-3");
    assertThat(new TreeMap<>(rows(numbers.getJsonArray("rows")))).isEqualTo(expected(want, "eventCount"));

    // emptyFilter: "(not set)" (no title), and its negation.
    JsonObject empty = new JsonObject().put("filter", new JsonObject().put("fieldName", "pageTitle")
        .put("emptyFilter", new JsonObject()));
    assertThat(rows(report(request("pageTitle", "eventCount").put("dimensionFilter", empty)).getJsonArray("rows")))
        .isEqualTo(expected(by(Fact::title, ALL.and(f -> f.title.equals("(not set)"))), "eventCount"));
    assertThat(new TreeMap<>(rows(report(request("pageTitle", "eventCount")
        .put("dimensionFilter", new JsonObject().put("notExpression", empty))).getJsonArray("rows"))))
        .isEqualTo(expected(by(Fact::title, ALL.and(f -> !f.title.equals("(not set)"))), "eventCount"));
  }

  @Test
  void aggregationsAreTotalsMaximumsAndMinimumsPerDateRange() throws Exception {
    JsonObject body = request("pagePath", "eventCount", "totalUsers", "screenPageViews")
        .put("dateRanges", new JsonArray().add(range(D1, D1.plusDays(1), null)).add(range(D1.plusDays(1), D5, null)))
        .put("metricAggregations", new JsonArray().add("TOTAL").add(6).add("MINIMUM"));
    JsonObject answer = report(body);
    List<Predicate<Fact>> ranges = List.of(between(D1, D1.plusDays(1)), between(D1.plusDays(1), D5));
    Map<String, List<Long>> totals = new LinkedHashMap<>();
    Map<String, List<Long>> max = new LinkedHashMap<>();
    Map<String, List<Long>> min = new LinkedHashMap<>();
    for (int r = 0; r < 2; r++) {
      String name = "date_range_" + r;
      Counts all = new Counts();
      facts.stream().filter(ranges.get(r)).forEach(all::add);
      // Distinct users de-duplicated across the rows, not their sum.
      totals.put("RESERVED_TOTAL|" + name, List.of(all.events, (long) all.users.size(), all.views));
      Map<String, Counts> rows = by(Fact::path, ranges.get(r));
      List<Long> hi = new ArrayList<>();
      List<Long> lo = new ArrayList<>();
      for (String m : List.of("eventCount", "totalUsers", "screenPageViews")) {
        hi.add(rows.values().stream().mapToLong(c -> c.get(m)).max().orElseThrow());
        lo.add(rows.values().stream().mapToLong(c -> c.get(m)).min().orElseThrow());
      }
      max.put("RESERVED_MAX|" + name, hi);
      min.put("RESERVED_MIN|" + name, lo);
    }
    assertThat(rows(answer.getJsonArray("totals"))).isEqualTo(totals);
    assertThat(rows(answer.getJsonArray("maximums"))).isEqualTo(max);
    assertThat(rows(answer.getJsonArray("minimums"))).isEqualTo(min);
    long summed = by(Fact::path, ranges.get(1)).values().stream().mapToLong(c -> c.users.size()).sum();
    assertThat(totals.get("RESERVED_TOTAL|date_range_1").get(1)).as("the test needs users on several paths")
        .isLessThan(summed);

    // Totals are over the report's rows: those the metricFilter keeps (like SQL's HAVING).
    long threshold = by(Fact::path, ALL).values().stream().mapToLong(c -> c.events).sorted().toArray()[5];
    JsonObject filtered = report(request("pagePath", "eventCount", "totalUsers")
        .put("metricFilter", numeric("eventCount", "GREATER_THAN", int64(threshold)))
        .put("metricAggregations", new JsonArray().add("TOTAL")));
    Set<String> kept = new HashSet<>();
    by(Fact::path, ALL).forEach((p, c) -> {
      if (c.events > threshold) {
        kept.add(p);
      }
    });
    Counts total = new Counts();
    facts.stream().filter(ALL.and(f -> kept.contains(f.path))).forEach(total::add);
    assertThat(rows(filtered.getJsonArray("totals"))).containsExactly(
        Map.entry("RESERVED_TOTAL", List.of(total.events, (long) total.users.size())));
    assertThat(filtered.containsKey("maximums")).isFalse();
  }

  @Test
  void dimensionOrderTypesAndMetricOrder() throws Exception {
    List<String> paths = new ArrayList<>(by(Fact::path, ALL).keySet());
    Map<String, Comparator<String>> types = new LinkedHashMap<>();
    types.put("ALPHANUMERIC", DataApiTest::byCodePoints);
    types.put("CASE_INSENSITIVE_ALPHANUMERIC",
        (a, b) -> byCodePoints(a.toLowerCase(Locale.ROOT), b.toLowerCase(Locale.ROOT)));
    for (Map.Entry<String, Comparator<String>> type : types.entrySet()) {
      for (boolean desc : List.of(false, true)) {
        List<String> want = new ArrayList<>(paths);
        want.sort(desc ? type.getValue().reversed() : type.getValue());
        JsonObject answer = report(request("pagePath", "eventCount").put("orderBys", new JsonArray().add(new JsonObject()
            .put("dimension", new JsonObject().put("dimensionName", "pagePath").put("orderType", type.getKey()))
            .put("desc", desc))));
        assertThat(new ArrayList<>(rows(answer.getJsonArray("rows")).keySet())).as(type.getKey() + " desc " + desc)
            .isEqualTo(want);
      }
    }
    assertThat(byCodePoints("/\uFB01le", "/\uD83D\uDE00")).as("code point order differs from UTF-16's here").isNegative();
    assertThat("/\uFB01le".compareTo("/\uD83D\uDE00")).isPositive();

    // NUMERIC (by its enum number, 3): every non-number first (equal among them), then the numbers ascending.
    for (boolean desc : List.of(false, true)) {
      JsonObject answer = report(request("pagePath", "eventCount").put("orderBys", new JsonArray().add(new JsonObject()
          .put("dimension", new JsonObject().put("dimensionName", "pagePath").put("orderType", 3)).put("desc", desc))));
      List<String> got = new ArrayList<>(rows(answer.getJsonArray("rows")).keySet());
      if (desc) {
        java.util.Collections.reverse(got);
      }
      List<String> nonNumbers = paths.stream().filter(p -> number(p) == null).toList();
      List<String> numbers = paths.stream().filter(p -> number(p) != null).sorted(Comparator.comparing(DataApiTest::number))
          .toList();
      assertThat(got.subList(0, nonNumbers.size())).containsExactlyInAnyOrderElementsOf(nonNumbers);
      assertThat(got.subList(nonNumbers.size(), got.size())).isEqualTo(numbers);
      assertThat(numbers).startsWith("-3", "7.5", "25", "100");
    }

    // By a metric, descending: the expected counts in non-increasing order.
    JsonObject byCount = report(request("pagePath", "eventCount").put("orderBys", new JsonArray()
        .add(new JsonObject().put("metric", new JsonObject().put("metricName", "eventCount")).put("desc", true))));
    List<Long> counts = rows(byCount.getJsonArray("rows")).values().stream().map(v -> v.get(0)).toList();
    assertThat(counts).isSortedAccordingTo(Comparator.reverseOrder())
        .containsExactlyInAnyOrderElementsOf(by(Fact::path, ALL).values().stream().map(c -> c.events).toList());
  }

  @Test
  void offsetAndLimitPageThroughEveryRowWithTheirRowCount() throws Exception {
    Map<String, List<Long>> want = expected(by(f -> f.dateHour, ALL), "eventCount");
    assertThat(want.size()).isGreaterThan(100);
    JsonObject body = request("dateHour", "eventCount").put("orderBys", new JsonArray().add(new JsonObject()
        .put("dimension", new JsonObject().put("dimensionName", "dateHour"))));
    LinkedHashMap<String, List<Long>> paged = new LinkedHashMap<>();
    int pages = 0;
    for (int offset = 0; ; offset += 7) {
      JsonObject page = report(body.copy().put("offset", Integer.toString(offset)).put("limit", "7"));
      assertThat(page.getInteger("rowCount")).isEqualTo(want.size());
      LinkedHashMap<String, List<Long>> rows = rows(page.getJsonArray("rows"));
      if (rows.isEmpty()) {
        break;
      }
      assertThat(rows.size()).isLessThanOrEqualTo(7);
      paged.putAll(rows);
      pages++;
    }
    assertThat(pages).isEqualTo((want.size() + 6) / 7);
    assertThat(new ArrayList<>(paged.entrySet())).isEqualTo(new ArrayList<>(want.entrySet())); // TreeMap: ascending
    JsonObject whole = report(body.copy().put("limit", 0)); // 0 is "unspecified": 10,000
    assertThat(rows(whole.getJsonArray("rows"))).isEqualTo(paged);
  }

  @Test
  void fourDateRangesEachWithItsDateRangeValue() throws Exception {
    List<LocalDate[]> ranges = List.of(new LocalDate[] {D1, D1}, new LocalDate[] {D1.plusDays(1), D1.plusDays(2)},
        new LocalDate[] {D1, D5}, new LocalDate[] {D5, D5});
    List<String> names = List.of("first", "date_range_1", "date_range_2", "last");
    JsonArray dr = new JsonArray();
    for (int i = 0; i < 4; i++) {
      dr.add(range(ranges.get(i)[0], ranges.get(i)[1], names.get(i).startsWith("date_range_") ? null : names.get(i)));
    }
    JsonObject answer = report(request("country", "eventCount", "totalUsers").put("dateRanges", dr));
    assertThat(answer.getJsonArray("dimensionHeaders").stream().map(h -> ((JsonObject) h).getString("name")).toList())
        .containsExactly("country", "dateRange");
    Map<String, List<Long>> want = new TreeMap<>();
    for (int i = 0; i < 4; i++) {
      String name = names.get(i);
      // Overlapping ranges each count the shared days.
      by(Fact::country, between(ranges.get(i)[0], ranges.get(i)[1])).forEach((c, counts) ->
          want.put(c + "|" + name, List.of(counts.events, (long) counts.users.size())));
    }
    assertThat(new TreeMap<>(rows(answer.getJsonArray("rows")))).isEqualTo(want);

    HttpResponse<String> five = call("POST", "/v1beta/properties/" + PROPERTY + ":runReport",
        request("country", "eventCount").put("dateRanges", dr.copy().add(range(D1, D1, "fifth"))).encode(), token);
    assertError(five, 400, "INVALID_ARGUMENT", "dateRanges");
  }

  @Test
  void keepEmptyRowsKeepsTheRowsWhoseMetricsAreAllZero() throws Exception {
    Map<String, Counts> byPath = by(Fact::path, ALL);
    Map<String, List<Long>> withKeys = new TreeMap<>();
    Map<String, List<Long>> every = new TreeMap<>();
    byPath.forEach((p, c) -> {
      every.put(p, List.of(c.keys));
      if (c.keys > 0) {
        withKeys.put(p, List.of(c.keys));
      }
    });
    assertThat(withKeys.size()).as("some paths have no key events").isLessThan(every.size()).isPositive();
    assertThat(new TreeMap<>(rows(report(request("pagePath", "keyEvents")).getJsonArray("rows")))).isEqualTo(withKeys);
    assertThat(new TreeMap<>(rows(report(request("pagePath", "keyEvents").put("keepEmptyRows", true))
        .getJsonArray("rows")))).isEqualTo(every);
  }

  private static void assertError(HttpResponse<String> r, int code, String status, String field) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(code);
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertThat(error.getInteger("code")).isEqualTo(code);
    assertThat(error.getString("status")).isEqualTo(status);
    assertThat(error.getString("message")).isNotBlank();
    if (field != null) {
      assertThat(error.getString("field")).as(r.body()).isEqualTo(field);
      assertThat(error.getString("message")).startsWith(field);
    }
  }

  @Test
  void everyUnsupportedFieldIsRefusedByNameInGooglesErrorShape() throws Exception {
    String path = "/v1beta/properties/" + PROPERTY + ":runReport";
    Map<String, JsonObject> refused = new LinkedHashMap<>();
    refused.put("cohortSpec", request(null, "eventCount").put("cohortSpec", new JsonObject()));
    refused.put("comparisons", request(null, "eventCount").put("comparisons", new JsonArray().add(new JsonObject()
        .put("comparison", "x"))));
    refused.put("returnPropertyQuota", request(null, "eventCount").put("returnPropertyQuota", true));
    refused.put("metricAggregations[0]", request(null, "eventCount").put("metricAggregations", new JsonArray().add("COUNT")));
    refused.put("orderBys[0].pivot", request(null, "eventCount").put("orderBys", new JsonArray().add(new JsonObject()
        .put("pivot", new JsonObject().put("metricName", "eventCount")))));
    refused.put("metrics[0].expression", request(null, "eventCount").put("metrics", new JsonArray()
        .add(new JsonObject().put("name", "eventCount").put("expression", "eventCount/2"))));
    refused.put("dimensions[0].dimensionExpression", request("country", "eventCount").put("dimensions", new JsonArray()
        .add(new JsonObject().put("name", "x").put("dimensionExpression", new JsonObject()))));
    refused.put("samplingLevel", request(null, "eventCount").put("samplingLevel", "LARGE"));
    refused.put("metricFilter.filter.stringFilter", request(null, "eventCount").put("metricFilter", new JsonObject()
        .put("filter", new JsonObject().put("fieldName", "eventCount").put("stringFilter",
            new JsonObject().put("value", "1")))));
    refused.put("metricFilter.filter.fieldName", request(null, "eventCount")
        .put("metricFilter", numeric("country", "EQUAL", int64(1))));
    refused.put("dimensionFilter.filter.numericFilter.operation", request(null, "eventCount")
        .put("dimensionFilter", numeric("date", "ROUGHLY", int64(1))));
    refused.put("property", request(null, "eventCount").put("property", "properties/B-OTHER"));
    for (Map.Entry<String, JsonObject> e : refused.entrySet()) {
      assertError(call("POST", path, e.getValue().encode(), token), 400, "INVALID_ARGUMENT", e.getKey());
    }
    // snake_case names, as proto JSON parsers take them, and a request that names its own property.
    JsonObject snake = new JsonObject().put("property", "properties/" + PROPERTY)
        .put("date_ranges", new JsonArray().add(new JsonObject().put("start_date", D1.toString()).put("end_date", D5.toString())))
        .put("metrics", new JsonArray().add(new JsonObject().put("name", "eventCount")))
        .put("keep_empty_rows", true);
    HttpResponse<String> ok = call("POST", path, snake.encode(), token);
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    assertThat(rows(new JsonObject(ok.body()).getJsonArray("rows")).values())
        .containsExactly(List.of((long) facts.size()));

    assertError(call("POST", path, request(null, "eventCount").encode(), null), 401, "UNAUTHENTICATED", null);
    assertError(call("POST", path, request(null, "eventCount").encode(), "bk_not-a-token"), 401, "UNAUTHENTICATED", null);
    assertError(call("POST", "/v1beta/properties/B-NOSUCH:runReport", request(null, "eventCount").encode(), token),
        404, "NOT_FOUND", null);
    assertError(call("POST", "/v1beta/properties/" + PROPERTY + ":runPivotReport", "{}", token), 400,
        "INVALID_ARGUMENT", "pivots");
    assertError(call("POST", "/v1beta/properties/" + PROPERTY + ":batchRunPivotReports", "{}", token), 501,
        "UNIMPLEMENTED", null);
    // A user without a role on the property.
    ApiClient admin = new ApiClient(node.queryPort, token);
    String email = "outsider@example.com";
    assertThat(admin.post("/api/v1/admin/users", "{\"email\":\"" + email + "\",\"password\":\"an outsider's password\"}")
        .statusCode()).isEqualTo(201);
    Dashboard outsider = Dashboard.login(node.queryPort, email, "an outsider's password");
    String theirs = new JsonObject(outsider.post("/api/v1/tokens", "{\"name\":\"outsider\"}").body()).getString("token");
    assertError(call("POST", path, request(null, "eventCount").encode(), theirs), 403, "PERMISSION_DENIED", null);
    assertError(call("GET", "/v1beta/properties/" + PROPERTY + "/metadata", null, theirs), 403, "PERMISSION_DENIED", null);
  }

  @Test
  void batchCompatibilityAndMetadata() throws Exception {
    JsonObject a = request("country", "eventCount");
    JsonObject b = request(null, "totalUsers").put("property", "properties/" + PROPERTY);
    HttpResponse<String> batch = call("POST", "/v1beta/properties/" + PROPERTY + ":batchRunReports",
        new JsonObject().put("requests", new JsonArray().add(a).add(b)).encode(), token);
    assertThat(batch.statusCode()).as(batch.body()).isEqualTo(200);
    JsonArray reports = new JsonObject(batch.body()).getJsonArray("reports");
    assertThat(reports).hasSize(2);
    assertThat(new TreeMap<>(rows(reports.getJsonObject(0).getJsonArray("rows"))))
        .isEqualTo(expected(by(Fact::country, ALL), "eventCount"));
    assertThat(rows(reports.getJsonObject(1).getJsonArray("rows")).values())
        .containsExactly(List.of((long) by(f -> "", ALL).get("").users.size()));
    HttpResponse<String> bad = call("POST", "/v1beta/properties/" + PROPERTY + ":batchRunReports",
        new JsonObject().put("requests", new JsonArray().add(a).add(request(null, "visits"))).encode(), token);
    assertError(bad, 400, "INVALID_ARGUMENT", "requests[1].metrics[0].name");

    HttpResponse<String> compat = call("POST", "/v1beta/properties/" + PROPERTY + ":checkCompatibility",
        "{\"dimensions\":[{\"name\":\"customEvent:plan\"}],\"metrics\":[{\"name\":\"sessions\"}],\"compatibilityFilter\":1}",
        token);
    assertThat(compat.statusCode()).as(compat.body()).isEqualTo(200);
    JsonObject c = new JsonObject(compat.body());
    assertThat(c.getJsonArray("dimensionCompatibilities").stream().map(o -> ((JsonObject) o)
        .getJsonObject("dimensionMetadata").getString("apiName")).toList()).contains("customEvent:plan", "date", "country");
    assertThat(c.getJsonArray("metricCompatibilities")).isNotEmpty().allSatisfy(o ->
        assertThat(((JsonObject) o).getString("compatibility")).isEqualTo("COMPATIBLE"));
    assertError(call("POST", "/v1beta/properties/" + PROPERTY + ":checkCompatibility",
        "{\"metrics\":[{\"name\":\"visits\"}]}", token), 400, "INVALID_ARGUMENT", "metrics[0].name");

    for (String id : List.of(PROPERTY, "0")) {
      HttpResponse<String> meta = call("GET", "/v1beta/properties/" + id + "/metadata", null, token);
      assertThat(meta.statusCode()).as(meta.body()).isEqualTo(200);
      JsonObject m = new JsonObject(meta.body());
      assertThat(m.getString("name")).isEqualTo("properties/" + id + "/metadata");
      for (String list : List.of("dimensions", "metrics")) {
        assertThat(m.getJsonArray(list)).isNotEmpty().allSatisfy(o -> {
          JsonObject d = (JsonObject) o;
          assertThat(d.getString("uiName")).as(d.encode()).isNotBlank();
          assertThat(d.getString("description")).as(d.encode()).isNotBlank();
          assertThat(d.getString("category")).as(d.encode()).isNotBlank();
          assertThat(d.getBoolean("customDefinition")).as(d.encode()).isEqualTo(d.getString("apiName").startsWith("custom"));
        });
      }
    }
    assertError(call("GET", "/v1beta/properties/B-NOSUCH/metadata", null, token), 404, "NOT_FOUND", null);
  }
}
