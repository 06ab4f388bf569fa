package io.beacon.testing;

import io.beacon.model.Hit;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The tests' independent answer: plain loops over hits with exact distinct sets, written from
 * docs/analytics-model.md without using {@code io.beacon.model.aggregation} (bucket starts, dimension values
 * and metric rules are re-derived here on purpose, so a bug there cannot hide in both).
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
    public final Set<String> sessions = new HashSet<>();
    public final Set<String> engagedSessions = new HashSet<>();
  }

  public final Map<Key, Expected> rows = new LinkedHashMap<>();
  /** Hits more than 72 h late: not in {@link #rows}; their (property, day bucket) must be reported dirty. */
  public final Map<String, Set<Long>> dirtyDays = new HashMap<>();
  public long counted;

  public static ReferenceAggregation of(Iterable<Hit> hits, Map<String, ZoneId> zones) {
    ReferenceAggregation ref = new ReferenceAggregation();
    for (Hit h : hits) {
      ZoneId zone = zones.get(h.propertyId());
      ZonedDateTime local = Instant.ofEpochMilli(h.ts()).atZone(zone);
      long hour = local.withMinute(0).withSecond(0).withNano(0).toInstant().toEpochMilli();
      long day = local.toLocalDate().atStartOfDay(zone).toInstant().toEpochMilli();
      if (h.receivedAt() - h.ts() > Duration.ofHours(72).toMillis()) {
        ref.dirtyDays.computeIfAbsent(h.propertyId(), p -> new HashSet<>()).add(day);
        continue;
      }
      ref.counted++;
      for (String granularity : new String[] {"hour", "day"}) {
        long start = granularity.equals("hour") ? hour : day;
        ref.count(new Key(h.propertyId(), granularity, start, "(total)", ""), h);
        if (Boolean.TRUE.equals(h.isBot())) {
          continue;
        }
        Map<String, String> dims = new LinkedHashMap<>();
        dims.put("pagePath", h.pagePath());
        dims.put("pageTitle", h.pageTitle());
        if (Boolean.TRUE.equals(h.sessionStart())) {
          dims.put("landingPage", h.pagePath());
        }
        dims.put("hostName", h.hostname());
        dims.put("pageReferrer", h.pageReferrer());
        dims.put("sessionSource", h.source());
        dims.put("sessionMedium", h.medium());
        dims.put("sessionCampaignName", h.campaign());
        dims.put("sessionSourceMedium", notSet(h.source()) + " / " + notSet(h.medium()));
        dims.put("deviceCategory", h.deviceCategory());
        dims.put("browser", h.browser());
        dims.put("operatingSystem", h.os());
        dims.put("screenResolution", h.screenResolution());
        dims.put("language", h.language());
        dims.put("country", h.country());
        dims.put("region", h.region());
        dims.put("city", h.city());
        dims.put("eventName", h.eventName());
        dims.forEach((dim, value) -> ref.count(new Key(h.propertyId(), granularity, start, dim, notSet(value)), h));
      }
    }
    return ref;
  }

  private void count(Key key, Hit h) {
    Expected e = rows.computeIfAbsent(key, k -> new Expected());
    if (Boolean.TRUE.equals(h.isBot())) {
      e.bots++;
      return;
    }
    e.events++;
    if ("page_view".equals(h.eventName())) {
      e.pageViews++;
    }
    if (Boolean.TRUE.equals(h.keyEvent())) {
      e.keyEvents++;
    }
    if (h.engagementMs() != null) {
      e.engagementMs += h.engagementMs();
    }
    if (Boolean.TRUE.equals(h.firstVisit())) {
      e.newUsers++;
    }
    e.users.add(h.clientId());
    if (h.sessionId() != null) {
      String s = h.propertyId() + "|" + h.clientId() + "|" + h.sessionId();
      e.sessions.add(s);
      if (Boolean.TRUE.equals(h.sessionEngaged())) {
        e.engagedSessions.add(s);
      }
    }
  }

  private static String notSet(String value) {
    return value == null || value.isBlank() ? "(not set)" : value;
  }
}
