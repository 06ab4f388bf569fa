package io.beacon.bridge.realtime;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.CacheAtomicityMode;
import org.apache.ignite.cache.CacheMode;
import org.apache.ignite.cache.CacheWriteSynchronizationMode;
import org.apache.ignite.configuration.CacheConfiguration;

/**
 * The real-time buckets in Ignite, shared by every node: one partitioned cache with a backup (a
 * node loss loses nothing), FULL_SYNC so a read on any node sees a completed write, entries as
 * String JSON (Java records do not round-trip as Ignite values). Each bucket expires a while after
 * it left the window, as a safety net behind the owners' explicit removal. A partition's new
 * owner needs no cleanup: its replay rebuilds every bucket of the window and overwrites each key.
 *
 * <p>Every call blocks: use it from the consumer thread or a worker, never an event loop.
 */
public final class RealtimeStore {
  public static final String CACHE = "beacon-realtime";

  private final IgniteCache<String, String> cache;

  /** Blocking (creates the cache cluster-wide on first use): call from a worker. */
  public RealtimeStore(Ignite ignite, int windowMinutes) {
    CacheConfiguration<String, String> cfg = new CacheConfiguration<String, String>(CACHE)
        .setCacheMode(CacheMode.PARTITIONED)
        .setBackups(1)
        .setAtomicityMode(CacheAtomicityMode.ATOMIC)
        .setWriteSynchronizationMode(CacheWriteSynchronizationMode.FULL_SYNC)
        .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(new Duration(TimeUnit.MINUTES, windowMinutes + 10L)));
    cache = ignite.getOrCreateCache(cfg);
  }

  public void putAll(Map<String, String> entries) {
    if (!entries.isEmpty()) {
      cache.putAll(new TreeMap<>(entries));
    }
  }

  public void removeAll(Collection<String> keys) {
    if (!keys.isEmpty()) {
      cache.removeAll(new TreeSet<>(keys));
    }
  }

  /** Synchronous read of many buckets (workers and the consumer thread only). */
  public Map<String, String> getAllNow(Set<String> keys) {
    return cache.getAll(keys);
  }

  /** Cheap pre-check of {@link #claimPublish}: whether the property's interval has passed. */
  public boolean isDue(String propertyId, long nowMs, long intervalMs) {
    String last = cache.get("pub/" + propertyId);
    return last == null || nowMs - Long.parseLong(last) >= intervalMs;
  }

  /**
   * Claims the right to publish an update of a property now, cluster-wide: true for at most one
   * caller per {@code intervalMs} per property, whichever node or instance asks (compare-and-set on
   * a "last published" entry).
   */
  public boolean claimPublish(String propertyId, long nowMs, long intervalMs) {
    String key = "pub/" + propertyId;
    String last = cache.get(key);
    if (last == null) {
      return cache.putIfAbsent(key, Long.toString(nowMs));
    }
    if (nowMs - Long.parseLong(last) < intervalMs) {
      return false;
    }
    return cache.replace(key, last, Long.toString(nowMs));
  }
}
