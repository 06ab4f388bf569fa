package io.beacon.loadgen;

import static io.beacon.loadgen.TrafficPlan.MINUTE;

import io.beacon.loadgen.PlannedRequest.Protocol;
import io.beacon.loadgen.PlannedRequest.Timing;
import io.beacon.loadgen.TrafficPlan.Acq;
import io.beacon.loadgen.TrafficPlan.Journey;
import io.beacon.loadgen.TrafficPlan.Property;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.function.UnaryOperator;

/**
 * The scripted journeys every plan starts with: each puts one rule of the spec to the test (for each protocol it
 * applies to), deterministically, so that even a small plan covers them all. Skipped only where the plan cannot
 * send them: a protocol the mix leaves out, or Measurement Protocol without a property with an api secret.
 *
 * <p>The expected numbers are the {@link GroundTruth}'s business, not the script's: a script only sends. What each
 * should show is in its comment.
 */
final class Scenarios {
  private Scenarios() {}

  /** What a script gets: the builder, the journey's random source (ids), and the page's host. */
  record Ctx(JourneyBuilder b, Random rnd, String host) {
    /** A tracker/gtag sid (session start, epoch seconds) or MP session_id. */
    String sid() {
      return Long.toString(1_700_000_000L + rnd.nextInt(60_000_000));
    }

    /** The requests in plan order; times stated relative to the first send end at it. */
    List<PlannedRequest> requests() {
      boolean shift = !b.midnight() && b.timing != Timing.RECEIVE;
      return b.requests(shift ? -b.latest() : 0);
    }

    String self() {
      return b.url();
    }
  }

  interface Script {
    List<PlannedRequest> plan(Ctx c);
  }

  /** One scripted journey: how it is sent, who sends it, and what. */
  record Scenario(String name, Protocol protocol, Timing timing, boolean midnight, boolean batch, boolean bot,
      UnaryOperator<Visitor> visitor, Script script, Property property) {

    Journey journey(TrafficPlan plan, int index, Random rnd) {
      Visitor v = visitor.apply(baseVisitor(index, rnd));
      JourneyBuilder b = new JourneyBuilder(property, plan.site(property), protocol, v, rnd, timing, midnight, batch,
          plan.options().keyEvents());
      List<PlannedRequest> requests = script.plan(new Ctx(b, rnd, plan.site(property).hosts.get(0)));
      return new Journey(index, property, protocol, v, requests, name);
    }

    private Visitor baseVisitor(int index, Random rnd) {
      List<UserAgentTable.Agent> agents = bot ? UserAgentTable.BOTS : UserAgentTable.HUMANS;
      UserAgentTable.Agent agent = agents.get(index % agents.size());
      GeoTable.Network net = GeoTable.DEFAULT.get(index % GeoTable.DEFAULT.size());
      String clientId = protocol == Protocol.UA ? new UUID(rnd.nextLong(), rnd.nextLong()).toString()
          : (100_000_000 + rnd.nextInt(900_000_000)) + "." + (1_690_000_000 + rnd.nextInt(40_000_000));
      return new Visitor(clientId, agent, net, net.address(rnd), TrafficPlan.LANGUAGES[index % TrafficPlan.LANGUAGES.length],
          TrafficPlan.SCREENS.get(agent.deviceCategory())[0]);
    }
  }

  private static final String GOOGLE = "https://www.google.com/";
  private static final String NEWSLETTER = "?utm_source=newsletter&utm_medium=email&utm_campaign=spring";

  /** The catalog for {@code plan}: each scenario with the property it goes to. */
  static List<Scenario> catalog(TrafficPlan plan) {
    List<Scenario> all = new ArrayList<>();
    List<Scenario> out = new ArrayList<>();
    scripts(all);
    tour(all, plan);
    List<Property> secret = plan.withSecret();
    for (Scenario s : all) {
      if (!plan.options().sends(s.protocol()) || s.protocol() == Protocol.MP && secret.isEmpty()) {
        continue;
      }
      List<Property> candidates = s.protocol() == Protocol.MP ? secret : plan.properties();
      Property p = candidates.get(out.size() % candidates.size());
      out.add(new Scenario(s.name(), s.protocol(), s.timing(), s.midnight(), s.batch(), s.bot(), s.visitor(),
          s.script(), p));
    }
    return out;
  }

  private static Scenario of(String name, Protocol protocol, Timing timing, Script script) {
    return new Scenario(name, protocol, timing, false, false, false, v -> v, script, null);
  }

  private static Scenario withVisitor(String name, Protocol protocol, Timing timing, UnaryOperator<Visitor> visitor,
      Script script) {
    return new Scenario(name, protocol, timing, false, false, false, visitor, script, null);
  }

  private static Timing receive(Protocol p) {
    return p == Protocol.MP ? Timing.EVENT : Timing.RECEIVE;
  }

  private static void scripts(List<Scenario> all) {
    // Engagement exactly at the threshold: 0 + 4,000 + 6,000 = 10,000 ms is not engaged (one page view, no key
    // event); 10,001 is. MP's closing event is a custom one: user_engagement is reserved there.
    for (Protocol p : List.of(Protocol.TRACKER, Protocol.GTAG, Protocol.MP)) {
      for (long total : new long[] {10_000, 10_001}) {
        all.add(of(p.name().toLowerCase() + ": " + total + " ms of engagement", p, receive(p), c -> {
          c.b().session(c.sid(), 1, true).page(c.host(), 0, "", GOOGLE).view(0);
          c.b().advance(4_000).event("scroll", Map.of("percent_scrolled", "90"), 4_000, false);
          c.b().advance(6_000).event(p == Protocol.MP ? "video_progress" : "user_engagement", total - 4_000);
          return c.requests();
        }));
      }
    }
    // A key event alone engages a one-page session with 1.5 s of engagement.
    all.add(of("gtag: key event only", Protocol.GTAG, Timing.RECEIVE, c -> {
      c.b().session(c.sid(), 1, true).page(c.host(), 0, "", null).view(0);
      c.b().advance(1_500).event("sign_up", 1_500);
      return c.requests();
    }));
    // Exactly two page views engage (2 s of engagement in all).
    all.add(of("tracker: two page views", Protocol.TRACKER, Timing.RECEIVE, c -> {
      c.b().session(c.sid(), 1, true).page(c.host(), 0, "", null).view(0);
      c.b().advance(2_000).page(c.host(), 1, "", c.self()).view(2_000);
      return c.requests();
    }));
    all.add(of("mp without session_id: two page views", Protocol.MP, Timing.EVENT, c -> {
      c.b().session(null, 1, false).page(c.host(), 0, "", null).view(0);
      c.b().advance(60_000).page(c.host(), 1, "", c.self()).view(3_000);
      return c.requests();
    }));
    // UA: a page view and an interaction event engage; with a non-interaction (ni=1) event instead they do not
    // (the session lasts as long as two requests take); a session of 25 s engages on its duration alone.
    all.add(of("ua: two interaction hits", Protocol.UA, Timing.RECEIVE, c -> {
      c.b().session(null, 1, false).page(c.host(), 0, "", null).view(0);
      c.b().event("play", Map.of("event_category", "video", "event_action", "Play"), 0, false);
      return c.requests();
    }));
    all.add(of("ua: page view and a non-interaction event", Protocol.UA, Timing.RECEIVE, c -> {
      c.b().session(null, 1, false).page(c.host(), 0, "", null).view(0);
      c.b().event("scroll_depth", Map.of("event_category", "scroll", "event_action", "scroll_depth"), 0, true);
      return c.requests();
    }));
    all.add(new Scenario("ua: 25 s session (qt), batch", Protocol.UA, Timing.QUEUE, false, true, false, v -> v, c -> {
      c.b().session(null, 1, false).page(c.host(), 0, "", null).view(0);
      c.b().advance(25_000).event("scroll_depth", Map.of("event_category", "scroll", "event_action", "scroll_depth"),
          0, true);
      return c.requests();
    }, null));

    // Across the property's local midnight (timestamp_micros): 10 min before, 8 min before, 4 min after; 0 + 3,000 +
    // 8,000 = 11,000 ms, so engaged by its last event and engaged on both days; one session in the range.
    all.add(new Scenario("mp: session across midnight", Protocol.MP, Timing.EVENT, true, false, false, v -> v, c -> {
      c.b().session(c.sid(), 1, false).at(-10 * MINUTE).page(c.host(), 0, "", GOOGLE).view(0);
      c.b().at(-8 * MINUTE).event("scroll", Map.of("percent_scrolled", "90"), 3_000, false);
      c.b().at(4 * MINUTE).event("video_progress", 8_000);
      return c.requests();
    }, null));
    // No session_id: Beacon's sessions by event time. 23:40 (from Hacker News) and 00:05 are one session (25 min
    // apart) across midnight, sent in reverse order; 00:50 opens a second one (45 min later) with a referrer from
    // the site itself: direct.
    all.add(new Scenario("mp without session_id: across midnight, split by 45 min, out of order", Protocol.MP,
        Timing.EVENT, true, false, false, v -> v, c -> {
          c.b().session(null, 1, false).at(-20 * MINUTE).page(c.host(), 0, "", "https://news.ycombinator.com/").view(0);
          c.b().at(5 * MINUTE).page(c.host(), 1, "", c.self()).view(2_000);
          String before = c.self();
          c.b().session(null, 2, false).at(50 * MINUTE).page(c.host(), 3, "", before).view(0);
          List<PlannedRequest> r = c.requests();
          return List.of(r.get(1), r.get(0), r.get(2));
        }, null));

    // The first hit arrives last: from Bing, then two later pages (the last with utm) sent before it. Bing /
    // organic, landing on the first page; the utm re-attributes nothing.
    all.add(of("mp: first hit sent last", Protocol.MP, Timing.EVENT, c -> {
      c.b().session(c.sid(), 1, false).page(c.host(), 0, "", "https://www.bing.com/search?q=beacon").view(0);
      c.b().advance(40_000).page(c.host(), 1, "", c.self()).view(5_000);
      c.b().advance(50_000).page(c.host(), 2, NEWSLETTER, c.self()).view(4_000);
      List<PlannedRequest> r = c.requests();
      return List.of(r.get(1), r.get(2), r.get(0));
    }));
    all.add(of("ua: first hit sent last (qt)", Protocol.UA, Timing.QUEUE, c -> {
      c.b().session(null, 1, false).page(c.host(), 0, "", "https://t.co/xK2mQ9").view(0);
      c.b().advance(60_000).page(c.host(), 1, "", c.self()).view(0);
      List<PlannedRequest> r = c.requests();
      return List.of(r.get(1), r.get(0));
    }));
    all.add(of("mp: request-level timestamp, first request sent last", Protocol.MP, Timing.REQUEST, c -> {
      c.b().session(null, 1, false).page(c.host(), 0, "", "https://l.facebook.com/").view(0);
      c.b().advance(30_000).page(c.host(), 1, "", c.self()).view(1_000);
      c.b().advance(10_000).event("scroll", Map.of("percent_scrolled", "90"), 3_000, false);
      List<PlannedRequest> r = c.requests();
      return List.of(r.get(1), r.get(0));
    }));
    // Request-level timestamp_micros for the first event of a request, event-level for the other: 0 + 5,000 +
    // 7,000 = 12,000 ms: engaged.
    all.add(of("mp: request- and event-level timestamps", Protocol.MP, Timing.MIXED, c -> {
      c.b().session(c.sid(), 1, false).page(c.host(), 0, "", "https://www.ecosia.org/search?q=beacon").view(0);
      c.b().advance(20_000).event("scroll", Map.of("percent_scrolled", "90"), 5_000, false);
      c.b().advance(30_000).event("video_progress", 7_000);
      return c.requests();
    }));

    // utm or gclid on a later page of the same session re-attributes nothing.
    all.add(of("gtag: utm on a later page", Protocol.GTAG, Timing.RECEIVE, c -> {
      c.b().session(c.sid(), 1, true).page(c.host(), 0, "", GOOGLE).view(0);
      c.b().advance(30_000).page(c.host(), 1, NEWSLETTER, c.self()).view(3_000);
      return c.requests();
    }));
    all.add(of("tracker: gclid on a later page", Protocol.TRACKER, Timing.RECEIVE, c -> {
      c.b().session(c.sid(), 1, true).page(c.host(), 0, "", null).view(0);
      c.b().advance(30_000).page(c.host(), 1, "?gclid=Cj0KCQiAwJWqBhC", c.self()).view(3_000);
      return c.requests();
    }));
    // A session that opens with a referrer from its own host is direct; from the site's other host (not an allowed
    // host of the property) it is a referral from that host exactly as sent.
    all.add(of("tracker: self-referral at session start", Protocol.TRACKER, Timing.RECEIVE, c -> {
      c.b().session(c.sid(), 1, true).page(c.host(), 1, "", "https://" + c.host() + "/").view(0);
      return c.requests();
    }));
    all.add(of("gtag: referral from the site's other host", Protocol.GTAG, Timing.RECEIVE, c -> {
      String other = c.b().site().hosts.get(1);
      c.b().session(c.sid(), 1, true).page(c.host(), 0, "", "https://" + other + "/cart").view(0);
      return c.requests();
    }));

    // First visits are Beacon's: gtag's _ss/_fv on the second hit instead of the first, and _fv again on the second
    // session, change nothing: one new user (its first event, the page view), session 1 new, session 2 returning.
    all.add(of("gtag: first-visit flags on a later hit, and twice", Protocol.GTAG, Timing.RECEIVE, c -> {
      c.b().session(c.sid(), 1, true).flagsOnHit(2).page(c.host(), 0, "", GOOGLE).view(0);
      c.b().advance(3_000).event("scroll", Map.of("percent_scrolled", "90"), 3_000, false);
      c.b().advance(45 * MINUTE).session(c.sid(), 2, true).page(c.host(), 1, "", "https://t.co/xK2mQ9").view(0);
      return c.requests();
    }));
    // Two sessions: new (Google), then returning (t.co); firstUserSource google for both.
    all.add(of("tracker: new then returning", Protocol.TRACKER, Timing.RECEIVE, c -> {
      c.b().session(c.sid(), 1, true).page(c.host(), 0, "", GOOGLE).view(0);
      c.b().advance(2_000).page(c.host(), 1, "", c.self()).view(2_000);
      c.b().advance(3 * TrafficPlan.HOUR).session(c.sid(), 2, false).page(c.host(), 2, "", "https://t.co/xK2mQ9")
          .view(0);
      return c.requests();
    }));
    // sct 4 and no _fv: the browser has been here before, but Beacon has never seen the client: new.
    all.add(of("tracker: returning by sct, new to Beacon", Protocol.TRACKER, Timing.RECEIVE, c -> {
      c.b().session(c.sid(), 4, false).page(c.host(), 0, "", null).view(0);
      return c.requests();
    }));
    all.add(of("mp without session_id: two sessions 2 h apart", Protocol.MP, Timing.EVENT, c -> {
      c.b().session(null, 1, false).page(c.host(), 0, "", "https://duckduckgo.com/").view(0);
      c.b().advance(2 * TrafficPlan.HOUR).session(null, 2, false).page(c.host(), 1, NEWSLETTER, null).view(0);
      return c.requests();
    }));

    // Device and place as MP says: its device object over the User-Agent (a desktop Chrome), user_location over
    // the address, ip_override as the address; no User-Agent at all is (not set), never a bot.
    all.add(withVisitor("mp: device object", Protocol.MP, Timing.EVENT,
        v -> new Visitor(v.clientId(), UserAgentTable.HUMANS.get(0), v.network(), v.ip(), v.language(), v.screen(),
            TrafficPlan.DEVICES.get(1), null, false, true),
        c -> {
          c.b().session(c.sid(), 1, false).page(c.host(), 0, "", null).view(0);
          return c.requests();
        }));
    all.add(withVisitor("mp: user_location", Protocol.MP, Timing.RECEIVE,
        v -> new Visitor(v.clientId(), v.agent(), GeoTable.DEFAULT.get(0), "81.2.69.160", v.language(), v.screen(),
            null, TrafficPlan.LOCATIONS.get(0), false, true),
        c -> {
          c.b().session(null, 1, false).page(c.host(), 0, "", null).view(0);
          return c.requests();
        }));
    all.add(withVisitor("mp: ip_override", Protocol.MP, Timing.REQUEST,
        v -> new Visitor(v.clientId(), v.agent(), GeoTable.DEFAULT.get(4), "2.16.6.20", v.language(), v.screen(),
            null, null, true, true),
        c -> {
          c.b().session(c.sid(), 1, false).page(c.host(), 0, "", null).view(0);
          return c.requests();
        }));
    all.add(withVisitor("mp: no User-Agent", Protocol.MP, Timing.EVENT,
        v -> new Visitor(v.clientId(), null, v.network(), v.ip(), "en-GB", v.screen(), null, null, false, true),
        c -> {
          c.b().session(c.sid(), 1, false).page(c.host(), 0, "", null).view(0);
          return c.requests();
        }));
    all.add(withVisitor("ua: no User-Agent header, ua parameter", Protocol.UA, Timing.RECEIVE,
        v -> new Visitor(v.clientId(), UserAgentTable.HUMANS.get(9), v.network(), v.ip(), "pt-BR", v.screen(), null,
            null, false, false),
        c -> {
          c.b().session(null, 1, false).page(c.host(), 0, "", null).view(0);
          return c.requests();
        }));
    all.add(new Scenario("ua: no User-Agent at all (qt, batch)", Protocol.UA, Timing.QUEUE, false, true, false,
        v -> new Visitor(v.clientId(), null, v.network(), v.ip(), "sv-SE", v.screen(), null, null, false, false),
        c -> {
          c.b().session(null, 1, false).page(c.host(), 0, "", null).view(0);
          c.b().advance(5_000).page(c.host(), 1, "", c.self()).view(0);
          return c.requests();
        }, null));

    // Crawlers, in every protocol: bot hits only.
    for (Protocol p : Protocol.values()) {
      all.add(new Scenario(p.name().toLowerCase() + ": crawler", p, receive(p), false, false, true, v -> v, c -> {
        c.b().session(p == Protocol.UA ? null : c.sid(), 1, true).page(c.host(), 0, "", null).view(0);
        c.b().advance(1_000).page(c.host(), 1, "", c.self()).view(0);
        return c.requests();
      }, null));
    }

    // Copies: the first request again at the journey's end (ids: 24 h) or right after it (gtag: payload within
    // 2 minutes); each counts once, and the late copy extends no session.
    for (Protocol p : Protocol.values()) {
      all.add(of(p.name().toLowerCase() + ": duplicate request", p, Timing.RECEIVE, c -> {
        c.b().session(p == Protocol.TRACKER || p == Protocol.GTAG ? c.sid() : null, 1, true)
            .page(c.host(), 0, "", GOOGLE).view(0);
        c.b().advance(2_000).page(c.host(), 1, "", c.self()).view(2_000);
        List<PlannedRequest> r = new ArrayList<>(c.requests());
        if (p == Protocol.GTAG) {
          r.add(1, PlannedRequest.duplicateOf(r.get(0)));
        } else {
          r.add(PlannedRequest.duplicateOf(r.get(0)));
        }
        return r;
      }));
    }
  }

  /**
   * One single-page session per arrival the generator knows (search engines, social sites, referrals, every
   * campaign's channel group, direct), the protocols taking turns.
   */
  private static void tour(List<Scenario> all, TrafficPlan plan) {
    List<Acq> arrivals = new ArrayList<>();
    arrivals.addAll(TrafficPlan.SEARCH);
    arrivals.addAll(TrafficPlan.SOCIAL);
    arrivals.addAll(TrafficPlan.REFERRAL);
    arrivals.addAll(TrafficPlan.CAMPAIGN);
    arrivals.add(TrafficPlan.DIRECT);
    List<Protocol> protocols = new ArrayList<>();
    for (Protocol p : Protocol.values()) {
      if (plan.options().sends(p) && (p != Protocol.MP || !plan.withSecret().isEmpty())) {
        protocols.add(p);
      }
    }
    if (protocols.isEmpty()) {
      return;
    }
    for (int i = 0; i < arrivals.size(); i++) {
      Acq a = arrivals.get(i);
      Protocol p = protocols.get(i % protocols.size());
      String label = a.landingQuery().isEmpty() ? a.referrer() == null ? "direct" : a.referrer() : a.landingQuery();
      all.add(of("channel tour (" + p.name().toLowerCase() + "): " + label, p, receive(p), c -> {
        c.b().session(p == Protocol.UA ? null : c.sid(), 1, true).page(c.host(), 0, a.landingQuery(), a.referrer())
            .view(0);
        return c.requests();
      }));
    }
  }
}
