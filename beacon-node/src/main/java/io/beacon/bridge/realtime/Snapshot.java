package io.beacon.bridge.realtime;

import io.beacon.contract.RealtimeSnapshot;
import io.beacon.contract.RealtimeSnapshot.Minute;
import io.beacon.contract.RealtimeSnapshot.Top;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Merges a property's buckets (every partition, every minute of the window) into the real-time
 * view ({@link RealtimeSnapshot}): active users over the window and per minute (distinct client ids),
 * page views and events per minute, top pages (by views) and top sources, countries and device
 * categories (by active users).
 */
public final class Snapshot {
  public static final int TOP = 10;

  private Snapshot() {}

  /** @param byCacheKey cache key -> bucket JSON (absent keys simply missing) */
  public static RealtimeSnapshot build(String propertyId, long nowMs, int windowMinutes, int partitions,
                                          Map<String, String> byCacheKey) {
    Set<String> users = new HashSet<>();
    long pageViews = 0;
    long events = 0;
    Map<String, Long> pages = new HashMap<>();
    Map<String, Set<String>> sources = new HashMap<>();
    Map<String, Set<String>> countries = new HashMap<>();
    Map<String, Set<String>> devices = new HashMap<>();
    List<Minute> minutes = new ArrayList<>();
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
      minutes.add(new Minute(m * RealtimeState.MINUTE_MS, minuteUsers.size(), minuteViews, minuteEvents));
    }
    return new RealtimeSnapshot(propertyId, nowMs, windowMinutes, users.size(), pageViews, events, minutes,
        top(pages), top(counts(sources)), top(counts(countries)), top(counts(devices)), null);
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
  private static List<Top> top(Map<String, Long> counts) {
    return counts.entrySet().stream()
        .sorted(Comparator.<Map.Entry<String, Long>>comparingLong(Map.Entry::getValue).reversed()
            .thenComparing(Map.Entry::getKey))
        .limit(TOP)
        .map(e -> new Top(e.getKey(), e.getValue()))
        .toList();
  }
}
