package io.beacon.bridge.realtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.beacon.model.Hit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The real-time buckets a consumer owns: keyed by (partition, property, minute), so the state of a
 * partition can be dropped and rebuilt by replaying that partition when it is (re)assigned. This
 * class is the authoritative copy for its partitions; {@link #drainDirty()} gives what changed since
 * the last flush, as the cache entries to write. Not thread-safe: used by the consumer thread only.
 */
public final class RealtimeState {
  static final ObjectMapper JSON = new ObjectMapper();
  public static final long MINUTE_MS = 60_000;

  private final int windowMinutes;
  private final Map<Integer, Map<String, Map<Long, Bucket>>> partitions = new HashMap<>();
  private final Map<Integer, Set<Key>> dirty = new HashMap<>();

  public RealtimeState(int windowMinutes) {
    this.windowMinutes = windowMinutes;
  }

  /** A bucket's identity and its cache key. */
  public record Key(String propertyId, long minute, int partition) {
    public String cacheKey() {
      return cacheKey(propertyId, minute, partition);
    }

    public static String cacheKey(String propertyId, long minute, int partition) {
      return "rt/" + propertyId + "/" + minute + "/" + partition;
    }
  }

  public static long minuteOf(long epochMs) {
    return Math.floorDiv(epochMs, MINUTE_MS);
  }

  /** The minutes of the window ending at {@code nowMs}, oldest first. */
  public static List<Long> windowMinutes(long nowMs, int windowMinutes) {
    long now = minuteOf(nowMs);
    List<Long> out = new ArrayList<>(windowMinutes);
    for (long m = now - windowMinutes + 1; m <= now; m++) {
      out.add(m);
    }
    return out;
  }

  /**
   * Counts a hit of {@code partition} if its ts falls in the window ending at {@code nowMs} (one
   * minute of clock-skew allowance ahead), by runReport's rules ({@link Bucket}: a bot hit only as a bot, a copy
   * not at all). Returns whether it changed the state.
   */
  public boolean apply(int partition, Hit hit, long nowMs) {
    long minute = minuteOf(hit.ts());
    long now = minuteOf(nowMs);
    if (minute <= now - windowMinutes || minute > now + 1) {
      return false;
    }
    Bucket b = partitions.computeIfAbsent(partition, p -> new HashMap<>())
        .computeIfAbsent(hit.propertyId(), p -> new HashMap<>())
        .computeIfAbsent(minute, m -> new Bucket());
    boolean added = b.add(hit.ts(), hit.requestId(), hit.clientId(), Boolean.TRUE.equals(hit.isBot()), hit.eventName(),
        hit.pagePath(), hit.source(), hit.country(), hit.deviceCategory());
    if (added) {
      dirty.computeIfAbsent(partition, p -> new HashSet<>()).add(new Key(hit.propertyId(), minute, partition));
    }
    return added;
  }

  /** Changed buckets of the given partitions since the last drain, as cache key -> JSON; clears them. */
  public Map<String, String> drainDirty(Set<Integer> of) {
    Map<String, String> out = new HashMap<>();
    for (Integer p : of) {
      Set<Key> keys = dirty.remove(p);
      if (keys == null) {
        continue;
      }
      for (Key k : keys) {
        Bucket b = bucket(k);
        if (b != null) {
          out.put(k.cacheKey(), encode(b));
        }
      }
    }
    return out;
  }

  /** Every dirty bucket (all partitions). */
  public Map<String, String> drainDirty() {
    return drainDirty(new HashSet<>(dirty.keySet()));
  }

  /** Every bucket of a partition as cache entries (after a rebuild), marking it clean. */
  public Map<String, String> all(int partition) {
    dirty.remove(partition);
    Map<String, String> out = new HashMap<>();
    partitions.getOrDefault(partition, Map.of()).forEach((prop, minutes) ->
        minutes.forEach((m, b) -> out.put(Key.cacheKey(prop, m, partition), encode(b))));
    return out;
  }

  /** Forgets a partition entirely (revoked, or about to be rebuilt by replay). */
  public void drop(int partition) {
    partitions.remove(partition);
    dirty.remove(partition);
  }

  /** Drops minutes that left the window; returns their cache keys. */
  public List<String> evict(long nowMs) {
    long oldest = minuteOf(nowMs) - windowMinutes + 1;
    List<String> removed = new ArrayList<>();
    partitions.forEach((p, props) -> {
      props.forEach((prop, minutes) -> minutes.keySet().removeIf(m -> {
        if (m < oldest) {
          removed.add(Key.cacheKey(prop, m, p));
          return true;
        }
        return false;
      }));
      props.values().removeIf(Map::isEmpty);
    });
    return removed;
  }

  private Bucket bucket(Key k) {
    var props = partitions.get(k.partition());
    var minutes = props == null ? null : props.get(k.propertyId());
    return minutes == null ? null : minutes.get(k.minute());
  }

  static String encode(Bucket b) {
    try {
      return JSON.writeValueAsString(b);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("bucket not encodable", e);
    }
  }

  static Bucket decode(String json) {
    try {
      return JSON.readValue(json, Bucket.class);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("bucket not decodable: " + e.getOriginalMessage(), e);
    }
  }
}
