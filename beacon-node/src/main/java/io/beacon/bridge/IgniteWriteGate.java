package io.beacon.bridge;

import java.util.Collection;
import java.util.UUID;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.IgniteException;
import org.apache.ignite.cache.CacheAtomicityMode;
import org.apache.ignite.cache.CacheMode;
import org.apache.ignite.cache.CacheWriteSynchronizationMode;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.configuration.CacheConfiguration;
import org.apache.ignite.lang.IgniteCallable;
import org.apache.ignite.resources.IgniteInstanceResource;

/**
 * The cluster-wide raw-write gate, leased to Ignite nodes so that no departed node can hold it.
 *
 * <p>Two halves, each owned by a node:
 * <ul>
 *   <li><b>closed</b>: one entry in a REPLICATED, FULL_SYNC cache whose value names the holder (its Ignite node
 *   id and a token of this gate instance). A holder that is no longer in the topology (left or failed) holds
 *   nothing: writers treat its entry as open, and the next closer replaces it. No event listener and no
 *   timer are needed, and there is no lease to renew: Ignite's failure detection is the lease.</li>
 *   <li><b>in flight</b>: a counter per node, in the node's local map, never in a cache. The closer asks every
 *   node in the topology for its count (a compute broadcast): a node that died mid-write is simply not asked,
 *   so its writes can no longer block an erasure, and the cheap local increment costs no network round trip.</li>
 * </ul>
 * A writer increments its node's counter BEFORE it reads the holder (a local read of the replicated entry), and
 * the closer's write completes only once every node's replica has it (FULL_SYNC) BEFORE it asks for the counts:
 * whichever order they interleave in, either the writer sees the gate closed and backs off, or the closer
 * counts that write and waits for it.
 */
public final class IgniteWriteGate implements WriteGate {
  static final String CACHE = "beacon-raw-gate";
  private static final String HOLDER = "holder";
  private static final String IN_FLIGHT = "beacon-raw-gate-in-flight";

  private final Ignite ignite;
  private final IgniteCache<String, String> cache;
  private final AtomicLong inFlight;
  /** The holder value this instance wrote when it closed the gate; null while it does not hold it. */
  private final AtomicReference<String> held = new AtomicReference<>();

  /** Blocking (creates the cache on first use). */
  public IgniteWriteGate(Ignite ignite) {
    this.ignite = ignite;
    this.cache = ignite.getOrCreateCache(new CacheConfiguration<String, String>(CACHE)
        .setCacheMode(CacheMode.REPLICATED)
        .setAtomicityMode(CacheAtomicityMode.ATOMIC)
        .setWriteSynchronizationMode(CacheWriteSynchronizationMode.FULL_SYNC));
    this.inFlight = localCounter(ignite);
  }

  private static AtomicLong localCounter(Ignite ignite) {
    ConcurrentMap<String, Object> local = ignite.cluster().nodeLocalMap();
    return (AtomicLong) local.computeIfAbsent(IN_FLIGHT, k -> new AtomicLong());
  }

  @Override
  public void enter() {
    inFlight.incrementAndGet();
    boolean closed;
    try {
      closed = liveHolder() != null;
    } catch (RuntimeException e) {
      inFlight.decrementAndGet();
      throw new StoreUnavailableException("raw-write gate unreadable", e);
    }
    if (closed) {
      inFlight.decrementAndGet();
      throw new StoreUnavailableException("raw writes paused for an erasure", null);
    }
  }

  @Override
  public void exit() {
    inFlight.decrementAndGet();
  }

  /** The current holder's value if its node is still in the topology, else null. */
  private String liveHolder() {
    String h = cache.get(HOLDER);
    return h == null || !alive(h) ? null : h;
  }

  private boolean alive(String holder) {
    return ignite.cluster().node(UUID.fromString(holder.substring(0, holder.indexOf('/')))) != null;
  }

  /** Closes the gate for this node; false if a live node (or this instance) holds it already. */
  public boolean close() {
    String me = ignite.cluster().localNode().id() + "/" + UUID.randomUUID();
    while (true) {
      String h = cache.get(HOLDER);
      if (h == null) {
        if (cache.putIfAbsent(HOLDER, me)) {
          held.set(me);
          return true;
        }
      } else if (alive(h)) {
        return false;
      } else if (cache.replace(HOLDER, h, me)) {
        // The previous holder left the cluster mid-job: its lease is void.
        held.set(me);
        return true;
      }
    }
  }

  /** Opens the gate if this instance holds it (a no-op otherwise, so a late call cannot open another's hold). */
  public void open() {
    String me = held.getAndSet(null);
    if (me != null) {
      cache.remove(HOLDER, me);
    }
  }

  /** Whether no write is in flight on any node of the current topology (valid once closed; blocking). */
  public BooleanSupplier drained() {
    return () -> {
      try {
        Collection<Long> counts = ignite.compute(ignite.cluster().forServers()).broadcast(new CountInFlight());
        return counts.stream().allMatch(n -> n <= 0);
      } catch (IgniteException e) {
        // A node left while being asked: ask again (the caller polls).
        return false;
      }
    };
  }

  /** The asked node's in-flight raw writes. */
  private static final class CountInFlight implements IgniteCallable<Long> {
    private static final long serialVersionUID = 1L;
    @IgniteInstanceResource
    private transient Ignite local;

    @Override
    public Long call() {
      return localCounter(local).get();
    }
  }

  /** For tests and diagnostics: the node currently holding the gate, or null if it is open. */
  public ClusterNode holder() {
    String h = liveHolder();
    return h == null ? null : ignite.cluster().node(UUID.fromString(h.substring(0, h.indexOf('/'))));
  }
}
