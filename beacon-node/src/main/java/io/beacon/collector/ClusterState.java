package io.beacon.collector;

import io.beacon.infra.cluster.IgniteConfigFactory;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import javax.cache.expiry.ModifiedExpiryPolicy;
import javax.cache.processor.EntryProcessorResult;
import javax.cache.processor.MutableEntry;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.CacheEntryProcessor;
import org.apache.ignite.cache.CacheWriteSynchronizationMode;
import org.apache.ignite.configuration.CacheConfiguration;
import org.apache.ignite.lang.IgniteFuture;

/**
 * Collector state shared by every instance on every node, in Ignite caches (partitioned, one
 * backup, in the bounded evicting region {@link IgniteConfigFactory#COLLECTOR_REGION}, entries
 * expire on their own): which requests were already produced (de-duplication within {@code
 * collector.dedupWindowMs}) and, for clients that send no session id, what the collector knows of
 * them: the current session, when it was last seen and how many sessions it had (so the collector
 * assigns {@code session_id}, {@code session_number}, {@code session_start} and {@code first_visit}
 * as GA's tag would). Values are Strings: Java records do not round-trip through Ignite. All calls
 * are asynchronous and complete on the caller's context.
 *
 * <p>When the region is full the least recently used pages are evicted: a retry of an evicted
 * request id is produced again (the raw store still de-duplicates it) and an evicted client counts
 * as new once more, as a cleared cookie does in GA.
 */
final class ClusterState {
  static final String DEDUP_CACHE = "beacon-collector-dedup";
  static final String CLIENTS_CACHE = "beacon-collector-clients";

  /**
   * Dedup value prefix of a request id whose hit Kafka (or the spool) acknowledged: "d:" + node id + "@" + the
   * first attempt's receive time (epoch ms).
   */
  private static final String PRODUCED = "d:";
  /** Prefix of the dedup value of a request id a node is handing over now: "p:" + node id + "@" + receive time. */
  private static final String PENDING = "p:";
  private static final char AT = '@';

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

  /**
   * The session the collector assigned to a hit.
   *
   * @param id session id
   * @param number the client's session count (1 for its first session)
   * @param start this hit starts the session
   * @param firstVisit this hit is the client's first ever (as far as the cluster remembers)
   */
  record Session(String id, int number, boolean start, boolean firstVisit) {}

  private final Ignite ignite;
  private final IgniteCache<String, String> dedup;
  private final IgniteCache<String, String> clients;
  private final long sessionTimeoutMs;
  private final String pendingPrefix;
  private final String producedPrefix;
  /** Claims (key -> pending mark and its result) waiting for the end of the event loop's turn (owning context). */
  private Map<String, Pending> claims = new TreeMap<>();
  /** Produced marks (key -> mark) waiting for the end of the event loop's turn (owning context only). */
  private Map<String, String> producedMarks = new TreeMap<>();

  private record Pending(String mark, Promise<String> found) {}
  private static final ClaimProcessor CLAIM = new ClaimProcessor();

  private ClusterState(Ignite ignite, IgniteCache<String, String> dedup, IgniteCache<String, String> clients,
      long sessionTimeoutMs) {
    this.ignite = ignite;
    this.dedup = dedup;
    this.clients = clients;
    this.sessionTimeoutMs = sessionTimeoutMs;
    String node = ignite.cluster().localNode().id().toString();
    // Same length for both marks, so marking a hit produced rewrites the entry in place.
    this.pendingPrefix = PENDING + node + AT;
    this.producedPrefix = PRODUCED + node + AT;
  }

  /** Creates or joins the caches; blocking (cluster-wide), so call it from a worker. */
  static ClusterState create(Ignite ignite, long dedupWindowMs, long sessionTimeoutMs, long clientMemoryMs) {
    // FULL_SYNC: a claim completes only once the backup holds the mark too. With Ignite's default (the primary
    // alone), a node frozen or killed right after its claim could take the mark with it; the retry on another
    // node then claimed afresh, with its own receive time, and the raw store kept both copies (PipelineFaultTest).
    IgniteCache<String, String> d = ignite.getOrCreateCache(cache(DEDUP_CACHE)
            .setWriteSynchronizationMode(CacheWriteSynchronizationMode.FULL_SYNC))
        .withExpiryPolicy(new CreatedExpiryPolicy(new Duration(TimeUnit.MILLISECONDS, Math.max(1, dedupWindowMs))));
    IgniteCache<String, String> c = ignite.getOrCreateCache(cache(CLIENTS_CACHE))
        .withExpiryPolicy(new ModifiedExpiryPolicy(new Duration(TimeUnit.MILLISECONDS, clientMemoryMs)));
    return new ClusterState(ignite, d, c, sessionTimeoutMs);
  }

  private static CacheConfiguration<String, String> cache(String name) {
    return new CacheConfiguration<String, String>(name)
        .setBackups(1)
        .setDataRegionName(IgniteConfigFactory.COLLECTOR_REGION)
        .setEagerTtl(true);
  }

  static String dedupKey(String propertyId, String clientId, String requestId) {
    return propertyId + "|" + clientId + "|" + requestId;
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
  Future<ClaimResult> claim(Context ctx, String key, long receivedAt) {
    Promise<String> found = Promise.promise();
    if (claims.isEmpty()) {
      ctx.runOnContext(v -> flushClaims(ctx));
    }
    if (claims.putIfAbsent(key, new Pending(pendingPrefix + receivedAt, found)) != null) {
      // The same request id twice in one turn: the first one is being handed over.
      return Future.succeededFuture(new ClaimResult(Claim.IN_FLIGHT, receivedAt));
    }
    return found.future().compose(v -> {
      if (v.isEmpty()) {
        return Future.succeededFuture(new ClaimResult(Claim.PRODUCE, receivedAt));
      }
      long first = receivedAtOf(v, receivedAt);
      if (!v.startsWith(PENDING)) {
        return Future.succeededFuture(new ClaimResult(Claim.DUPLICATE, first));
      }
      if (ownerAlive(v)) {
        return Future.succeededFuture(new ClaimResult(Claim.IN_FLIGHT, first));
      }
      // Its node left mid-hand-off: take the id over, keeping the first attempt's time for any later retry too.
      return adapt(ctx, dedup.replaceAsync(key, v, pendingPrefix + first))
          .map(won -> new ClaimResult(won ? Claim.PRODUCE : Claim.IN_FLIGHT, first));
    });
  }

  private boolean ownerAlive(String mark) {
    int at = mark.indexOf(AT);
    try {
      UUID owner = UUID.fromString(mark.substring(PENDING.length(), at < 0 ? mark.length() : at));
      return ignite.cluster().node(owner) != null;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** The receive time a mark carries; {@code fallback} for a mark without one (written by an older version). */
  static long receivedAtOf(String mark, long fallback) {
    int at = mark.indexOf(AT);
    try {
      return at < 0 ? fallback : Long.parseLong(mark.substring(at + 1));
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  private void flushClaims(Context ctx) {
    Map<String, Pending> batch = claims;
    claims = new TreeMap<>();
    Map<String, CacheEntryProcessor<String, String, String>> ops = new TreeMap<>();
    // The processor takes one argument for the whole batch: each key's mark travels in a key -> mark map.
    Map<String, String> marks = new java.util.HashMap<>();
    batch.forEach((k, pending) -> {
      ops.put(k, CLAIM);
      marks.put(k, pending.mark());
    });
    adapt(ctx, dedup.invokeAllAsync(ops, marks)).onComplete(done -> batch.forEach((k, pending) -> {
      Promise<String> p = pending.found();
      if (done.failed()) {
        p.fail(done.cause());
        return;
      }
      EntryProcessorResult<String> r = done.result().get(k);
      try {
        p.complete(r == null ? "" : r.get());
      } catch (RuntimeException e) {
        p.fail(e);
      }
    }));
  }

  /** Marks a claimed request id as acknowledged by Kafka (or the spool): retries are duplicates from now on. */
  void produced(Context ctx, String key, long firstReceivedAt) {
    if (producedMarks.isEmpty()) {
      ctx.runOnContext(v -> {
        Map<String, String> batch = producedMarks;
        producedMarks = new TreeMap<>();
        dedup.putAllAsync(batch);
      });
    }
    producedMarks.put(key, producedPrefix + firstReceivedAt);
  }

  /** Takes an absent request id for this node (returns "") or returns the mark already there. */
  static final class ClaimProcessor implements CacheEntryProcessor<String, String, String> {
    @Override
    @SuppressWarnings("unchecked")
    public String process(MutableEntry<String, String> entry, Object... args) {
      String current = entry.getValue();
      if (current == null) {
        entry.setValue(((Map<String, String>) args[0]).get(entry.getKey()));
        return "";
      }
      return current;
    }
  }

  /** Forgets a key whose hit could not be handed over, so the client's retry is produced. */
  void forget(String key) {
    dedup.removeAsync(key);
  }

  /**
   * The session of a client that sends no session id: its current one, touched, or a new one after
   * {@code sessionTimeoutMs} without a hit (the first one also marks the client's first visit).
   */
  Future<Session> session(Context ctx, String propertyId, String clientId, long nowMs) {
    String newId = Long.toString(nowMs / 1000) + UUID.randomUUID().toString().substring(0, 6);
    return adapt(ctx, clients.invokeAsync(propertyId + "|" + clientId, new SessionProcessor(), nowMs, sessionTimeoutMs, newId))
        .map(ClientEntry::session);
  }

  /**
   * A client's entry, "sessionId;lastSeenMs;sessionNumber", and what the last call made of it.
   * Pure, so the session rules are testable without Ignite.
   */
  record ClientEntry(String sessionId, long lastSeenMs, int sessionNumber, boolean start, boolean firstVisit) {
    static ClientEntry next(String stored, long nowMs, long timeoutMs, String newId) {
      if (stored == null) {
        return new ClientEntry(newId, nowMs, 1, true, true);
      }
      String[] f = stored.split(";", 3);
      long last = Long.parseLong(f[1]);
      int number = Integer.parseInt(f[2]);
      if (nowMs - last > timeoutMs) {
        return new ClientEntry(newId, nowMs, number + 1, true, false);
      }
      return new ClientEntry(f[0], Math.max(last, nowMs), number, false, false);
    }

    String stored() {
      return sessionId + ";" + lastSeenMs + ";" + sessionNumber;
    }

    /** What the processor sends back: the stored form plus the two flags. */
    String reply() {
      return stored() + ";" + (start ? 1 : 0) + (firstVisit ? 1 : 0);
    }

    static Session session(String reply) {
      String[] f = reply.split(";", 4);
      return new Session(f[0], Integer.parseInt(f[2]), f[3].charAt(0) == '1', f[3].charAt(1) == '1');
    }
  }

  /** Runs on the entry's primary node: keeps (and touches) the client's session, or starts one. */
  static final class SessionProcessor implements CacheEntryProcessor<String, String, String> {
    @Override
    public String process(MutableEntry<String, String> entry, Object... args) {
      ClientEntry next = ClientEntry.next(entry.getValue(), (Long) args[0], (Long) args[1], (String) args[2]);
      entry.setValue(next.stored()); // an update also restarts the entry's expiry
      return next.reply();
    }
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
