package io.beacon.loadgen;

import io.beacon.loadgen.PlannedRequest.Protocol;
import io.beacon.loadgen.PlannedRequest.Timing;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

/**
 * Deterministic synthetic traffic: journey {@code i} of a plan depends only on the seed, the options and
 * {@code i}. A journey is one visitor (client id) of one property and everything it sends: one to three sessions
 * of several pages, each with a page view, on-page events (scrolls, outbound clicks, add-to-cart, video plays, key
 * events) and engagement time, arriving by search, social, referral, campaign (utm, gclid) or directly.
 *
 * <p>The plan starts with the {@link Scenarios} catalog (unless the options turn it off): scripted journeys that
 * put every rule of the spec to the test, for every protocol the mix sends, whatever the plan's size. Random
 * journeys follow, in every protocol:
 * <ul>
 *   <li>tracker and gtag: the page keeps the session ({@code sid, sct}) and sends the session-start, first-visit and
 *       engaged hints; returning visitors (sct above 1, no first-visit flag) are still new to Beacon, which has
 *       never seen their client id; event time is the receive time;</li>
 *   <li>Measurement Protocol: with or without {@code session_id}, with event-level, request-level, mixed or no
 *       {@code timestamp_micros} (a share 1 to 41 hours back, {@code lateShare}), sometimes a {@code device}
 *       object, {@code user_location}, {@code ip_override}, or no User-Agent at all;</li>
 *   <li>UA: no session id; event time is the receive time, or planned through {@code qt}; some senders send no
 *       User-Agent header, a few no {@code ua} either; some events are non-interaction ({@code ni=1}).</li>
 * </ul>
 * Sessions without a sender id are Beacon's to assign by event time: a journey separates its sessions by more than
 * 30 minutes of planned time, and sends such a client's later sessions only where event times are stated (UA
 * {@code qt}, MP {@code timestamp_micros}). Bots (real crawler User-Agents) use every protocol and count only as
 * bots. A share of requests is sent twice (same ids; for gtag the same bytes), some copies only at the journey's
 * end.
 */
public final class TrafficPlan {

  /** A property hits go to: its id, MP api secret (null if none) and report time zone. */
  /**
   * A property traffic is sent to.
   *
   * @param sessionTimeoutMs its session timeout setting (GA4's default: 30 minutes)
   * @param engagedAfterMs its engaged-session threshold (GA4's default: 10 s)
   */
  public record Property(String id, String apiSecret, ZoneId zone, long sessionTimeoutMs, long engagedAfterMs) {
    /** A property with GA4's default session settings. */
    public Property(String id, String apiSecret, ZoneId zone) {
      this(id, apiSecret, zone, GroundTruth.SESSION_TIMEOUT_MS, GroundTruth.ENGAGED_MS);
    }
  }

  /**
   * @param seed everything random derives from it
   * @param pages pages per site
   * @param zipfExponent page popularity exponent
   * @param botShare share of journeys that are crawlers
   * @param lateShare share of Measurement Protocol journeys sent with old event times
   * @param duplicateShare share of requests sent a second time (same request ids)
   * @param mix relative weights of the protocols
   * @param keyEvents the event names the properties mark as key events
   * @param scenarios start with the {@link Scenarios} catalog
   */
  public record Options(long seed, int pages, double zipfExponent, double botShare, double lateShare,
      double duplicateShare, Map<Protocol, Double> mix, Set<String> keyEvents, boolean scenarios) {

    public static Options defaults(long seed, Map<Protocol, Double> mix) {
      return new Options(seed, 200, 1.1, 0.03, 0.2, 0.03, mix, Set.of("sign_up", "purchase"), true);
    }

    boolean sends(Protocol p) {
      return mix.getOrDefault(p, 0.0) > 0;
    }
  }

  /**
   * One visitor's traffic; {@code scenario} names the catalog's scripted journey (null: a random one).
   */
  public record Journey(int index, Property property, Protocol protocol, Visitor visitor,
      List<PlannedRequest> requests, String scenario) {
    /** Hits it sends, duplicates not counted. */
    public int hits() {
      return requests.stream().filter(r -> !r.isDuplicate()).mapToInt(r -> r.hits.size()).sum();
    }
  }

  /** How a session arrives: its landing URL's query and its referrer. */
  record Acq(String landingQuery, String referrer) {}

  static final List<Acq> SEARCH = List.of(
      new Acq("", "https://www.google.com/"),
      new Acq("", "https://www.google.co.uk/"),
      new Acq("", "https://www.bing.com/search?q=self+hosted+analytics"),
      new Acq("", "https://duckduckgo.com/"),
      new Acq("", "https://search.yahoo.com/search?p=analytics"),
      new Acq("", "https://www.ecosia.org/search?q=analytics"),
      new Acq("", "https://yandex.ru/search/?text=analytics"),
      new Acq("", "https://www.baidu.com/s?wd=analytics"));
  /** Social sites: referrals by host, exactly as sent, in GA4's social category. */
  static final List<Acq> SOCIAL = List.of(
      new Acq("", "https://t.co/xK2mQ9"),
      new Acq("", "https://l.facebook.com/"),
      new Acq("", "https://m.facebook.com/"),
      new Acq("", "https://old.reddit.com/r/webdev/"),
      new Acq("", "https://lnkd.in/eXb4mQ"),
      new Acq("", "https://news.ycombinator.com/"));
  static final List<Acq> REFERRAL = List.of(
      new Acq("", "https://blog.example.org/2024/analytics-tools"),
      new Acq("", "https://github.com/beacon/beacon"),
      new Acq("", "https://forum.example.net/t/self-hosting/123"),
      new Acq("", "https://m.youtube.com/watch?v=abc"));
  /** Campaigns, one per default channel group a utm or gclid reaches (short: MP takes values up to 100 chars). */
  static final List<Acq> CAMPAIGN = List.of(
      new Acq("?utm_source=google&utm_medium=cpc&utm_campaign=cross-network-q4", null),
      new Acq("?utm_source=criteo&utm_medium=retargeting&utm_campaign=summer-shopping", null),
      new Acq("?gclid=Cj0KCQiAwJWqBhC", "https://www.google.com/"),
      new Acq("?utm_source=facebook&utm_medium=cpc&utm_campaign=bf", "https://l.facebook.com/"),
      new Acq("?utm_source=youtube&utm_medium=cpv&utm_campaign=launch", null),
      new Acq("?utm_source=dv360&utm_medium=display&utm_campaign=brand", null),
      new Acq("?utm_source=adnet&utm_medium=paid-native&utm_campaign=q4", null),
      new Acq("?utm_source=etsy&utm_medium=listing", null),
      new Acq("?utm_source=mastodon&utm_medium=social", null),
      new Acq("?utm_source=podnews&utm_medium=video", null),
      new Acq("?utm_source=Newsletter&utm_medium=Email&utm_campaign=nov", null),
      new Acq("?utm_source=ptnr&utm_medium=affiliate&utm_campaign=q4", "https://partner.example.com/deals"),
      new Acq("?utm_source=spotify&utm_medium=audio&utm_campaign=pod", null),
      new Acq("?utm_source=sms&utm_medium=text", null),
      new Acq("?utm_source=app&utm_medium=web-push&utm_campaign=restock", null),
      new Acq("?utm_source=flyer&utm_medium=qr-code", null),
      new Acq("?utm_source=newsletter", null));
  static final Acq DIRECT = new Acq("", null);

  /** As MP and UA senders write them; the tracker and gtag send them lower case, reports show them lower case. */
  static final String[] LANGUAGES = {"en-US", "en-US", "en-US", "en-GB", "de-DE", "de-DE", "fr-FR", "es-ES",
      "pt-BR", "ja-JP", "sv-SE", "hi-IN", "zh-CN"};
  static final Map<String, String[]> SCREENS = Map.of(
      "desktop", new String[] {"1920x1080", "1920x1080", "1366x768", "1536x864", "2560x1440", "1440x900"},
      "mobile", new String[] {"390x844", "393x873", "412x915", "360x800"},
      "tablet", new String[] {"820x1180", "768x1024", "800x1280"},
      "bot", new String[] {"1920x1080", "412x732"});
  /** MP device objects (an app's own report of its device). */
  static final List<Visitor.MpDevice> DEVICES = List.of(
      new Visitor.MpDevice("mobile", "en-GB", "1080x2400", "Android", "14", "Pixel 8", "Google", "Chrome", "131.0"),
      new Visitor.MpDevice("tablet", "de-DE", "820x1180", "iOS", "17.5", "iPad", "Apple", "Safari", "17.5"),
      new Visitor.MpDevice("desktop", "fr-FR", "2560x1440", "Windows", "11", null, null, "Edge", "131.0"));
  static final List<Visitor.UserLocation> LOCATIONS = List.of(
      new Visitor.UserLocation("Seattle", "US-WA", "US"),
      new Visitor.UserLocation("Munich", "DE-BY", "DE"),
      new Visitor.UserLocation("Osaka", "JP-27", "JP"));
  static final long MINUTE = 60_000L;
  static final long HOUR = 60 * MINUTE;

  private final List<Property> properties;
  private final Options options;
  private final List<Site> sites = new ArrayList<>();
  private final List<Scenarios.Scenario> catalog;

  public TrafficPlan(List<Property> properties, Options options) {
    if (properties.isEmpty()) {
      throw new IllegalArgumentException("at least one property");
    }
    this.properties = List.copyOf(properties);
    this.options = options;
    for (int i = 0; i < properties.size(); i++) {
      sites.add(new Site(i, options.pages(), options.zipfExponent()));
    }
    catalog = options.scenarios() ? Scenarios.catalog(this) : List.of();
  }

  public Options options() {
    return options;
  }

  public List<Property> properties() {
    return properties;
  }

  /** The scripted journeys the plan starts with. */
  public int scenarioCount() {
    return catalog.size();
  }

  /**
   * The whole scenario catalog, then random journeys until they send at least {@code hits} hits (duplicates not
   * counted).
   */
  public List<Journey> journeys(long hits) {
    List<Journey> out = new ArrayList<>();
    long planned = 0;
    for (int i = 0; i < catalog.size() || planned < hits; i++) {
      Journey j = journey(i);
      out.add(j);
      planned += j.hits();
    }
    return out;
  }

  /** Journey {@code index}: the same for the same seed and options. */
  public Journey journey(int index) {
    Random rnd = new Random(options.seed() * 1_000_003L + index * 7_919L + 17);
    if (index < catalog.size()) {
      return catalog.get(index).journey(this, index, rnd);
    }
    return random(index, rnd);
  }

  Site site(Property p) {
    return sites.get(properties.indexOf(p));
  }

  /** The properties with an api secret (the only ones that take Measurement Protocol). */
  List<Property> withSecret() {
    return properties.stream().filter(p -> p.apiSecret() != null).toList();
  }

  private Journey random(int index, Random rnd) {
    Property property = properties.get(rnd.nextInt(properties.size()));
    Site site = site(property);
    boolean bot = rnd.nextDouble() < options.botShare();
    Protocol protocol = protocol(rnd);
    if (protocol == Protocol.MP && property.apiSecret() == null) {
      protocol = options.sends(Protocol.GTAG) ? Protocol.GTAG : Protocol.TRACKER; // no secret, no MP
    }
    Visitor v = visitor(rnd, protocol, bot);
    boolean web = protocol == Protocol.TRACKER || protocol == Protocol.GTAG;
    Timing timing = switch (protocol) {
      case TRACKER, GTAG -> Timing.RECEIVE;
      case MP -> {
        double r = rnd.nextDouble();
        yield r < 0.5 ? Timing.EVENT : r < 0.7 ? Timing.REQUEST : r < 0.8 ? Timing.MIXED : Timing.RECEIVE;
      }
      case UA -> rnd.nextBoolean() ? Timing.QUEUE : Timing.RECEIVE;
    };
    boolean stated = timing != Timing.RECEIVE;
    boolean mpSessionIds = protocol == Protocol.MP && rnd.nextDouble() < 0.6;
    long late = protocol == Protocol.MP && stated && rnd.nextDouble() < options.lateShare()
        ? HOUR + (long) (rnd.nextDouble() * 40 * HOUR) : 0;
    boolean batch = protocol == Protocol.UA && rnd.nextBoolean();
    JourneyBuilder b = new JourneyBuilder(property, site, protocol, v, rnd, timing, false, batch, options.keyEvents());

    // Several sessions only where they stay apart: the page's or MP's own session ids, or stated event times.
    boolean severalSessions = web || mpSessionIds || stated;
    int sessions = bot || !severalSessions ? 1 : protocol == Protocol.UA ? 1 + pick(rnd, 0.75, 0.25) : 1 + pick(rnd, 0.7, 0.2);
    boolean returning = web && !bot && rnd.nextDouble() < 0.2; // had sessions before (sct), unknown to Beacon
    int firstNumber = returning ? 2 + rnd.nextInt(4) : 1;
    long sidBase = 1_700_000_000L + rnd.nextInt(60_000_000);
    for (int s = 0; s < sessions; s++) {
      if (s > 0) {
        // More than the 30-minute timeout; UA's qt stays within an hour or so.
        b.advance(protocol == Protocol.UA ? 35 * MINUTE + rnd.nextInt(15) * MINUTE
            : 35 * MINUTE + (long) (rnd.nextDouble() * 2.5 * HOUR));
      }
      String sid = web ? Long.toString(sidBase + b.clock() / 1000) : mpSessionIds ? Long.toString(sidBase + s * 7_919L)
          : null;
      b.session(sid, firstNumber + s, web && s == 0 && !returning);
      session(b, rnd, bot, site);
    }
    long shift = stated ? -b.latest() - late : 0;
    List<PlannedRequest> requests = withDuplicates(b.requests(shift), rnd);
    return new Journey(index, property, protocol, v, requests, null);
  }

  /** One random session: its pages, their events and engagement times. */
  private void session(JourneyBuilder b, Random rnd, boolean bot, Site site) {
    Protocol protocol = b.protocol;
    String host = site.hosts.get(rnd.nextDouble() < 0.8 ? 0 : 1);
    Acq acq = bot ? DIRECT : acquisition(rnd);
    int pages = bot ? 1 + rnd.nextInt(4) : Math.min(8, 1 + geometric(rnd, 0.45));
    int keyEventPage = rnd.nextDouble() < 0.08 ? rnd.nextInt(pages) : -1;
    String keyEvent = rnd.nextDouble() < 0.6 ? "sign_up" : "purchase";
    String previous = null;
    for (int p = 0; p < pages; p++) {
      int page = site.page(rnd);
      String query = p == 0 ? acq.landingQuery()
          // Now and then a later page carries a campaign: it must not re-attribute the session.
          : !bot && protocol != Protocol.UA && rnd.nextDouble() < 0.05 ? CAMPAIGN.get(rnd.nextInt(CAMPAIGN.size())).landingQuery()
          : "";
      b.page(host, page, query, p == 0 ? acq.referrer() : previous);
      long dwell = bot ? 0 : Math.min(600_000, 2_000 + (long) (-Math.log(1 - rnd.nextDouble()) * 30_000));
      long pageStart = b.clock();
      b.view(b.sinceLastHit());
      List<Object[]> events = new ArrayList<>(); // {name, offset within the page, params, non-interaction}
      if (!bot) {
        if (rnd.nextDouble() < 0.35 && protocol != Protocol.UA) {
          events.add(new Object[] {"scroll", dwell / 2, Map.of("percent_scrolled", "90"), false});
        }
        if (protocol == Protocol.UA && rnd.nextDouble() < 0.15) {
          events.add(new Object[] {"play", dwell / 3, Map.of("event_category", "video", "event_action", "Play"), false});
        }
        if (protocol == Protocol.UA && rnd.nextDouble() < 0.2) {
          events.add(new Object[] {"scroll_depth", dwell / 2,
              Map.of("event_category", "scroll", "event_action", "scroll_depth"), true});
        }
        if ((protocol == Protocol.TRACKER || protocol == Protocol.GTAG) && rnd.nextDouble() < 0.08) {
          events.add(new Object[] {"click", dwell * 3 / 4, Map.of("link_url", "https://github.com/beacon/beacon",
              "link_domain", "github.com", "outbound", "true"), false});
        }
        if (protocol == Protocol.MP && site.isProduct(page) && rnd.nextDouble() < 0.3) {
          events.add(new Object[] {"add_to_cart", dwell / 3, Map.of("currency", "EUR", "value", "19.99"), false});
        }
        if (p == keyEventPage) {
          events.add(new Object[] {keyEvent, dwell * 2 / 3, protocol == Protocol.UA
              ? Map.of("event_category", keyEvent.equals("purchase") ? "ecommerce" : "account", "event_action", keyEvent)
              : Map.of(), false});
        }
      }
      events.sort((x, y) -> Long.compare((Long) x[1], (Long) y[1]));
      long last = 0;
      for (Object[] e : events) {
        // Distinct planned times: events of one page never tie.
        long offset = Math.max((Long) e[1], last + 1);
        last = offset;
        b.at(pageStart + offset);
        @SuppressWarnings("unchecked")
        Map<String, String> params = (Map<String, String>) e[2];
        b.event((String) e[0], params, b.sinceLastHit(), (Boolean) e[3]);
      }
      b.at(pageStart + Math.max(dwell, last + 1));
      previous = b.url();
    }
    if ((protocol == Protocol.TRACKER || protocol == Protocol.GTAG) && !bot && rnd.nextDouble() < 0.6) {
      // The tab is hidden at the end: the page sends the rest of the engagement time.
      b.event("user_engagement", b.sinceLastHit());
    }
  }

  /**
   * Each request, and a share sent twice: right after it, or (where the sender gives request ids, so a copy
   * counts once whenever it comes) at the journey's end.
   */
  List<PlannedRequest> withDuplicates(List<PlannedRequest> requests, Random rnd) {
    List<PlannedRequest> out = new ArrayList<>();
    List<PlannedRequest> late = new ArrayList<>();
    for (PlannedRequest r : requests) {
      out.add(r);
      if (rnd.nextDouble() < options.duplicateShare()) {
        if (r.protocol != Protocol.GTAG && rnd.nextBoolean()) {
          late.add(PlannedRequest.duplicateOf(r));
        } else {
          out.add(PlannedRequest.duplicateOf(r));
        }
      }
    }
    out.addAll(late);
    return out;
  }

  /** A random visitor of {@code protocol}: a browser, an app (MP) or a server-side proxy's user (UA). */
  Visitor visitor(Random rnd, Protocol protocol, boolean bot) {
    UserAgentTable.Agent agent = UserAgentTable.pick(bot ? UserAgentTable.BOTS : UserAgentTable.HUMANS, rnd);
    GeoTable.Network net = GeoTable.pick(rnd);
    String[] screens = SCREENS.get(agent.deviceCategory());
    String clientId = protocol == Protocol.UA ? new UUID(rnd.nextLong(), rnd.nextLong()).toString()
        : (100_000_000 + rnd.nextInt(900_000_000)) + "." + (1_690_000_000 + rnd.nextInt(40_000_000));
    String language = LANGUAGES[rnd.nextInt(LANGUAGES.length)];
    String screen = screens[rnd.nextInt(screens.length)];
    String ip = net.address(rnd);
    double r = rnd.nextDouble();
    if (bot) {
      return new Visitor(clientId, agent, net, ip, language, screen);
    }
    return switch (protocol) {
      case MP -> {
        Visitor.MpDevice device = r < 0.25 ? DEVICES.get(rnd.nextInt(DEVICES.size())) : null;
        Visitor.UserLocation place = rnd.nextDouble() < 0.1 ? LOCATIONS.get(rnd.nextInt(LOCATIONS.size())) : null;
        boolean ipOverride = rnd.nextDouble() < 0.1;
        boolean noAgent = rnd.nextDouble() < 0.05;
        yield new Visitor(clientId, noAgent ? null : agent, net, ip, language, screen, device, place, ipOverride, true);
      }
      case UA -> r < 0.05 ? new Visitor(clientId, null, net, ip, language, screen, null, null, false, false)
          : new Visitor(clientId, agent, net, ip, language, screen, null, null, false, r >= 0.2);
      default -> new Visitor(clientId, agent, net, ip, language, screen);
    };
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
}
