package io.beacon.bridge;

import io.beacon.store.cassandra.ErasuresTable;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.cache.expiry.CreatedExpiryPolicy;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.CacheAtomicityMode;
import org.apache.ignite.cache.CacheMode;
import org.apache.ignite.cache.CacheWriteSynchronizationMode;
import org.apache.ignite.configuration.CacheConfiguration;

/**
 * The erasure tombstones the raw consumers honour, in a REPLICATED, FULL_SYNC Ignite cache (every node reads its
 * own copy; a put returns once every node has it): person key to erasure time (epoch ms). The durable record is
 * Cassandra's {@code erasures} table ({@link ErasuresTable}); the bridge loads the recent ones into this view at
 * start. Only tombstones younger than {@link #HORIZON} matter here: a hit is replayed from Kafka, whose hits topic
 * keeps 7 days, so an older erasure cannot meet a hit received before it. Blocking calls: off the event loop.
 */
public final class Tombstones {
  static final String CACHE = "beacon-erasure-tombstones";
  /** Kafka's hits retention (7 d) and a margin. */
  public static final Duration HORIZON = ErasuresTable.REPLAY_HORIZON;

  private final IgniteCache<String, Long> cache;

  public Tombstones(Ignite ignite) {
    this.cache = ignite.getOrCreateCache(new CacheConfiguration<String, Long>(CACHE)
        .setCacheMode(CacheMode.REPLICATED)
        .setAtomicityMode(CacheAtomicityMode.ATOMIC)
        .setWriteSynchronizationMode(CacheWriteSynchronizationMode.FULL_SYNC)
        // Past the horizon a tombstone can meet no replayed hit: the hot path's checks stop with it.
        .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(
            new javax.cache.expiry.Duration(TimeUnit.DAYS, HORIZON.toDays()))));
  }

  /** Records a tombstone (keeping the later time if there is one already). */
  public void add(ErasuresTable.Tombstone t) {
    long at = t.erasedAt().toEpochMilli();
    String k = ErasuresTable.key(t.propertyId(), t.idKind(), t.id());
    Long before = cache.getAndPutIfAbsent(k, at);
    while (before != null && before < at && !cache.replace(k, before, at)) {
      before = cache.get(k);
    }
  }

  /** Loads the durable tombstones younger than {@link #HORIZON} at {@code now}. */
  public void load(List<ErasuresTable.Tombstone> all, Instant now) {
    Instant since = now.minus(HORIZON);
    all.stream().filter(t -> t.erasedAt().isAfter(since)).forEach(this::add);
  }

  /** Forgets tombstones (a purged property's): its hits are refused anyway, and its erasure records are gone. */
  public void remove(List<ErasuresTable.Tombstone> all) {
    cache.removeAll(new java.util.TreeSet<>(all.stream()
        .map(t -> ErasuresTable.key(t.propertyId(), t.idKind(), t.id())).toList()));
  }

  /** Whether any tombstone is in force (a local read: the hot path skips the per-hit checks when none). */
  public boolean any() {
    return cache.localSize() > 0;
  }

  /** Whether a hit of this property and ids, received at {@code receivedAt} (epoch ms), belongs to an erased person. */
  public boolean erased(String propertyId, String clientId, String userId, long receivedAt) {
    return ErasuresTable.erased(cache::get, propertyId, clientId, userId, receivedAt);
  }
}
