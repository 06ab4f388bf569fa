package io.beacon.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.beacon.model.Hit;
import io.beacon.model.funnel.FunnelAggregation;
import io.beacon.model.funnel.FunnelPath;
import io.beacon.model.funnel.FunnelRequest;
import io.beacon.model.session.SessionRules;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Funnels over the load generator's hits (several days, every protocol's sessions, bots, multi-day journeys), the
 * model's engine against a reference written from docs/analytics-model.md, "Funnels", alone: plain loops and an
 * exhaustive search of passes, its own sessions and its own conditions, no engine code.
 */
class FunnelGroundTruthTest {
  private static final ZoneId ZONE = ZoneId.of("Europe/Berlin");
  private static final long ANCHOR = ZonedDateTime.of(2026, 11, 3, 9, 0, 0, 0, ZONE).toInstant().toEpochMilli();
  private static final long TIMEOUT = 30 * 60_000L;

  /** The generator's journeys as the raw hits Beacon would store (no duplicates), each client's hits shuffled. */
  static Map<String, List<Hit>> persons() {
    TrafficPlan.Property shop = new TrafficPlan.Property("B-SHOP", "s3cret", ZONE);
    TrafficPlan plan = new TrafficPlan(List.of(shop), TrafficPlan.Options.defaults(11, LoadgenCli.mix("mixed")));
    Map<String, List<Hit>> out = new TreeMap<>();
    Random shuffle = new Random(3);
    int n = 0;
    for (TrafficPlan.Journey j : plan.journeys(6_000)) {
      // Journeys start 7 minutes apart: about five days, so sessions cross midnight.
      long anchor = ANCHOR + j.index() * 7 * 60_000L;
      for (PlannedRequest r : j.requests()) {
        if (r.isDuplicate()) {
          continue;
        }
        for (PlannedHit h : r.hits()) {
          Hit hit = Hit.builder().propertyId(h.propertyId()).clientId(h.visitor().clientId())
              .requestId(h.requestId() != null ? h.requestId() : "g" + (n++)).sessionId(h.sessionId())
              .ts(anchor + h.offsetMs()).receivedAt(anchor + h.offsetMs()).eventName(h.eventName())
              .pagePath(h.pagePath()).params(h.params()).isBot(h.bot() ? true : null).build();
          out.computeIfAbsent(hit.clientId(), c -> new ArrayList<>()).add(hit);
        }
      }
    }
    out.values().forEach(l -> Collections.shuffle(l, shuffle));
    return out;
  }

  // ---------------- the reference, from the docs' text ----------------

  /** A step as the reference reads it: a predicate on the event, and its constraints. */
  record RefStep(Predicate<Hit> matches, boolean direct, long withinMs) {}

  /** scope: "range", "session" or "days"; days: N for "days". */
  record RefFunnel(List<RefStep> steps, boolean open, String scope, int days) {}

  record RefPerson(boolean[] reached, boolean[] continued, long[] gap, String breakdown) {}

  static RefPerson reference(RefFunnel f, List<Hit> hits) {
    List<Hit> events = new ArrayList<>();
    for (Hit h : hits) {
      if (h.isBot() == null || !h.isBot()) {
        events.add(h);
      }
    }
    events.sort(Comparator.comparingLong(Hit::ts).thenComparing(Hit::requestId));
    // Sessions: the sender's id, else a new one after more than 30 minutes without an event lacking an id.
    String[] session = new String[events.size()];
    String current = null;
    long last = 0;
    for (int i = 0; i < events.size(); i++) {
      Hit h = events.get(i);
      if (h.sessionId() != null && !h.sessionId().isBlank()) {
        session[i] = "s:" + h.sessionId();
      } else {
        if (current == null || h.ts() - last > TIMEOUT) {
          current = "a:" + h.ts();
        }
        last = h.ts();
        session[i] = current;
      }
    }
    int k = f.steps().size();
    // Partitions of global indices a pass must stay within.
    Map<String, List<Integer>> parts = new LinkedHashMap<>();
    for (int i = 0; i < events.size(); i++) {
      parts.computeIfAbsent(f.scope().equals("session") ? session[i] : "all", x -> new ArrayList<>()).add(i);
    }
    int[] firstEnd = new int[k];
    Arrays.fill(firstEnd, Integer.MAX_VALUE);
    boolean[] continued = new boolean[k];
    // per step: the earliest event a pass reaches through the prior step, and the gaps into it
    Map<Integer, Map<Integer, Long>> gapsInto = new HashMap<>();
    for (List<Integer> part : parts.values()) {
      Set<String> seen = new HashSet<>();
      for (int j = 0; j < k; j++) {
        if (j > 0 && !f.open()) {
          break;
        }
        for (int p = 0; p < part.size(); p++) {
          if (f.steps().get(j).matches().test(events.get(part.get(p)))) {
            search(f, events, part, j, p, events.get(part.get(p)).ts(), seen, firstEnd, continued, gapsInto);
          }
        }
      }
    }
    boolean[] reached = new boolean[k];
    long[] gap = new long[k];
    Arrays.fill(gap, -1);
    for (int s = 0; s < k; s++) {
      reached[s] = firstEnd[s] != Integer.MAX_VALUE;
      Map<Integer, Long> into = gapsInto.get(s);
      if (into != null) {
        int earliest = Collections.min(into.keySet());
        gap[s] = into.get(earliest);
      }
    }
    String value = null;
    for (int s = 0; s < k && value == null; s++) {
      if (reached[s]) {
        String path = events.get(firstEnd[s]).pagePath();
        value = path == null || path.isBlank() ? "(not set)" : path;
      }
    }
    return new RefPerson(reached, continued, gap, value);
  }

  /** Every pass from the event at part[p] for step s, entered at entryTs (memoised on the three). */
  static void search(RefFunnel f, List<Hit> events, List<Integer> part, int s, int p, long entryTs, Set<String> seen,
      int[] firstEnd, boolean[] continued, Map<Integer, Map<Integer, Long>> gapsInto) {
    if (!seen.add(s + "/" + p + "/" + entryTs)) {
      return;
    }
    int here = part.get(p);
    firstEnd[s] = Math.min(firstEnd[s], here);
    if (s + 1 == f.steps().size()) {
      return;
    }
    RefStep next = f.steps().get(s + 1);
    long t = events.get(here).ts();
    for (int q = p + 1; q < part.size(); q++) {
      Hit e = events.get(part.get(q));
      if (next.direct() && q != p + 1) {
        break;
      }
      if (!next.matches().test(e)) {
        continue;
      }
      if (next.withinMs() >= 0 && e.ts() - t > next.withinMs()) {
        continue;
      }
      if (f.scope().equals("days") && e.ts() - entryTs > f.days() * 86_400_000L) {
        continue;
      }
      continued[s] = true;
      gapsInto.computeIfAbsent(s + 1, x -> new HashMap<>()).merge(part.get(q), e.ts() - t, Math::min);
      search(f, events, part, s + 1, q, entryTs, seen, firstEnd, continued, gapsInto);
    }
  }

  /** The reference's step rows: [activeUsers, abandonments, completion rate, median seconds] per step. */
  static List<double[]> rows(RefFunnel f, List<RefPerson> persons) {
    int k = f.steps().size();
    List<double[]> out = new ArrayList<>();
    for (int s = 0; s < k; s++) {
      long active = 0;
      long cont = 0;
      List<Long> gaps = new ArrayList<>();
      for (RefPerson p : persons) {
        if (p.reached()[s]) {
          active++;
          if (s == k - 1 || p.continued()[s]) {
            cont++;
          }
        }
        if (p.gap()[s] >= 0) {
          gaps.add(p.gap()[s]);
        }
      }
      Collections.sort(gaps);
      double median = gaps.isEmpty() ? -1 : gaps.size() % 2 == 1 ? gaps.get(gaps.size() / 2) / 1000.0
          : (gaps.get(gaps.size() / 2 - 1) + gaps.get(gaps.size() / 2)) / 2.0 / 1000.0;
      out.add(new double[] {active, active - cont, active == 0 ? 0 : (double) cont / active, median});
    }
    return out;
  }

  // ---------------- the comparison ----------------

  static Map<String, Object> ev(String name) {
    return Map.of("funnelEventFilter", Map.of("eventName", name));
  }

  static Predicate<Hit> named(String name) {
    return h -> name.equals(h.eventName());
  }

  void compare(Map<String, Object> funnelJson, RefFunnel ref, Map<String, List<Hit>> persons, int minLastStep) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("dateRanges", List.of(Map.of("startDate", "2026-10-01", "endDate", "2026-11-30")));
    body.put("funnel", funnelJson);
    body.put("funnelBreakdown", Map.of("breakdownDimension", Map.of("name", "pagePath"), "limit", 5));
    FunnelRequest request = FunnelRequest.parse(body, ZONE, LocalDate.of(2026, 12, 7), 1100);
    FunnelPath path = new FunnelPath(request.funnel(), SessionRules.GA4, "pagePath");
    FunnelAggregation agg = new FunnelAggregation(ref.steps().size(), 10_000);
    List<RefPerson> refs = new ArrayList<>();
    Map<String, List<RefPerson>> refByValue = new HashMap<>();
    // The users who left after step 1, for the user explorer: the reference's own "reached 1, never went on".
    io.beacon.model.funnel.AbandonedUsers abandoned = new io.beacon.model.funnel.AbandonedUsers(0, 10_000);
    io.beacon.model.funnel.AbandonedUsers firstThree = new io.beacon.model.funnel.AbandonedUsers(0, 3);
    java.util.TreeSet<String> expectedAbandoned = new java.util.TreeSet<>();
    for (Map.Entry<String, List<Hit>> person : persons.entrySet()) {
      List<Hit> hits = person.getValue();
      FunnelPath.Result result = path.evaluate(hits, "pagePath");
      agg.add(result);
      abandoned.add(hits.get(0).clientId(), result);
      firstThree.add(hits.get(0).clientId(), result);
      RefPerson r = reference(ref, hits);
      if (r.reached()[0] && !r.continued()[0]) {
        expectedAbandoned.add(hits.get(0).clientId());
      }
      boolean any = false;
      for (boolean b : r.reached()) {
        any |= b;
      }
      if (any) {
        refs.add(r);
        refByValue.computeIfAbsent(r.breakdown(), x -> new ArrayList<>()).add(r);
      }
    }
    List<double[]> expected = rows(ref, refs);
    List<FunnelAggregation.StepRow> actual = agg.totals();
    check(expected, actual);
    assertThat(abandoned.clientIds()).containsExactlyElementsOf(expectedAbandoned);
    assertThat(abandoned.count()).isEqualTo(actual.get(0).abandonments());
    assertThat(firstThree.clientIds()).containsExactlyElementsOf(expectedAbandoned.stream().limit(3).toList());
    assertThat(firstThree.truncated()).isEqualTo(expectedAbandoned.size() > 3);
    assertThat(actual.get(actual.size() - 1).activeUsers()).as("persons at the last step of %s", actual.stream().map(FunnelAggregation.StepRow::activeUsers).toList()).isGreaterThanOrEqualTo(minLastStep);
    // Breakdown: the five values with the most persons at step 1 (ties by value), each equal to the reference.
    List<String> values = new ArrayList<>(refByValue.keySet());
    values.sort(Comparator.comparingLong((String v) -> -refByValue.get(v).stream().filter(p -> p.reached()[0]).count())
        .thenComparing(Comparator.naturalOrder()));
    List<FunnelAggregation.StepRow> bd = agg.breakdown(5);
    int k = ref.steps().size();
    assertThat(bd).hasSize(Math.min(5, values.size()) * k);
    for (int v = 0; v < Math.min(5, values.size()); v++) {
      assertThat(bd.get(v * k).breakdownValue()).isEqualTo(values.get(v));
      check(rows(ref, refByValue.get(values.get(v))), bd.subList(v * k, v * k + k));
    }
  }

  static void check(List<double[]> expected, List<FunnelAggregation.StepRow> actual) {
    assertThat(actual).hasSize(expected.size());
    for (int s = 0; s < expected.size(); s++) {
      double[] e = expected.get(s);
      FunnelAggregation.StepRow a = actual.get(s);
      assertThat(a.activeUsers()).as("activeUsers at step %d", s + 1).isEqualTo((long) e[0]);
      assertThat(a.abandonments()).as("abandonments at step %d", s + 1).isEqualTo((long) e[1]);
      assertThat(a.completionRate()).as("completion rate at step %d", s + 1).isCloseTo(e[2], within(1e-12));
      assertThat(a.medianSecondsFromPrior()).as("median at step %d", s + 1).isCloseTo(s == 0 ? -1 : e[3], within(1e-9));
    }
  }

  @Test
  void closedFunnelOverTheRange() {
    Map<String, List<Hit>> persons = persons();
    assertThat(persons.size()).isGreaterThan(300);
    compare(Map.of("steps", List.of(Map.of("filterExpression", ev("page_view")),
            Map.of("filterExpression", ev("add_to_cart")), Map.of("filterExpression", ev("purchase")))),
        new RefFunnel(List.of(new RefStep(named("page_view"), false, -1), new RefStep(named("add_to_cart"), false, -1),
            new RefStep(named("purchase"), false, -1)), false, "range", 0), persons, 1);
  }

  @Test
  void openFunnelWithinASessionDirectlyFollowed() {
    Map<String, List<Hit>> persons = persons();
    compare(Map.of("isOpenFunnel", true, "withinSession", true, "steps", List.of(
            Map.of("filterExpression", ev("page_view")),
            Map.of("filterExpression", ev("scroll"), "isDirectlyFollowedBy", true),
            Map.of("filterExpression", Map.of("orGroup", Map.of("expressions", List.of(ev("sign_up"), ev("purchase"))))))),
        new RefFunnel(List.of(new RefStep(named("page_view"), false, -1), new RefStep(named("scroll"), true, -1),
            new RefStep(named("sign_up").or(named("purchase")), false, -1)), true, "session", 0), persons, 1);
  }

  @Test
  void withinDaysAndDurationsWithParameterAndPathConditions() {
    Map<String, List<Hit>> persons = persons();
    Map<String, Object> valueOver10 = Map.of("funnelEventFilter", Map.of("eventName", "add_to_cart",
        "funnelParameterFilterExpression", Map.of("funnelParameterFilter", Map.of("eventParameterName", "value",
            "numericFilter", Map.of("operation", "GREATER_THAN", "value", Map.of("doubleValue", 10))))));
    Map<String, Object> pathWithSlash = Map.of("andGroup", Map.of("expressions", List.of(ev("page_view"),
        Map.of("funnelFieldFilter", Map.of("fieldName", "pagePath", "stringFilter",
            Map.of("matchType", "PARTIAL_REGEXP", "value", "^/[a-m]"))))));
    compare(Map.of("withinDays", 1, "steps", List.of(
            Map.of("filterExpression", pathWithSlash),
            Map.of("filterExpression", valueOver10, "withinDurationFromPriorStep", "900s"),
            Map.of("filterExpression", Map.of("notExpression", ev("scroll"))),
            Map.of("filterExpression", Map.of("orGroup", Map.of("expressions", List.of(ev("sign_up"), ev("purchase")))),
                "withinDurationFromPriorStep", "3600s"))),
        new RefFunnel(List.of(
            new RefStep(named("page_view").and(h -> h.pagePath() != null && h.pagePath().matches("^/[a-m].*")), false, -1),
            new RefStep(named("add_to_cart").and(h -> h.params() != null && h.params().get("value") != null
                && Double.parseDouble(h.params().get("value")) > 10), false, 900_000),
            new RefStep(h -> !"scroll".equals(h.eventName()), false, -1),
            new RefStep(named("sign_up").or(named("purchase")), false, 3_600_000)), false, "days", 1), persons, 1);
  }
}
