package io.beacon.model.funnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.beacon.model.Hit;
import io.beacon.model.report.InvalidRequestException;
import io.beacon.model.session.SessionRules;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The engine on hand-made persons, each case from docs/analytics-model.md, "Funnels". */
class FunnelPathTest {
  private static final ZoneId ZONE = ZoneId.of("Europe/Berlin");
  private static final long T0 = ZonedDateTime.of(2026, 11, 2, 10, 0, 0, 0, ZONE).toInstant().toEpochMilli();
  private static final long MIN = 60_000;
  private static final long HOUR = 60 * MIN;

  // ---- request helpers (GA4 JSON as Java maps) ----

  static Map<String, Object> event(String name) {
    return Map.of("funnelEventFilter", Map.of("eventName", name));
  }

  static Map<String, Object> page(String path) {
    return Map.of("funnelFieldFilter", Map.of("fieldName", "pagePath",
        "stringFilter", Map.of("matchType", "EXACT", "value", path)));
  }

  static Map<String, Object> step(Map<String, Object> filter, Object... more) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("filterExpression", filter);
    for (int i = 0; i < more.length; i += 2) {
      s.put((String) more[i], more[i + 1]);
    }
    return s;
  }

  static Map<String, Object> body(Map<String, Object> funnel) {
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("dateRanges", List.of(Map.of("startDate", "2026-11-01", "endDate", "2026-11-05")));
    b.put("funnel", funnel);
    return b;
  }

  @SafeVarargs
  static Map<String, Object> funnel(boolean open, Map<String, Object>... steps) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("isOpenFunnel", open);
    f.put("steps", List.of(steps));
    return f;
  }

  static FunnelRequest parse(Map<String, Object> body) {
    return FunnelRequest.parse(body, ZONE, LocalDate.of(2026, 12, 1), 1100);
  }

  static FunnelPath.Result run(Map<String, Object> funnel, List<Hit> hits) {
    FunnelRequest r = parse(body(funnel));
    return new FunnelPath(r.funnel(), SessionRules.GA4, null).evaluate(hits, null);
  }

  // ---- hit helpers ----

  private int rid;

  Hit hit(long ts, String event, String path) {
    return Hit.builder().propertyId("P").clientId("c1").requestId("r" + (rid++)).ts(ts).receivedAt(ts)
        .eventName(event).pagePath(path).build();
  }

  Hit ev(long ts, String event) {
    return hit(ts, event, "/");
  }

  Hit sess(Hit h, String sid) {
    return h.toBuilder().sessionId(sid).build();
  }

  static List<Boolean> reached(FunnelPath.Result r) {
    List<Boolean> out = new ArrayList<>();
    for (int s = 0; s < r.reachedAt().length; s++) {
      out.add(r.reached(s));
    }
    return out;
  }

  @Test
  void closedFunnelNeedsTheFirstStepAndTheOrder() {
    Map<String, Object> f = funnel(false, step(event("a")), step(event("b")), step(event("c")));
    // b and c without a: nothing in a closed funnel
    assertThat(reached(run(f, List.of(ev(T0, "b"), ev(T0 + MIN, "c"))))).containsExactly(false, false, false);
    // b before a does not count for step 2; a later b does
    assertThat(reached(run(f, List.of(ev(T0, "b"), ev(T0 + MIN, "a"), ev(T0 + 2 * MIN, "c")))))
        .containsExactly(true, false, false);
    FunnelPath.Result all = run(f, List.of(ev(T0, "a"), ev(T0 + MIN, "x"), ev(T0 + 2 * MIN, "b"), ev(T0 + 5 * MIN, "c")));
    assertThat(reached(all)).containsExactly(true, true, true);
    assertThat(all.reachedAt()).containsExactly(T0, T0 + 2 * MIN, T0 + 5 * MIN);
    assertThat(all.continued()).containsExactly(true, true, false);
    assertThat(all.gapMs()).containsExactly(-1, 2 * MIN, 3 * MIN);
  }

  @Test
  void openFunnelEntersAtAnyStep() {
    Map<String, Object> f = funnel(true, step(event("a")), step(event("b")), step(event("c")));
    FunnelPath.Result r = run(f, List.of(ev(T0, "b"), ev(T0 + MIN, "c")));
    assertThat(reached(r)).containsExactly(false, true, true);
    assertThat(r.continued()).containsExactly(false, true, false);
    // c alone: reached step 3, continued nowhere, no gap
    FunnelPath.Result c = run(f, List.of(ev(T0, "c")));
    assertThat(reached(c)).containsExactly(false, false, true);
    assertThat(c.gapMs()).containsExactly(-1, -1, -1);
  }

  @Test
  void oneEventCountsForOneStepOfAPass() {
    // Both steps match the same page view: a pass needs a later event for step 2.
    Map<String, Object> f = funnel(false, step(event("page_view")), step(page("/x")));
    assertThat(reached(run(f, List.of(hit(T0, "page_view", "/x"))))).containsExactly(true, false);
    assertThat(reached(run(f, List.of(hit(T0, "page_view", "/x"), hit(T0 + 1, "page_view", "/x")))))
        .containsExactly(true, true);
  }

  @Test
  void directlyFollowedMeansTheVeryNextEvent() {
    Map<String, Object> f = funnel(false, step(event("a")), step(event("b"), "isDirectlyFollowedBy", true));
    assertThat(reached(run(f, List.of(ev(T0, "a"), ev(T0 + MIN, "scroll"), ev(T0 + 2 * MIN, "b")))))
        .containsExactly(true, false);
    assertThat(reached(run(f, List.of(ev(T0, "a"), ev(T0 + MIN, "scroll"), ev(T0 + 2 * MIN, "a"),
        ev(T0 + 3 * MIN, "b"))))).containsExactly(true, true);
  }

  @Test
  void withinDurationFindsTheCloserPriorStepNotJustTheFirst() {
    Map<String, Object> f = funnel(false, step(event("a")), step(event("b"), "withinDurationFromPriorStep", "300s"));
    // a at 0 is too early for b at 10 min; the a at 8 min is in time
    FunnelPath.Result r = run(f, List.of(ev(T0, "a"), ev(T0 + 8 * MIN, "a"), ev(T0 + 10 * MIN, "b")));
    assertThat(reached(r)).containsExactly(true, true);
    assertThat(r.gapMs()[1]).isEqualTo(2 * MIN);
    // exactly the duration is within it; a millisecond more is not
    assertThat(reached(run(f, List.of(ev(T0, "a"), ev(T0 + 5 * MIN, "b"))))).containsExactly(true, true);
    assertThat(reached(run(f, List.of(ev(T0, "a"), ev(T0 + 5 * MIN + 1, "b"))))).containsExactly(true, false);
  }

  @Test
  void sessionScopeKeepsAPassInOneSession() {
    Map<String, Object> range = funnel(false, step(event("a")), step(event("b")));
    Map<String, Object> session = new LinkedHashMap<>(range);
    session.put("withinSession", true);
    List<Hit> hits = List.of(sess(ev(T0, "a"), "s1"), sess(ev(T0 + MIN, "b"), "s2"));
    assertThat(reached(run(range, hits))).containsExactly(true, true);
    assertThat(reached(run(session, hits))).containsExactly(true, false);
    // Beacon's own sessions (no sender id): 40 minutes apart is two sessions, 30 minutes exactly is one
    assertThat(reached(run(session, List.of(ev(T0, "a"), ev(T0 + 40 * MIN, "b"))))).containsExactly(true, false);
    assertThat(reached(run(session, List.of(ev(T0, "a"), ev(T0 + 30 * MIN, "b"))))).containsExactly(true, true);
  }

  @Test
  void aSessionSpanningMidnightIsOneSession() {
    Map<String, Object> f = funnel(false, step(event("a")), step(event("b")));
    f.put("withinSession", true);
    long beforeMidnight = ZonedDateTime.of(2026, 11, 2, 23, 50, 0, 0, ZONE).toInstant().toEpochMilli();
    FunnelPath.Result r = run(f, List.of(ev(beforeMidnight, "a"), ev(beforeMidnight + 20 * MIN, "b")));
    assertThat(reached(r)).containsExactly(true, true);
    assertThat(r.gapMs()[1]).isEqualTo(20 * MIN);
  }

  @Test
  void withinDaysCountsFromTheEntryStep() {
    Map<String, Object> f = funnel(false, step(event("a")), step(event("b")), step(event("c")));
    f.put("withinDays", 1);
    assertThat(reached(run(f, List.of(ev(T0, "a"), ev(T0 + 2 * HOUR, "b"), ev(T0 + 24 * HOUR, "c")))))
        .containsExactly(true, true, true);
    assertThat(reached(run(f, List.of(ev(T0, "a"), ev(T0 + 2 * HOUR, "b"), ev(T0 + 24 * HOUR + 1, "c")))))
        .containsExactly(true, true, false);
    // a later entry starts a new window
    assertThat(reached(run(f, List.of(ev(T0, "a"), ev(T0 + 20 * HOUR, "a"), ev(T0 + 22 * HOUR, "b"),
        ev(T0 + 40 * HOUR, "c"))))).containsExactly(true, true, true);
  }

  @Test
  void outOfOrderArrivalIsSortedByEventTime() {
    Map<String, Object> f = funnel(false, step(event("a")), step(event("b"), "isDirectlyFollowedBy", true),
        step(event("c")));
    List<Hit> hits = new ArrayList<>(List.of(ev(T0, "a"), ev(T0 + MIN, "b"), ev(T0 + 2 * MIN, "x"),
        ev(T0 + 3 * MIN, "c")));
    FunnelPath.Result inOrder = run(f, hits);
    Collections.reverse(hits);
    FunnelPath.Result reversed = run(f, hits);
    Collections.shuffle(hits, new Random(7));
    FunnelPath.Result shuffled = run(f, hits);
    assertThat(reached(inOrder)).containsExactly(true, true, true);
    assertThat(reversed.reachedAt()).containsExactly(inOrder.reachedAt());
    assertThat(shuffled.gapMs()).containsExactly(inOrder.gapMs());
  }

  @Test
  void botHitsCountForNothing() {
    Map<String, Object> f = funnel(false, step(event("a")), step(event("b"), "isDirectlyFollowedBy", true));
    Hit botA = ev(T0, "a").toBuilder().isBot(true).build();
    Hit botB = ev(T0 + 2 * MIN, "b").toBuilder().isBot(true).build();
    assertThat(reached(run(f, List.of(botA, botB)))).containsExactly(false, false);
    assertThat(run(f, List.of(botA, botB)).any()).isFalse();
    // a bot hit between two steps does not break "directly followed"
    Hit botX = ev(T0 + MIN, "x").toBuilder().isBot(true).build();
    assertThat(reached(run(f, List.of(ev(T0, "a"), botX, ev(T0 + 2 * MIN, "b"))))).containsExactly(true, true);
  }

  @Test
  void parameterFiltersReadEventParameters() {
    Map<String, Object> purchaseOver100 = Map.of("funnelEventFilter", Map.of("eventName", "purchase",
        "funnelParameterFilterExpression", Map.of("funnelParameterFilter", Map.of("eventParameterName", "value",
            "numericFilter", Map.of("operation", "GREATER_THAN", "value", Map.of("doubleValue", 100))))));
    Map<String, Object> f = funnel(false, step(event("add_to_cart")), step(purchaseOver100));
    Hit small = ev(T0 + MIN, "purchase").toBuilder().params(Map.of("value", "50")).build();
    Hit big = ev(T0 + 2 * MIN, "purchase").toBuilder().params(Map.of("value", "150.5")).build();
    assertThat(reached(run(f, List.of(ev(T0, "add_to_cart"), small)))).containsExactly(true, false);
    assertThat(reached(run(f, List.of(ev(T0, "add_to_cart"), small, big)))).containsExactly(true, true);
  }

  @Test
  void aggregationCountsRatesAndMedians() {
    FunnelRequest r = parse(body(funnel(false, step(event("a")), step(event("b")), step(event("c")))));
    FunnelPath path = new FunnelPath(r.funnel(), SessionRules.GA4, "deviceCategory");
    FunnelAggregation agg = new FunnelAggregation(3, 10);
    String[][] persons = {{"a", "b", "c"}, {"a", "b"}, {"a"}, {"a", "b", "c"}, {"b", "c"}};
    String[] devices = {"desktop", "mobile", "mobile", "desktop", "desktop"};
    for (int p = 0; p < persons.length; p++) {
      List<Hit> hits = new ArrayList<>();
      for (int i = 0; i < persons[p].length; i++) {
        hits.add(ev(T0 + (i + 1) * (p + 1) * MIN, persons[p][i]).toBuilder().deviceCategory(devices[p]).build());
      }
      agg.add(path.evaluate(hits, "deviceCategory"));
    }
    List<FunnelAggregation.StepRow> t = agg.totals();
    assertThat(t).extracting(FunnelAggregation.StepRow::activeUsers).containsExactly(4L, 3L, 2L);
    assertThat(t).extracting(FunnelAggregation.StepRow::abandonments).containsExactly(1L, 1L, 0L);
    assertThat(t.get(0).completionRate()).isEqualTo(0.75);
    assertThat(t.get(1).abandonmentRate()).isEqualTo(1 / 3.0);
    assertThat(t.get(2).completionRate()).isEqualTo(1.0);
    // gaps to b: persons 1, 2, 4 at 1, 2, 4 minutes: median 2 min; to c: persons 1 and 4 at 1 and 4: 2.5 min
    assertThat(t.get(1).medianSecondsFromPrior()).isEqualTo(120.0);
    assertThat(t.get(2).medianSecondsFromPrior()).isEqualTo(150.0);
    List<FunnelAggregation.StepRow> b = agg.breakdown(5);
    // the person who did only b and c reached no step of the closed funnel: desktop has 2, mobile 2, tie by value
    assertThat(b).extracting(FunnelAggregation.StepRow::breakdownValue)
        .containsExactly("desktop", "desktop", "desktop", "mobile", "mobile", "mobile");
    assertThat(b).extracting(FunnelAggregation.StepRow::activeUsers).containsExactly(2L, 2L, 2L, 2L, 1L, 0L);
    assertThat(agg.breakdown(1)).hasSize(3);
  }

  @Test
  void breakdownValuesAreCapped() {
    FunnelRequest r = parse(body(funnel(false, step(event("a")), step(event("b")))));
    FunnelPath path = new FunnelPath(r.funnel(), SessionRules.GA4, "pagePath");
    FunnelAggregation agg = new FunnelAggregation(2, 3);
    for (int i = 0; i < 3; i++) {
      agg.add(path.evaluate(List.of(hit(T0, "a", "/" + i)), "pagePath"));
    }
    assertThatThrownBy(() -> agg.add(path.evaluate(List.of(hit(T0, "a", "/x")), "pagePath")))
        .isInstanceOf(InvalidRequestException.class).hasMessageContaining("more than 3 values");
  }

  @Test
  void badDefinitionsAreRefusedNamingTheField() {
    assertThatThrownBy(() -> parse(body(funnel(false, step(event("a"))))))
        .isInstanceOf(InvalidRequestException.class).hasMessageStartingWith("funnel.steps: must have 2 to 10 steps, has 1");
    List<Map<String, Object>> eleven = new ArrayList<>();
    for (int i = 0; i < 11; i++) {
      eleven.add(step(event("e" + i)));
    }
    Map<String, Object> tooMany = new HashMap<>(Map.of("steps", eleven));
    assertThatThrownBy(() -> parse(body(tooMany))).hasMessageStartingWith("funnel.steps: must have 2 to 10 steps, has 11");
    Map<String, Object> unknown = funnel(false, step(event("a")), step(event("b"), "withinSeconds", 5));
    assertThatThrownBy(() -> parse(body(unknown))).isInstanceOf(InvalidRequestException.class)
        .hasMessageStartingWith("funnel.steps[1].withinSeconds: unknown field");
    Map<String, Object> badDuration = funnel(false, step(event("a")), step(event("b"), "withinDurationFromPriorStep", "5m"));
    assertThatThrownBy(() -> parse(body(badDuration)))
        .hasMessageStartingWith("funnel.steps[1].withinDurationFromPriorStep: '5m' is not a duration");
    Map<String, Object> firstDirect = funnel(false, step(event("a"), "isDirectlyFollowedBy", true), step(event("b")));
    assertThatThrownBy(() -> parse(body(firstDirect)))
        .hasMessageStartingWith("funnel.steps[0].isDirectlyFollowedBy: the first step has no prior step");
    Map<String, Object> badRegex = funnel(false, step(event("a")), step(Map.of("funnelFieldFilter", Map.of(
        "fieldName", "pagePath", "stringFilter", Map.of("matchType", "FULL_REGEXP", "value", "(a")))));
    assertThatThrownBy(() -> parse(body(badRegex)))
        .hasMessageStartingWith("funnel.steps[1].filterExpression.funnelFieldFilter.stringFilter.value: invalid regular");
    Map<String, Object> unknownDim = funnel(false, step(event("a")), step(Map.of("funnelFieldFilter", Map.of(
        "fieldName", "nope", "stringFilter", Map.of("value", "x")))));
    assertThatThrownBy(() -> parse(body(unknownDim))).hasMessageContaining("unknown dimension 'nope'");
    Map<String, Object> both = funnel(false, step(event("a")), step(event("b")));
    both.put("withinSession", true);
    both.put("withinDays", 3);
    assertThatThrownBy(() -> parse(body(both))).hasMessageStartingWith("funnel.withinDays: set withinSession or withinDays");
    Map<String, Object> b = body(funnel(false, step(event("a")), step(event("b"))));
    b.put("funnelBreakdown", Map.of("breakdownDimension", Map.of("name", "newVsReturning")));
    assertThatThrownBy(() -> parse(b)).hasMessageStartingWith("funnelBreakdown.breakdownDimension.name:");
    Map<String, Object> top = body(funnel(false, step(event("a")), step(event("b"))));
    top.put("comparisons", List.of());
    assertThatThrownBy(() -> parse(top)).hasMessageStartingWith("comparisons: unknown field");
  }
}
