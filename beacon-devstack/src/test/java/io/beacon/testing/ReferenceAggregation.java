package io.beacon.testing;

import io.beacon.model.Hit;
import io.beacon.model.attribution.ChannelGroup;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The tests' independent answer: plain loops over hits with exact distinct sets, written from the spec
 * (docs/analytics-model.md, "Semantics") without using {@code io.beacon.model.aggregation} or
 * {@code io.beacon.model.session} (bucket starts, sessions, engagement, attribution, first visits and dimension
 * values are re-derived here on purpose, so a bug there cannot hide in both). Only GA4's channel-group rules are
 * borrowed from the model ({@link ChannelGroup}): they have their own tests written from GA4's documentation.
 *
 * <p>What a stream that has seen every hit (and settled every session) must hold: hits more than 72 h late are
 * not counted (their days are reported dirty, for recompute), though they belong to their sessions and clients
 * like any event (attribution, engagement, first visit); every other hit counts with its whole session.
 */
public final class ReferenceAggregation {

  /** One expected row: granularity "hour"/"day", bucket start (epoch ms), dimension ("(total)") and value. */
  public record Key(String propertyId, String granularity, long bucketStart, String dimension, String value) {
  }

  /** Expected metrics of one row. */
  public static final class Expected {
    public long pageViews;
    public long events;
    public long keyEvents;
    public long engagementMs;
    public long newUsers;
    public long bots;
    public final Set<String> users = new HashSet<>();
    /** Clients with an engaged session, an event with engagement time, or their first visit in the row. */
    public final Set<String> activeUsers = new HashSet<>();
    public final Set<String> sessions = new HashSet<>();
    public final Set<String> engagedSessions = new HashSet<>();
  }

  /** Session facts by the spec. */
  private static final class Session {
    final String key;
    final List<Hit> hits = new ArrayList<>();
    Session(String key) {
      this.key = key;
    }
    Hit first() {
      return hits.get(0);
    }
    boolean engaged() {
      long engagement = 0;
      int views = 0;
      for (Hit h : hits) {
        if (Boolean.TRUE.equals(h.keyEvent())) {
          return true;
        }
        engagement += h.engagementMs() == null ? 0 : Math.max(0, h.engagementMs());
        if ("page_view".equals(h.eventName()) || "screen_view".equals(h.eventName())) {
          views++;
        }
      }
      // UA: the span first to last event (non-interaction hits included) stands in for engagement time, and two
      // interaction hits (not ni=1) count like two page views.
      long uaHits = hits.stream().filter(h -> "ua".equals(h.protocol())).count();
      long uaInteractions = hits.stream()
          .filter(h -> "ua".equals(h.protocol()) && !Boolean.TRUE.equals(h.nonInteraction())).count();
      if (uaHits > 0) {
        long span = hits.get(hits.size() - 1).ts() - hits.get(0).ts();
        engagement = Math.max(engagement, span);
      }
      return engagement > 10_000 || views >= 2 || uaInteractions >= 2;
    }
    String landingPage() {
      for (Hit h : hits) {
        if (("page_view".equals(h.eventName()) || "screen_view".equals(h.eventName())) && h.pagePath() != null
            && !h.pagePath().isBlank()) {
          String p = h.pagePath();
          return p.contains("?") ? p.substring(0, p.indexOf('?')) : p;
        }
      }
      return null;
    }
  }

  public final Map<Key, Expected> rows = new LinkedHashMap<>();
  /** Hits more than 72 h late: not in {@link #rows}; their (property, day bucket) must be reported dirty. */
  public final Map<String, Set<Long>> dirtyDays = new HashMap<>();
  public long counted;

  public static ReferenceAggregation of(Iterable<Hit> hits, Map<String, ZoneId> zones) {
    ReferenceAggregation ref = new ReferenceAggregation();
    Map<String, List<Hit>> byClient = new LinkedHashMap<>();
    Set<Hit> tooLate = new HashSet<>();
    for (Hit h : hits) {
      ZoneId zone = zones.get(h.propertyId());
      if (h.receivedAt() - h.ts() > Duration.ofHours(72).toMillis()) {
        ZonedDateTime local = Instant.ofEpochMilli(h.ts()).atZone(zone);
        long day = local.toLocalDate().atStartOfDay(zone).toInstant().toEpochMilli();
        ref.dirtyDays.computeIfAbsent(h.propertyId(), p -> new HashSet<>()).add(day);
        // Not counted by the stream (recompute owns its day), but an event of its session and client all the same.
        tooLate.add(h);
        if (!Boolean.TRUE.equals(h.isBot())) {
          byClient.computeIfAbsent(h.propertyId() + "\u0000" + h.clientId(), k -> new ArrayList<>()).add(h);
        }
        continue;
      }
      ref.counted++;
      if (Boolean.TRUE.equals(h.isBot())) {
        for (long[] b : buckets(h, zone)) {
          ref.rows.computeIfAbsent(new Key(h.propertyId(), b[0] == 0 ? "hour" : "day", b[1], "(total)", ""),
              k -> new Expected()).bots++;
        }
        continue;
      }
      byClient.computeIfAbsent(h.propertyId() + "\u0000" + h.clientId(), k -> new ArrayList<>()).add(h);
    }
    for (List<Hit> clientHits : byClient.values()) {
      clientHits.sort(Comparator.comparingLong(Hit::ts).thenComparing(Hit::requestId));
      Map<String, Session> sessions = new LinkedHashMap<>();
      Map<Hit, Session> sessionOf = new HashMap<>();
      Hit previousUnnamed = null;
      Session current = null;
      for (Hit h : clientHits) {
        Session s;
        if (h.sessionId() != null) {
          s = sessions.computeIfAbsent("sender:" + h.sessionId(), Session::new);
        } else {
          if (previousUnnamed == null || h.ts() - previousUnnamed.ts() > Duration.ofMinutes(30).toMillis()) {
            current = new Session("beacon:" + h.ts());
            sessions.put(current.key, current);
          }
          previousUnnamed = h;
          s = current;
        }
        s.hits.add(h);
        sessionOf.put(h, s);
      }
      Hit firstEver = clientHits.get(0);
      Session firstSession = sessionOf.get(firstEver);
      for (Hit h : clientHits) {
        if (tooLate.contains(h)) {
          continue;
        }
        Session s = sessionOf.get(h);
        Hit a = s.first();
        Map<String, String> dims = new LinkedHashMap<>();
        dims.put("pagePath", h.pagePath());
        dims.put("pageTitle", h.pageTitle());
        dims.put("landingPage", s.landingPage());
        dims.put("hostName", h.hostname());
        dims.put("pageReferrer", h.pageReferrer());
        dims.put("sessionSource", a.source());
        dims.put("sessionMedium", a.medium());
        dims.put("sessionCampaignName", a.campaign());
        dims.put("sessionSourceMedium", notSet(a.source()) + " / " + notSet(a.medium()));
        dims.put("sessionDefaultChannelGroup", ChannelGroup.of(a.source(), a.medium(), a.campaign()).apiValue());
        dims.put("newVsReturning", s == firstSession ? "new" : "returning");
        dims.put("firstUserSource", firstEver.source());
        dims.put("firstUserMedium", firstEver.medium());
        dims.put("deviceCategory", h.deviceCategory());
        dims.put("browser", h.browser());
        dims.put("operatingSystem", h.os());
        dims.put("screenResolution", h.screenResolution());
        dims.put("language", h.language());
        dims.put("country", h.country());
        dims.put("region", h.region());
        dims.put("city", h.city());
        dims.put("eventName", h.eventName());
        String sessionKey = h.propertyId() + "|" + h.clientId() + "|" + s.key;
        boolean engaged = s.engaged();
        for (long[] b : buckets(h, zones.get(h.propertyId()))) {
          String granularity = b[0] == 0 ? "hour" : "day";
          ref.count(new Key(h.propertyId(), granularity, b[1], "(total)", ""), h, h == firstEver, sessionKey,
              engaged);
          dims.forEach((dim, value) -> ref.count(new Key(h.propertyId(), granularity, b[1], dim, notSet(value)), h,
              h == firstEver, sessionKey, engaged));
        }
      }
    }
    return ref;
  }

  /** {granularity (0 hour, 1 day), bucket start} of the hit's event time in the property's zone. */
  private static List<long[]> buckets(Hit h, ZoneId zone) {
    ZonedDateTime local = Instant.ofEpochMilli(h.ts()).atZone(zone);
    long hour = local.withMinute(0).withSecond(0).withNano(0).toInstant().toEpochMilli();
    long day = local.toLocalDate().atStartOfDay(zone).toInstant().toEpochMilli();
    return List.of(new long[] {0, hour}, new long[] {1, day});
  }

  private void count(Key key, Hit h, boolean newUser, String session, boolean engaged) {
    Expected e = rows.computeIfAbsent(key, k -> new Expected());
    e.events++;
    if ("page_view".equals(h.eventName()) || "screen_view".equals(h.eventName())) {
      e.pageViews++;
    }
    if (Boolean.TRUE.equals(h.keyEvent())) {
      e.keyEvents++;
    }
    if (h.engagementMs() != null && h.engagementMs() > 0) {
      e.engagementMs += h.engagementMs();
    }
    if (newUser) {
      e.newUsers++;
    }
    e.users.add(h.clientId());
    if (engaged || newUser || (h.engagementMs() != null && h.engagementMs() > 0)) {
      e.activeUsers.add(h.clientId());
    }
    e.sessions.add(session);
    if (engaged) {
      e.engagedSessions.add(session);
    }
  }

  private static String notSet(String value) {
    return value == null || value.isBlank() ? "(not set)" : value;
  }
}
