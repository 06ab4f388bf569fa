package io.beacon.loadgen;

import io.beacon.loadgen.AttributionRules.Acquisition;
import io.beacon.loadgen.PlannedRequest.Protocol;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The exact answers the reporting API owes for the hits the collector acknowledged, computed from what the
 * generator sent (and when) with plain loops and exact sets, never with Beacon's own code (model, aggregation,
 * report engine, collector parsing or enrichment): so that a bug there cannot hide in both sides.
 *
 * <p>The rules are the spec's (the shared analytics-model note, section "Semantics"), one line each:
 * <ul>
 *   <li>event time: the hit's stated time (MP timestamp_micros, event-level before request-level), else the receive
 *       time (less UA's qt); a row's date is the local day of the property's zone;</li>
 *   <li>sessions are (property, client, session id): the sender's id (tracker/gtag sid, MP session_id), else
 *       assigned over the client's id-less events in event-time order, a new one after more than
 *       the property's session timeout ({@value #SESSION_TIMEOUT_MS} ms by default) without an event; duplicates never reach the truth, so they can neither
 *       extend, split nor start one;</li>
 *   <li>engaged is a whole-session fact: summed engagement time above the property's threshold ({@value #ENGAGED_MS} ms by
 *       default; strictly), or a key
 *       event, or two page_view/screen_view events; for UA sessions the duration (last - first event time) stands
 *       in for the engagement time and two interaction hits (not ni=1) count like two page views. An engaged
 *       session is engaged on every day it has an event;</li>
 *   <li>acquisition from the session's earliest event ({@link AttributionRules#of}); landingPage is the path of its
 *       earliest page_view ((not set) without one); sessionDefaultChannelGroup by GA4's rules;</li>
 *   <li>users: totalUsers = distinct clients; newUsers = distinct clients whose first event ever (for the property,
 *       by event time) is in the row (sender first-visit flags are hints and count for nothing); activeUsers =
 *       distinct clients with, in the row, an event of an engaged session, an event with engagement time, or their
 *       first event; newVsReturning is "new" for the session holding the client's first event; firstUser* is the
 *       acquisition of that session, for all the client's events;</li>
 *   <li>device: MP's device object wins over the User-Agent; no User-Agent at all is (not set), never a bot;
 *       language lower case; place: MP's user_location wins over the address;</li>
 *   <li>bots (a crawler User-Agent) count only as bot hits per date, in no report row.</li>
 * </ul>
 * Rows: every event lands in one row per report, keyed by its own values of hit-scoped dimensions (pagePath,
 * eventName, device, place ...), its session's values of session-scoped ones (landingPage, session acquisition,
 * channel group, newVsReturning) and its client's of user-scoped ones (firstUser*). A row's sums are over its
 * events; its sessions the distinct sessions with an event in it, engagedSessions those of them that are engaged;
 * so a session that spans midnight counts on each of its days, and once in a report over the whole range.
 *
 * <p>Reports: totals by date, each single dimension by date, a few two-dimension reports (served by recompute),
 * and totals, channel group, landing page and new-vs-returning over the whole range (no date). Geo dimensions only
 * when the node's geo database agrees with {@link GeoTable}. Not covered: hours, custom event parameters.
 * Assumed: the properties have seen none of the plan's clients before (a new seed or property per run).
 */
public final class GroundTruth {
  /** The single dimensions (GA4 names), each reported by date. */
  public static final List<String> DIMENSIONS = List.of("pagePath", "pageTitle", "landingPage", "hostName",
      "pageReferrer", "sessionSource", "sessionMedium", "sessionCampaignName", "sessionSourceMedium",
      "sessionDefaultChannelGroup", "newVsReturning", "firstUserSource", "firstUserMedium", "firstUserCampaignName",
      "deviceCategory", "browser", "operatingSystem", "screenResolution", "language", "mobileDeviceModel",
      "mobileDeviceBranding", "country", "region", "city", "eventName");
  static final Set<String> GEO = Set.of("country", "region", "city");
  /** Dimensions whose value is the session's, whichever of its events is counted. */
  static final Set<String> SESSION_SCOPED = Set.of("landingPage", "sessionSource", "sessionMedium",
      "sessionCampaignName", "sessionSourceMedium", "sessionDefaultChannelGroup", "newVsReturning");
  /** Dimensions whose value is the user's (its first session's), for all its events. */
  static final Set<String> USER_SCOPED = Set.of("firstUserSource", "firstUserMedium", "firstUserCampaignName");
  /** Two-dimension reports (not precomputed: recompute answers them from raw hits). */
  public static final List<List<String>> PAIRS = List.of(List.of("pagePath", "country"),
      List.of("deviceCategory", "sessionSource"), List.of("landingPage", "sessionMedium"),
      List.of("eventName", "sessionDefaultChannelGroup"), List.of("newVsReturning", "landingPage"),
      List.of("firstUserSource", "sessionSource"));
  /** Reports over the whole date range, without the date dimension. */
  public static final List<List<String>> RANGE = List.of(List.of(), List.of("sessionDefaultChannelGroup"),
      List.of("landingPage"), List.of("newVsReturning"));
  /** The metrics every report asks for. */
  public static final List<String> METRICS = List.of("screenPageViews", "eventCount", "keyEvents",
      "userEngagementDuration", "newUsers", "totalUsers", "activeUsers", "sessions", "engagedSessions");
  /** GA4's default session timeout (a property setting: {@link #sessionSettings}). */
  public static final long SESSION_TIMEOUT_MS = 30 * 60_000L;
  /** GA4's default engaged-session threshold: more than this much engagement time. */
  public static final long ENGAGED_MS = 10_000;
  static final String NOT_SET = AttributionRules.NOT_SET;
  private static final DateTimeFormatter DATE = DateTimeFormatter.BASIC_ISO_DATE;

  /** A report: its dimensions, and whether it is by date (date first) or over the whole range. */
  record Report(List<String> dimensions, boolean byDate) {
    JsonArray header() {
      JsonArray a = new JsonArray();
      if (byDate) {
        a.add("date");
      }
      dimensions.forEach(a::add);
      return a;
    }
  }

  private final Map<String, ZoneId> zones;
  private final Map<String, Set<String>> allowedHosts;
  private final boolean geo;
  private final List<Report> reports = new ArrayList<>();
  /** Each property's session timeout and engaged threshold (ms), where not GA4's defaults. */
  private final Map<String, long[]> sessionSettings = new java.util.HashMap<>();
  /** Every acknowledged hit with its event time, in the order they were acknowledged. */
  private final List<Event> events = new ArrayList<>();

  /**
   * @param zones each property's report time zone
   * @param geo whether the node's geo database maps {@link GeoTable}'s networks as the table says
   */
  public GroundTruth(Map<String, ZoneId> zones, boolean geo) {
    this(zones, Map.of(), geo);
  }

  /** @param allowedHosts each property's allowed hostnames (a referrer from one of them is no referral) */
  public GroundTruth(Map<String, ZoneId> zones, Map<String, Set<String>> allowedHosts, boolean geo) {
    this.zones = Map.copyOf(zones);
    this.allowedHosts = Map.copyOf(allowedHosts);
    this.geo = geo;
    reports.add(new Report(List.of(), true));
    DIMENSIONS.stream().filter(d -> geo || !GEO.contains(d)).forEach(d -> reports.add(new Report(List.of(d), true)));
    PAIRS.stream().filter(p -> geo || p.stream().noneMatch(GEO::contains))
        .forEach(p -> reports.add(new Report(p, true)));
    RANGE.forEach(r -> reports.add(new Report(r, false)));
  }

  /** One acknowledged hit: {@code seq} orders hits with the same event time as they arrived. */
  private record Event(PlannedHit hit, long time, long seq) {}

  /** Counts one acknowledged hit whose event time is {@code eventTimeMs}. */
  public synchronized void add(PlannedHit h, long eventTimeMs) {
    events.add(new Event(h, eventTimeMs, events.size()));
  }

  /**
   * The property's session settings: a Beacon session ends after {@code timeoutMs} without an event of the
   * client; a session is engaged above {@code engagedMs} of engagement time.
   */
  public GroundTruth sessionSettings(String propertyId, long timeoutMs, long engagedMs) {
    sessionSettings.put(propertyId, new long[] {timeoutMs, engagedMs});
    return this;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Sessions and users

  /** One session: its events in event-time order and the facts decided over all of them. */
  static final class Session {
    final String key;
    final List<Event> events = new ArrayList<>();
    boolean engaged;
    Acquisition acquisition;
    String channelGroup;
    String landingPage;
    boolean holdsFirstVisit;

    Session(String key) {
      this.key = key;
    }

    void decide(Set<String> allowedHosts, long engagedMs) {
      events.sort(ORDER);
      long engagement = 0;
      int views = 0;
      int interactions = 0;
      boolean keyEvent = false;
      boolean ua = true;
      for (Event e : events) {
        PlannedHit h = e.hit();
        engagement += h.engagementMs();
        if (isView(h.eventName())) {
          views++;
        }
        if (!h.nonInteraction()) {
          interactions++;
        }
        keyEvent |= h.keyEvent();
        ua &= h.protocol() == Protocol.UA;
      }
      if (ua) {
        // UA sends no engagement time: the session's duration stands in for it, and any two interaction hits
        // count like two page views.
        engagement = events.get(events.size() - 1).time() - events.get(0).time();
        views = Math.max(views, interactions);
      }
      engaged = engagement > engagedMs || keyEvent || views >= 2;
      PlannedHit first = events.get(0).hit();
      acquisition = AttributionRules.of(first.pageLocation(), first.pageReferrer(), allowedHosts);
      channelGroup = acquisition.channelGroup();
      landingPage = NOT_SET;
      for (Event e : events) {
        if ("page_view".equals(e.hit().eventName())) {
          landingPage = orNotSet(AttributionRules.path(e.hit().pageLocation()));
          break;
        }
      }
    }
  }

  /** One client of a property: its first event and first session. */
  static final class Client {
    Event first;
    Session firstSession;
  }

  /** Event-time order; equal times in arrival order (the generator never lets that order matter). */
  private static final Comparator<Event> ORDER = Comparator.comparingLong(Event::time).thenComparingLong(Event::seq);

  static boolean isView(String eventName) {
    return "page_view".equals(eventName) || "screen_view".equals(eventName);
  }

  /** One property's human events, each with its session and client. */
  private record Counted(Event event, Session session, Client client) {}

  private List<Counted> sessions(List<Event> humans, Set<String> allowed, long[] settings) {
    long timeoutMs = settings[0];
    Map<String, List<Event>> byClient = new LinkedHashMap<>();
    humans.forEach(e -> byClient.computeIfAbsent(e.hit().visitor().clientId(), c -> new ArrayList<>()).add(e));
    List<Counted> out = new ArrayList<>();
    for (Map.Entry<String, List<Event>> c : byClient.entrySet()) {
      List<Event> sorted = new ArrayList<>(c.getValue());
      sorted.sort(ORDER);
      Map<String, Session> sessions = new LinkedHashMap<>();
      Map<Event, Session> of = new IdentityHashMap<>();
      Session assigned = null;
      long last = Long.MIN_VALUE;
      for (Event e : sorted) {
        String sid = e.hit().sessionId();
        Session s;
        if (sid != null) {
          s = sessions.computeIfAbsent("sid:" + sid, k -> new Session(c.getKey() + "/" + k));
        } else {
          // Beacon's own sessions: a new one when the client's previous id-less event is more than the timeout
          // earlier (exactly the timeout still continues it).
          if (assigned == null || e.time() - last > timeoutMs) {
            String k = "auto:" + e.time();
            assigned = sessions.computeIfAbsent(k, key -> new Session(c.getKey() + "/" + key));
          }
          last = e.time();
          s = assigned;
        }
        s.events.add(e);
        of.put(e, s);
      }
      sessions.values().forEach(s -> s.decide(allowed, settings[1]));
      Client client = new Client();
      client.first = sorted.get(0);
      client.firstSession = of.get(client.first);
      client.firstSession.holdsFirstVisit = true;
      for (Event e : sorted) {
        out.add(new Counted(e, of.get(e), client));
      }
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Rows

  /** Exact counts of one report row. */
  static final class Counts {
    long pageViews;
    long events;
    long keyEvents;
    long engagementMs;
    final Set<String> users = new HashSet<>();
    final Set<String> newUsers = new HashSet<>();
    final Set<String> activeUsers = new HashSet<>();
    final Set<String> sessions = new HashSet<>();
    final Set<String> engaged = new HashSet<>();

    void add(Counted c) {
      PlannedHit h = c.event().hit();
      String client = h.visitor().clientId();
      boolean firstVisit = c.client().first == c.event();
      events++;
      if (isView(h.eventName())) {
        pageViews++;
      }
      if (h.keyEvent()) {
        keyEvents++;
      }
      engagementMs += h.engagementMs();
      users.add(client);
      sessions.add(c.session().key);
      if (c.session().engaged) {
        engaged.add(c.session().key);
      }
      if (firstVisit) {
        newUsers.add(client);
      }
      if (c.session().engaged || h.engagementMs() > 0 || firstVisit) {
        activeUsers.add(client);
      }
    }

    JsonObject toJson() {
      return new JsonObject().put("screenPageViews", pageViews).put("eventCount", events).put("keyEvents", keyEvents)
          .put("userEngagementDuration", engagementMs / 1000.0).put("newUsers", newUsers.size())
          .put("totalUsers", users.size()).put("activeUsers", activeUsers.size()).put("sessions", sessions.size())
          .put("engagedSessions", engaged.size());
    }
  }

  /** The value of a dimension for a counted event: its own, its session's or its client's. */
  private static String value(Counted c, String dimension) {
    if (SESSION_SCOPED.contains(dimension)) {
      Session s = c.session();
      return switch (dimension) {
        case "landingPage" -> s.landingPage;
        case "sessionSource" -> s.acquisition.source();
        case "sessionMedium" -> s.acquisition.medium();
        case "sessionCampaignName" -> s.acquisition.campaign();
        case "sessionSourceMedium" -> s.acquisition.sourceMedium();
        case "sessionDefaultChannelGroup" -> s.channelGroup;
        case "newVsReturning" -> s.holdsFirstVisit ? "new" : "returning";
        default -> throw new IllegalArgumentException(dimension);
      };
    }
    if (USER_SCOPED.contains(dimension)) {
      Acquisition a = c.client().firstSession.acquisition;
      return switch (dimension) {
        case "firstUserSource" -> a.source();
        case "firstUserMedium" -> a.medium();
        case "firstUserCampaignName" -> a.campaign();
        default -> throw new IllegalArgumentException(dimension);
      };
    }
    return hitValue(c.event().hit(), dimension);
  }

  /**
   * A hit-scoped dimension's value for one hit, exactly as the generator sent it (missing: "(not set)"). Public for
   * the wire test, which holds the collector's reading of each hit to these.
   */
  public static String hitValue(PlannedHit h, String dimension) {
    Visitor v = h.visitor();
    Visitor.MpDevice device = h.protocol() == Protocol.MP ? v.device() : null;
    UserAgentTable.Agent agent = v.agent();
    Visitor.UserLocation place = h.protocol() == Protocol.MP ? v.location() : null;
    String value = switch (dimension) {
      case "pagePath" -> h.pagePath();
      case "pageTitle" -> h.pageTitle();
      case "hostName" -> h.hostName();
      case "pageReferrer" -> h.pageReferrer();
      case "eventName" -> h.eventName();
      case "deviceCategory" -> device != null ? device.category() : agent == null ? null : agent.deviceCategory();
      case "browser" -> device != null ? device.browser() : agent == null ? null : agent.browser();
      case "operatingSystem" -> device != null ? device.operatingSystem() : agent == null ? null : agent.os();
      case "screenResolution" -> device != null ? device.screenResolution() : v.screen();
      case "language" -> lower(device != null ? device.language() : v.language());
      // Only MP's device object names them (no User-Agent reading does, docs/analytics-model.md).
      case "mobileDeviceModel" -> device != null ? device.model() : null;
      case "mobileDeviceBranding" -> device != null ? device.brand() : null;
      case "country" -> place != null ? place.countryId() : v.network().country();
      case "region" -> place != null ? place.regionId() : v.network().region();
      case "city" -> place != null ? place.city() : v.network().city();
      default -> throw new IllegalArgumentException("not a hit-scoped dimension: " + dimension);
    };
    return orNotSet(value);
  }

  private static String lower(String s) {
    return s == null ? null : s.toLowerCase(Locale.ROOT);
  }

  private static String orNotSet(String v) {
    return v == null || v.isBlank() ? NOT_SET : v;
  }

  private static int compare(List<String> a, List<String> b) {
    for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
      int c = a.get(i).compareTo(b.get(i));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  }

  private String date(String property, long ms) {
    return LocalDate.ofInstant(Instant.ofEpochMilli(ms), zone(property)).format(DATE);
  }

  private ZoneId zone(String property) {
    return zones.getOrDefault(property, ZoneId.of("UTC"));
  }

  /**
   * The truth as JSON: per property its zone, date range, bot hits per date and, per report (dimensions as the API
   * takes them, "date" first in reports by date), every row's dimension values and metric values.
   */
  public synchronized JsonObject toJson() {
    Map<String, List<Event>> humans = new TreeMap<>();
    Map<String, Map<String, Long>> bots = new TreeMap<>();
    for (Event e : events) {
      String p = e.hit().propertyId();
      if (e.hit().bot()) {
        bots.computeIfAbsent(p, k -> new TreeMap<>()).merge(date(p, e.time()), 1L, Long::sum);
      } else {
        humans.computeIfAbsent(p, k -> new ArrayList<>()).add(e);
      }
    }
    Set<String> ids = new TreeSet<>(humans.keySet());
    ids.addAll(bots.keySet());
    JsonArray props = new JsonArray();
    for (String id : ids) {
      List<Counted> counted = sessions(humans.getOrDefault(id, List.of()), allowedHosts.getOrDefault(id, Set.of()),
          sessionSettings.getOrDefault(id, new long[] {SESSION_TIMEOUT_MS, ENGAGED_MS}));
      TreeSet<String> dates = new TreeSet<>(bots.getOrDefault(id, Map.of()).keySet());
      JsonArray reps = new JsonArray();
      for (Report report : reports) {
        Map<List<String>, Counts> rows = new TreeMap<>(GroundTruth::compare);
        for (Counted c : counted) {
          List<String> key = new ArrayList<>();
          if (report.byDate()) {
            String d = date(id, c.event().time());
            dates.add(d);
            key.add(d);
          }
          for (String dim : report.dimensions()) {
            key.add(value(c, dim));
          }
          rows.computeIfAbsent(List.copyOf(key), k -> new Counts()).add(c);
        }
        JsonArray rs = new JsonArray();
        rows.forEach((key, counts) -> rs.add(new JsonObject().put("dimensionValues", new JsonArray(new ArrayList<>(key)))
            .put("metrics", counts.toJson())));
        reps.add(new JsonObject().put("dimensions", report.header()).put("rows", rs));
      }
      JsonObject p = new JsonObject().put("id", id).put("timeZone", zone(id).getId())
          .put("botHits", new JsonObject(new TreeMap<>(bots.getOrDefault(id, Map.of()))))
          .put("reports", reps);
      if (!dates.isEmpty()) {
        p.put("firstDate", iso(dates.first())).put("lastDate", iso(dates.last()));
      }
      props.add(p);
    }
    return new JsonObject().put("metrics", new JsonArray(METRICS)).put("geo", geo)
        .put("sourceCategories", AttributionRules.categoriesFrom()).put("properties", props);
  }

  private static String iso(String basic) {
    return LocalDate.parse(basic, DATE).toString();
  }
}
