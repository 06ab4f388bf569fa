package io.beacon.model.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.model.Hit;
import io.beacon.model.session.Sessions.Scoped;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each rule of docs/analytics-model.md "Semantics" on a hand-worked case. */
class SessionsTest {
  private static final long T0 = 1_764_000_000_000L;
  private static final long MIN = 60_000;

  @Test
  void senderSessionIdWinsOverGaps() {
    List<Sessions.Session> s = Sessions.sessions(List.of(hit("a", "s1", 0, "page_view"),
        hit("b", "s1", 90 * MIN, "page_view")), SessionRules.GA4);
    assertThat(s).hasSize(1);
    assertThat(s.get(0).id()).isEqualTo("s1");
  }

  @Test
  void withoutSenderIdAGapOfMoreThanThirtyMinutesStartsANewSessionByEventTime() {
    // Arrival order differs from event time: 40 arrives first. Gaps: 0 -> 29 (same), 29 -> 59 (exactly 30: same),
    // 59 -> 90 (31: new).
    List<Hit> hits = List.of(hit("d", null, 90 * MIN, "page_view"), hit("a", null, 0, "page_view"),
        hit("c", null, 59 * MIN, "scroll"), hit("b", null, 29 * MIN, "page_view"));
    List<Sessions.Session> s = Sessions.sessions(hits, SessionRules.GA4);
    assertThat(s).extracting(Sessions.Session::id)
        .containsExactly(Sessions.ASSIGNED_PREFIX + T0, Sessions.ASSIGNED_PREFIX + (T0 + 90 * MIN));
    assertThat(s.get(0).hits()).extracting(Hit::requestId).containsExactly("a", "b", "c");
  }

  @Test
  void engagementIsAWholeSessionFactAtTheStrictTenSecondBoundary() {
    assertThat(Sessions.engaged(List.of(withEngagement(hit("a", "s", 0, "page_view"), 4_000),
        withEngagement(hit("b", "s", MIN, "scroll"), 6_000)), SessionRules.GA4)).isFalse(); // 10,000 ms: not > 10 s
    assertThat(Sessions.engaged(List.of(withEngagement(hit("a", "s", 0, "page_view"), 4_000),
        withEngagement(hit("b", "s", MIN, "scroll"), 6_001)), SessionRules.GA4)).isTrue();
    assertThat(Sessions.engaged(List.of(hit("a", "s", 0, "page_view"), hit("b", "s", MIN, "page_view")),
        SessionRules.GA4)).isTrue(); // two page views
    assertThat(Sessions.engaged(List.of(hit("a", "s", 0, "sign_up").toBuilder().keyEvent(true).build()),
        SessionRules.GA4)).isTrue(); // a key event alone
    assertThat(Sessions.engaged(List.of(hit("a", "s", 0, "page_view").toBuilder().protocol("ua").build(),
        hit("b", "s", 5_000, "click").toBuilder().protocol("ua").build()), SessionRules.GA4)).isTrue();
    assertThat(Sessions.engaged(List.of(hit("a", "s", 0, "page_view").toBuilder().protocol("ua").build()),
        SessionRules.GA4)).isFalse();
  }

  @Test
  void uaNonInteractionHitsAreNoInteractionButStillSpanTheSession() {
    Hit view = ua(hit("a", null, 0, "page_view"));
    Hit play = ua(hit("b", null, 5_000, "play"));
    Hit scroll = ua(hit("c", null, 5_000, "scroll")).toBuilder().nonInteraction(true).build();
    // A page view and an interaction event: two interaction hits, engaged like two page views.
    assertThat(Sessions.engaged(List.of(view, play), SessionRules.GA4)).isTrue();
    // With a non-interaction (ni=1) event instead: one interaction hit and 5 s, not engaged (UA: a bounce).
    assertThat(Sessions.engaged(List.of(view, scroll), SessionRules.GA4)).isFalse();
    assertThat(Sessions.engaged(List.of(scroll, scroll.toBuilder().requestId("d").build()), SessionRules.GA4))
        .isFalse();
    // ni=0 is an interaction like no ni at all.
    assertThat(Sessions.engaged(List.of(view, scroll.toBuilder().nonInteraction(false).build()), SessionRules.GA4))
        .isTrue();
    // A non-interaction hit still ends the span that stands in for engagement time (last - first event time):
    // 10,000 ms is not > 10 s, 10,001 ms is.
    assertThat(Sessions.engaged(List.of(view, at(scroll, 10_000)), SessionRules.GA4)).isFalse();
    assertThat(Sessions.engaged(List.of(view, at(scroll, 10_001)), SessionRules.GA4)).isTrue();
    // ...whichever end it is at, in any order.
    assertThat(Sessions.engaged(List.of(at(view, 25_000), at(scroll, 0)), SessionRules.GA4)).isTrue();
    // A page view with ni=1 is still a page view: two of them engage.
    Hit quietView = view.toBuilder().requestId("e").ts(T0 + 1_000).nonInteraction(true).build();
    assertThat(Sessions.engaged(List.of(view, quietView), SessionRules.GA4)).isTrue();
  }

  @Test
  void attributionAndLandingPageComeFromTheEarliestEventWhateverArrivesFirst() {
    Hit later = hit("b", "s", 5 * MIN, "page_view").toBuilder().pagePath("/pricing?x=1").source("internal")
        .medium("banner").build();
    Hit earliest = hit("a", "s", 0, "page_view").toBuilder().pagePath("/blog?utm_source=news").source("news")
        .medium("email").campaign("nov").build();
    List<Scoped> scoped = Sessions.scope(List.of(later, earliest), ClientHistory.NONE, SessionRules.GA4);
    assertThat(scoped).extracting(x -> x.hit().requestId()).containsExactly("a", "b");
    for (Scoped x : scoped) {
      assertThat(x.scope().source()).isEqualTo("news");
      assertThat(x.scope().medium()).isEqualTo("email");
      assertThat(x.scope().campaign()).isEqualTo("nov");
      assertThat(x.scope().landingPage()).isEqualTo("/blog");
      assertThat(x.scope().engaged()).isTrue();
    }
  }

  @Test
  void theFirstEventEverIsTheNewUserUnlessHistoryKnowsAnEarlierOne() {
    List<Hit> hits = new ArrayList<>(List.of(hit("a", "s1", 0, "page_view").toBuilder().source("google")
        .medium("organic").build(), hit("b", "s2", 120 * MIN, "page_view")));
    List<Scoped> fresh = Sessions.scope(hits, ClientHistory.NONE, SessionRules.GA4);
    assertThat(fresh).extracting(x -> x.scope().newUser()).containsExactly(true, false);
    assertThat(fresh).extracting(x -> x.scope().firstVisitSession()).containsExactly(true, false);
    assertThat(fresh).extracting(x -> x.scope().firstUserSource()).containsExactly("google", "google");

    ClientHistory earlier = new ClientHistory(T0 - 86_400_000L, "bing", "organic", null);
    List<Scoped> returning = Sessions.scope(hits, earlier, SessionRules.GA4);
    assertThat(returning).extracting(x -> x.scope().newUser()).containsExactly(false, false);
    assertThat(returning).extracting(x -> x.scope().firstUserSource()).containsExactly("bing", "bing");
    // A late event earlier than the recorded first visit moves it.
    ClientHistory later = new ClientHistory(T0 + MIN, "bing", "organic", null);
    assertThat(Sessions.scope(hits, later, SessionRules.GA4)).extracting(x -> x.scope().newUser())
        .containsExactly(true, false);
  }

  @Test
  void activeUsersNeedEngagementOrAFirstVisit() {
    Scope idle = new Scope("s", false, null, null, null, null, null, null, false, false, null, null, null);
    assertThat(idle.active(null)).isFalse();
    assertThat(idle.active(0L)).isFalse();
    assertThat(idle.active(1L)).isTrue();
  }

  private static Hit hit(String rid, String sid, long offset, String event) {
    return Hit.builder().propertyId("P").clientId("c").requestId(rid).sessionId(sid).ts(T0 + offset)
        .receivedAt(T0 + offset).eventName(event).pagePath("/").source("(direct)").medium("(none)")
        .protocol("ga4-mp").build();
  }

  private static Hit ua(Hit h) {
    return h.toBuilder().protocol("ua").build();
  }

  private static Hit at(Hit h, long offset) {
    return h.toBuilder().ts(T0 + offset).receivedAt(T0 + offset).build();
  }

  private static Hit withEngagement(Hit h, long ms) {
    return h.toBuilder().engagementMs(ms).build();
  }
}
