package io.beacon.model.aggregation;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.model.Hit;
import io.beacon.testing.AggregateAssertions;
import io.beacon.testing.HitStream;
import io.beacon.testing.ReferenceAggregation;
import io.beacon.testing.Scoping;
import io.beacon.model.session.Sessions;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The shared aggregation against the independent reference (plain loops, exact distinct sets). */
class AggregatorTest {

  private static final long NOW = Instant.parse("2026-10-26T12:00:00Z").toEpochMilli(); // spans Berlin's DST end

  @Test
  void everyBucketOfEveryDimensionMatchesTheReference() {
    List<Hit> hits = HitStream.generate(7, 1500, NOW);
    ReferenceAggregation ref = ReferenceAggregation.of(hits, HitStream.ZONES);
    Aggregator agg = new Aggregator(HitStream.ZONES::get);
    // Too-late hits belong to their sessions but are not counted (recompute owns their days).
    Scoping.scopeAll(hits).stream().filter(s -> !Lateness.isTooLate(s.hit(), Lateness.MAX_LATENESS))
        .forEach(s -> agg.add(s.hit(), s.scope()));

    AggregateAssertions.assertMatches(ref, agg.buckets());
    // Every precomputed dimension and both granularities are present.
    Set<String> dims = new java.util.HashSet<>();
    agg.buckets().keySet().forEach(k -> dims.add(k.dimension()));
    assertThat(dims).hasSize(Dimension.precomputedValues().length + 1);
    assertThat(ref.dirtyDays).isNotEmpty();
  }

  @Test
  void uaSessionsWithNonInteractionHitsMatchTheReference() {
    List<Hit> hits = HitStream.generate(13, 1200, NOW, true);
    assertThat(hits).anyMatch(h -> Boolean.TRUE.equals(h.nonInteraction()));
    ReferenceAggregation ref = ReferenceAggregation.of(hits, HitStream.ZONES);
    Aggregator agg = new Aggregator(HitStream.ZONES::get);
    Scoping.scopeAll(hits).stream().filter(s -> !Lateness.isTooLate(s.hit(), Lateness.MAX_LATENESS))
        .forEach(s -> agg.add(s.hit(), s.scope()));
    AggregateAssertions.assertMatches(ref, agg.buckets());
    // ni=1 decides here: read as interactions, the same hits engage more sessions.
    ReferenceAggregation allInteractions = ReferenceAggregation.of(
        hits.stream().map(h -> h.toBuilder().nonInteraction(null).build()).toList(), HitStream.ZONES);
    assertThat(engagedSessions(allInteractions)).isGreaterThan(engagedSessions(ref));
  }

  /** Engaged sessions over the day totals' rows (a session across midnight counts once per day). */
  private static long engagedSessions(ReferenceAggregation ref) {
    return ref.rows.entrySet().stream()
        .filter(e -> e.getKey().granularity().equals("day") && e.getKey().dimension().equals("(total)"))
        .mapToLong(e -> e.getValue().engagedSessions.size()).sum();
  }

  @Test
  void aMergeLimitedToSomeSketchesGivesTheSameSumsAndThoseSketches() {
    List<Hit> hits = HitStream.generate(5, 300, NOW);
    List<MetricState> parts = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      parts.add(new MetricState());
    }
    List<Sessions.Scoped> scoped = Scoping.scopeAll(hits);
    for (int i = 0; i < scoped.size(); i++) {
      parts.get(i % parts.size()).add(scoped.get(i).hit(), scoped.get(i).scope());
    }
    MetricState all = new MetricState();
    MetricState usersOnly = new MetricState();
    parts.forEach(p -> {
      all.merge(p);
      usersOnly.merge(p, MetricState.USERS);
    });
    assertThat(usersOnly.eventCount()).isEqualTo(all.eventCount()).isPositive();
    assertThat(usersOnly.userEngagementDurationMs()).isEqualTo(all.userEngagementDurationMs());
    assertThat(usersOnly.users()).isEqualTo(all.users()).isPositive();
    assertThat(usersOnly.sessions()).as("session sketches were not merged").isZero();
    assertThat(usersOnly.activeUsers()).as("active users were not merged").isZero();
    assertThat(all.sessions()).isPositive();
    assertThat(all.activeUsers()).isPositive().isLessThanOrEqualTo(all.users());
    MetricState activeOnly = new MetricState();
    parts.forEach(p -> activeOnly.merge(p, MetricState.ACTIVE_USERS));
    assertThat(activeOnly.activeUsers()).isEqualTo(all.activeUsers());
    assertThat(activeOnly.users()).isZero();
  }

  @Test
  void partialStatesMergeAfterASerializationRoundTrip() {
    List<Hit> hits = HitStream.generate(11, 800, NOW);
    ReferenceAggregation ref = ReferenceAggregation.of(hits, HitStream.ZONES);
    List<Aggregator> parts = List.of(new Aggregator(HitStream.ZONES::get), new Aggregator(HitStream.ZONES::get),
        new Aggregator(HitStream.ZONES::get));
    List<Sessions.Scoped> scoped = Scoping.scopeAll(hits).stream()
        .filter(s -> !Lateness.isTooLate(s.hit(), Lateness.MAX_LATENESS)).toList();
    for (int i = 0; i < scoped.size(); i++) {
      parts.get(i % parts.size()).add(scoped.get(i).hit(), scoped.get(i).scope());
    }
    Map<BucketKey, MetricState> merged = new HashMap<>();
    int i = 0;
    for (Aggregator part : parts) {
      boolean viaColumns = i++ % 2 == 0;
      part.buckets().forEach((key, state) -> {
        // Alternate both stored forms: the shuffle bytes and the Cassandra columns.
        MetricState copy = viaColumns
            ? MetricState.of(state.screenPageViews(), state.eventCount(), state.keyEvents(),
                state.userEngagementDurationMs(), state.newUsers(), state.botHits(), state.usersSketch(),
                state.sessionsSketch(), state.engagedSessionsSketch(), state.activeUsersSketch())
            : MetricState.fromBytes(state.toBytes());
        merged.merge(key, copy, MetricState::merge);
      });
    }
    AggregateAssertions.assertMatches(ref, merged);
  }

  @Test
  void bucketsFollowThePropertyZoneIncludingHalfHourOffsetsAndDst() {
    ZoneId kolkata = ZoneId.of("Asia/Kolkata");
    long ts = Instant.parse("2026-03-01T18:40:00Z").toEpochMilli(); // 00:10 on 2 March in Kolkata
    assertThat(Instant.ofEpochMilli(Granularity.HOUR.bucketStart(ts, kolkata))).isEqualTo("2026-03-01T18:30:00Z");
    assertThat(Instant.ofEpochMilli(Granularity.DAY.bucketStart(ts, kolkata))).isEqualTo("2026-03-01T18:30:00Z");
    assertThat(Granularity.HOUR.period(Granularity.HOUR.bucketStart(ts, kolkata), kolkata)).isEqualTo("2026-03-02");
    assertThat(Granularity.DAY.period(Granularity.DAY.bucketStart(ts, kolkata), kolkata)).isEqualTo("2026-03");

    ZoneId berlin = ZoneId.of("Europe/Berlin");
    long afterDstEnd = Instant.parse("2026-10-25T22:30:00Z").toEpochMilli(); // 23:30 CET on the 25-hour day
    assertThat(Instant.ofEpochMilli(Granularity.DAY.bucketStart(afterDstEnd, berlin)))
        .isEqualTo("2026-10-24T22:00:00Z"); // midnight CEST
  }

  @Test
  void botsAreCountedOnlyAsBotHitsOfTheTotals() {
    Hit bot = hit("c1", "s1", "page_view", true);
    Aggregator agg = new Aggregator(p -> ZoneOffset.UTC);
    Scoping.scopeAll(List.of(bot, hit("c2", "s1", "page_view", false))).forEach(s -> agg.add(s.hit(), s.scope()));
    assertThat(agg.buckets()).hasSize(2 + 2 * Dimension.precomputedValues().length);
    agg.buckets().forEach((key, state) -> {
      assertThat(state.eventCount()).isEqualTo(1);
      assertThat(state.users()).isEqualTo(1);
      assertThat(state.botHits()).isEqualTo(key.isTotal() ? 1 : 0);
    });
  }

  @Test
  void derivedMetricsFollowGa4Definitions() {
    MetricState m = new MetricState();
    // An engaged session (two page views, 20 s) and a bounced one.
    Scoping.scopeAll(List.of(hit("c1", "s1", "page_view", false), hit("c1", "s1", "page_view", false).toBuilder()
            .requestId("second").build(), withEngagement(hit("c2", "s2", "click", false), false)))
        .forEach(s -> m.add(s.hit(), s.scope()));
    assertThat(m.sessions()).isEqualTo(2);
    assertThat(m.engagedSessions()).isEqualTo(1);
    assertThat(DerivedMetrics.engagementRate(m)).isEqualTo(0.5);
    assertThat(DerivedMetrics.bounceRate(m)).isEqualTo(0.5);
    assertThat(DerivedMetrics.userEngagementDurationSeconds(m)).isEqualTo(20.0);
    assertThat(DerivedMetrics.averageSessionDuration(m)).isEqualTo(10.0);
    assertThat(DerivedMetrics.screenPageViewsPerSession(m)).isEqualTo(1.0);
    assertThat(DerivedMetrics.eventsPerSession(m)).isEqualTo(1.5);
    assertThat(DerivedMetrics.engagementRate(new MetricState())).isZero();
  }

  private static Hit hit(String client, String session, String event, boolean bot) {
    return Hit.builder()
        .propertyId("P")
        .clientId(client)
        .requestId(client + session + event)
        .sessionId(session)
        .sessionNumber(1)
        .ts(Instant.parse("2026-01-01T10:15:00Z").toEpochMilli())
        .receivedAt(0)
        .eventName(event)
        .engagementMs(10_000L)
        .sessionEngaged(true)
        .keyEvent(false)
        .firstVisit(false)
        .sessionStart(true)
        .hostname("h")
        .pagePath("/")
        .pageTitle("t")
        .deviceCategory("desktop")
        .browser("Chrome")
        .os("Linux")
        .language("en")
        .country("DE")
        .isBot(bot)
        .protocol("test")
        .schemaVersion(1)
        .build();
  }

  private static Hit withEngagement(Hit h, boolean engaged) {
    return h.toBuilder()
        .engagementMs(0L)
        .sessionEngaged(engaged)
        .build();
  }
}
