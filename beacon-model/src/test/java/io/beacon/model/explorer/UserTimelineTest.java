package io.beacon.model.explorer;

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

/**
 * The user timeline against a reference written from docs/analytics-model.md ("Semantics" and "User explorer")
 * with plain loops, not from the engine: sessions per client (the sender's id, else a new one after more than 30
 * minutes without an id-less event), engaged (engagement time over 10 s, a key event or two page views),
 * attribution from the earliest event, landing page the earliest page view's path without query, bots dropped.
 */
class UserTimelineTest {
  private static final ZoneId ZONE = ZoneId.of("Europe/Berlin");
  private static final long MIN = 60_000L;

  private static long at(String localDateTime) {
    return ZonedDateTime.of(java.time.LocalDateTime.parse(localDateTime), ZONE).toInstant().toEpochMilli();
  }

  private static int rid;

  private static Hit hit(String client, String user, String sid, String time, String event, String path,
      Long engagementMs, String source, String medium) {
    return Hit.builder().propertyId("P").clientId(client).userId(user).sessionId(sid).requestId("r" + (rid++))
        .ts(at(time)).eventName(event).pagePath(path).pageTitle(path == null ? null : "T " + path)
        .engagementMs(engagementMs).source(source).medium(medium).deviceCategory(client.equals("c2") ? "mobile" : "desktop")
        .browser("Firefox").country(client.equals("c2") ? "FR" : "DE").isBot(false).build();
  }

  /** The person of the brief: two clients of one user id, a session over midnight, a bot hit, shuffled. */
  static List<Hit> person() {
    List<Hit> hits = new ArrayList<>();
    // c1, sender session s1: one page view, 4 s of engagement: not engaged.
    hits.add(hit("c1", null, "s1", "2026-11-02T10:00:00", "page_view", "/home?x=1", null, "google", "organic"));
    hits.add(hit("c1", null, "s1", "2026-11-02T10:01:00", "user_engagement", null, 4_000L, "(direct)", "(none)"));
    // c1, no sender id (Beacon assigns): 23:50 and 00:15 (25 min apart): one session over midnight, two views.
    hits.add(hit("c1", "u1", null, "2026-11-02T23:50:00", "page_view", "/pricing", null, "newsletter", "email"));
    hits.add(hit("c1", "u1", null, "2026-11-03T00:15:00", "page_view", "/signup", null, "(direct)", "(none)"));
    // 31 min later: a new assigned session, with 12 s engagement (engaged).
    hits.add(hit("c1", "u1", null, "2026-11-03T00:46:00", "page_view", "/docs", 12_000L, "(direct)", "(none)"));
    // c2 (the same user id on a phone): sender session m1, a view and a purchase-like event.
    hits.add(hit("c2", "u1", "m1", "2026-11-03T08:00:00", "page_view", "/cart", null, "www.example.com", "referral"));
    Hit event = hit("c2", "u1", "m1", "2026-11-03T08:02:00", "add_to_cart", "/cart", null, "(direct)", "(none)");
    hits.add(event.toBuilder().params(Map.of("item", "book")).build());
    // A bot hit on c1: dropped.
    hits.add(hit("c1", null, "s1", "2026-11-02T10:00:30", "page_view", "/bot", null, null, null).toBuilder()
        .isBot(true).build());
    Collections.shuffle(hits, new Random(7));
    return hits;
  }

  /** A session as the reference computes it. */
  record Ref(String client, String sessionId, long start, long end, boolean engaged, String source, String medium,
      String landingPage, List<String> eventNames) {}

  /** The reference, written from the spec with plain loops. */
  static List<Ref> reference(List<Hit> in) {
    List<Hit> hits = new ArrayList<>();
    for (Hit h : in) {
      if (!Boolean.TRUE.equals(h.isBot())) {
        hits.add(h);
      }
    }
    // event order: time, then request id
    hits.sort((a, b) -> a.ts() != b.ts() ? Long.compare(a.ts(), b.ts()) : a.requestId().compareTo(b.requestId()));
    Map<String, List<Hit>> sessions = new LinkedHashMap<>();
    Map<String, String> currentAssigned = new HashMap<>();
    Map<String, Long> lastAssignedTs = new HashMap<>();
    for (Hit h : hits) {
      String key;
      if (h.sessionId() != null) {
        key = h.clientId() + "|" + h.sessionId();
      } else {
        Long last = lastAssignedTs.get(h.clientId());
        if (last == null || h.ts() - last > 30 * MIN) {
          currentAssigned.put(h.clientId(), "auto." + h.ts());
        }
        lastAssignedTs.put(h.clientId(), h.ts());
        key = h.clientId() + "|" + currentAssigned.get(h.clientId());
      }
      sessions.computeIfAbsent(key, k -> new ArrayList<>()).add(h);
    }
    List<Ref> out = new ArrayList<>();
    for (Map.Entry<String, List<Hit>> e : sessions.entrySet()) {
      List<Hit> s = e.getValue();
      long engagement = 0;
      int views = 0;
      String landing = null;
      List<String> names = new ArrayList<>();
      for (Hit h : s) {
        engagement += h.engagementMs() == null ? 0 : h.engagementMs();
        if (h.eventName().equals("page_view")) {
          views++;
          if (landing == null) {
            landing = h.pagePath().contains("?") ? h.pagePath().substring(0, h.pagePath().indexOf('?')) : h.pagePath();
          }
        }
        names.add(h.eventName());
      }
      String[] parts = e.getKey().split("\\|");
      out.add(new Ref(parts[0], parts[1], s.get(0).ts(), s.get(s.size() - 1).ts(), engagement > 10_000 || views >= 2,
          s.get(0).source(), s.get(0).medium(), landing, names));
    }
    out.sort((a, b) -> Long.compare(a.start(), b.start()));
    return out;
  }

  @Test
  void timelineMatchesTheReference() {
    List<Hit> hits = person();
    UserTimeline.Timeline t = UserTimeline.of(hits, SessionRules.GA4, 1_000);
    List<Ref> expected = reference(hits);
    List<Ref> actual = new ArrayList<>();
    for (UserTimeline.Session s : t.sessions()) {
      actual.add(new Ref(s.clientId(), s.sessionId(), s.start(), s.end(), s.engaged(), s.source(), s.medium(),
          s.landingPage(), s.events().stream().map(UserTimeline.Event::name).toList()));
    }
    assertThat(actual).isEqualTo(expected);
    // What the reference says, spelled out: four sessions, the second over midnight, bots dropped.
    assertThat(expected).hasSize(4);
    assertThat(expected.get(1).start()).isEqualTo(at("2026-11-02T23:50:00"));
    assertThat(expected.get(1).end()).isEqualTo(at("2026-11-03T00:15:00"));
    assertThat(expected.get(1).engaged()).isTrue();
    assertThat(expected.get(0).engaged()).isFalse();
    assertThat(expected.get(0).landingPage()).isEqualTo("/home");
    assertThat(t.sessions().get(1).channelGroup()).isEqualTo("Email");
    assertThat(t.sessions().get(0).channelGroup()).isEqualTo("Organic Search");
    assertThat(t.sessions().get(3).channelGroup()).isEqualTo("Referral");
    assertThat(t.sessions().get(3).events().get(1).params()).containsEntry("item", "book");
    assertThat(t.sessions().get(0).events()).extracting(UserTimeline.Event::pagePath)
        .containsExactly("/home?x=1", null);

    UserTimeline.Person p = t.person();
    assertThat(p.clientIds()).containsExactly("c1", "c2");
    assertThat(p.userIds()).containsExactly("u1");
    assertThat(p.sessions()).isEqualTo(4);
    assertThat(p.events()).isEqualTo(7);
    assertThat(p.firstSeen()).isEqualTo(at("2026-11-02T10:00:00"));
    assertThat(p.lastSeen()).isEqualTo(at("2026-11-03T08:02:00"));
    assertThat(p.country()).isEqualTo("FR");
    assertThat(p.deviceCategory()).isEqualTo("mobile");
    assertThat(t.truncated()).isFalse();
  }

  @Test
  void aLimitListsTheLatestEventsAndKeepsTheTotals() {
    List<Hit> hits = person();
    UserTimeline.Timeline t = UserTimeline.of(hits, SessionRules.GA4, 3);
    assertThat(t.truncated()).isTrue();
    assertThat(t.person().events()).isEqualTo(7);
    assertThat(t.person().sessions()).isEqualTo(4);
    // The latest three events: the 00:46 view, then both of c2's session.
    assertThat(t.sessions()).extracting(UserTimeline.Session::sessionId)
        .containsExactly("auto." + at("2026-11-03T00:46:00"), "m1");
    assertThat(t.sessions().get(1).events()).hasSize(2);

    UserTimeline.Timeline cut = UserTimeline.of(hits, SessionRules.GA4, 2);
    assertThat(cut.sessions()).extracting(UserTimeline.Session::sessionId).containsExactly("m1");
    UserTimeline.Timeline one = UserTimeline.of(hits, SessionRules.GA4, 1);
    // A session partly listed keeps its whole span.
    assertThat(one.sessions().get(0).events()).extracting(UserTimeline.Event::name).containsExactly("add_to_cart");
    assertThat(one.sessions().get(0).start()).isEqualTo(at("2026-11-03T08:00:00"));
  }

  @Test
  void noEventsIsAnEmptyTimeline() {
    UserTimeline.Timeline t = UserTimeline.of(List.of(person().stream().filter(h -> Boolean.TRUE.equals(h.isBot()))
        .findFirst().orElseThrow()), SessionRules.GA4, 10);
    assertThat(t.person()).isNull();
    assertThat(t.sessions()).isEmpty();
    assertThat(t.truncated()).isFalse();
  }

  @Test
  void requestsAreRefusedWithTheirField() {
    LocalDate today = LocalDate.of(2026, 12, 7);
    TimelineRequest r = TimelineRequest.parse(Map.of("clientId", "c1"), ZONE, today);
    assertThat(r.kind()).isEqualTo(TimelineRequest.IdKind.CLIENT_ID);
    assertThat(r.dateRange().start()).isEqualTo(LocalDate.of(2026, 9, 9));
    assertThat(r.dateRange().days()).isEqualTo(90);
    assertThat(r.limit()).isEqualTo(1_000);
    TimelineRequest u = TimelineRequest.parse(Map.of("userId", "u1", "limit", 10_000,
        "dateRange", Map.of("startDate", "2026-01-01", "endDate", "today")), ZONE, today);
    assertThat(u.kind()).isEqualTo(TimelineRequest.IdKind.USER_ID);
    assertThat(u.dateRange().end()).isEqualTo(today);

    Map<Map<String, ?>, String> bad = new LinkedHashMap<>();
    bad.put(Map.of("clientId", "c1", "userId", "u1"), "userId");
    bad.put(Map.of(), "clientId");
    bad.put(Map.of("clientId", "c1", "limit", 0), "limit");
    bad.put(Map.of("clientId", "c1", "limit", 10_001), "limit");
    bad.put(Map.of("clientId", "c1", "dateRange", Map.of("startDate", "2025-01-01", "endDate", "today")), "dateRange");
    bad.put(Map.of("clientId", "c1", "dateRange", Map.of("startDate", "today", "endDate", "yesterday")), "dateRange");
    bad.put(Map.of("clientId", "c1", "dateRange", Map.of("startDate", "nope", "endDate", "today")),
        "dateRange.startDate");
    bad.put(Map.of("clientId", 5), "clientId");
    bad.put(Map.of("clientId", "c1", "segments", List.of()), "segments");
    bad.forEach((body, field) -> assertThatThrownBy(() -> TimelineRequest.parse(body, ZONE, today))
        .as(body.toString()).isInstanceOfSatisfying(InvalidRequestException.class,
            e -> assertThat(e.field()).isEqualTo(field)));
  }
}
