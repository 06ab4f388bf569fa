package io.beacon.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.loadgen.PlannedRequest.Protocol;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The truth of tiny cases, one per rule of the spec, each worked out by hand in its comment. Times are local
 * (Europe/Berlin), on 2026-11-26 unless they say otherwise; hits are added in the order they arrive.
 */
class GroundTruthTest {
  private static final ZoneId ZONE = ZoneId.of("Europe/Berlin");
  private static final String SITE = "https://www.site1.example";
  private static final String GOOGLE = "https://www.google.com/";
  private static final Set<String> KEY_EVENTS = Set.of("sign_up", "purchase");
  private static final UserAgentTable.Agent CHROME = UserAgentTable.HUMANS.get(0); // desktop, Chrome, Windows
  private static final UserAgentTable.Agent IPHONE = UserAgentTable.HUMANS.get(9); // mobile, Mobile Safari, iOS
  private static final GeoTable.Network LONDON = GeoTable.DEFAULT.get(0);
  private static final GeoTable.Network UNKNOWN = GeoTable.DEFAULT.get(10); // in no geo database

  private static Visitor browser(String clientId) {
    return new Visitor(clientId, CHROME, LONDON, "81.2.69.7", "en-US", "1920x1080");
  }

  @Test
  void engagementAboveTenSecondsStrictly() {
    // Anna: one page view, 0 + 4,000 + 6,000 = 10,000 ms: not engaged. Ben: the same with 6,001: 10,001 ms, engaged.
    // Totals: 2 page views, 6 events, 20.001 s, 2 new (and so active) users, 2 sessions, 1 engaged.
    GroundTruth truth = truth();
    for (String[] who : new String[][] {{"anna", "6000"}, {"ben", "6001"}}) {
      Visitor v = browser(who[0]);
      truth.add(hit(v, Protocol.TRACKER, "s-" + who[0], "page_view", SITE + "/", GOOGLE, 0), at("2026-11-26T10:00:00"));
      truth.add(hit(v, Protocol.TRACKER, "s-" + who[0], "scroll", SITE + "/", GOOGLE, 4_000), at("2026-11-26T10:00:04"));
      truth.add(hit(v, Protocol.TRACKER, "s-" + who[0], "user_engagement", SITE + "/", GOOGLE, Long.parseLong(who[1])),
          at("2026-11-26T10:00:10"));
    }
    JsonObject p = property(truth);
    assertThat(row(p, List.of(), "20261126")).isEqualTo(metrics(2, 6, 0, 20.001, 2, 2, 2, 2, 1));
    // A hit-scoped row counts the sessions with such an event, engaged as the whole session is.
    assertThat(row(p, List.of("eventName"), "20261126", "page_view")).isEqualTo(metrics(2, 2, 0, 0, 2, 2, 2, 2, 1));
    assertThat(row(p, List.of("eventName"), "20261126", "user_engagement"))
        .isEqualTo(metrics(0, 2, 0, 12.001, 0, 2, 2, 2, 1));
  }

  @Test
  void keyEventsTwoPageViewsAndUaRules() {
    // Cara (gtag): a page view and sign_up, 1.5 s: engaged by the key event.
    // Dan (tracker): two page views, 2 s: engaged.
    // UA (no engagement time; duration and interaction hits instead), each a page view then an event:
    //   Eve: an interaction event 1 s later: two interaction hits, engaged;
    //   Finn: a non-interaction (ni=1) event 5 s later: neither, not engaged;
    //   Gus: ni=1 exactly 10,000 ms later: not engaged; Hal: 10,001 ms later: engaged.
    // Totals: 1 + 2 + 4 page views = 7, 12 events, 1 key event, 3.5 s, 6 users (all new, all active), 6 sessions,
    // 4 engaged (Cara, Dan, Eve, Hal).
    GroundTruth truth = truth();
    Visitor cara = browser("cara");
    truth.add(hit(cara, Protocol.GTAG, "g1", "page_view", SITE + "/", null, 0), at("2026-11-26T10:00:00"));
    truth.add(hit(cara, Protocol.GTAG, "g1", "sign_up", SITE + "/", null, 1_500), at("2026-11-26T10:00:02"));
    Visitor dan = browser("dan");
    truth.add(hit(dan, Protocol.TRACKER, "t1", "page_view", SITE + "/", null, 0), at("2026-11-26T10:00:00"));
    truth.add(hit(dan, Protocol.TRACKER, "t1", "page_view", SITE + "/pricing", SITE + "/", 2_000),
        at("2026-11-26T10:00:02"));
    String[][] ua = {{"eve", "1000", "false"}, {"finn", "5000", "true"}, {"gus", "10000", "true"},
        {"hal", "10001", "true"}};
    for (String[] u : ua) {
      Visitor v = browser(u[0]);
      long start = at("2026-11-26T10:00:00");
      truth.add(hit(v, Protocol.UA, null, "page_view", SITE + "/", null, 0, false), start);
      truth.add(hit(v, Protocol.UA, null, u[2].equals("true") ? "scroll_depth" : "play", SITE + "/", null, 0,
          Boolean.parseBoolean(u[2])), start + Long.parseLong(u[1]));
    }
    JsonObject p = property(truth);
    assertThat(row(p, List.of(), "20261126")).isEqualTo(metrics(7, 12, 1, 3.5, 6, 6, 6, 6, 4));
    assertThat(row(p, List.of("eventName"), "20261126", "scroll_depth")).isEqualTo(metrics(0, 3, 0, 0, 0, 3, 1, 3, 1));
  }

  @Test
  void theSessionsEarliestEventAttributesItWhateverArrivesFirst() {
    // Ivy (MP, session_id m1) sends /pricing (10:00:40, from her own site, 5 s) and /blog?utm... (10:01:30, 4 s)
    // before her landing page / from Bing (10:00:00). The session is bing / organic, lands on /, is Organic Search;
    // the later utm re-attributes nothing. Three page views: engaged. Her first event (/, 10:00:00) makes her new
    // in the / row only.
    GroundTruth truth = truth();
    Visitor ivy = browser("ivy");
    truth.add(hit(ivy, Protocol.MP, "m1", "page_view", SITE + "/pricing", SITE + "/", 5_000), at("2026-11-26T10:00:40"));
    truth.add(hit(ivy, Protocol.MP, "m1", "page_view", SITE + "/blog?utm_source=newsletter&utm_medium=email",
        SITE + "/pricing", 4_000), at("2026-11-26T10:01:30"));
    truth.add(hit(ivy, Protocol.MP, "m1", "page_view", SITE + "/", "https://www.bing.com/search?q=x", 0),
        at("2026-11-26T10:00:00"));
    JsonObject p = property(truth);
    JsonObject all = metrics(3, 3, 0, 9.0, 1, 1, 1, 1, 1);
    assertThat(row(p, List.of("sessionSourceMedium"), "20261126", "bing / organic")).isEqualTo(all);
    assertThat(rows(p, List.of("sessionSource"))).hasSize(1);
    assertThat(row(p, List.of("sessionCampaignName"), "20261126", "(not set)")).isEqualTo(all);
    assertThat(row(p, List.of("sessionDefaultChannelGroup"), "20261126", "Organic Search")).isEqualTo(all);
    assertThat(row(p, List.of("landingPage"), "20261126", "/")).isEqualTo(all);
    assertThat(row(p, List.of("pagePath"), "20261126", "/")).isEqualTo(metrics(1, 1, 0, 0, 1, 1, 1, 1, 1));
    assertThat(row(p, List.of("pagePath"), "20261126", "/pricing")).isEqualTo(metrics(1, 1, 0, 5.0, 0, 1, 1, 1, 1));
  }

  @Test
  void aSessionAcrossMidnightCountsOnBothDaysAndOnceOverTheRange() {
    // Jon (MP, session_id m2): / from Google at 23:50 (0 ms), scroll at 23:52 (3,000), video_progress at 00:04 next
    // day (8,000): 11,000 ms, engaged, on both days.
    // 26th: 1 page view, 2 events, 3 s, new, active, 1 session, engaged. 27th: 1 event, 8 s, not new, active (an
    // engaged session), 1 session, engaged. Over the range: 3 events, 11 s, 1 session, 1 engaged.
    GroundTruth truth = truth();
    Visitor jon = browser("jon");
    truth.add(hit(jon, Protocol.MP, "m2", "page_view", SITE + "/", GOOGLE, 0), at("2026-11-26T23:50:00"));
    truth.add(hit(jon, Protocol.MP, "m2", "scroll", SITE + "/", GOOGLE, 3_000), at("2026-11-26T23:52:00"));
    truth.add(hit(jon, Protocol.MP, "m2", "video_progress", SITE + "/", GOOGLE, 8_000), at("2026-11-27T00:04:00"));
    JsonObject p = property(truth);
    assertThat(p.getString("firstDate")).isEqualTo("2026-11-26");
    assertThat(p.getString("lastDate")).isEqualTo("2026-11-27");
    assertThat(row(p, List.of(), "20261126")).isEqualTo(metrics(1, 2, 0, 3.0, 1, 1, 1, 1, 1));
    assertThat(row(p, List.of(), "20261127")).isEqualTo(metrics(0, 1, 0, 8.0, 0, 1, 1, 1, 1));
    assertThat(rangeRow(p, List.of())).isEqualTo(metrics(1, 3, 0, 11.0, 1, 1, 1, 1, 1));
    // The landing page is the session's, on the day it has no page view too.
    assertThat(row(p, List.of("landingPage"), "20261127", "/")).isEqualTo(metrics(0, 1, 0, 8.0, 0, 1, 1, 1, 1));
    assertThat(rangeRow(p, List.of("landingPage"), "/")).isEqualTo(metrics(1, 3, 0, 11.0, 1, 1, 1, 1, 1));
  }

  @Test
  void withoutASessionIdSessionsFollowEventTime() {
    // Kim (MP, no session_id) sends B (/pricing, 00:05 on the 27th, from her site), then A (/, 23:40 on the 26th,
    // from Hacker News), C (/blog, 00:50, referrer /pricing: her own host), D (scroll on /blog at 01:20, exactly 30
    // minutes after C). Sessions by event time: {A, B} (25 min apart: one session across midnight; two page views,
    // engaged; news.ycombinator.com / referral, Organic Social), then {C, D} (45 min after B: a new one; exactly 30
    // minutes continues it; direct, one page view, no engagement time: not engaged).
    // 26th: A: 1 event, new, 1 session, engaged. 27th: B, C, D: 3 events, 2 sessions, 1 engaged, not new; active
    // (B's session is engaged). Over the range: 2 sessions, 1 engaged.
    GroundTruth truth = truth();
    Visitor kim = browser("kim");
    truth.add(hit(kim, Protocol.MP, null, "page_view", SITE + "/pricing", SITE + "/", 2_000), at("2026-11-27T00:05:00"));
    truth.add(hit(kim, Protocol.MP, null, "page_view", SITE + "/", "https://news.ycombinator.com/", 0),
        at("2026-11-26T23:40:00"));
    truth.add(hit(kim, Protocol.MP, null, "page_view", SITE + "/blog", SITE + "/pricing", 0), at("2026-11-27T00:50:00"));
    truth.add(hit(kim, Protocol.MP, null, "scroll", SITE + "/blog", SITE + "/pricing", 0), at("2026-11-27T01:20:00"));
    JsonObject p = property(truth);
    assertThat(row(p, List.of(), "20261126")).isEqualTo(metrics(1, 1, 0, 0, 1, 1, 1, 1, 1));
    assertThat(row(p, List.of(), "20261127")).isEqualTo(metrics(2, 3, 0, 2.0, 0, 1, 1, 2, 1));
    assertThat(rangeRow(p, List.of())).isEqualTo(metrics(3, 4, 0, 2.0, 1, 1, 1, 2, 1));
    assertThat(row(p, List.of("sessionSource"), "20261127", "news.ycombinator.com"))
        .isEqualTo(metrics(1, 1, 0, 2.0, 0, 1, 1, 1, 1));
    assertThat(row(p, List.of("sessionSource"), "20261127", "(direct)")).isEqualTo(metrics(1, 2, 0, 0, 0, 1, 0, 1, 0));
    assertThat(rangeRow(p, List.of("sessionDefaultChannelGroup"), "Organic Social"))
        .isEqualTo(metrics(2, 2, 0, 2.0, 1, 1, 1, 1, 1));
    assertThat(row(p, List.of("newVsReturning"), "20261127", "returning")).isEqualTo(metrics(1, 2, 0, 0, 0, 1, 0, 1, 0));
  }

  @Test
  void laterCampaignsAndSelfReferralsAttributeNothing() {
    // Leo (gtag): / from Google, then /pricing?utm_source=newsletter... from / : google / organic, campaign (not
    // set), Organic Search, one session. Mia (tracker): /pricing with her own site as referrer: direct. Ned (gtag):
    // / from the site's other host shop.site1.example: a referral from that host exactly as sent. Olga (tracker): /
    // direct, then /pricing?gclid=...: stays direct.
    GroundTruth truth = truth();
    Visitor leo = browser("leo");
    truth.add(hit(leo, Protocol.GTAG, "g1", "page_view", SITE + "/", GOOGLE, 0), at("2026-11-26T10:00:00"));
    truth.add(hit(leo, Protocol.GTAG, "g1", "page_view",
        SITE + "/pricing?utm_source=newsletter&utm_medium=email&utm_campaign=spring", SITE + "/", 3_000),
        at("2026-11-26T10:00:30"));
    truth.add(hit(browser("mia"), Protocol.TRACKER, "t1", "page_view", SITE + "/pricing", SITE + "/", 0),
        at("2026-11-26T11:00:00"));
    truth.add(hit(browser("ned"), Protocol.GTAG, "g2", "page_view", SITE + "/", "https://shop.site1.example/cart", 0),
        at("2026-11-26T12:00:00"));
    Visitor olga = browser("olga");
    truth.add(hit(olga, Protocol.TRACKER, "t2", "page_view", SITE + "/", null, 0), at("2026-11-26T13:00:00"));
    truth.add(hit(olga, Protocol.TRACKER, "t2", "page_view", SITE + "/pricing?gclid=abc", SITE + "/", 3_000),
        at("2026-11-26T13:00:30"));
    JsonObject p = property(truth);
    assertThat(values(p, List.of("sessionSourceMedium"))).containsExactly("(direct) / (none)", "google / organic",
        "shop.site1.example / referral");
    assertThat(row(p, List.of("sessionSourceMedium"), "20261126", "google / organic"))
        .isEqualTo(metrics(2, 2, 0, 3.0, 1, 1, 1, 1, 1));
    assertThat(row(p, List.of("sessionSourceMedium"), "20261126", "(direct) / (none)"))
        .isEqualTo(metrics(3, 3, 0, 3.0, 2, 2, 2, 2, 1));
    assertThat(values(p, List.of("sessionCampaignName"))).containsExactly("(not set)");
    assertThat(values(p, List.of("sessionDefaultChannelGroup"))).containsExactly("Direct", "Organic Search",
        "Referral");
    // With shop.site1.example among the property's allowed hostnames, Ned is direct too.
    GroundTruth allowed = new GroundTruth(Map.of("P", ZONE), Map.of("P", Set.of("shop.site1.example")), false);
    allowed.add(hit(browser("ned"), Protocol.GTAG, "g2", "page_view", SITE + "/", "https://shop.site1.example/cart", 0),
        at("2026-11-26T12:00:00"));
    assertThat(values(property(allowed), List.of("sessionSourceMedium"))).containsExactly("(direct) / (none)");
  }

  @Test
  void newVsReturningAndFirstUserAcquisition() {
    // Pat (tracker): session t1 from Google, / and /pricing (engaged); session t2 from t.co, /blog alone at 14:00
    // (not engaged, no engagement time). newVsReturning: t1 new, t2 returning (Pat is not active there: no engaged
    // session, no engagement time, not her first visit). firstUserSource google for all three events.
    // Quinn (gtag): the first-visit and session-start flags on his second hit (scroll), and a second session with
    // the first-visit flag again: ignored; he is new once, in the row of his first event (page_view).
    // Rae (tracker): session number 4 and no first-visit flag: the browser was here before, Beacon never saw it: new.
    GroundTruth truth = truth();
    Visitor pat = browser("pat");
    truth.add(hit(pat, Protocol.TRACKER, "t1", "page_view", SITE + "/", GOOGLE, 0), at("2026-11-26T10:00:00"));
    truth.add(hit(pat, Protocol.TRACKER, "t1", "page_view", SITE + "/pricing", SITE + "/", 2_000),
        at("2026-11-26T10:00:02"));
    truth.add(hit(pat, Protocol.TRACKER, "t2", "page_view", SITE + "/blog", "https://t.co/x", 0),
        at("2026-11-26T14:00:00"));
    Visitor quinn = browser("quinn");
    truth.add(hit(quinn, Protocol.GTAG, "g1", "page_view", SITE + "/", null, 0), at("2026-11-26T10:00:00"));
    truth.add(flagged(hit(quinn, Protocol.GTAG, "g1", "scroll", SITE + "/", null, 3_000)), at("2026-11-26T10:00:03"));
    truth.add(flagged(hit(quinn, Protocol.GTAG, "g2", "page_view", SITE + "/pricing", null, 0)),
        at("2026-11-26T11:00:00"));
    truth.add(hit(browser("rae"), Protocol.TRACKER, "t9", "page_view", SITE + "/", null, 0), at("2026-11-26T12:00:00"));
    JsonObject p = property(truth);
    // new: Pat's t1 (2 events, engaged), Quinn's g1 (2 events, 3 s: not engaged), Rae's (1 event).
    assertThat(row(p, List.of("newVsReturning"), "20261126", "new")).isEqualTo(metrics(4, 5, 0, 5.0, 3, 3, 3, 3, 1));
    // returning: Pat's t2 (inactive), Quinn's g2 (inactive).
    assertThat(row(p, List.of("newVsReturning"), "20261126", "returning"))
        .isEqualTo(metrics(2, 2, 0, 0, 0, 2, 0, 2, 0));
    assertThat(row(p, List.of("firstUserSource"), "20261126", "google")).isEqualTo(metrics(3, 3, 0, 2.0, 1, 1, 1, 2, 1));
    assertThat(row(p, List.of("firstUserMedium"), "20261126", "organic")).isEqualTo(metrics(3, 3, 0, 2.0, 1, 1, 1, 2, 1));
    assertThat(row(p, List.of("sessionSource"), "20261126", "t.co")).isEqualTo(metrics(1, 1, 0, 0, 0, 1, 0, 1, 0));
    assertThat(row(p, List.of("eventName"), "20261126", "scroll")).isEqualTo(metrics(0, 1, 0, 3.0, 0, 1, 1, 1, 0));
    assertThat(row(p, List.of(), "20261126")).isEqualTo(metrics(6, 7, 0, 5.0, 3, 3, 3, 5, 1));
    assertThat(rangeRow(p, List.of("newVsReturning"), "returning")).isEqualTo(metrics(2, 2, 0, 0, 0, 2, 0, 2, 0));
  }

  @Test
  void deviceAndPlaceAsSentAndBotsApart() {
    // Sam (MP): a device object (tablet, de-DE, iPad) wins over his desktop Chrome User-Agent. Tom (MP):
    // user_location Seattle (US-WA, US) wins over his London address. Uma (MP): no User-Agent at all: device
    // (not set), and counted (not a bot). Vic (UA, language pt-BR): the iPhone in his ua parameter, language lower
    // case. A crawler counts only as a bot hit.
    GroundTruth truth = new GroundTruth(Map.of("P", ZONE), true);
    Visitor sam = new Visitor("sam", CHROME, LONDON, "81.2.69.7", "en-US", "1920x1080", TrafficPlan.DEVICES.get(1),
        null, false, true);
    Visitor tom = new Visitor("tom", CHROME, LONDON, "81.2.69.8", "en-US", "1920x1080", null,
        new Visitor.UserLocation("Seattle", "US-WA", "US"), false, true);
    Visitor uma = new Visitor("uma", null, UNKNOWN, "198.51.100.9", "en-GB", "1366x768", null, null, false, true);
    Visitor vic = new Visitor("vic", IPHONE, LONDON, "81.2.69.9", "pt-BR", "390x844", null, null, false, false);
    Visitor crawler = new Visitor("bot", UserAgentTable.BOTS.get(0), LONDON, "81.2.69.10", "en-US", "1920x1080");
    long t = at("2026-11-26T10:00:00");
    truth.add(hit(sam, Protocol.MP, "m1", "page_view", SITE + "/", null, 0), t);
    truth.add(hit(tom, Protocol.MP, "m2", "page_view", SITE + "/", null, 0), t);
    truth.add(hit(uma, Protocol.MP, "m3", "page_view", SITE + "/", null, 0), t);
    truth.add(hit(vic, Protocol.UA, null, "page_view", SITE + "/", null, 0), t);
    truth.add(hit(crawler, Protocol.TRACKER, "b1", "page_view", SITE + "/", null, 0), t);
    JsonObject p = property(truth);
    assertThat(p.getJsonObject("botHits").getMap()).isEqualTo(Map.of("20261126", 1L));
    assertThat(row(p, List.of(), "20261126")).isEqualTo(metrics(4, 4, 0, 0, 4, 4, 4, 4, 0));
    assertThat(values(p, List.of("deviceCategory"))).containsExactly("(not set)", "desktop", "mobile", "tablet");
    assertThat(values(p, List.of("browser"))).containsExactly("(not set)", "Chrome", "Mobile Safari", "Safari");
    assertThat(values(p, List.of("operatingSystem"))).containsExactly("(not set)", "Windows", "iOS");
    assertThat(values(p, List.of("language"))).containsExactly("de-de", "en-gb", "en-us", "pt-br");
    assertThat(values(p, List.of("screenResolution"))).containsExactly("1366x768", "1920x1080", "390x844", "820x1180");
    assertThat(values(p, List.of("country"))).containsExactly("(not set)", "GB", "US");
    assertThat(values(p, List.of("region"))).containsExactly("(not set)", "England", "US-WA");
    assertThat(values(p, List.of("city"))).containsExactly("(not set)", "London", "Seattle");
    assertThat(rows(p, List.of("deviceCategory")).encode()).doesNotContain("\"bot\"");
  }

  @Test
  void channelGroupsByGa4Rules() {
    // GA4's rules in GA4's order, case-insensitive; the category of a source from the source-category table.
    Object[][] cases = {
        {"(direct)", "(none)", "(not set)", "Direct"},
        {"google", "cpc", "cross-network-q4", "Cross-network"},
        {"criteo", "retargeting", "summer-shopping", "Paid Shopping"},
        {"google", "cpc", "(not set)", "Paid Search"},
        {"facebook", "cpc", "bf", "Paid Social"},
        {"youtube", "cpv", "launch", "Paid Video"},
        {"dv360", "display", "brand", "Display"},
        {"adnet", "paid-native", "q4", "Paid Other"},
        {"etsy", "listing", "(not set)", "Organic Shopping"},
        {"t.co", "referral", "(not set)", "Organic Social"},
        {"mastodon", "social", "(not set)", "Organic Social"},
        {"m.youtube.com", "referral", "(not set)", "Organic Video"},
        {"podnews", "video", "(not set)", "Organic Video"},
        {"ecosia", "organic", "(not set)", "Organic Search"},
        {"github.com", "referral", "(not set)", "Referral"},
        {"Newsletter", "Email", "nov", "Email"},
        {"e-mail", "blast", "(not set)", "Email"},
        {"ptnr", "affiliate", "q4", "Affiliates"},
        {"spotify", "audio", "pod", "Audio"},
        {"sms", "text", "(not set)", "SMS"},
        {"app", "web-push", "restock", "Mobile Push Notifications"},
        {"flyer", "qr-code", "(not set)", "Unassigned"},
        {"newsletter", "(not set)", "(not set)", "Unassigned"},
    };
    for (Object[] c : cases) {
      assertThat(AttributionRules.channelGroup((String) c[0], (String) c[1], (String) c[2])).as(List.of(c).toString())
          .isEqualTo(c[3]);
    }
    // Categories by name or host, ignoring case and one leading "www." (the source-category table's rule).
    assertThat(AttributionRules.category("www.YouTube.com")).isEqualTo("VIDEO");
    assertThat(AttributionRules.category("github.com")).isNull();
    // Acquisition from an earliest event: utm as sent; gclid; search engines by name; other hosts as sent.
    assertThat(AttributionRules.of(SITE + "/?utm_source=News&utm_medium=Email", GOOGLE, Set.of()))
        .isEqualTo(new AttributionRules.Acquisition("News", "Email", "(not set)"));
    assertThat(AttributionRules.of(SITE + "/?gclid=x", GOOGLE, Set.of()))
        .isEqualTo(new AttributionRules.Acquisition("google", "cpc", "(not set)"));
    assertThat(AttributionRules.of(SITE + "/", "https://www.google.co.uk/", Set.of()).sourceMedium())
        .isEqualTo("google / organic");
    assertThat(AttributionRules.of(SITE + "/", "https://search.yahoo.com/search?p=x", Set.of()).sourceMedium())
        .isEqualTo("yahoo / organic");
    assertThat(AttributionRules.of(SITE + "/", "https://m.facebook.com/", Set.of()).sourceMedium())
        .isEqualTo("m.facebook.com / referral");
    assertThat(AttributionRules.of(SITE + "/", SITE + "/x", Set.of()).sourceMedium()).isEqualTo("(direct) / (none)");
  }

  @Test
  void theScenarioCatalogReachesEveryChannelGroupAndBothSidesOfMidnight() {
    // The catalog of a mixed plan, put on the wire at a fixed time and counted as the sender would (each request
    // received 5 ms after the previous one): every channel group occurs, the midnight scenarios give two dates,
    // and bots stay apart.
    TrafficPlan.Property shop = new TrafficPlan.Property("B-SHOP", "s3cret", ZONE);
    TrafficPlan.Property blog = new TrafficPlan.Property("B-BLOG", null, ZoneId.of("America/New_York"));
    TrafficPlan plan = new TrafficPlan(List.of(shop, blog), TrafficPlan.Options.defaults(5, LoadgenCli.mix("mixed")));
    GroundTruth truth = new GroundTruth(Map.of(shop.id(), shop.zone(), blog.id(), blog.zone()), false);
    long now = at("2026-11-27T12:00:00");
    List<String> names = new ArrayList<>();
    for (int i = 0; i < plan.scenarioCount(); i++) {
      TrafficPlan.Journey j = plan.journey(i);
      names.add(j.scenario());
      for (PlannedRequest r : j.requests()) {
        now += 5;
        if (r.isDuplicate()) {
          continue;
        }
        Wire.Encoded e = Wire.encode(r, now, "s3cret", false);
        for (int h = 0; h < r.hits().size(); h++) {
          truth.add(r.hits().get(h), e.eventTime(h, now));
        }
      }
    }
    assertThat(names).doesNotContainNull().doesNotHaveDuplicates();
    assertThat(String.join("\n", names)).contains("tracker: 10000 ms", "gtag: 10001 ms", "mp: 10000 ms",
        "mp: session across midnight", "first hit sent last", "ua: first hit sent last", "utm on a later page",
        "self-referral", "mp: device object", "mp: user_location", "ua: no User-Agent at all", "ua: crawler",
        "gtag: duplicate request", "channel tour (ua)");
    JsonObject json = truth.toJson();
    Set<String> groups = new TreeSet<>();
    for (Object o : json.getJsonArray("properties")) {
      JsonObject p = (JsonObject) o;
      rangeRows(p, List.of("sessionDefaultChannelGroup")).forEach(r -> groups.add(
          ((JsonObject) r).getJsonArray("dimensionValues").getString(0)));
    }
    assertThat(groups).containsExactlyInAnyOrder("Direct", "Cross-network", "Paid Shopping", "Paid Search",
        "Paid Social", "Paid Video", "Display", "Paid Other", "Organic Shopping", "Organic Social", "Organic Video",
        "Organic Search", "Referral", "Email", "Affiliates", "Audio", "SMS", "Mobile Push Notifications", "Unassigned");
    JsonObject shopTruth = json.getJsonArray("properties").getJsonObject(1); // by id: B-BLOG, B-SHOP
    assertThat(shopTruth.getString("id")).isEqualTo("B-SHOP");
    assertThat(shopTruth.getString("firstDate")).isEqualTo("2026-11-26");
    assertThat(shopTruth.getString("lastDate")).isEqualTo("2026-11-27");
    assertThat(shopTruth.getJsonObject("botHits").isEmpty()).isFalse();
  }

  @Test
  void aPropertysSessionSettingsDecideItsSessionsAndEngagement() {
    // The catalog counted under GA4's defaults and under 10 minutes / 20 s (the AccuracyTest blog's settings):
    // the stricter threshold leaves sessions of 10-20 s unengaged, the shorter timeout splits id-less sessions
    // with a 10-30 minute gap.
    TrafficPlan.Property shop = new TrafficPlan.Property("B-SHOP", "s3cret", ZONE);
    TrafficPlan plan = new TrafficPlan(List.of(shop), TrafficPlan.Options.defaults(5, LoadgenCli.mix("mixed")));
    GroundTruth byDefault = new GroundTruth(Map.of(shop.id(), shop.zone()), false);
    GroundTruth bySettings = new GroundTruth(Map.of(shop.id(), shop.zone()), false)
        .sessionSettings(shop.id(), 10 * 60_000L, 20_000L);
    long now = at("2026-11-27T12:00:00");
    for (int i = 0; i < plan.scenarioCount(); i++) {
      for (PlannedRequest r : plan.journey(i).requests()) {
        now += 5;
        if (r.isDuplicate()) {
          continue;
        }
        Wire.Encoded e = Wire.encode(r, now, "s3cret", false);
        for (int h = 0; h < r.hits().size(); h++) {
          byDefault.add(r.hits().get(h), e.eventTime(h, now));
          bySettings.add(r.hits().get(h), e.eventTime(h, now));
        }
      }
    }
    JsonObject a = rangeRows(byDefault.toJson().getJsonArray("properties").getJsonObject(0), List.of())
        .getJsonObject(0).getJsonObject("metrics");
    JsonObject b = rangeRows(bySettings.toJson().getJsonArray("properties").getJsonObject(0), List.of())
        .getJsonObject(0).getJsonObject("metrics");
    assertThat(b.getLong("engagedSessions")).isLessThan(a.getLong("engagedSessions"));
    assertThat(b.getLong("sessions")).isGreaterThan(a.getLong("sessions"));
    assertThat(b.getLong("eventCount")).isEqualTo(a.getLong("eventCount"));
  }

  // -----------------------------------------------------------------------------------------------------------------

  private static GroundTruth truth() {
    return new GroundTruth(Map.of("P", ZONE), false);
  }

  private static PlannedHit hit(Visitor v, Protocol p, String sid, String event, String url, String referrer, long et) {
    return hit(v, p, sid, event, url, referrer, et, false);
  }

  private static PlannedHit hit(Visitor v, Protocol p, String sid, String event, String url, String referrer, long et,
      boolean nonInteraction) {
    URI u = URI.create(url);
    return new PlannedHit("P", v, p, sid, event, url, u.getHost(), u.getRawPath(), "Title " + u.getRawPath(),
        referrer, Map.of(), et, KEY_EVENTS.contains(event), nonInteraction, false, false, false, "rid", 0);
  }

  /** The same hit with the session-start and first-visit flags set (which must change nothing). */
  private static PlannedHit flagged(PlannedHit h) {
    return new PlannedHit(h.propertyId(), h.visitor(), h.protocol(), h.sessionId(), h.eventName(), h.pageLocation(),
        h.hostName(), h.pagePath(), h.pageTitle(), h.pageReferrer(), h.params(), h.engagementMs(), h.keyEvent(),
        h.nonInteraction(), true, true, true, h.requestId(), h.offsetMs());
  }

  private static long at(String localDateTime) {
    return LocalDateTime.parse(localDateTime).atZone(ZONE).toInstant().toEpochMilli();
  }

  private static JsonObject metrics(long pv, long events, long keyEvents, double engagementSeconds, long newUsers,
      long users, long active, long sessions, long engaged) {
    return new JsonObject().put("screenPageViews", pv).put("eventCount", events).put("keyEvents", keyEvents)
        .put("userEngagementDuration", engagementSeconds).put("newUsers", newUsers).put("totalUsers", users)
        .put("activeUsers", active).put("sessions", sessions).put("engagedSessions", engaged);
  }

  private static JsonObject property(GroundTruth truth) {
    JsonArray props = truth.toJson().getJsonArray("properties");
    assertThat(props).hasSize(1);
    return props.getJsonObject(0);
  }

  private static JsonArray report(JsonObject property, List<Object> header) {
    for (Object r : property.getJsonArray("reports")) {
      JsonObject report = (JsonObject) r;
      if (report.getJsonArray("dimensions").getList().equals(header)) {
        return report.getJsonArray("rows");
      }
    }
    throw new AssertionError("no report by " + header);
  }

  private static JsonArray rows(JsonObject property, List<String> dims) {
    List<Object> header = new ArrayList<>(List.of("date"));
    header.addAll(dims);
    return report(property, header);
  }

  private static JsonArray rangeRows(JsonObject property, List<String> dims) {
    return report(property, new ArrayList<>(dims));
  }

  /** The distinct values of the report's (last) dimension over all dates. */
  private static List<String> values(JsonObject property, List<String> dims) {
    TreeSet<String> out = new TreeSet<>();
    rows(property, dims).forEach(r -> {
      JsonArray v = ((JsonObject) r).getJsonArray("dimensionValues");
      out.add(v.getString(v.size() - 1));
    });
    return new ArrayList<>(out);
  }

  private static JsonObject row(JsonObject property, List<String> dims, String... values) {
    return find(rows(property, dims), List.of(values), dims);
  }

  private static JsonObject rangeRow(JsonObject property, List<String> dims, String... values) {
    return find(rangeRows(property, dims), List.of(values), dims);
  }

  private static JsonObject find(JsonArray rows, List<String> values, List<String> dims) {
    for (Object r : rows) {
      JsonObject row = (JsonObject) r;
      if (row.getJsonArray("dimensionValues").getList().equals(values)) {
        return normalized(row.getJsonObject("metrics"));
      }
    }
    throw new AssertionError("no row " + values + " in " + dims + ": " + rows.encode());
  }

  /** Integers as longs, the duration as a double, so rows compare with {@link #metrics}. */
  private static JsonObject normalized(JsonObject m) {
    JsonObject out = new JsonObject();
    m.forEach(e -> out.put(e.getKey(), e.getKey().equals("userEngagementDuration")
        ? ((Number) e.getValue()).doubleValue() : ((Number) e.getValue()).longValue()));
    return out;
  }
}
