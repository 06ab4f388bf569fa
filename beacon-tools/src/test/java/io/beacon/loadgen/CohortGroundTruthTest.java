package io.beacon.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.model.Hit;
import io.beacon.model.cohort.CohortActivity;
import io.beacon.model.cohort.CohortRequest;
import io.beacon.model.cohort.CohortTable;
import io.beacon.model.session.ClientHistory;
import io.beacon.model.session.SessionRules;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Cohort reports over the load generator's hits (several days, every protocol's sessions, bots, multi-day journeys,
 * each client's hits shuffled), the model's engine fed as recompute feeds it (the read's hits, first visits from
 * before the read as {@code first_visits} would hold them) against a reference written from
 * docs/analytics-model.md, "Retention cohorts", alone: plain loops over every hit a person ever sent, no engine code.
 */
class CohortGroundTruthTest {
  private static final ZoneId ZONE = ZoneId.of("Europe/Berlin");
  private static final Map<String, List<Hit>> PERSONS = FunnelGroundTruthTest.persons();

  // ---------------- the reference, from the docs' text ----------------

  record RefCohort(String name, LocalDate start, LocalDate end) {}

  static LocalDate day(long ts) {
    return LocalDate.ofInstant(Instant.ofEpochMilli(ts), ZONE);
  }

  /** The period number of {@code d} for a cohort starting on {@code start}: calendar days, Sunday weeks, months. */
  static long period(String granularity, LocalDate start, LocalDate d) {
    switch (granularity) {
      case "DAILY":
        return d.toEpochDay() - start.toEpochDay();
      case "WEEKLY": {
        // getDayOfWeek: Monday 1 .. Sunday 7, so % 7 is the days since the last Sunday.
        long a = start.toEpochDay() - start.getDayOfWeek().getValue() % 7;
        long b = d.toEpochDay() - d.getDayOfWeek().getValue() % 7;
        return (b - a) / 7;
      }
      default:
        return (d.getYear() * 12L + d.getMonthValue()) - (start.getYear() * 12L + start.getMonthValue());
    }
  }

  /**
   * Rows "name nnnn active/total", cohorts in order, n from startOffset to endOffset. Persons: every non-bot hit
   * they ever sent; first session date = local day of the earliest; in no cohort if that lies before the read.
   */
  static List<String> reference(List<RefCohort> cohorts, String granularity, int startOffset, int endOffset,
      boolean accumulate, Predicate<Hit> returnOn, Predicate<Hit> firstEvent, LocalDate readStart,
      LocalDate readEnd) {
    Map<String, long[]> active = new LinkedHashMap<>();
    Map<String, Long> total = new HashMap<>();
    for (RefCohort c : cohorts) {
      active.put(c.name(), new long[endOffset - startOffset + 1]);
      total.put(c.name(), 0L);
    }
    for (List<Hit> hits : PERSONS.values()) {
      List<Hit> events = new ArrayList<>();
      for (Hit h : hits) {
        if (h.isBot() == null || !h.isBot()) {
          events.add(h);
        }
      }
      if (events.isEmpty()) {
        continue;
      }
      events.sort(Comparator.comparingLong(Hit::ts).thenComparing(Hit::requestId));
      LocalDate first = day(events.get(0).ts());
      if (first.isBefore(readStart) || !firstEvent.test(events.get(0))) {
        continue;
      }
      for (RefCohort c : cohorts) {
        if (first.isBefore(c.start()) || first.isAfter(c.end())) {
          continue;
        }
        total.merge(c.name(), 1L, Long::sum);
        boolean[] in = new boolean[endOffset - startOffset + 1];
        for (Hit e : events) {
          LocalDate d = day(e.ts());
          long n = period(granularity, c.start(), d);
          if (returnOn.test(e) && d.isBefore(readEnd) && n >= startOffset && n <= endOffset) {
            in[(int) n - startOffset] = true;
          }
        }
        boolean any = false;
        for (int p = 0; p < in.length; p++) {
          any = accumulate ? any || in[p] : in[p];
          if (any) {
            active.get(c.name())[p]++;
          }
        }
      }
    }
    List<String> out = new ArrayList<>();
    for (RefCohort c : cohorts) {
      for (int p = 0; p < endOffset - startOffset + 1; p++) {
        out.add(c.name() + " " + String.format("%04d", p + startOffset) + " " + active.get(c.name())[p] + "/"
            + total.get(c.name()));
      }
    }
    return out;
  }

  // ---------------- the engine, fed as recompute feeds it ----------------

  static List<String> engine(Map<String, Object> body) {
    CohortRequest r = CohortRequest.parse(body, ZONE, LocalDate.of(2027, 6, 1), 1100);
    long from = r.readStart().atStartOfDay(ZONE).toInstant().toEpochMilli();
    long to = r.readEnd().atStartOfDay(ZONE).toInstant().toEpochMilli();
    CohortActivity activity = new CohortActivity(r, SessionRules.GA4, ZONE);
    CohortTable table = new CohortTable(r);
    int i = 0;
    for (List<Hit> hits : PERSONS.values()) {
      List<Hit> read = new ArrayList<>();
      long firstEver = Long.MAX_VALUE;
      for (Hit h : hits) {
        if (h.ts() >= from && h.ts() < to) {
          read.add(h);
        }
        if (!Boolean.TRUE.equals(h.isBot())) {
          firstEver = Math.min(firstEver, h.ts());
        }
      }
      // first_visits: what the stream recorded; before the read for some, the very event of the read for others.
      ClientHistory known = firstEver < from || i++ % 3 == 0 && firstEver != Long.MAX_VALUE
          ? new ClientHistory(firstEver, null, null, null) : null;
      CohortActivity.Outcome o = activity.evaluate(read);
      table.add(o, o == null ? null : o.firstSessionDate(known, ZONE));
    }
    List<String> out = new ArrayList<>();
    table.rows().forEach(row -> out.add(row.cohort() + " " + row.nth() + " " + row.activeUsers() + "/"
        + row.totalUsers()));
    return out;
  }

  static Map<String, Object> body(String granularity, int start, int end, List<RefCohort> cohorts) {
    List<Map<String, Object>> cs = new ArrayList<>();
    for (RefCohort c : cohorts) {
      cs.add(Map.of("name", c.name(), "dimension", "firstSessionDate",
          "dateRange", Map.of("startDate", c.start().toString(), "endDate", c.end().toString())));
    }
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("cohorts", cs);
    spec.put("cohortsRange", Map.of("granularity", granularity, "startOffset", start, "endOffset", end));
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("dimensions", List.of(Map.of("name", "cohort"), Map.of("name", switch (granularity) {
      case "DAILY" -> "cohortNthDay";
      case "WEEKLY" -> "cohortNthWeek";
      default -> "cohortNthMonth";
    })));
    b.put("metrics", List.of(Map.of("name", "cohortActiveUsers"), Map.of("name", "cohortTotalUsers")));
    b.put("cohortSpec", spec);
    return b;
  }

  static LocalDate firstDay() {
    return PERSONS.values().stream().flatMap(List::stream).map(h -> day(h.ts())).min(LocalDate::compareTo)
        .orElseThrow();
  }

  /** Rows with some returning persons after period 0, so the comparison is not over zeros. */
  static long returning(List<String> rows) {
    return rows.stream().filter(r -> !r.contains(" 0000 ")).mapToLong(r -> Long.parseLong(r.split(" ")[2]
        .split("/")[0])).sum();
  }

  @Test
  void dailyCohortsOverAnyEvent() {
    LocalDate d1 = firstDay().plusDays(1);
    List<RefCohort> cohorts = List.of(new RefCohort("d1", d1, d1), new RefCohort("d2", d1.plusDays(1),
        d1.plusDays(1)), new RefCohort("d3", d1.plusDays(2), d1.plusDays(2)));
    List<String> expected = reference(cohorts, "DAILY", 0, 5, false, h -> true, h -> true, d1, d1.plusDays(8));
    assertThat(engine(body("DAILY", 0, 5, cohorts))).containsExactlyElementsOf(expected);
    assertThat(expected.get(0)).as("persons first seen on the first day").doesNotEndWith("/0");
    assertThat(returning(expected)).as("returning persons in %s", expected).isPositive();
  }

  @Test
  void weeklyCohortAccumulatedReturningOnAPurchaseWithAFirstPageFilter() {
    LocalDate d1 = firstDay().plusDays(1);
    LocalDate sunday = d1.minusDays(d1.getDayOfWeek().getValue() % 7);
    List<RefCohort> cohorts = List.of(new RefCohort("w0", sunday, sunday.plusDays(6)),
        new RefCohort("w1", sunday.plusDays(7), sunday.plusDays(13)));
    Map<String, Object> b = body("WEEKLY", 0, 3, cohorts);
    @SuppressWarnings("unchecked")
    Map<String, Object> spec = (Map<String, Object>) b.get("cohortSpec");
    spec.put("cohortReportSettings", Map.of("accumulate", true));
    spec.put("returnOn", Map.of("funnelEventFilter", Map.of("eventName", "purchase")));
    spec.put("firstSessionFilter", Map.of("notExpression", Map.of("filter", Map.of("fieldName", "pagePath",
        "stringFilter", Map.of("matchType", "BEGINS_WITH", "value", "/blog")))));
    Predicate<Hit> blog = h -> h.pagePath() != null && h.pagePath().startsWith("/blog");
    List<String> expected = reference(cohorts, "WEEKLY", 0, 3, true, h -> "purchase".equals(h.eventName()),
        blog.negate(), sunday, sunday.plusDays(7 + 28));
    assertThat(engine(b)).containsExactlyElementsOf(expected);
    assertThat(expected.get(0)).doesNotEndWith("/0");
  }

  @Test
  void monthlyCohortFromItsSecondPeriod() {
    LocalDate d1 = firstDay();
    LocalDate month = d1.withDayOfMonth(1);
    List<RefCohort> cohorts = List.of(new RefCohort("m", month, month.plusMonths(1).minusDays(1)));
    // The read starts on the 1st: persons first seen in it from the generator's first day are in the cohort.
    List<String> expected = reference(cohorts, "MONTHLY", 0, 2, false, h -> true, h -> true, month,
        month.plusMonths(3));
    assertThat(engine(body("MONTHLY", 0, 2, cohorts))).containsExactlyElementsOf(expected);
    assertThat(expected.get(0)).doesNotEndWith("/0");
  }
}
