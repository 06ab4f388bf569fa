package io.beacon.loadgen;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The exact answers the reporting API owes for the hits the collector acknowledged, computed from what the
 * generator decided to send with plain loops and exact sets, never with Beacon's own code (aggregation, report
 * engine, collector parsing or enrichment): so that a bug there cannot hide in both sides.
 *
 * <p>Rules it encodes (docs/analytics-model.md, "Metrics" and "Precomputed aggregates"): a hit counts in its
 * property's local day of its event time; bots count only as bot hits; {@code screenPageViews} = page_view hits,
 * {@code eventCount} = hits, {@code keyEvents} = hits of the property's key events, {@code userEngagementDuration}
 * = sum of engagement times (seconds), {@code newUsers} = first_visit hits, {@code totalUsers} = distinct clients,
 * {@code sessions} = distinct property/client/session, {@code engagedSessions} = distinct sessions with an engaged
 * hit; in a dimension row, over the hits with that value (a missing value is "(not set)"); {@code landingPage}
 * rows hold only session-start hits.
 *
 * <p>Reports: totals by date, each precomputed single dimension by date, and a few two-dimension reports (served
 * by recompute). Geo dimensions only when the node's geo database agrees with {@link GeoTable}. Not covered: hours
 * (a receive-time event time near an hour's end may land on either side), custom event parameters.
 */
public final class GroundTruth {
  /** The precomputed single dimensions (GA4 names). */
  public static final List<String> DIMENSIONS = List.of("pagePath", "pageTitle", "landingPage", "hostName",
      "pageReferrer", "sessionSource", "sessionMedium", "sessionCampaignName", "sessionSourceMedium", "deviceCategory",
      "browser", "operatingSystem", "screenResolution", "language", "country", "region", "city", "eventName");
  static final Set<String> GEO = Set.of("country", "region", "city");
  /** Two-dimension reports (not precomputed: recompute answers them from raw hits). */
  public static final List<List<String>> PAIRS = List.of(List.of("pagePath", "country"),
      List.of("deviceCategory", "sessionSource"), List.of("landingPage", "sessionMedium"));
  /** The metrics every report asks for. */
  public static final List<String> METRICS = List.of("screenPageViews", "eventCount", "keyEvents",
      "userEngagementDuration", "newUsers", "totalUsers", "sessions", "engagedSessions");
  static final String NOT_SET = "(not set)";
  private static final DateTimeFormatter DATE = DateTimeFormatter.BASIC_ISO_DATE;

  private final Map<String, ZoneId> zones;
  private final boolean geo;
  private final List<List<String>> reports = new ArrayList<>();
  /** property -> report index -> dimension values (date first) -> counts. */
  private final Map<String, List<Map<List<String>, Counts>>> rows = new TreeMap<>();
  private final Map<String, Map<String, Long>> bots = new TreeMap<>();

  /**
   * @param zones each property's report time zone
   * @param geo whether the node's geo database maps {@link GeoTable}'s networks as the table says
   */
  public GroundTruth(Map<String, ZoneId> zones, boolean geo) {
    this.zones = Map.copyOf(zones);
    this.geo = geo;
    reports.add(List.of());
    DIMENSIONS.stream().filter(d -> geo || !GEO.contains(d)).forEach(d -> reports.add(List.of(d)));
    PAIRS.stream().filter(p -> geo || p.stream().noneMatch(GEO::contains)).forEach(reports::add);
  }

  /** Exact counts of one report row. */
  static final class Counts {
    long pageViews;
    long events;
    long keyEvents;
    long engagementMs;
    long newUsers;
    final Set<String> users = new HashSet<>();
    final Set<String> sessions = new HashSet<>();
    final Set<String> engaged = new HashSet<>();

    void add(PlannedHit h) {
      events++;
      if ("page_view".equals(h.eventName())) {
        pageViews++;
      }
      if (h.keyEvent()) {
        keyEvents++;
      }
      engagementMs += h.engagementMs();
      if (h.firstVisit()) {
        newUsers++;
      }
      users.add(h.visitor().clientId());
      String session = h.propertyId() + "/" + h.visitor().clientId() + "/" + h.sessionKey();
      sessions.add(session);
      if (h.sessionEngaged()) {
        engaged.add(session);
      }
    }

    JsonObject toJson() {
      return new JsonObject().put("screenPageViews", pageViews).put("eventCount", events).put("keyEvents", keyEvents)
          .put("userEngagementDuration", engagementMs / 1000.0).put("newUsers", newUsers)
          .put("totalUsers", users.size()).put("sessions", sessions.size()).put("engagedSessions", engaged.size());
    }
  }

  /** Counts one acknowledged hit whose event time is {@code eventTimeMs}. */
  public synchronized void add(PlannedHit h, long eventTimeMs) {
    ZoneId zone = zones.getOrDefault(h.propertyId(), ZoneId.of("UTC"));
    String date = LocalDate.ofInstant(Instant.ofEpochMilli(eventTimeMs), zone).format(DATE);
    if (h.bot()) {
      bots.computeIfAbsent(h.propertyId(), p -> new TreeMap<>()).merge(date, 1L, Long::sum);
      return;
    }
    List<Map<List<String>, Counts>> byReport = rows.computeIfAbsent(h.propertyId(), p -> {
      List<Map<List<String>, Counts>> l = new ArrayList<>();
      reports.forEach(r -> l.add(new TreeMap<>(GroundTruth::compare)));
      return l;
    });
    for (int i = 0; i < reports.size(); i++) {
      List<String> key = new ArrayList<>();
      key.add(date);
      boolean counts = true;
      for (String d : reports.get(i)) {
        String v = value(h, d);
        if (v == null) {
          counts = false;
          break;
        }
        key.add(v);
      }
      if (counts) {
        byReport.get(i).computeIfAbsent(List.copyOf(key), k -> new Counts()).add(h);
      }
    }
  }

  /** The hit's value of a dimension; null when the hit does not count in it (landingPage of a non-start hit). */
  static String value(PlannedHit h, String dimension) {
    String v = switch (dimension) {
      case "pagePath" -> h.pagePath();
      case "pageTitle" -> h.pageTitle();
      case "landingPage" -> {
        if (!h.sessionStart()) {
          yield null;
        }
        yield h.pagePath() == null ? NOT_SET : h.pagePath();
      }
      case "hostName" -> h.hostName();
      case "pageReferrer" -> h.pageReferrer();
      case "sessionSource" -> h.source();
      case "sessionMedium" -> h.medium();
      case "sessionCampaignName" -> h.campaign();
      case "sessionSourceMedium" -> orNotSet(h.source()) + " / " + orNotSet(h.medium());
      case "deviceCategory" -> h.visitor().agent().deviceCategory();
      case "browser" -> h.visitor().agent().browser();
      case "operatingSystem" -> h.visitor().agent().os();
      case "screenResolution" -> h.visitor().screen();
      case "language" -> h.visitor().language();
      case "country" -> h.visitor().network().country();
      case "region" -> h.visitor().network().region();
      case "city" -> h.visitor().network().city();
      case "eventName" -> h.eventName();
      default -> throw new IllegalArgumentException("unknown dimension " + dimension);
    };
    if (v == null && dimension.equals("landingPage")) {
      return null;
    }
    return orNotSet(v);
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

  /**
   * The truth as JSON: per property its zone, date range, bot hits per date and, per report (dimensions with
   * "date" first, as the API's), every row's dimension values and metric values.
   */
  public synchronized JsonObject toJson() {
    JsonArray props = new JsonArray();
    Set<String> ids = new java.util.TreeSet<>(rows.keySet());
    ids.addAll(bots.keySet());
    for (String id : ids) {
      List<Map<List<String>, Counts>> byReport = rows.get(id);
      Set<String> dates = new java.util.TreeSet<>(bots.getOrDefault(id, Map.of()).keySet());
      JsonArray reps = new JsonArray();
      for (int i = 0; i < reports.size(); i++) {
        JsonArray dims = new JsonArray().add("date");
        reports.get(i).forEach(dims::add);
        JsonArray rs = new JsonArray();
        if (byReport != null) {
          byReport.get(i).forEach((key, c) -> {
            dates.add(key.get(0));
            rs.add(new JsonObject().put("dimensionValues", new JsonArray(new ArrayList<>(key))).put("metrics", c.toJson()));
          });
        }
        reps.add(new JsonObject().put("dimensions", dims).put("rows", rs));
      }
      JsonObject p = new JsonObject().put("id", id).put("timeZone", zones.getOrDefault(id, ZoneId.of("UTC")).getId())
          .put("botHits", new JsonObject(new TreeMap<>(bots.getOrDefault(id, Map.of()))))
          .put("reports", reps);
      if (!dates.isEmpty()) {
        p.put("firstDate", iso(dates.iterator().next())).put("lastDate", iso(((java.util.TreeSet<String>) dates).last()));
      }
      props.add(p);
    }
    return new JsonObject().put("metrics", new JsonArray(METRICS)).put("geo", geo).put("properties", props);
  }

  private static String iso(String basic) {
    return LocalDate.parse(basic, DATE).toString();
  }
}
