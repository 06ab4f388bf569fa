package io.beacon.model.aggregation;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.model.Hit;
import io.beacon.model.session.Scope;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The cardinality cap ({@link CardinalityCap}): a complete day folds every page path past its top n by events into
 * "(other)", whatever order the hits were aggregated in; the (other) rows hold exactly what the folded values held
 * (sums as plain sums, users as the distinct users of the folded values); hour rows follow their day; totals rows
 * are untouched. Expected figures come from the hits themselves (plain code below), not from the aggregation.
 */
class CardinalityCapTest {

  private static final String P = "P-cap";
  private static final ZoneId ZONE = ZoneId.of("Europe/Berlin");
  private static final int N = 10;
  private static final long DAY1 = ZonedDateTime.of(2026, 11, 30, 0, 0, 0, 0, ZONE).toInstant().toEpochMilli();

  /**
   * Two local days (the second starting in another month, so day rows sit in two partitions): 40 popular paths with
   * 40, 39, .. 1 events a day (three pairs of them tied), a flood of 300 paths with one event each, a client's literal
   * "(other)" path; 200 clients, spread over hours.
   */
  private static List<Hit> hits() {
    Random r = new Random(7);
    List<Hit> hits = new ArrayList<>();
    int seq = 0;
    for (int day = 0; day < 2; day++) {
      long start = ZonedDateTime.ofInstant(Instant.ofEpochMilli(DAY1), ZONE).plusDays(day).toInstant().toEpochMilli();
      for (int p = 0; p < 40; p++) {
        // Ties at the edge of the top 10 on day 0: /p09 and /p10 both 31 events (value order decides: /p09).
        int events = 40 - p + (day == 0 && p == 10 ? 1 : 0) + (day == 1 ? p % 3 : 0);
        for (int i = 0; i < events; i++) {
          hits.add(hit(String.format("/p%02d", p), r, start, seq++));
        }
      }
      for (int f = 0; f < 300; f++) {
        hits.add(hit("/flood/" + day + "/" + f, r, start, seq++));
      }
      for (int i = 0; i < 25; i++) {
        hits.add(hit(CardinalityCap.OTHER, r, start, seq++));
      }
    }
    return hits;
  }

  private static Hit hit(String path, Random r, long dayStart, int seq) {
    long ts = dayStart + r.nextInt(24) * 3_600_000L + r.nextInt(3_600_000);
    return Hit.builder().propertyId(P).clientId("c" + r.nextInt(200)).requestId("r" + seq).sessionId("s")
        .eventName(seq % 3 == 0 ? "click" : "page_view").keyEvent(seq % 5 == 0).engagementMs((long) (seq % 7) * 100)
        .pagePath(path).ts(ts).receivedAt(ts).build();
  }

  private static Scope scope(Hit h) {
    return new Scope("s", true, null, null, null, null, null, null, false, false, null, null, null);
  }

  private static Map<BucketKey, MetricState> aggregate(List<Hit> hits) {
    Aggregator agg = new Aggregator(p -> ZONE);
    hits.forEach(h -> agg.add(h, scope(h)));
    return agg.buckets();
  }

  private static LocalDate day(Hit h) {
    return Instant.ofEpochMilli(h.ts()).atZone(ZONE).toLocalDate();
  }

  /** Reference: the top N paths of each local day by events, ties by path, "(other)" never among them. */
  private static Map<LocalDate, Set<String>> topN(List<Hit> hits) {
    Map<LocalDate, Map<String, Long>> events = new TreeMap<>();
    for (Hit h : hits) {
      if (!h.pagePath().equals(CardinalityCap.OTHER)) {
        events.computeIfAbsent(day(h), d -> new HashMap<>()).merge(h.pagePath(), 1L, Long::sum);
      }
    }
    Map<LocalDate, Set<String>> top = new TreeMap<>();
    events.forEach((d, byPath) -> top.put(d, byPath.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
        .limit(N).map(Map.Entry::getKey).collect(Collectors.toSet())));
    return top;
  }

  private static Map<BucketKey, MetricState> pagePathRows(Map<BucketKey, MetricState> rows, Granularity g) {
    Map<BucketKey, MetricState> out = new HashMap<>();
    rows.forEach((k, v) -> {
      if (k.granularity() == g && k.dimension().equals(Dimension.PAGE_PATH.apiName())) {
        out.put(k, v);
      }
    });
    return out;
  }

  @Test
  void keepsTheTopNOfEachDayByEventsAndFoldsTheRestExactlyIntoOther() {
    List<Hit> hits = hits();
    Map<BucketKey, MetricState> in = aggregate(hits);
    CardinalityCap.Result result = CardinalityCap.fold(in, N, p -> ZONE);
    Map<LocalDate, Set<String>> top = topN(hits);
    assertThat(top.get(LocalDate.of(2026, 11, 30))).contains("/p09").doesNotContain("/p10");

    // Day rows: the top N and (other), nothing else.
    Map<LocalDate, Set<String>> dayValues = new TreeMap<>();
    pagePathRows(result.buckets(), Granularity.DAY).keySet().forEach(k -> dayValues.computeIfAbsent(
        Instant.ofEpochMilli(k.bucketStart()).atZone(ZONE).toLocalDate(), d -> new HashSet<>()).add(k.value()));
    assertThat(dayValues.keySet()).containsExactlyElementsOf(top.keySet());
    top.forEach((d, values) -> {
      Set<String> expected = new HashSet<>(values);
      expected.add(CardinalityCap.OTHER);
      assertThat(dayValues.get(d)).as(d.toString()).isEqualTo(expected);
    });

    // Every dimension row (day and hour) against plain sums over the hits of its bucket and value.
    for (Map.Entry<BucketKey, MetricState> e : pagePathRows(result.buckets(), Granularity.DAY).entrySet()) {
      assertRowIs(e.getKey(), e.getValue(), hits, top, Granularity.DAY);
    }
    Map<BucketKey, MetricState> hours = pagePathRows(result.buckets(), Granularity.HOUR);
    for (Map.Entry<BucketKey, MetricState> e : hours.entrySet()) {
      assertRowIs(e.getKey(), e.getValue(), hits, top, Granularity.HOUR);
      // An hour row's value is one its day keeps (or (other)).
      assertThat(e.getKey().value()).isIn(withOther(top.get(LocalDate.parse(e.getKey().period()))));
    }
    assertThat(result.folded()).hasSize(2).allMatch(g -> g.dimension().equals(Dimension.PAGE_PATH.apiName()));
    // Totals and the dimensions under the cap (one value each here) are the input's own states.
    in.forEach((k, v) -> {
      if (k.isTotal() || !k.dimension().equals(Dimension.PAGE_PATH.apiName())) {
        assertThat(result.buckets().get(k)).as(k.toString()).isSameAs(v);
      }
    });
  }

  private static Set<String> withOther(Set<String> values) {
    Set<String> out = new HashSet<>(values);
    out.add(CardinalityCap.OTHER);
    return out;
  }

  /** The row's sums and distinct users equal those of the hits it stands for (folded paths for (other)). */
  private static void assertRowIs(BucketKey k, MetricState row, List<Hit> hits, Map<LocalDate, Set<String>> top,
                                  Granularity g) {
    long pv = 0;
    long ev = 0;
    long ke = 0;
    long ms = 0;
    Set<String> users = new HashSet<>();
    for (Hit h : hits) {
      long start = g == Granularity.DAY ? day(h).atStartOfDay(ZONE).toInstant().toEpochMilli()
          : Instant.ofEpochMilli(h.ts()).atZone(ZONE).truncatedTo(ChronoUnit.HOURS).toInstant().toEpochMilli();
      boolean folded = !top.get(day(h)).contains(h.pagePath());
      String value = folded ? CardinalityCap.OTHER : h.pagePath();
      if (start == k.bucketStart() && value.equals(k.value())) {
        ev++;
        pv += h.eventName().equals("page_view") ? 1 : 0;
        ke += h.keyEvent() ? 1 : 0;
        ms += h.engagementMs();
        users.add(h.clientId());
      }
    }
    assertThat(ev).as(k + " has hits").isPositive();
    assertThat(row.eventCount()).as(k + " events").isEqualTo(ev);
    assertThat(row.screenPageViews()).as(k + " page views").isEqualTo(pv);
    assertThat(row.keyEvents()).as(k + " key events").isEqualTo(ke);
    assertThat(row.userEngagementDurationMs()).as(k + " engagement").isEqualTo(ms);
    // At most 200 distinct users: within the exact part of the distinct counts, so equal.
    assertThat(row.users()).as(k + " users").isEqualTo(users.size());
  }

  @Test
  void theResultDoesNotDependOnTheOrderOfTheHits() {
    List<Hit> hits = hits();
    Map<BucketKey, String> first = fingerprint(CardinalityCap.fold(aggregate(hits), N, p -> ZONE).buckets());
    for (long seed = 1; seed <= 5; seed++) {
      List<Hit> shuffled = new ArrayList<>(hits);
      Collections.shuffle(shuffled, new Random(seed));
      assertThat(fingerprint(CardinalityCap.fold(aggregate(shuffled), N, p -> ZONE).buckets()))
          .as("shuffle " + seed).isEqualTo(first);
    }
  }

  private static Map<BucketKey, String> fingerprint(Map<BucketKey, MetricState> rows) {
    Map<BucketKey, String> out = new HashMap<>();
    rows.forEach((k, v) -> out.put(k, v.toString()));
    return out;
  }

  @Test
  void otherHoldsTheDistinctUsersOfTheFoldedValuesWithinTheSketchError() {
    // 3000 one-hit paths of 3000 distinct users (past the exact part: the HLL estimate) and 5 popular paths.
    List<Hit> hits = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      hits.add(Hit.builder().propertyId(P).clientId("u" + i).requestId("f" + i).sessionId("s").eventName("page_view")
          .pagePath("/x/" + i).ts(DAY1 + i * 1000L).build());
    }
    for (int i = 0; i < 500; i++) {
      hits.add(Hit.builder().propertyId(P).clientId("u" + i).requestId("p" + i).sessionId("s").eventName("page_view")
          .pagePath("/top/" + i % 5).ts(DAY1 + i * 1000L).build());
    }
    CardinalityCap.Result result = CardinalityCap.fold(aggregate(hits), 5, p -> ZONE);
    MetricState other = result.buckets().get(new BucketKey(P, Granularity.DAY, "2026-11", DAY1,
        Dimension.PAGE_PATH.apiName(), CardinalityCap.OTHER));
    assertThat(other.eventCount()).isEqualTo(3000);
    // 3 standard errors of the HLL (MetricState.RELATIVE_STANDARD_ERROR), the accuracy check's bound.
    assertThat((double) other.users()).isCloseTo(3000, org.assertj.core.data.Offset.offset(
        3 * MetricState.RELATIVE_STANDARD_ERROR * 3000 + 2));
    assertThat(result.otherEvents()).containsValue(3000L);
  }

  @Test
  void underTheCapNothingChangesAndZeroTurnsItOff() {
    List<Hit> hits = hits();
    Map<BucketKey, MetricState> in = aggregate(hits);
    CardinalityCap.Result wide = CardinalityCap.fold(in, 10_000, p -> ZONE);
    assertThat(wide.buckets()).isEqualTo(in);
    assertThat(wide.folded()).isEmpty();
    assertThat(CardinalityCap.fold(in, 0, p -> ZONE).buckets()).isEqualTo(in);
  }

  @Test
  void theStreamAdmitsStoredValuesThenNewOnesInValueOrderUpToN() {
    // Stored: a, b and (other) (which takes no place); room for 2 of the new c, d, e: c and d.
    assertThat(CardinalityCap.admit(List.of("b", "a", CardinalityCap.OTHER), List.of("e", "a", "d", "c"), 4))
        .containsExactlyInAnyOrder("a", "b", "c", "d");
    // Everything fits: null (keep all).
    assertThat(CardinalityCap.admit(List.of("a"), List.of("a", "b", CardinalityCap.OTHER), 2)).isNull();
    // A replay after part of the batch was written (c stored already) admits the same values.
    assertThat(CardinalityCap.admit(List.of("b", "a", "c"), List.of("e", "a", "d", "c"), 4))
        .containsExactlyInAnyOrder("a", "b", "c", "d");
    // Full: no new value.
    assertThat(CardinalityCap.admit(List.of("a", "b"), List.of("z"), 2)).containsExactlyInAnyOrder("a", "b");
  }

  @Test
  void applyFoldsHourRowsWithTheirDay() {
    List<Hit> hits = hits();
    Map<BucketKey, MetricState> in = aggregate(hits);
    CardinalityCap.DayGroup day0 = new CardinalityCap.DayGroup(P, Dimension.PAGE_PATH.apiName(), DAY1);
    CardinalityCap.Result r = CardinalityCap.apply(in, p -> ZONE, g -> g.equals(day0) ? Set.of("/p00") : null);
    long day0PathRows = r.buckets().keySet().stream().filter(k -> !k.isTotal()
        && k.dimension().equals(Dimension.PAGE_PATH.apiName()) && CardinalityCap.DayGroup.of(k, ZONE).equals(day0)
        && !k.value().equals("/p00") && !k.value().equals(CardinalityCap.OTHER)).count();
    assertThat(day0PathRows).isZero();
    assertThat(r.folded()).containsExactly(day0);
  }
}
