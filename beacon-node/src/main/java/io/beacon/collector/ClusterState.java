package io.beacon.collector;

import io.beacon.collector.enrich.RequestId;
import io.beacon.infra.cluster.IgniteConfigFactory;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.beacon.model.DedupKey;
import java.io.Serializable;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import javax.cache.processor.EntryProcessorResult;
import javax.cache.processor.MutableEntry;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.binary.BinaryObject;
import org.apache.ignite.cache.CacheEntryProcessor;
import org.apache.ignite.cache.CacheWriteSynchronizationMode;
import org.apache.ignite.configuration.CacheConfiguration;
import org.apache.ignite.lang.IgniteFuture;

/**
 * Collector state shared by every instance on every node, in an Ignite cache (partitioned, one
 * backup, in the bounded evicting region {@link IgniteConfigFactory#COLLECTOR_REGION}, entries
 * expire on their own): which requests were already produced (de-duplication within {@code
 * collector.dedupWindowMs} for the sender's request ids, within {@code collector.derivedIdWindowMs} for ids the
 * collector derived from the payload: {@link RequestId}; one cache, each mark expiring after its own window through
 * Ignite's per-operation expiry policy). The collector keeps no session state: a hit whose sender gave no session
 * id keeps none, and the model assigns its session by event time (docs/analytics-model.md, "Semantics"). Keys and
 * de-duplication marks are small plain classes ({@link DedupKey}, {@link DedupMark}), not Java records: Ignite
 * 2.17's binary marshaller cannot write records. Their identity in the cluster is their binary form (fields in
 * declaration order), the same on every JVM; their Java equals/hashCode match it, for entry processors' lookups.
 * All calls are asynchronous and complete on the caller's context.
 *
 * <p>When the region is full the least recently used pages are evicted: a retry of an evicted
 * request id is produced again (the raw store still de-duplicates it).
 */
final class ClusterState {
  static final String DEDUP_CACHE = "beacon-collector-dedup";
  /**
   * The daily salts of cookieless client ids ({@link CookielessIds}): UTC epoch day -> 32 random bytes, the first
   * node to need a day's salt draws it, every node uses that one. In the default data region (never evicted, never
   * persisted: Ignite holds no data on disk), each salt expiring two days after it was drawn; lost if every node
   * stops at once, which only starts new ids early.
   */
  static final String SALT_CACHE = "beacon-collector-salts";
  private static final int SALT_BYTES = 32;
  private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

  /**
   * The de-duplication cache's value: a node is handing the request's hit over now ({@code produced} false), or
   * Kafka (or the spool) acknowledged it; which node, and when the first attempt was received (epoch ms). Both
   * states have the same binary size, so marking a hit produced rewrites the entry in place.
   */
  static final class DedupMark implements Serializable {
    private static final long serialVersionUID = 1L;

    final boolean produced;
    final UUID node;
    final long receivedAt;

    private DedupMark(boolean produced, UUID node, long receivedAt) {
      this.produced = produced;
      this.node = Objects.requireNonNull(node);
      this.receivedAt = receivedAt;
    }

    static DedupMark pending(UUID node, long receivedAt) {
      return new DedupMark(false, node, receivedAt);
    }

    static DedupMark produced(UUID node, long receivedAt) {
      return new DedupMark(true, node, receivedAt);
    }

    /**
     * An entry processor's result: Ignite hands back the results of {@code invokeAll} computed on another node
     * in their binary form (a {@link BinaryObject}), not deserialized as the signature promises.
     */
    static DedupMark of(EntryProcessorResult<DedupMark> result) {
      Object v = result.get();
      return v instanceof BinaryObject b ? b.deserialize() : (DedupMark) v;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof DedupMark m && produced == m.produced && node.equals(m.node) && receivedAt == m.receivedAt;
    }

    @Override
    public int hashCode() {
      return Objects.hash(produced, node, receivedAt);
    }

    @Override
    public String toString() {
      return (produced ? "produced by " : "pending on ") + node + " @" + receivedAt;
    }
  }

  /**
   * What {@link #claim} found, and when the request was first received: a retry that must be produced again
   * (its first attempt's node left mid-hand-off, or is still at it) takes that time, so every copy that reaches
   * Kafka is the same hit and the stores' de-duplication (QuestDB's upsert key includes the time) sees one row.
   */
  record ClaimResult(Claim claim, long firstReceivedAt) {}

  /** What {@link #claim} found. */
  enum Claim {
    /** This node must produce the hit (first sight, or the node handing it over left the cluster). */
    PRODUCE,
    /** Already acknowledged by Kafka: acknowledge the retry without producing it again. */
    DUPLICATE,
    /** Another live node is handing it over right now. */
    IN_FLIGHT
  }

  private final Ignite ignite;
  /** The de-dup cache per origin of the request id: the same cache, marks created with that origin's window. */
  private final Map<RequestId.Origin, Lane> lanes;
  private final UUID node;
  private final IgniteCache<Long, byte[]> salts;
  /** The last day's salt this instance used: read from its own event loop only. */
  private long saltDay = Long.MIN_VALUE;
  private byte[] salt;

  /**
   * The de-dup cache as seen by the ids of one origin: a proxy whose expiry policy gives every mark it creates that
   * origin's window (a {@link CreatedExpiryPolicy}: updates such as marking a claim produced keep the expiry set at
   * creation), and the claims and produced marks of the event loop's turn (owning context only).
   */
  private static final class Lane {
    final IgniteCache<DedupKey, DedupMark> cache;
    /** Claims (key -> pending mark and its result) waiting for the end of the event loop's turn. */
    Map<DedupKey, Pending> claims = new TreeMap<>();
    /** Produced marks (key -> mark) waiting for the end of the event loop's turn. */
    Map<DedupKey, DedupMark> producedMarks = new TreeMap<>();

    Lane(IgniteCache<DedupKey, DedupMark> dedup, long windowMs) {
      Duration window = new Duration(TimeUnit.MILLISECONDS, Math.max(1, windowMs));
      this.cache = dedup.withExpiryPolicy(new CreatedExpiryPolicy(window));
    }
  }

  /** A claim's pending mark, and what it found there (null: nothing, the claim took the request id). */
  private record Pending(DedupMark mark, Promise<DedupMark> found) {}
  private static final ClaimProcessor CLAIM = new ClaimProcessor();

  private ClusterState(Ignite ignite, Map<RequestId.Origin, Lane> lanes, IgniteCache<Long, byte[]> salts) {
    this.ignite = ignite;
    this.lanes = lanes;
    this.node = ignite.cluster().localNode().id();
    this.salts = salts;
  }

  /**
   * Creates or joins the cache; blocking (cluster-wide), so call it from a worker.
   *
   * @param dedupWindowMs how long a sender's request id stays claimed ({@code collector.dedupWindowMs})
   * @param derivedIdWindowMs how long a derived one does ({@code collector.derivedIdWindowMs})
   */
  static ClusterState create(Ignite ignite, long dedupWindowMs, long derivedIdWindowMs) {
    // FULL_SYNC: a claim completes only once the backup holds the mark too. With Ignite's default (the primary
    // alone), a node frozen or killed right after its claim could take the mark with it; the retry on another
    // node then claimed afresh, with its own receive time, and the raw store kept both copies (PipelineFaultTest).
    IgniteCache<DedupKey, DedupMark> d = ignite.getOrCreateCache(ClusterState.<DedupKey, DedupMark>cache(DEDUP_CACHE)
            .setWriteSynchronizationMode(CacheWriteSynchronizationMode.FULL_SYNC));
    Map<RequestId.Origin, Lane> lanes = new EnumMap<>(RequestId.Origin.class);
    lanes.put(RequestId.Origin.SENDER, new Lane(d, dedupWindowMs));
    lanes.put(RequestId.Origin.DERIVED, new Lane(d, derivedIdWindowMs));
    // Registers the binary types here, on a worker: the first write of a new type waits for a cluster-wide
    // metadata exchange, which must not happen on an event loop at the first hit.
    ignite.binary().toBinary(new DedupKey("-", "-", "-"));
    ignite.binary().toBinary(DedupMark.pending(new UUID(0, 0), 0));
    IgniteCache<Long, byte[]> salts = ignite.<Long, byte[]>getOrCreateCache(new CacheConfiguration<Long, byte[]>(SALT_CACHE)
            .setBackups(1)
            .setWriteSynchronizationMode(CacheWriteSynchronizationMode.FULL_SYNC)
            .setEagerTtl(true))
        .withExpiryPolicy(new CreatedExpiryPolicy(new Duration(TimeUnit.DAYS, 2)));
    return new ClusterState(ignite, Map.copyOf(lanes), salts);
  }

  /**
   * The salt of cookieless client ids for a UTC epoch day, the same on every node: the first node to ask draws it
   * (an atomic put-if-absent), the others read it; kept in memory for the day. Call it from the owning context.
   */
  Future<byte[]> salt(Context ctx, long epochDay) {
    if (epochDay == saltDay) {
      return Future.succeededFuture(salt);
    }
    byte[] fresh = new byte[SALT_BYTES];
    RANDOM.nextBytes(fresh);
    return adapt(ctx, salts.getAndPutIfAbsentAsync(epochDay, fresh)).map(previous -> {
      byte[] s = previous != null ? previous : fresh;
      if (epochDay >= saltDay) {
        saltDay = epochDay;
        salt = s;
      }
      return s;
    });
  }

  private static <K, V> CacheConfiguration<K, V> cache(String name) {
    return new CacheConfiguration<K, V>(name)
        .setBackups(1)
        .setDataRegionName(IgniteConfigFactory.COLLECTOR_REGION)
        .setEagerTtl(true);
  }

  /**
   * Claims a request id for this node. The id is marked pending (with this node's id) until the hand-off is
   * acknowledged ({@link #produced}); only then do retries count as duplicates. So a node that dies between
   * marking an id and Kafka's acknowledgement never makes a retry on another node look like a duplicate of a
   * hit that was lost: its pending mark is taken over once the node has left the cluster.
   *
   * <p>Claims made during one turn of the event loop go to Ignite together, in one {@code invokeAll} (one
   * message per primary node instead of one per hit); call it from the owning verticle's context only.
   */
  Future<ClaimResult> claim(Context ctx, DedupKey key, RequestId.Origin origin, long receivedAt) {
    Lane lane = lanes.get(origin);
    Promise<DedupMark> found = Promise.promise();
    if (lane.claims.isEmpty()) {
      ctx.runOnContext(v -> flushClaims(ctx, lane));
    }
    if (lane.claims.putIfAbsent(key, new Pending(DedupMark.pending(node, receivedAt), found)) != null) {
      // The same request id twice in one turn: the first one is being handed over.
      return Future.succeededFuture(new ClaimResult(Claim.IN_FLIGHT, receivedAt));
    }
    return found.future().compose(v -> {
      if (v == null) {
        return Future.succeededFuture(new ClaimResult(Claim.PRODUCE, receivedAt));
      }
      long first = v.receivedAt;
      if (v.produced) {
        return Future.succeededFuture(new ClaimResult(Claim.DUPLICATE, first));
      }
      if (ignite.cluster().node(v.node) != null) {
        return Future.succeededFuture(new ClaimResult(Claim.IN_FLIGHT, first));
      }
      // Its node left mid-hand-off: take the id over, keeping the first attempt's time for any later retry too.
      return adapt(ctx, lane.cache.replaceAsync(key, v, DedupMark.pending(node, first)))
          .map(won -> new ClaimResult(won ? Claim.PRODUCE : Claim.IN_FLIGHT, first));
    });
  }

  private void flushClaims(Context ctx, Lane lane) {
    Map<DedupKey, Pending> batch = lane.claims;
    lane.claims = new TreeMap<>();
    Map<DedupKey, CacheEntryProcessor<DedupKey, DedupMark, DedupMark>> ops = new TreeMap<>();
    // The processor takes one argument for the whole batch: each key's mark travels in a key -> mark map.
    Map<DedupKey, DedupMark> marks = new java.util.HashMap<>();
    batch.forEach((k, pending) -> {
      ops.put(k, CLAIM);
      marks.put(k, pending.mark());
    });
    adapt(ctx, lane.cache.invokeAllAsync(ops, marks)).onComplete(done -> batch.forEach((k, pending) -> {
      Promise<DedupMark> p = pending.found();
      if (done.failed()) {
        p.fail(done.cause());
        return;
      }
      // No result for a key: its processor returned null, it took the request id.
      EntryProcessorResult<DedupMark> r = done.result().get(k);
      try {
        p.complete(r == null ? null : DedupMark.of(r));
      } catch (RuntimeException e) {
        p.fail(e);
      }
    }));
  }

  /** Marks a claimed request id as acknowledged by Kafka (or the spool): retries are duplicates from now on. */
  void produced(Context ctx, DedupKey key, RequestId.Origin origin, long firstReceivedAt) {
    Lane lane = lanes.get(origin);
    if (lane.producedMarks.isEmpty()) {
      ctx.runOnContext(v -> {
        Map<DedupKey, DedupMark> batch = lane.producedMarks;
        lane.producedMarks = new TreeMap<>();
        lane.cache.putAllAsync(batch);
      });
    }
    lane.producedMarks.put(key, DedupMark.produced(node, firstReceivedAt));
  }

  /** Takes an absent request id for this node (returns null) or returns the mark already there. */
  static final class ClaimProcessor implements CacheEntryProcessor<DedupKey, DedupMark, DedupMark> {
    @Override
    @SuppressWarnings("unchecked")
    public DedupMark process(MutableEntry<DedupKey, DedupMark> entry, Object... args) {
      DedupMark current = entry.getValue();
      if (current == null) {
        entry.setValue(((Map<DedupKey, DedupMark>) args[0]).get(entry.getKey()));
        return null;
      }
      return current;
    }
  }

  /** Forgets a key whose hit could not be handed over, so the client's retry is produced. */
  void forget(DedupKey key) {
    // Through either proxy: a removal does not look at the expiry policy.
    lanes.get(RequestId.Origin.SENDER).cache.removeAsync(key);
  }

  private static <T> Future<T> adapt(Context ctx, IgniteFuture<T> f) {
    Promise<T> p = Promise.promise();
    f.listen(done -> {
      try {
        T v = done.get();
        ctx.runOnContext(x -> p.complete(v));
      } catch (RuntimeException e) {
        ctx.runOnContext(x -> p.fail(e));
      }
    });
    return p.future();
  }
}
