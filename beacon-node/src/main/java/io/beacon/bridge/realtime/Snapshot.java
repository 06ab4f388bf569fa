package io.beacon.bridge.realtime;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Merges a property's buckets (every partition, every minute of the window) into the real-time
 * view: active users over the window and per minute (distinct client ids), page views and events
 * per minute, top pages (by views) and top sources, countries and device categories (by active
 * users). The result is a plain map (JSON-ready) with this shape:
 *
 * <pre>{@code
 * {"propertyId": "B-1", "asOf": 1764150000000, "windowMinutes": 30,
 *  "activeUsers": 12, "pageViews": 40, "events": 95,
 *  "minutes": [{"minute": 1764148260000, "activeUsers": 2, "pageViews": 3, "events": 7}, ...],   // oldest first, every minute
 *  "topPages": [{"value": "/pricing", "count": 9}, ...], "topSources": [...], "topCountries": [...], "topDevices": [...]}
 * }</pre>
 */
public final class Snapshot {
  public static final int TOP = 10;

  private Snapshot() {}

  /** @param byCacheKey cache key -> bucket JSON (absent keys simply missing) */
  public static Map<String, Object> build(String propertyId, long nowMs, int windowMinutes, int partitions,
                                          Map<String, String> byCacheKey) {
    Set<String> users = new HashSet<>();
    long pageViews = 0;
    long events = 0;
    Map<String, Long> pages = new HashMap<>();
    Map<String, Set<String>> sources = new HashMap<>();
    Map<String, Set<String>> countries = new HashMap<>();
    Map<String, Set<String>> devices = new HashMap<>();
    List<Map<String, Object>> minutes = new ArrayList<>();
    for (long m : RealtimeState.windowMinutes(nowMs, windowMinutes)) {
      Set<String> minuteUsers = new HashSet<>();
      long minuteViews = 0;
      long minuteEvents = 0;
      for (int p = 0; p < partitions; p++) {
        String json = byCacheKey.get(RealtimeState.Key.cacheKey(propertyId, m, p));
        if (json == null) {
          continue;
        }
        Bucket b = RealtimeState.decode(json);
        minuteUsers.addAll(b.clients);
        minuteViews += b.pageViews;
        minuteEvents += b.events;
        b.pages.forEach((k, v) -> pages.merge(k, v, Long::sum));
        union(sources, b.sources);
        union(countries, b.countries);
        union(devices, b.devices);
      }
      users.addAll(minuteUsers);
      pageViews += minuteViews;
      events += minuteEvents;
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("minute", m * RealtimeState.MINUTE_MS);
      row.put("activeUsers", minuteUsers.size());
      row.put("pageViews", minuteViews);
      row.put("events", minuteEvents);
      minutes.add(row);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("propertyId", propertyId);
    out.put("asOf", nowMs);
    out.put("windowMinutes", windowMinutes);
    out.put("activeUsers", users.size());
    out.put("pageViews", pageViews);
    out.put("events", events);
    out.put("minutes", minutes);
    out.put("topPages", top(pages));
    out.put("topSources", top(counts(sources)));
    out.put("topCountries", top(counts(countries)));
    out.put("topDevices", top(counts(devices)));
    return out;
  }

  /** Every cache key a snapshot of this property reads. */
  public static Set<String> keys(String propertyId, long nowMs, int windowMinutes, int partitions) {
    Set<String> keys = new HashSet<>();
    for (long m : RealtimeState.windowMinutes(nowMs, windowMinutes)) {
      for (int p = 0; p < partitions; p++) {
        keys.add(RealtimeState.Key.cacheKey(propertyId, m, p));
      }
    }
    return keys;
  }

  private static void union(Map<String, Set<String>> into, Map<String, Set<String>> from) {
    from.forEach((k, v) -> into.computeIfAbsent(k, x -> new HashSet<>()).addAll(v));
  }

  private static Map<String, Long> counts(Map<String, Set<String>> sets) {
    Map<String, Long> out = new HashMap<>();
    sets.forEach((k, v) -> out.put(k, (long) v.size()));
    return out;
  }

  // Highest count first; ties by value so every node renders the same list.
  private static List<Map<String, Object>> top(Map<String, Long> counts) {
    return counts.entrySet().stream()
        .sorted(Comparator.<Map.Entry<String, Long>>comparingLong(Map.Entry::getValue).reversed()
            .thenComparing(Map.Entry::getKey))
        .limit(TOP)
        .map(e -> {
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("value", e.getKey());
          row.put("count", e.getValue());
          return row;
        })
        .toList();
  }
}
