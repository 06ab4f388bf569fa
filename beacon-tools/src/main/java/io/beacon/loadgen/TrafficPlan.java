package io.beacon.loadgen;

import io.beacon.loadgen.PlannedRequest.Protocol;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

/**
 * Deterministic synthetic traffic: journey {@code i} of a plan depends only on the seed, the options and
 * {@code i}. A journey is one visitor (client id) of one property and everything it sends, in order: one to three
 * sessions (returning visitors keep their client id and count their sessions up) of several pages, each with a
 * page view, on-page events (scrolls, outbound clicks, add-to-cart, key events) and engagement time, arriving by
 * search, social, referral, campaign (utm, gclid) or directly.
 *
 * <p>Session rules as each protocol has them, which the ground truth relies on:
 * <ul>
 *   <li>tracker: the page keeps the session (sid, sct, _ss, _fv, seg, _et), exactly as {@code beacon.js} decides:
 *       engaged after a second page view or more than 10 s of engagement in one hit, sticky for the session;</li>
 *   <li>Measurement Protocol and UA: they send no session id, so the collector keeps one per client, started by the
 *       first hit it receives (session_start, first_visit) and renewed after 30 minutes without a hit <em>by receive
 *       time</em>. A journey's requests go out one after the other within seconds, so it is one collector session
 *       and a new client (run a plan against a property once per seed). The collector derives no
 *       session_engaged for them: their sessions are never engaged.</li>
 * </ul>
 * Measurement Protocol journeys may be late (timestamp_micros 1 to 47 hours back); the others' event time is the
 * receive time. Bots (real crawler User-Agents) run the tracker like a browser and must count only as bots.
 */
public final class TrafficPlan {

  /** A property hits go to: its id, MP api secret (null if none) and report time zone. */
  public record Property(String id, String apiSecret, ZoneId zone) {}

  /**
   * @param seed everything random derives from it
   * @param pages pages per site
   * @param zipfExponent page popularity exponent
   * @param botShare share of journeys that are crawlers
   * @param lateShare share of Measurement Protocol journeys sent with old event times
   * @param duplicateShare share of requests sent a second time (same request ids)
   * @param mix relative weights of tracker, mp and ua journeys
   * @param keyEvents the event names the properties mark as key events
   */
  public record Options(long seed, int pages, double zipfExponent, double botShare, double lateShare,
      double duplicateShare, Map<Protocol, Double> mix, Set<String> keyEvents) {

    public static Options defaults(long seed, Map<Protocol, Double> mix) {
      return new Options(seed, 200, 1.1, 0.03, 0.2, 0.03, mix, Set.of("sign_up", "purchase"));
    }
  }

  /** One visitor's traffic. */
  public record Journey(int index, Property property, Protocol protocol, Visitor visitor, List<PlannedRequest> requests) {
    /** Hits it sends, duplicates not counted. */
    public int hits() {
      return requests.stream().filter(r -> !r.isDuplicate()).mapToInt(r -> r.hits.size()).sum();
    }
  }

  private record Acq(String landingQuery, String referrer, String source, String medium, String campaign) {}

  private static final List<Acq> SEARCH = List.of(
      new Acq("", "https://www.google.com/", "google", "organic", null),
      new Acq("", "https://www.google.co.uk/", "google", "organic", null),
      new Acq("", "https://www.bing.com/search?q=self+hosted+analytics", "bing", "organic", null),
      new Acq("", "https://duckduckgo.com/", "duckduckgo", "organic", null),
      new Acq("", "https://search.yahoo.com/search?p=analytics", "yahoo", "organic", null),
      new Acq("", "https://www.ecosia.org/search?q=analytics", "ecosia", "organic", null));
  // Social sites are referrals named by host, as GA4 names them; the channel group (Organic Social) says "social".
  private static final List<Acq> SOCIAL = List.of(
      new Acq("", "https://t.co/xK2mQ9", "t.co", "referral", null),
      new Acq("", "https://l.facebook.com/", "l.facebook.com", "referral", null),
      new Acq("", "https://www.reddit.com/r/webdev/", "www.reddit.com", "referral", null),
      new Acq("", "https://www.linkedin.com/", "www.linkedin.com", "referral", null),
      new Acq("", "https://news.ycombinator.com/", "news.ycombinator.com", "referral", null));
  private static final List<Acq> REFERRAL = List.of(
      new Acq("", "https://blog.example.org/2024/analytics-tools", "blog.example.org", "referral", null),
      new Acq("", "https://github.com/beacon/beacon", "github.com", "referral", null),
      new Acq("", "https://forum.example.net/t/self-hosting/123", "forum.example.net", "referral", null));
  private static final List<Acq> CAMPAIGN = List.of(
      // Short: the collector takes Measurement Protocol parameter values (page_location too) up to 100 characters.
      new Acq("?utm_source=mail&utm_medium=email&utm_campaign=nov", null, "mail", "email", "nov"),
      new Acq("?utm_source=facebook&utm_medium=cpc&utm_campaign=bf", "https://l.facebook.com/", "facebook", "cpc", "bf"),
      new Acq("?utm_source=ptnr&utm_medium=affiliate&utm_campaign=q4", "https://partner.example.com/deals", "ptnr",
          "affiliate", "q4"),
      new Acq("?gclid=Cj0KCQiAwJWqBhC", "https://www.google.com/", "google", "cpc", null));
  private static final Acq DIRECT = new Acq("", null, "(direct)", "(none)", null);

  private static final String[] LANGUAGES = {"en-us", "en-us", "en-us", "en-gb", "de-de", "de-de", "fr-fr", "es-es",
      "pt-br", "ja-jp", "sv-se", "hi-in", "zh-cn"};
  private static final Map<String, String[]> SCREENS = Map.of(
      "desktop", new String[] {"1920x1080", "1920x1080", "1366x768", "1536x864", "2560x1440", "1440x900"},
      "mobile", new String[] {"390x844", "393x873", "412x915", "360x800"},
      "tablet", new String[] {"820x1180", "768x1024", "800x1280"},
      "bot", new String[] {"1920x1080", "412x732"});
  private static final long HOUR = 3_600_000L;

  private final List<Property> properties;
  private final Options options;
  private final List<Site> sites = new ArrayList<>();

  public TrafficPlan(List<Property> properties, Options options) {
    if (properties.isEmpty()) {
      throw new IllegalArgumentException("at least one property");
    }
    this.properties = List.copyOf(properties);
    this.options = options;
    for (int i = 0; i < properties.size(); i++) {
      sites.add(new Site(i, options.pages(), options.zipfExponent()));
    }
  }

  public Options options() {
    return options;
  }

  public List<Property> properties() {
    return properties;
  }

  /** Journeys from index 0 until they send at least {@code hits} hits (duplicates not counted). */
  public List<Journey> journeys(long hits) {
    List<Journey> out = new ArrayList<>();
    long planned = 0;
    for (int i = 0; planned < hits; i++) {
      Journey j = journey(i);
      out.add(j);
      planned += j.hits();
    }
    return out;
  }

  /** Journey {@code index}: the same for the same seed and options. */
  public Journey journey(int index) {
    Random rnd = new Random(options.seed() * 1_000_003L + index * 7_919L + 17);
    int pi = rnd.nextInt(properties.size());
    Property property = properties.get(pi);
    Site site = sites.get(pi);
    boolean bot = rnd.nextDouble() < options.botShare();
    Protocol protocol = bot ? Protocol.TRACKER : protocol(rnd);
    if (protocol == Protocol.MP && property.apiSecret() == null) {
      protocol = Protocol.TRACKER; // no secret, no Measurement Protocol
    }
    UserAgentTable.Agent agent = UserAgentTable.pick(bot ? UserAgentTable.BOTS : UserAgentTable.HUMANS, rnd);
    GeoTable.Network net = GeoTable.pick(rnd);
    String[] screens = SCREENS.get(agent.deviceCategory());
    String clientId = protocol == Protocol.UA ? uuid(rnd)
        : (100_000_000 + rnd.nextInt(900_000_000)) + "." + (1_690_000_000 + rnd.nextInt(40_000_000));
    Visitor v = new Visitor(clientId, agent, net, net.address(rnd), LANGUAGES[rnd.nextInt(LANGUAGES.length)],
        screens[rnd.nextInt(screens.length)]);

    boolean tracker = protocol == Protocol.TRACKER;
    int sessions = !tracker || bot ? 1 : pick(rnd, 0.7, 0.2) + 1;
    boolean returning = tracker && !bot && rnd.nextDouble() < 0.2; // had sessions before this run
    int firstNumber = returning ? 2 + rnd.nextInt(4) : 1;
    long baseAge = protocol == Protocol.MP && rnd.nextDouble() < options.lateShare()
        ? HOUR + (long) (rnd.nextDouble() * 46 * HOUR) : 0;
    boolean batch = protocol == Protocol.UA && rnd.nextBoolean();
    long sidBase = 1_700_000_000L + rnd.nextInt(60_000_000);

    List<PlannedRequest> requests = new ArrayList<>();
    long elapsed = 0; // ms since the journey's first hit
    boolean firstHitOfJourney = true;
    for (int s = 0; s < sessions; s++) {
      String sid = Long.toString(sidBase + s * 86_400L);
      int number = firstNumber + s;
      String sessionKey = tracker ? sid : "collector";
      String host = site.hosts.get(rnd.nextDouble() < 0.8 ? 0 : 1);
      Acq acq = bot ? DIRECT : acquisition(rnd);
      int pages = bot ? 1 + rnd.nextInt(4) : Math.min(8, 1 + geometric(rnd, 0.45));
      int keyEventPage = rnd.nextDouble() < 0.08 ? rnd.nextInt(pages) : -1;
      String keyEvent = rnd.nextDouble() < 0.6 ? "sign_up" : "purchase";
      boolean seg = false;
      int pageViews = 0;
      boolean firstHitOfSession = true;
      String previousUrl = null;
      long sinceLastHit = 0;
      for (int p = 0; p < pages; p++) {
        int page = site.page(rnd);
        String url = "https://" + host + site.path(page) + (p == 0 ? acq.landingQuery() : "");
        Acq here = p == 0 ? acq : new Acq("", previousUrl, "(direct)", "(none)", null);
        long dwell = bot ? 0 : Math.min(600_000, 2_000 + (long) (-Math.log(1 - rnd.nextDouble()) * 30_000));
        List<String[]> events = new ArrayList<>(); // {name, offsetMs within the page, params k=v;...}
        events.add(new String[] {"page_view", "0"});
        if (!bot) {
          if (rnd.nextDouble() < 0.35 && protocol != Protocol.UA) {
            events.add(new String[] {"scroll", Long.toString(dwell / 2), "percent_scrolled=90"});
          }
          if (protocol == Protocol.UA && rnd.nextDouble() < 0.15) {
            events.add(new String[] {"play", Long.toString(dwell / 3), "event_category=video;event_action=Play"});
          }
          if (tracker && rnd.nextDouble() < 0.08) {
            events.add(new String[] {"click", Long.toString(dwell * 3 / 4),
                "link_url=https://github.com/beacon/beacon;link_domain=github.com;outbound=true"});
          }
          if (protocol == Protocol.MP && site.isProduct(page) && rnd.nextDouble() < 0.3) {
            events.add(new String[] {"add_to_cart", Long.toString(dwell / 3), "currency=EUR;value=19.99"});
          }
          if (p == keyEventPage) {
            events.add(new String[] {keyEvent, Long.toString(dwell * 2 / 3),
                "event_category=" + (keyEvent.equals("purchase") ? "ecommerce" : "account") + ";event_action=" + keyEvent});
          }
        }
        events.sort((a, b) -> Long.compare(Long.parseLong(a[1]), Long.parseLong(b[1])));
        List<PlannedHit> pageHits = new ArrayList<>();
        long pageClock = 0;
        long requestAge = baseAge == 0 ? 0 : Math.max(HOUR / 2, baseAge - elapsed);
        for (String[] e : events) {
          long offset = Long.parseLong(e[1]);
          long et = firstHitOfSession ? 0 : sinceLastHit + (offset - pageClock);
          pageClock = offset;
          sinceLastHit = 0;
          PlannedHit hit = hit(property, v, protocol, sessionKey, e[0], url, host, site.path(page), site.title(page),
              here, params(e, protocol), et, firstHitOfSession && (tracker ? s == 0 && !returning : firstHitOfJourney),
              firstHitOfSession && (tracker || firstHitOfJourney), rnd, seg, pageViews);
          if ("page_view".equals(e[0])) {
            pageViews++;
          }
          seg = hit.sessionEngaged();
          pageHits.add(hit);
          firstHitOfSession = false;
          firstHitOfJourney = false;
        }
        sinceLastHit = dwell - pageClock;
        elapsed += dwell;
        previousUrl = url;
        requests.addAll(requestsOf(protocol, v, property, sid, number, batch, pageHits, requestAge, rnd));
      }
      if (tracker && !bot && rnd.nextDouble() < 0.6) {
        // The tab is hidden at the end: beacon.js sends the rest of the engagement time.
        String url = requests.get(requests.size() - 1).hits.get(0).pageLocation();
        PlannedHit last = requests.get(requests.size() - 1).hits.get(0);
        Acq here = new Acq("", last.pageReferrer(), last.source(), last.medium(), last.campaign());
        PlannedHit hit = hit(property, v, protocol, sessionKey, "user_engagement", url, last.hostName(), last.pagePath(),
            last.pageTitle(), here, Map.of(), sinceLastHit, false, false, rnd, seg, pageViews);
        requests.addAll(requestsOf(protocol, v, property, sid, number, batch, List.of(hit), 0, rnd));
      }
    }
    return new Journey(index, property, protocol, v, requests);
  }

  private List<PlannedRequest> requestsOf(Protocol protocol, Visitor v, Property property, String sid, int number,
      boolean batch, List<PlannedHit> hits, long age, Random rnd) {
    List<PlannedRequest> out = new ArrayList<>();
    if (protocol == Protocol.UA && !batch) {
      hits.forEach(h -> out.add(new PlannedRequest(protocol, v, property.id(), sid, number, false, List.of(h), 0, null)));
    } else {
      out.add(new PlannedRequest(protocol, v, property.id(), sid, number, batch, hits, age, null));
    }
    List<PlannedRequest> withDuplicates = new ArrayList<>();
    for (PlannedRequest r : out) {
      withDuplicates.add(r);
      if (rnd.nextDouble() < options.duplicateShare()) {
        withDuplicates.add(PlannedRequest.duplicateOf(r));
      }
    }
    return withDuplicates;
  }

  /** One hit; applies beacon.js's engagement rule for the tracker (2nd page view, or > 10 s in one hit). */
  private PlannedHit hit(Property property, Visitor v, Protocol protocol, String sessionKey, String name, String url,
      String host, String path, String title, Acq acq, Map<String, String> params, long et, boolean firstVisit,
      boolean sessionStart, Random rnd, boolean segBefore, int pageViewsBefore) {
    boolean engaged = false;
    if (protocol == Protocol.TRACKER) {
      engaged = segBefore || ("page_view".equals(name) && pageViewsBefore + 1 > 1) || et > 10_000;
    }
    long engagement = protocol == Protocol.UA ? 0 : et;
    String requestId = protocol == Protocol.UA ? Long.toUnsignedString(rnd.nextLong()) : uuid(rnd);
    return new PlannedHit(property.id(), v, sessionKey, name, url, host, path, title, acq.referrer(), acq.source(),
        acq.medium(), acq.campaign(), params, engagement, engaged, firstVisit, sessionStart,
        options.keyEvents().contains(name), requestId);
  }

  private static Map<String, String> params(String[] event, Protocol protocol) {
    Map<String, String> p = new LinkedHashMap<>();
    if (event.length > 2) {
      for (String kv : event[2].split(";")) {
        int eq = kv.indexOf('=');
        String k = kv.substring(0, eq);
        // UA sends category/action as its own fields; the others have no use for them.
        if (protocol == Protocol.UA || !k.startsWith("event_")) {
          p.put(k, kv.substring(eq + 1));
        }
      }
    }
    return p;
  }

  private Protocol protocol(Random rnd) {
    double total = options.mix().values().stream().mapToDouble(Double::doubleValue).sum();
    double r = rnd.nextDouble() * total;
    for (Protocol p : Protocol.values()) {
      r -= options.mix().getOrDefault(p, 0.0);
      if (r < 0) {
        return p;
      }
    }
    return Protocol.TRACKER;
  }

  private static Acq acquisition(Random rnd) {
    double r = rnd.nextDouble();
    if (r < 0.30) {
      return DIRECT;
    }
    List<Acq> kind = r < 0.58 ? SEARCH : r < 0.72 ? SOCIAL : r < 0.85 ? REFERRAL : CAMPAIGN;
    return kind.get(rnd.nextInt(kind.size()));
  }

  /** 0 with probability a, 1 with b, else 2. */
  private static int pick(Random rnd, double a, double b) {
    double r = rnd.nextDouble();
    return r < a ? 0 : r < a + b ? 1 : 2;
  }

  private static int geometric(Random rnd, double p) {
    int n = 0;
    while (rnd.nextDouble() > p && n < 50) {
      n++;
    }
    return n;
  }

  private static String uuid(Random rnd) {
    return new UUID(rnd.nextLong(), rnd.nextLong()).toString();
  }
}
