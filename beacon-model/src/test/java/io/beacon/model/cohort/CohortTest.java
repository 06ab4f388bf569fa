package io.beacon.model.cohort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.beacon.model.Hit;
import io.beacon.model.report.InvalidRequestException;
import io.beacon.model.session.ClientHistory;
import io.beacon.model.session.SessionRules;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Cohort reports on hand-made persons, each expected number worked out by hand from docs/analytics-model.md,
 * "Retention cohorts" (2026-11-01 is a Sunday).
 */
class CohortTest {
  private static final ZoneId ZONE = ZoneId.of("Europe/Berlin");
  private static final LocalDate TODAY = LocalDate.of(2027, 3, 1);

  // ---- request helpers (GA4 JSON as Java maps) ----

  static Map<String, Object> cohort(String name, String start, String end) {
    Map<String, Object> c = new LinkedHashMap<>();
    if (name != null) {
      c.put("name", name);
    }
    c.put("dimension", "firstSessionDate");
    c.put("dateRange", Map.of("startDate", start, "endDate", end));
    return c;
  }

  static Map<String, Object> body(String granularity, int start, int end, List<Map<String, Object>> cohorts) {
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("cohorts", cohorts);
    spec.put("cohortsRange", Map.of("granularity", granularity, "startOffset", start, "endOffset", end));
    Map<String, Object> b = new LinkedHashMap<>();
    String nth = Granularity.valueOf(granularity).dimension;
    b.put("dimensions", List.of(Map.of("name", "cohort"), Map.of("name", nth)));
    b.put("metrics", List.of(Map.of("name", "cohortActiveUsers"), Map.of("name", "cohortTotalUsers")));
    b.put("cohortSpec", spec);
    b.put("keepEmptyRows", true);
    return b;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> spec(Map<String, Object> body) {
    return (Map<String, Object>) body.get("cohortSpec");
  }

  static CohortRequest parse(Map<String, Object> body) {
    return CohortRequest.parse(body, ZONE, TODAY, 1100);
  }

  /** Every person's hits through the engine, as recompute runs it: "known" holds recorded first visits. */
  static List<String> run(CohortRequest r, Map<String, List<Hit>> persons, Map<String, ClientHistory> known) {
    CohortActivity activity = new CohortActivity(r, SessionRules.GA4, ZONE);
    CohortTable table = new CohortTable(r);
    persons.forEach((client, hits) -> {
      CohortActivity.Outcome o = activity.evaluate(hits);
      table.add(o, o == null ? null : o.firstSessionDate(known.get(client), ZONE));
    });
    List<String> out = new ArrayList<>();
    table.rows().forEach(row -> out.add(row.cohort() + " " + row.nth() + " " + row.activeUsers() + "/"
        + row.totalUsers()));
    return out;
  }

  static List<String> run(CohortRequest r, Map<String, List<Hit>> persons) {
    return run(r, persons, Map.of());
  }

  // ---- hit helpers ----

  private int rid;

  static long at(String localDateTime) {
    return LocalDateTime.parse(localDateTime).atZone(ZONE).toInstant().toEpochMilli();
  }

  Hit hit(String client, String when, String event) {
    long ts = at(when);
    return Hit.builder().propertyId("P").clientId(client).requestId("r" + (rid++)).ts(ts).receivedAt(ts)
        .eventName(event).pagePath("/" + event).build();
  }

  Hit pv(String client, String when) {
    return hit(client, when, "page_view");
  }

  static Map<String, List<Hit>> persons(Hit... hits) {
    Map<String, List<Hit>> out = new LinkedHashMap<>();
    for (Hit h : hits) {
      out.computeIfAbsent(h.clientId(), k -> new ArrayList<>()).add(h);
    }
    return out;
  }

  // ---- cases ----

  @Test
  void dailyCohortsCountEachPersonOnTheDaysTheyReturn() {
    CohortRequest r = parse(body("DAILY", 0, 3, List.of(cohort(null, "2026-11-02", "2026-11-02"),
        cohort("tue", "2026-11-03", "2026-11-03"))));
    Map<String, List<Hit>> p = persons(
        pv("a", "2026-11-02T10:00"), pv("a", "2026-11-03T09:00"), pv("a", "2026-11-05T20:00"),
        pv("b", "2026-11-02T12:00"), pv("b", "2026-11-02T18:00"),
        pv("c", "2026-11-03T08:00"), pv("c", "2026-11-04T08:00"), pv("c", "2026-11-07T08:00"),
        pv("d", "2026-11-04T08:00")); // first seen on neither cohort's day
    assertThat(run(r, p)).containsExactly(
        "cohort_0 0000 2/2", "cohort_0 0001 1/2", "cohort_0 0002 0/2", "cohort_0 0003 1/2",
        "tue 0000 1/1", "tue 0001 1/1", "tue 0002 0/1", "tue 0003 0/1");
    // Offsets: the rows start at startOffset.
    CohortRequest later = parse(body("DAILY", 1, 2, List.of(cohort(null, "2026-11-02", "2026-11-02"))));
    assertThat(run(later, p)).containsExactly("cohort_0 0001 1/2", "cohort_0 0002 0/2");
    assertThat(later.readStart()).isEqualTo(LocalDate.of(2026, 11, 2));
    assertThat(later.readEnd()).isEqualTo(LocalDate.of(2026, 11, 5));
  }

  @Test
  void weeksRunSundayToSaturdayAndCountFromTheCohortsStartWeek() {
    // Week of Sun 2026-11-01 to Sat 11-07; a cohort of the whole week.
    CohortRequest r = parse(body("WEEKLY", 0, 2, List.of(cohort("w45", "2026-11-01", "2026-11-07"))));
    Map<String, List<Hit>> p = persons(
        pv("a", "2026-11-07T23:00"), pv("a", "2026-11-08T00:30"), // Saturday, then Sunday: weeks 0 and 1
        pv("b", "2026-11-01T00:10"), pv("b", "2026-11-21T23:59"), // Sunday, then the Saturday of week 2
        pv("c", "2026-11-08T10:00")); // first seen in week 1: not in the cohort
    assertThat(run(r, p)).containsExactly("w45 0000 2/2", "w45 0001 1/2", "w45 0002 1/2");
    assertThat(r.readEnd()).isEqualTo(LocalDate.of(2026, 11, 22));
    // A cohort starting mid-week: its week 0 is still the Sunday-to-Saturday week holding its start.
    CohortRequest wed = parse(body("WEEKLY", 0, 1, List.of(cohort("wed", "2026-11-04", "2026-11-10"))));
    assertThat(run(wed, persons(pv("x", "2026-11-07T10:00"), pv("x", "2026-11-08T10:00"),
        pv("y", "2026-11-09T10:00")))).containsExactly("wed 0000 1/2", "wed 0001 2/2");
  }

  @Test
  void monthsAreCalendarMonths() {
    CohortRequest r = parse(body("MONTHLY", 0, 2, List.of(cohort("jan", "2027-01-01", "2027-01-31"))));
    Map<String, List<Hit>> p = persons(
        pv("a", "2027-01-31T23:30"), pv("a", "2027-02-01T00:10"), // one session over midnight into February
        pv("b", "2027-01-02T10:00"), pv("b", "2027-03-31T22:00"),
        pv("c", "2027-02-01T10:00"));
    assertThat(run(r, p)).containsExactly("jan 0000 2/2", "jan 0001 1/2", "jan 0002 1/2");
    assertThat(r.readEnd()).isEqualTo(LocalDate.of(2027, 4, 1));
  }

  @Test
  void accumulateCountsAPersonFromTheirFirstActivePeriodOn() {
    Map<String, Object> b = body("DAILY", 1, 4, List.of(cohort(null, "2026-11-02", "2026-11-02")));
    spec(b).put("cohortReportSettings", Map.of("accumulate", true));
    Map<String, List<Hit>> p = persons(
        pv("a", "2026-11-02T10:00"), pv("a", "2026-11-04T10:00"),
        pv("b", "2026-11-02T10:00"), pv("b", "2026-11-03T10:00"), pv("b", "2026-11-06T10:00"),
        pv("c", "2026-11-02T10:00"));
    assertThat(run(parse(b), p)).containsExactly(
        "cohort_0 0001 1/3", "cohort_0 0002 2/3", "cohort_0 0003 2/3", "cohort_0 0004 2/3");
  }

  @Test
  void aSessionOverMidnightMakesItsPersonActiveOnBothDaysAndStartsOnTheFirst() {
    CohortRequest r = parse(body("DAILY", 0, 1, List.of(cohort(null, "2026-11-02", "2026-11-02"),
        cohort("next", "2026-11-03", "2026-11-03"))));
    Map<String, List<Hit>> p = persons(pv("a", "2026-11-02T23:50"), pv("a", "2026-11-03T00:10"));
    assertThat(run(r, p)).containsExactly("cohort_0 0000 1/1", "cohort_0 0001 1/1", "next 0000 0/0",
        "next 0001 0/0");
  }

  @Test
  void daysAreThePropertysLocalDays() {
    CohortRequest r = parse(body("DAILY", 0, 0, List.of(cohort(null, "2026-11-03", "2026-11-03"))));
    // 23:30 UTC on 11-02 is 00:30 on 11-03 in Berlin.
    long ts = LocalDateTime.parse("2026-11-02T23:30").atZone(ZoneId.of("UTC")).toInstant().toEpochMilli();
    Hit h = Hit.builder().propertyId("P").clientId("a").requestId("r").ts(ts).receivedAt(ts).eventName("page_view")
        .build();
    assertThat(run(r, persons(h))).containsExactly("cohort_0 0000 1/1");
  }

  @Test
  void arrivalOrderDoesNotMatter() {
    CohortRequest r = parse(body("DAILY", 0, 3, List.of(cohort(null, "2026-11-02", "2026-11-02"))));
    List<Hit> hits = new ArrayList<>(List.of(pv("a", "2026-11-02T10:00"), pv("a", "2026-11-03T10:00"),
        pv("a", "2026-11-05T10:00"), pv("a", "2026-11-02T10:05")));
    List<String> ordered = run(r, Map.of("a", hits));
    Random random = new Random(7);
    for (int i = 0; i < 20; i++) {
      Collections.shuffle(hits, random);
      assertThat(run(r, Map.of("a", new ArrayList<>(hits)))).isEqualTo(ordered);
    }
    assertThat(ordered).containsExactly("cohort_0 0000 1/1", "cohort_0 0001 1/1", "cohort_0 0002 0/1",
        "cohort_0 0003 1/1");
    // Arriving late, the earlier event still decides the cohort.
    CohortRequest two = parse(body("DAILY", 0, 0, List.of(cohort("d2", "2026-11-02", "2026-11-02"),
        cohort("d3", "2026-11-03", "2026-11-03"))));
    assertThat(run(two, persons(pv("b", "2026-11-03T10:00"), pv("b", "2026-11-02T10:00"))))
        .containsExactly("d2 0000 1/1", "d3 0000 0/0");
  }

  @Test
  void botsAreInNoCohortAndDoNotMakeAnyoneReturn() {
    CohortRequest r = parse(body("DAILY", 0, 1, List.of(cohort(null, "2026-11-02", "2026-11-02"))));
    Hit bot = pv("a", "2026-11-01T10:00").toBuilder().isBot(true).build();
    Hit botLater = pv("a", "2026-11-03T10:00").toBuilder().isBot(true).build();
    Hit onlyBot = pv("z", "2026-11-02T10:00").toBuilder().isBot(true).build();
    assertThat(run(r, persons(bot, pv("a", "2026-11-02T10:00"), botLater, onlyBot)))
        .containsExactly("cohort_0 0000 1/1", "cohort_0 0001 0/1");
  }

  @Test
  void aPersonFirstSeenBeforeTheirEarliestEventOfTheReadIsInNoCohort() {
    CohortRequest r = parse(body("DAILY", 0, 1, List.of(cohort(null, "2026-11-02", "2026-11-02"))));
    Map<String, List<Hit>> p = persons(pv("old", "2026-11-02T10:00"), pv("old", "2026-11-03T10:00"),
        pv("new", "2026-11-02T11:00"), pv("same", "2026-11-02T12:00"));
    Map<String, ClientHistory> known = Map.of(
        "old", new ClientHistory(at("2026-10-20T10:00"), null, null, null),
        // Recorded from the very event the read holds: first seen in the cohort.
        "same", new ClientHistory(at("2026-11-02T12:00"), null, null, null));
    assertThat(run(r, p, known)).containsExactly("cohort_0 0000 2/2", "cohort_0 0001 0/2");
  }

  @Test
  void returnOnCountsOnlyMatchingEventsAndTotalsStayTheCohortsSize() {
    Map<String, Object> b = body("DAILY", 0, 2, List.of(cohort(null, "2026-11-02", "2026-11-02")));
    spec(b).put("returnOn", Map.of("funnelEventFilter", Map.of("eventName", "purchase")));
    Map<String, List<Hit>> p = persons(
        pv("a", "2026-11-02T10:00"), hit("a", "2026-11-03T10:00", "purchase"),
        pv("b", "2026-11-02T10:00"), pv("b", "2026-11-03T10:00"), hit("b", "2026-11-04T10:00", "purchase"),
        hit("c", "2026-11-02T10:00", "purchase"));
    assertThat(run(parse(b), p)).containsExactly("cohort_0 0000 1/3", "cohort_0 0001 1/3", "cohort_0 0002 1/3");
  }

  @Test
  void firstSessionFilterKeepsThePersonsWhoseFirstEventMatches() {
    Map<String, Object> b = body("DAILY", 0, 1, List.of(cohort(null, "2026-11-02", "2026-11-02")));
    spec(b).put("firstSessionFilter", Map.of("filter", Map.of("fieldName", "pagePath",
        "stringFilter", Map.of("value", "/landing"))));
    Map<String, List<Hit>> p = persons(
        hit("a", "2026-11-02T10:00", "landing"), pv("a", "2026-11-03T10:00"),
        pv("b", "2026-11-02T10:00"), hit("b", "2026-11-02T10:01", "landing"), pv("b", "2026-11-03T10:00"));
    assertThat(run(parse(b), p)).containsExactly("cohort_0 0000 1/1", "cohort_0 0001 1/1");
  }

  @Test
  void overlappingCohortsShareTheirPersons() {
    CohortRequest r = parse(body("DAILY", 0, 0, List.of(cohort("two", "2026-11-02", "2026-11-03"),
        cohort("one", "2026-11-03", "2026-11-03"))));
    assertThat(run(r, persons(pv("a", "2026-11-03T10:00"), pv("b", "2026-11-02T10:00"))))
        .containsExactly("two 0000 1/2", "one 0000 1/1");
  }

  // ---- 400s, each naming the field ----

  private static void refused(Consumer<Map<String, Object>> change, String field) {
    Map<String, Object> b = body("WEEKLY", 0, 4, new ArrayList<>(List.of(cohort(null, "2026-11-01", "2026-11-07"))));
    change.accept(b);
    assertThatThrownBy(() -> parse(b)).isInstanceOf(InvalidRequestException.class)
        .satisfies(e -> assertThat(((InvalidRequestException) e).field()).isEqualTo(field));
  }

  @Test
  void everyUnsupportedOrWrongFieldIsRefusedByName() {
    refused(b -> b.put("dateRanges", List.of(Map.of("startDate", "2026-11-01", "endDate", "2026-11-02"))),
        "cohortSpec");
    refused(b -> b.put("cohortSpec", Map.of()), "cohortSpec");
    refused(b -> b.put("dimensionFilter", Map.of("filter", Map.of("fieldName", "country",
        "stringFilter", Map.of("value", "DE")))), "dimensionFilter");
    refused(b -> b.put("orderBys", List.of(Map.of("desc", true))), "orderBys");
    refused(b -> b.put("returnPropertyQuota", true), "returnPropertyQuota");
    refused(b -> b.put("dimensions", List.of(Map.of("name", "cohort"), Map.of("name", "cohortNthDay"))),
        "dimensions");
    refused(b -> b.put("dimensions", List.of(Map.of("name", "cohort"))), "dimensions");
    refused(b -> b.put("metrics", List.of(Map.of("name", "activeUsers"))), "metrics");
    refused(b -> b.put("metrics", List.of()), "metrics");
    refused(b -> spec(b).put("cohortsRange", Map.of("granularity", "WEEKLY")), "cohortSpec.cohortsRange.endOffset");
    refused(b -> spec(b).put("cohortsRange", Map.of("endOffset", 3)), "cohortSpec.cohortsRange.granularity");
    refused(b -> spec(b).put("cohortsRange", Map.of("granularity", "YEARLY", "endOffset", 3)),
        "cohortSpec.cohortsRange.granularity");
    refused(b -> spec(b).put("cohortsRange", Map.of("granularity", "WEEKLY", "startOffset", 3, "endOffset", 2)),
        "cohortSpec.cohortsRange.endOffset");
    refused(b -> spec(b).put("cohortsRange", Map.of("granularity", "WEEKLY", "endOffset", 200)),
        "cohortSpec.cohortsRange.endOffset");
    refused(b -> spec(b).put("cohorts", List.of()), "cohortSpec.cohorts");
    refused(b -> spec(b).put("cohorts", List.of(cohort("cohort_x", "2026-11-01", "2026-11-07"))),
        "cohortSpec.cohorts[0].name");
    refused(b -> spec(b).put("cohorts", List.of(cohort("a", "2026-11-01", "2026-11-07"),
        cohort("a", "2026-11-08", "2026-11-14"))), "cohortSpec.cohorts[1].name");
    refused(b -> spec(b).put("cohorts", List.of(Map.of("dimension", "firstTouchDate",
        "dateRange", Map.of("startDate", "2026-11-01", "endDate", "2026-11-07")))), "cohortSpec.cohorts[0].dimension");
    refused(b -> spec(b).put("cohorts", List.of(Map.of("dimension", "firstSessionDate"))),
        "cohortSpec.cohorts[0].dateRange");
    refused(b -> spec(b).put("returnOn", Map.of("funnelFieldFilter", Map.of("fieldName", "nope",
        "stringFilter", Map.of("value", "x")))), "cohortSpec.returnOn.funnelFieldFilter.fieldName");
    refused(b -> spec(b).put("firstSessionFilter", Map.of("filter", Map.of("fieldName", "newVsReturning",
        "stringFilter", Map.of("value", "new")))), "cohortSpec.firstSessionFilter");
    refused(b -> spec(b).put("segments", List.of()), "cohortSpec.segments");
  }
}
