package io.beacon.model.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.beacon.model.Hit;
import io.beacon.model.session.ClientState.Count;
import io.beacon.model.session.ClientState.Dirty;
import io.beacon.model.session.ClientState.Output;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** {@link ClientState} on hand-worked cases (the properties are in {@link ClientStateProperties}). */
class ClientStateTest {
  static final long MIN = 60_000;
  static final long HOUR = 60 * MIN;
  static final long DAY = 24 * HOUR;
  /** A UTC midnight: 2025-11-25T00:00Z. */
  static final long MIDNIGHT = Instant.parse("2025-11-25T00:00:00Z").toEpochMilli();
  static final long SETTLE = 5_000;
  static final SessionRules RULES = SessionRules.GA4;

  @Test
  void anInOrderSessionIsCountedOnceSettledWithTheScopeRecomputeGives() {
    ClientState st = new ClientState();
    Hit a = hit("a", null, MIDNIGHT, "page_view").toBuilder().source("google").medium("organic").build();
    Hit b = hit("b", null, MIDNIGHT + 3 * MIN, "scroll");
    Hit c = hit("c", null, MIDNIGHT + 6 * MIN, "page_view").toBuilder().pagePath("/pricing").build();
    long now = MIDNIGHT + 10 * MIN;
    assertThat(st.add(List.of(a), now, RULES)).isEmpty();
    assertThat(st.add(List.of(c, b), now + 1_000, RULES)).isEmpty();
    assertThat(st.settle(now + 1_000 + SETTLE - 1, SETTLE, RULES)).isEmpty(); // not quiet long enough
    assertThat(st.nextTimeoutMs(SETTLE, ClientState.DEFAULT_RETENTION_MS, ClientState.DEFAULT_MEMORY_MS, RULES))
        .isEqualTo(now + 1_000 + SETTLE);
    List<Output> out = st.settle(now + 1_000 + SETTLE, SETTLE, RULES);
    assertThat(out).containsExactlyElementsOf(counts(Sessions.scope(List.of(a, b, c), ClientHistory.NONE, RULES)));
    Scope first = ((Count) out.get(0)).scope();
    assertThat(first.newUser()).isTrue();
    assertThat(first.engaged()).isTrue(); // two page views
    assertThat(first.landingPage()).isEqualTo("/");
    assertThat(first.sessionId()).isEqualTo(Sessions.ASSIGNED_PREFIX + MIDNIGHT);
    assertThat(st.openEvents()).isZero();
    assertThat(st.settledSessions()).isEqualTo(1);
    assertThat(st.history()).isEqualTo(new ClientHistory(MIDNIGHT, "google", "organic", null, "a"));
  }

  @Test
  void aLateEventThatChangesNoScopeIsCountedAtOnceWithTheSettledSessionsScope() {
    ClientState st = new ClientState();
    Hit a = hit("a", "s1", MIDNIGHT, "page_view");
    Hit b = hit("b", "s1", MIDNIGHT + MIN, "page_view");
    st.add(List.of(a, b), MIDNIGHT + 2 * MIN, RULES);
    List<Output> settled = st.settle(MIDNIGHT + 2 * MIN + SETTLE, SETTLE, RULES);
    Scope scope = ((Count) settled.get(1)).scope();
    // Between the two, same attribution (direct): nothing changes.
    Hit late = hit("c", "s1", MIDNIGHT + 30_000, "scroll");
    List<Output> out = st.add(List.of(late), MIDNIGHT + HOUR, RULES);
    assertThat(out).containsExactly(new Count(late, scope));
    assertThat(st.openEvents()).isZero();
    // The whole equals recompute's.
    List<Output> all = new ArrayList<>(settled);
    all.addAll(out);
    assertThat(sorted(all)).isEqualTo(counts(Sessions.scope(List.of(a, b, late), ClientHistory.NONE, RULES)));
  }

  @Test
  void anEarlierEventWithOtherAttributionDirtiesEveryDayOfItsSessionAcrossMidnight() {
    ClientState st = new ClientState();
    Hit a = hit("a", "s1", MIDNIGHT - 10 * MIN, "page_view");
    Hit b = hit("b", "s1", MIDNIGHT + 10 * MIN, "page_view");
    st.add(List.of(a, b), MIDNIGHT + 11 * MIN, RULES);
    st.settle(MIDNIGHT + 11 * MIN + SETTLE, SETTLE, RULES);
    Hit early = hit("e", "s1", MIDNIGHT - 15 * MIN, "page_view").toBuilder().source("news").medium("email")
        .pagePath("/blog?utm_source=news").build();
    List<Output> out = st.add(List.of(early), MIDNIGHT + 2 * HOUR, RULES);
    Scope now = Sessions.scope(List.of(a, b, early), ClientHistory.NONE, RULES).get(0).scope();
    assertThat(now.source()).isEqualTo("news");
    assertThat(now.landingPage()).isEqualTo("/blog");
    assertThat(out).contains(new Count(early, now));
    // Both local (UTC) days of the session, named by quarter hours.
    assertThat(dirtyTimes(out)).containsExactly(MIDNIGHT - 15 * MIN, MIDNIGHT);
    assertThat(utcDays(out)).containsExactly(day(MIDNIGHT - 1), day(MIDNIGHT));
  }

  @Test
  void aLateEventJoiningTwoBeaconSessionsMergesThemAndDirtiesBoth() {
    ClientState st = new ClientState();
    Hit a = hit("a", null, MIDNIGHT - 40 * MIN, "page_view");
    Hit b = hit("b", null, MIDNIGHT + 20 * MIN, "page_view"); // 60 min later: a session of its own
    st.add(List.of(a, b), MIDNIGHT + HOUR, RULES);
    List<Output> first = st.settle(MIDNIGHT + HOUR + SETTLE, SETTLE, RULES);
    assertThat(first).extracting(o -> ((Count) o).scope().sessionId())
        .containsExactly(Sessions.ASSIGNED_PREFIX + a.ts(), Sessions.ASSIGNED_PREFIX + b.ts());
    assertThat(st.settledSessions()).isEqualTo(2);
    Hit bridge = hit("c", null, MIDNIGHT - 10 * MIN, "scroll"); // 30 min after a, 30 min before b
    List<Output> out = st.add(List.of(bridge), MIDNIGHT + 2 * HOUR, RULES);
    Scope merged = Sessions.scope(List.of(a, b, bridge), ClientHistory.NONE, RULES).get(1).scope();
    assertThat(merged.sessionId()).isEqualTo(Sessions.ASSIGNED_PREFIX + a.ts());
    assertThat(out).contains(new Count(bridge, merged));
    assertThat(utcDays(out)).containsExactly(day(MIDNIGHT - 1), day(MIDNIGHT));
    assertThat(st.settledSessions()).isEqualTo(1);
  }

  @Test
  void aMergeThatLeavesTheEarlierSessionAsItWasStillDirtiesTheLaterOne() {
    ClientState st = new ClientState();
    Hit a = hit("a", null, MIDNIGHT - 50 * MIN, "sign_up").toBuilder().keyEvent(true).build(); // engaged already
    Hit b = hit("b", null, MIDNIGHT + 10 * MIN, "scroll"); // 60 min later, the next day: a session of its own
    Hit c = hit("c", null, MIDNIGHT - 40 * MIN, "scroll"); // late, a's session, changes nothing
    st.add(List.of(a, b), MIDNIGHT + HOUR, RULES);
    st.settle(MIDNIGHT + HOUR + SETTLE, SETTLE, RULES);
    assertThat(st.add(List.of(c), MIDNIGHT + HOUR + 2 * SETTLE, RULES)).containsExactly(
        new Count(c, Sessions.scope(List.of(a, b, c), ClientHistory.NONE, RULES).get(1).scope()));
    // 20 min after c, 30 min before b: one session now. b's session id changes, a's counted scope does not.
    Hit d = hit("d", null, MIDNIGHT - 20 * MIN, "scroll");
    List<Output> out = st.add(List.of(d), MIDNIGHT + 2 * HOUR, RULES);
    List<Sessions.Scoped> truth = Sessions.scope(List.of(a, b, c, d), ClientHistory.NONE, RULES);
    assertThat(truth.get(3).scope().sessionId()).isEqualTo(Sessions.ASSIGNED_PREFIX + a.ts());
    assertThat(out).contains(new Count(d, truth.get(2).scope()));
    assertThat(utcDays(out)).containsExactly(day(MIDNIGHT)); // b's day only
    assertThat(st.settledSessions()).isEqualTo(1);
  }

  @Test
  void anOpenBeaconEventNearASettledSessionJoinsItAndIsCountedAtOnce() {
    ClientState st = new ClientState();
    Hit a = hit("a", null, MIDNIGHT, "page_view");
    Hit b = hit("b", null, MIDNIGHT + 5 * MIN, "page_view");
    st.add(List.of(a, b), MIDNIGHT + 6 * MIN, RULES);
    st.settle(MIDNIGHT + 6 * MIN + SETTLE, SETTLE, RULES);
    // The session resumes (in order) after it settled: same session, nothing changes.
    Hit c = hit("c", null, MIDNIGHT + 30 * MIN, "scroll");
    List<Output> out = st.add(List.of(c), MIDNIGHT + 31 * MIN, RULES);
    assertThat(out).containsExactly(new Count(c, Sessions.scope(List.of(a, b, c), ClientHistory.NONE, RULES)
        .get(2).scope()));
  }

  @Test
  void engagementFlippingDirtiesEveryDayOfASenderSessionLongerThanADay() {
    ClientState st = new ClientState();
    Hit a = hit("a", "long", MIDNIGHT + 10 * HOUR, "scroll");
    Hit b = hit("b", "long", MIDNIGHT + DAY + 12 * HOUR, "scroll"); // 26 h later, same sender session
    st.add(List.of(a, b), MIDNIGHT + DAY + 13 * HOUR, RULES);
    List<Output> settled = st.settle(MIDNIGHT + DAY + 13 * HOUR + SETTLE, SETTLE, RULES);
    assertThat(settled).extracting(o -> ((Count) o).scope().engaged()).containsExactly(false, false);
    assertThat(settled).extracting(o -> ((Count) o).scope().sessionId()).containsOnly("long");
    Hit engagement = withEngagement(hit("c", "long", MIDNIGHT + DAY + 12 * HOUR + MIN, "user_engagement"), 15_000);
    List<Output> out = st.add(List.of(engagement), MIDNIGHT + DAY + 14 * HOUR, RULES);
    assertThat(((Count) out.get(0)).scope().engaged()).isTrue();
    assertThat(utcDays(out)).containsExactly(day(MIDNIGHT), day(MIDNIGHT + DAY));
  }

  @Test
  void lateEventsUpTo72HoursBackAreCountedWhenTheyChangeNothingAndDirtyOtherwise() {
    ClientState st = new ClientState();
    long e = MIDNIGHT + 9 * HOUR;
    Hit a = hit("a", "s1", e, "page_view");
    Hit b = hit("b", "s1", e + 5 * MIN, "scroll");
    st.add(List.of(a, b), e + 6 * MIN, RULES);
    st.settle(e + 6 * MIN + SETTLE, SETTLE, RULES);
    // 72 h later: still retained (73 h after max(last arrival, last event + 30 min)).
    long now = e + 72 * HOUR + 2 * MIN;
    st.expire(now);
    assertThat(st.settledSessions()).isEqualTo(1);
    Hit late = hit("c", "s1", e + 2 * MIN, "scroll").toBuilder().receivedAt(now - 1).build(); // 72 h - 1 ms late
    assertThat(st.add(List.of(late), now, RULES)).containsExactly(new Count(late, Sessions.scope(List.of(a, b, late),
        ClientHistory.NONE, RULES).get(1).scope()));
    // A key event 72 h back turns the session engaged: its day is dirty.
    Hit key = hit("d", "s1", e + 3 * MIN, "sign_up").toBuilder().keyEvent(true).receivedAt(now).build();
    List<Output> out = st.add(List.of(key), now, RULES);
    assertThat(((Count) out.get(0)).scope().engaged()).isTrue();
    assertThat(utcDays(out)).containsExactly(day(e));
    // Later than 72 h: never counted, its day dirty; it still moves the first visit.
    Hit tooLate = hit("t", "s0", e - 2 * HOUR, "page_view").toBuilder().receivedAt(e - 2 * HOUR + 72 * HOUR + 1)
        .source("bing").build();
    out = st.add(List.of(tooLate), now + 1, RULES);
    assertThat(out).noneMatch(o -> o instanceof Count);
    assertThat(utcDays(out)).containsExactly(day(e)); // its own day, and the session that lost its first visit
    assertThat(st.history().firstTs()).isEqualTo(tooLate.ts());
    assertThat(st.settle(now + 1 + SETTLE, SETTLE, RULES)).isEmpty();
  }

  @Test
  void theFirstVisitMovingEarlierDirtiesTheSessionsThatCountedIt() {
    ClientState st = new ClientState();
    Hit a = hit("a", "A", MIDNIGHT + 10 * HOUR, "page_view").toBuilder().source("google").medium("organic").build();
    Hit b = hit("b", "B", MIDNIGHT + DAY + 12 * HOUR, "page_view");
    st.add(List.of(a), MIDNIGHT + 10 * HOUR, RULES);
    st.settle(MIDNIGHT + 10 * HOUR + SETTLE, SETTLE, RULES);
    st.add(List.of(b), MIDNIGHT + DAY + 12 * HOUR, RULES);
    List<Output> bOut = st.settle(MIDNIGHT + DAY + 12 * HOUR + SETTLE, SETTLE, RULES);
    assertThat(((Count) bOut.get(0)).scope().firstUserSource()).isEqualTo("google");

    // Same attribution, earlier, another session: only the session that held the first visit changes.
    ClientState same = ClientState.fromBytes(st.toBytes());
    Hit c = hit("c", "C", MIDNIGHT + 9 * HOUR, "page_view").toBuilder().source("google").medium("organic").build();
    List<Output> out = same.add(List.of(c), MIDNIGHT + DAY + 13 * HOUR, RULES);
    assertThat(utcDays(out)).containsExactly(day(a.ts()));
    List<Output> cOut = same.settle(MIDNIGHT + DAY + 13 * HOUR + SETTLE, SETTLE, RULES);
    assertThat(((Count) cOut.get(0)).scope().newUser()).isTrue();

    // Other attribution: every counted session's firstUser* changes.
    Hit d = hit("d", "D", MIDNIGHT + 9 * HOUR, "page_view").toBuilder().source("bing").medium("organic").build();
    out = st.add(List.of(d), MIDNIGHT + DAY + 13 * HOUR, RULES);
    assertThat(utcDays(out)).containsExactly(day(a.ts()), day(b.ts()));
    List<Output> dOut = st.settle(MIDNIGHT + DAY + 13 * HOUR + SETTLE, SETTLE, RULES);
    assertThat(dOut).containsExactly(new Count(d, Sessions.scope(List.of(a, b, d), ClientHistory.NONE, RULES)
        .get(0).scope()));
  }

  @Test
  void aSessionSettlingWhileAnEarlierOneIsStillOpenIsCountedAsReturning() {
    ClientState st = new ClientState();
    long t = MIDNIGHT + 10 * HOUR;
    Hit a1 = hit("a1", "A", t, "page_view").toBuilder().source("google").medium("organic").build();
    Hit b1 = hit("b1", "B", t + 2 * MIN, "page_view");
    Hit a2 = hit("a2", "A", t + 3 * MIN, "scroll");
    Hit a3 = hit("a3", "A", t + 4 * MIN, "scroll");
    List<Output> out = new ArrayList<>();
    out.addAll(st.add(List.of(a1), t, RULES));
    out.addAll(st.add(List.of(b1), t + 1_000, RULES));
    out.addAll(st.add(List.of(a2), t + 4_000, RULES));
    List<Output> bOnly = st.settle(t + 1_000 + SETTLE, SETTLE, RULES); // B is quiet, A is not
    assertThat(bOnly).hasSize(1);
    Scope b = ((Count) bOnly.get(0)).scope();
    assertThat(b.newUser()).isFalse();
    assertThat(b.firstVisitSession()).isFalse();
    assertThat(b.firstUserSource()).isEqualTo("google");
    out.addAll(bOnly);
    out.addAll(st.add(List.of(a3), t + 8_000, RULES));
    out.addAll(st.settle(t + 8_000 + SETTLE, SETTLE, RULES));
    assertThat(out).noneMatch(o -> o instanceof Dirty);
    assertThat(sorted(out)).isEqualTo(counts(Sessions.scope(List.of(a1, b1, a2, a3), ClientHistory.NONE, RULES)));
  }

  @Test
  void aClientKnownFromBeforeIsReturningAndAnEarlierEventDirtiesTheOldFirstVisitsDay() {
    long before = MIDNIGHT - 5 * DAY;
    ClientHistory known = new ClientHistory(before, "bing", "organic", null);
    ClientState st = new ClientState(known);
    Hit a = hit("a", "s", MIDNIGHT, "page_view");
    st.add(List.of(a), MIDNIGHT, RULES);
    List<Output> out = st.settle(MIDNIGHT + SETTLE, SETTLE, RULES);
    assertThat(out).containsExactlyElementsOf(counts(Sessions.scope(List.of(a), known, RULES)));
    assertThat(((Count) out.get(0)).scope().firstUserSource()).isEqualTo("bing");
    // Equal time: what is known wins (the event it was learnt from never counts twice).
    Hit tie = hit("t", "s2", before, "page_view");
    assertThat(st.add(List.of(tie), MIDNIGHT + MIN, RULES)).isEmpty();
    // Earlier than what is known: the old first event's day is dirty, and so is every counted session.
    Hit earlier = hit("e", "s3", before - HOUR, "page_view");
    out = st.add(List.of(earlier), MIDNIGHT + 2 * MIN, RULES);
    assertThat(utcDays(out)).containsExactly(day(before), day(MIDNIGHT));
  }

  @Test
  void summariesExpireAfterTheRetentionThenOnlyTheFirstVisitIsLeftUntilTheClientIsForgotten() {
    ClientState st = new ClientState();
    Hit a = hit("a", null, MIDNIGHT, "page_view");
    st.add(List.of(a), MIDNIGHT + MIN, RULES);
    st.settle(MIDNIGHT + MIN + SETTLE, SETTLE, RULES);
    long retention = ClientState.DEFAULT_RETENTION_MS;
    long memory = ClientState.DEFAULT_MEMORY_MS;
    // Kept from max(last arrival, last event + timeout) = MIDNIGHT + 30 min.
    long expiry = MIDNIGHT + 30 * MIN + retention;
    assertThat(st.nextTimeoutMs(SETTLE, retention, memory, RULES)).isEqualTo(expiry);
    st.expire(expiry - 1, retention);
    assertThat(st.onlyHistory()).isFalse();
    st.expire(expiry, retention);
    assertThat(st.onlyHistory()).isTrue();
    assertThat(st.history().firstTs()).isEqualTo(MIDNIGHT);
    assertThat(st.nextTimeoutMs(SETTLE, retention, memory, RULES)).isEqualTo(MIDNIGHT + MIN + memory);
    assertThat(st.forgettable(MIDNIGHT + MIN + memory - 1, memory)).isFalse();
    assertThat(st.forgettable(MIDNIGHT + MIN + memory, memory)).isTrue();
    // An event that might have belonged to the expired Beacon session: its day is dirty (it is still counted).
    Hit late = hit("b", null, MIDNIGHT + 20 * MIN, "scroll");
    List<Output> out = st.add(List.of(late), expiry + 1, RULES);
    assertThat(utcDays(out)).containsExactly(day(MIDNIGHT));
    assertThat(st.settle(expiry + 1 + SETTLE, SETTLE, RULES)).hasSize(1);
  }

  @Test
  void theStateSurvivesItsBinaryFormAtEveryStep() {
    ClientState st = new ClientState(new ClientHistory(MIDNIGHT - DAY, "x", null, "c"));
    List<Hit> hits = realisticSession(10);
    st.add(hits.subList(0, 4), MIDNIGHT + MIN, RULES);
    st.add(List.of(hits.get(1).toBuilder().requestId("k").sessionId(null).ts(MIDNIGHT + 3 * HOUR)
        .receivedAt(MIDNIGHT + 3 * HOUR).protocol("ua").build()), MIDNIGHT + 3 * HOUR, RULES);
    byte[] bytes = st.toBytes();
    ClientState copy = ClientState.fromBytes(bytes);
    assertThat(copy.toBytes()).isEqualTo(bytes);
    assertThat(copy.add(hits.subList(4, 10), MIDNIGHT + 2 * MIN, RULES))
        .isEqualTo(st.add(hits.subList(4, 10), MIDNIGHT + 2 * MIN, RULES));
    assertThat(copy.settle(MIDNIGHT + 4 * HOUR, SETTLE, RULES)).isEqualTo(st.settle(MIDNIGHT + 4 * HOUR, SETTLE,
        RULES));
    assertThat(ClientState.fromBytes(st.toBytes()).toBytes()).isEqualTo(st.toBytes());
    assertThat(copy.toBytes()).isEqualTo(st.toBytes());
    bytes[0] = 9;
    assertThatThrownBy(() -> ClientState.fromBytes(bytes)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("format 9");
  }

  @Test
  void aPendingHitKeepsItsStreamIdThroughTheBinaryForm() {
    // Format 5: an app stream's hit waiting in the state settles with its stream id (and so its platform).
    ClientState st = new ClientState(new ClientHistory(MIDNIGHT - DAY, "x", null, "c"));
    Hit app = hit("a1", null, MIDNIGHT, "level_up").toBuilder().streamId("1:1234567890:android:0123abcd").build();
    st.add(List.of(app), MIDNIGHT + MIN, RULES);
    ClientState read = ClientState.fromBytes(st.toBytes());
    assertThat(read.settle(MIDNIGHT + 4 * HOUR, SETTLE, RULES)).extracting(o -> ((Count) o).hit())
        .singleElement().satisfies(h -> {
          assertThat(h.streamId()).isEqualTo("1:1234567890:android:0123abcd");
          assertThat(h.platform()).isEqualTo("Android");
        });
  }

  @Test
  void aFormatOneStateReadsWithEveryHitAnInteraction() {
    // Written by format 1 (before non_interaction): a settled UA session engaged by its two hits (5 s apart) and an
    // open UA hit with every flag set. The same steps today give the same state, in today's format.
    byte[] v1 = java.util.Base64.getDecoder().decode("AQsBUAFjAXgCdTMGc2Nyb2xsDmV2ZW50X2NhdGVnb3J5AS8IKGRpcmVjdCkGKG5vbmU"
        + "pAnVhAnUxAQIFgIDIstZmAAMAAoCe2VwB+s+MgBiAntlcAAEEBAUBBgUABwgJCgIAAQEAA/+tpgoLCAkAAAAACwcAAQIAkE6QTrDbBtCB1QEB"
        + "AA==");
    assertThat(v1[0]).isEqualTo((byte) 1);
    ClientState read = ClientState.fromBytes(v1);
    ClientState today = new ClientState(new ClientHistory(MIDNIGHT - DAY, "x", null, "c"));
    Hit u1 = hit("u1", null, MIDNIGHT, "page_view").toBuilder().protocol("ua").build();
    Hit u2 = hit("u2", null, MIDNIGHT + 5_000, "click").toBuilder().protocol("ua").pagePath(null).build();
    today.add(List.of(u1, u2), MIDNIGHT + MIN, RULES);
    assertThat(today.settle(MIDNIGHT + MIN + SETTLE, SETTLE, RULES)).allMatch(o -> ((Count) o).scope().engaged());
    Hit u3 = hit("u3", null, MIDNIGHT + 3 * HOUR, "scroll").toBuilder().protocol("ua").sessionNumber(2)
        .engagementMs(0L).keyEvent(false).firstVisit(false).sessionStart(true).sessionEngaged(false).isBot(false)
        .params(Map.of("event_category", "scroll")).build();
    today.add(List.of(u3), MIDNIGHT + 3 * HOUR, RULES);
    byte[] v2 = today.toBytes();
    assertThat(v2[0]).isEqualTo((byte) ClientState.FORMAT_VERSION).isEqualTo((byte) 5);
    assertThat(read.toBytes()).isEqualTo(v2);
    // Both go on alike: a late non-interaction hit joins the settled session (still engaged by its two
    // interaction hits), and the open hit settles as it was sent (non_interaction null).
    Hit late = hit("u0", null, MIDNIGHT + 2_000, "scroll").toBuilder().protocol("ua").nonInteraction(true).build();
    List<Output> joined = read.add(List.of(late), MIDNIGHT + 2 * HOUR, RULES);
    assertThat(joined).isEqualTo(today.add(List.of(late), MIDNIGHT + 2 * HOUR, RULES)).singleElement()
        .satisfies(o -> {
          assertThat(((Count) o).hit()).isEqualTo(late);
          assertThat(((Count) o).scope().engaged()).isTrue();
        });
    List<Output> settled = read.settle(MIDNIGHT + 4 * HOUR, SETTLE, RULES);
    assertThat(settled).isEqualTo(today.settle(MIDNIGHT + 4 * HOUR, SETTLE, RULES));
    assertThat(settled).extracting(o -> ((Count) o).hit()).containsExactly(u3);
  }

  @Test
  void aFormatTwoStateReadsWithoutModelAndBrand() {
    // Written by format 2 (before device_model and device_brand): a settled UA session (a page view and a
    // non-interaction scroll) and an open MP purchase with every other field set. The same steps today give the same
    // state, in format 3.
    byte[] v2 = java.util.Base64.getDecoder().decode("AhcBUAFjAXgCbTECczIIcHVyY2hhc2UFdmFsdWUEOS45OQEvCChkaXJlY3QpBihub2"
        + "5lKQZtb2JpbGUGQ2hyb21lBTEzNi4wB0FuZHJvaWQCMTQJMTI4MHgyODU2BWVuLXVzAkRFBURFLUJFBkJlcmxpbgZnYTQtbXACdTEBAgWAgM"
        + "iy1mYAAwACgJ7ZXAH+z4z/P4Ce2VwAAQQFBAYBBwjgEgkKCwwNDg8QERITFBUWNAABAQAD/62mChcKCwAAAAAXCQABAgEAkE6QTrDbBtCB1QE"
        + "BAA==");
    assertThat(v2[0]).isEqualTo((byte) 2);
    ClientState read = ClientState.fromBytes(v2);
    ClientState today = new ClientState(new ClientHistory(MIDNIGHT - DAY, "x", null, "c"));
    Hit u1 = hit("u1", null, MIDNIGHT, "page_view").toBuilder().protocol("ua").build();
    Hit u2 = hit("u2", null, MIDNIGHT + 5_000, "scroll").toBuilder().protocol("ua").nonInteraction(true).build();
    today.add(List.of(u1, u2), MIDNIGHT + MIN, RULES);
    today.settle(MIDNIGHT + MIN + SETTLE, SETTLE, RULES);
    Hit m = hit("m1", "s2", MIDNIGHT + 3 * HOUR, "purchase").toBuilder().sessionNumber(2).engagementMs(1200L)
        .keyEvent(true).firstVisit(false).sessionStart(true).sessionEngaged(true).isBot(false).nonInteraction(false)
        .params(Map.of("value", "9.99")).deviceCategory("mobile").browser("Chrome").browserVersion("136.0")
        .os("Android").osVersion("14").screenResolution("1280x2856").language("en-us").country("DE")
        .region("DE-BE").city("Berlin").build();
    today.add(List.of(m), MIDNIGHT + 3 * HOUR, RULES);
    byte[] v3 = today.toBytes();
    assertThat(v3[0]).isEqualTo((byte) ClientState.FORMAT_VERSION).isEqualTo((byte) 5);
    assertThat(read.toBytes()).isEqualTo(v3);
    // Both go on alike: the open purchase settles as it was sent (no model or brand), and a later hit with them
    // keeps them through the binary form.
    Hit pixel = m.toBuilder().requestId("m2").eventName("page_view").ts(MIDNIGHT + 3 * HOUR + MIN)
        .receivedAt(MIDNIGHT + 3 * HOUR + MIN).deviceModel("Pixel 8").deviceBrand("Google").build();
    assertThat(read.add(List.of(pixel), MIDNIGHT + 3 * HOUR + MIN, RULES))
        .isEqualTo(today.add(List.of(pixel), MIDNIGHT + 3 * HOUR + MIN, RULES));
    read = ClientState.fromBytes(read.toBytes());
    List<Output> settled = read.settle(MIDNIGHT + 4 * HOUR, SETTLE, RULES);
    assertThat(settled).isEqualTo(today.settle(MIDNIGHT + 4 * HOUR, SETTLE, RULES));
    assertThat(settled).extracting(o -> ((Count) o).hit()).containsExactly(m, pixel);
    assertThat(settled).extracting(o -> ((Count) o).hit().deviceModel()).containsExactly(null, "Pixel 8");
  }

  @Test
  void aFirstVisitRecordedFromRawHitsBeforeTheStreamSawItIsThatEventNotHistory() {
    // Found by AccuracyTest's kill test: recompute read a client's raw hits (an ad-hoc report) while the stream
    // lagged, and recorded its first visit (e1). The stream then met the client's second event first (it was
    // sent first) and took the record for history from before: the client counted as returning, never as new.
    Hit e1 = hit("r1", "s1", MIDNIGHT + HOUR, "page_view");
    Hit e2 = hit("r2", "s1", MIDNIGHT + HOUR + 5_000, "page_view").toBuilder().receivedAt(MIDNIGHT + HOUR).build();
    ClientHistory recorded = new ClientHistory(e1.ts(), "(direct)", "(none)", null, "r1");
    ClientState st = new ClientState(recorded);
    st.add(List.of(e2), MIDNIGHT + HOUR + 1_000, RULES);
    st = ClientState.fromBytes(st.toBytes());
    st.add(List.of(e1.toBuilder().receivedAt(MIDNIGHT + HOUR + 6_000).build()), MIDNIGHT + HOUR + 6_000, RULES);
    List<Output> out = st.settle(MIDNIGHT + HOUR + 6_000 + SETTLE, SETTLE, RULES);
    assertThat(out).hasSize(2).allSatisfy(o -> assertThat(((Count) o).scope().firstVisitSession()).isTrue());
    assertThat(out).filteredOn(o -> ((Count) o).scope().newUser()).singleElement()
        .satisfies(o -> assertThat(((Count) o).hit().requestId()).isEqualTo("r1"));
    // A record without the event's request id (written before it was kept): history, as before.
    ClientState old = new ClientState(new ClientHistory(e1.ts(), "(direct)", "(none)", null));
    old.add(List.of(e2, e1), MIDNIGHT + HOUR + 6_000, RULES);
    assertThat(old.settle(MIDNIGHT + HOUR + 6_000 + SETTLE, SETTLE, RULES)).hasSize(2)
        .allSatisfy(o -> assertThat(((Count) o).scope().firstVisitSession()).isFalse());
    // Another event at the same time is not it.
    ClientState other = new ClientState(recorded);
    other.add(List.of(e1.toBuilder().requestId("r9").build()), MIDNIGHT + HOUR + 6_000, RULES);
    assertThat(other.settle(MIDNIGHT + HOUR + 6_000 + SETTLE, SETTLE, RULES)).singleElement()
        .satisfies(o -> assertThat(((Count) o).scope().firstVisitSession()).isFalse());
  }

  @Test
  void aPropertysSessionSettingsTravelWithItsHitsAndDecideTheSettle() {
    // Two scrolls 15 minutes apart with no sender session, 15 s of engagement each. GA4's defaults: one session
    // of 30 s, engaged. A property set to 10 minutes and 30 s: two sessions of 15 s, neither engaged.
    SessionRules custom = new SessionRules(10 * MIN, 30_000);
    Hit a = withEngagement(hit("a", null, MIDNIGHT, "scroll"), 15_000);
    Hit b = withEngagement(hit("b", null, MIDNIGHT + 15 * MIN, "scroll"), 15_000);
    List<Output> byDefault = settleOnTimeout(List.of(a, b));
    assertThat(byDefault).hasSize(2).extracting(o -> ((Count) o).scope().sessionId()).containsOnly(
        ((Count) byDefault.get(0)).scope().sessionId());
    assertThat(byDefault).allMatch(o -> ((Count) o).scope().engaged());

    Hit ca = a.toBuilder().sessionRules(custom).build();
    Hit cb = b.toBuilder().sessionRules(custom).build();
    assertThat(ca.sessionRules()).isEqualTo(custom);
    assertThat(a.toBuilder().sessionRules(SessionRules.GA4).build()).as("defaults stay off the hit").isEqualTo(a);
    List<Output> bySettings = settleOnTimeout(List.of(ca, cb));
    assertThat(bySettings).hasSize(2).extracting(o -> ((Count) o).scope().sessionId()).doesNotHaveDuplicates();
    assertThat(bySettings).noneMatch(o -> ((Count) o).scope().engaged());
  }

  /** The stream's steps: a batch by the rules of its hits, the state through bytes, a settle by the open rules. */
  private static List<Output> settleOnTimeout(List<Hit> hits) {
    ClientState st = new ClientState();
    assertThat(st.add(hits, MIDNIGHT + HOUR, st.rulesFor(hits, SessionRules.GA4))).isEmpty();
    st = ClientState.fromBytes(st.toBytes());
    List<Output> out = new java.util.ArrayList<>(st.settle(MIDNIGHT + HOUR + SETTLE, SETTLE,
        st.openRules(SessionRules.GA4)));
    out.removeIf(o -> !(o instanceof Count));
    return out;
  }

  @Test
  void nonInteractionSurvivesTheBinaryFormAndKeepsASessionUnengaged() {
    ClientState st = new ClientState();
    Hit view = hit("a", null, MIDNIGHT, "page_view").toBuilder().protocol("ua").build();
    Hit scroll = hit("b", null, MIDNIGHT + 8_000, "scroll").toBuilder().protocol("ua").nonInteraction(true).build();
    st.add(List.of(view, scroll), MIDNIGHT + MIN, RULES);
    st = ClientState.fromBytes(st.toBytes());
    List<Output> out = st.settle(MIDNIGHT + MIN + SETTLE, SETTLE, RULES);
    assertThat(out).extracting(o -> ((Count) o).hit()).containsExactly(view, scroll);
    assertThat(out).noneMatch(o -> ((Count) o).scope().engaged());
    // The settled summary keeps the interaction count: another ni hit changes nothing, an interaction engages.
    st = ClientState.fromBytes(st.toBytes());
    Hit again = scroll.toBuilder().requestId("c").ts(MIDNIGHT + 9_000).receivedAt(MIDNIGHT + 9_000).build();
    assertThat(st.add(List.of(again), MIDNIGHT + 2 * MIN, RULES)).singleElement()
        .satisfies(o -> assertThat(((Count) o).scope().engaged()).isFalse());
    st = ClientState.fromBytes(st.toBytes());
    Hit play = again.toBuilder().requestId("d").eventName("play").nonInteraction(null).build();
    List<Output> engaged = st.add(List.of(play), MIDNIGHT + 3 * MIN, RULES);
    assertThat(engaged.get(0)).isEqualTo(new Count(play, ((Count) engaged.get(0)).scope()));
    assertThat(((Count) engaged.get(0)).scope().engaged()).isTrue();
    assertThat(utcDays(engaged)).containsExactly(day(MIDNIGHT)); // the counted events' day: engagement flipped
  }

  @Test
  void stateSizeOfATenEventSession() {
    ClientState st = new ClientState();
    List<Hit> hits = realisticSession(10);
    st.add(hits, MIDNIGHT + 10 * MIN, RULES);
    int open = st.toBytes().length;
    List<Output> counted = st.settle(MIDNIGHT + 10 * MIN + SETTLE, SETTLE, RULES);
    assertThat(counted).hasSize(10);
    int settled = st.toBytes().length;
    st.expire(MIDNIGHT + 100 * DAY);
    int history = st.toBytes().length;
    System.out.printf("ClientState bytes, one 10-event session: open %d, settled %d, history only %d%n", open,
        settled, history);
    assertThat(open).isLessThan(1_500);
    assertThat(settled).isLessThan(200);
    assertThat(history).isLessThan(120);
  }

  @Test
  void quarterHoursNameEveryLocalDayInEveryZone() {
    // Dirty names days by quarter-hour starts: every zone's days must begin on a quarter hour.
    for (String id : ZoneId.getAvailableZoneIds()) {
      ZoneId zone = ZoneId.of(id);
      for (LocalDate d = LocalDate.of(2024, 1, 1); d.isBefore(LocalDate.of(2027, 1, 1)); d = d.plusDays(1)) {
        long start = d.atStartOfDay(zone).toInstant().toEpochMilli();
        assertThat(Math.floorMod(start, ClientState.SLOT_MS)).as(id + " " + d).isZero();
      }
    }
  }

  @Test
  void botsAndOtherClientsAreRefused() {
    ClientState st = new ClientState();
    st.add(List.of(hit("a", null, MIDNIGHT, "page_view")), MIDNIGHT, RULES);
    assertThatThrownBy(() -> st.add(List.of(hit("b", null, MIDNIGHT, "page_view").toBuilder().isBot(true).build()),
        MIDNIGHT, RULES)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> st.add(List.of(hit("b", null, MIDNIGHT, "page_view").toBuilder().clientId("other")
        .build()), MIDNIGHT, RULES)).isInstanceOf(IllegalArgumentException.class);
  }

  // -----------------------------------------------------------------------------------------------------------

  static Hit hit(String rid, String sid, long ts, String event) {
    return Hit.builder().propertyId("P").clientId("c").requestId(rid).sessionId(sid).ts(ts).receivedAt(ts)
        .eventName(event).pagePath("/").source("(direct)").medium("(none)").protocol("ga4-mp").build();
  }

  static Hit withEngagement(Hit h, long ms) {
    return h.toBuilder().engagementMs(ms).build();
  }

  /** A gtag-like session: every field a browser hit has. */
  static List<Hit> realisticSession(int n) {
    List<Hit> hits = new ArrayList<>();
    String[] paths = {"/", "/pricing", "/docs/getting-started", "/blog/2025/11/launch", "/signup"};
    for (int i = 0; i < n; i++) {
      String path = paths[i % paths.length];
      boolean view = i % 2 == 0;
      hits.add(Hit.builder().propertyId("B-7F3K2Q").clientId("1234567890.1764000000").userId(null)
          .requestId("r-" + Long.toHexString(0x9e3779b97f4a7c15L * (i + 1))).sessionId("1764000000")
          .sessionNumber(3).ts(MIDNIGHT + i * 20_000L).receivedAt(MIDNIGHT + i * 20_000L + 150)
          .eventName(view ? "page_view" : "scroll").params(view ? null : Map.of("percent_scrolled", "90"))
          .engagementMs(view ? null : 4_000L + i).sessionEngaged(i > 2).keyEvent(false).firstVisit(i == 0)
          .sessionStart(i == 0).pageLocation("https://www.example.com" + path + "?utm_source=newsletter")
          .hostname("www.example.com").pagePath(path).pageTitle("Example - " + path)
          .pageReferrer(i == 0 ? "https://news.ycombinator.com/" : "https://www.example.com/")
          .source("newsletter").medium("email").campaign("november").deviceCategory("desktop").browser("Chrome")
          .browserVersion("131.0.0.0").os("Windows").osVersion("10").screenResolution("1920x1080")
          .language("en-us").country("DE").region("DE-BE").city("Berlin").isBot(false).protocol("ga4-gtag")
          .build());
    }
    return hits;
  }

  static List<Output> counts(List<Sessions.Scoped> scoped) {
    return scoped.stream().map(s -> (Output) new Count(s.hit(), s.scope())).toList();
  }

  /** The counts among {@code out}, in event order. */
  static List<Output> sorted(List<Output> out) {
    return out.stream().filter(o -> o instanceof Count).map(o -> (Count) o)
        .sorted((x, y) -> Sessions.EVENT_ORDER.compare(x.hit(), y.hit())).map(c -> (Output) c).toList();
  }

  static List<Long> dirtyTimes(List<Output> out) {
    return out.stream().filter(o -> o instanceof Dirty).map(o -> ((Dirty) o).eventTs()).distinct().toList();
  }

  static TreeSet<Long> utcDays(List<Output> out) {
    TreeSet<Long> days = new TreeSet<>();
    for (Output o : out) {
      if (o instanceof Dirty d) {
        days.add(day(d.eventTs()));
      }
    }
    return days;
  }

  static long day(long ts) {
    return Math.floorDiv(ts, DAY);
  }
}
