package io.beacon.collector;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import javax.cache.expiry.ModifiedExpiryPolicy;
import javax.cache.processor.MutableEntry;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.CacheEntryProcessor;
import org.apache.ignite.configuration.CacheConfiguration;
import org.apache.ignite.lang.IgniteFuture;

/**
 * Collector state shared by every instance on every node, in Ignite caches (partitioned, one
 * backup, entries expire on their own): which requests were already produced (de-duplication
 * within {@code collector.dedupWindowMs}) and each client's current collector-assigned session
 * (a new one after {@code collector.sessionTimeoutMs} without a hit). Values are Strings: Java
 * records do not round-trip through Ignite. All calls are asynchronous and complete on the
 * caller's context.
 */
final class ClusterState {
  static final String DEDUP_CACHE = "beacon-collector-dedup";
  static final String SESSION_CACHE = "beacon-collector-sessions";

  /** Dedup value of a request id whose hit Kafka (or the spool) acknowledged. */
  private static final String PRODUCED = "d";
  /** Prefix of the dedup value of a request id a node is handing over now: "p:" + node id. */
  private static final String PENDING = "p:";

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
  private final IgniteCache<String, String> dedup;
  private final IgniteCache<String, String> sessions;

  private ClusterState(Ignite ignite, IgniteCache<String, String> dedup, IgniteCache<String, String> sessions) {
    this.ignite = ignite;
    this.dedup = dedup;
    this.sessions = sessions;
  }

  /** Creates or joins the caches; blocking (cluster-wide), so call it from a worker. */
  static ClusterState create(Ignite ignite, long dedupWindowMs, long sessionTimeoutMs) {
    IgniteCache<String, String> d = ignite.getOrCreateCache(new CacheConfiguration<String, String>(DEDUP_CACHE)
        .setEagerTtl(true))
        .withExpiryPolicy(new CreatedExpiryPolicy(new Duration(TimeUnit.MILLISECONDS, Math.max(1, dedupWindowMs))));
    IgniteCache<String, String> s = ignite.getOrCreateCache(new CacheConfiguration<String, String>(SESSION_CACHE)
        .setEagerTtl(true))
        .withExpiryPolicy(new ModifiedExpiryPolicy(new Duration(TimeUnit.MILLISECONDS, sessionTimeoutMs)));
    return new ClusterState(ignite, d, s);
  }

  static String dedupKey(String propertyId, String clientId, String requestId) {
    return propertyId + "|" + clientId + "|" + requestId;
  }

  /**
   * Claims a request id for this node. The id is marked pending (with this node's id) until the hand-off is
   * acknowledged ({@link #produced}); only then do retries count as duplicates. So a node that dies between
   * marking an id and Kafka's acknowledgement never makes a retry on another node look like a duplicate of a
   * hit that was lost: its pending mark is taken over once the node has left the cluster.
   */
  Future<Claim> claim(Context ctx, String key) {
    String mine = PENDING + ignite.cluster().localNode().id();
    return adapt(ctx, dedup.putIfAbsentAsync(key, mine)).compose(first -> first
        ? Future.succeededFuture(Claim.PRODUCE)
        : adapt(ctx, dedup.getAsync(key)).compose(v -> {
          if (v == null) {
            return Future.succeededFuture(Claim.IN_FLIGHT); // forgotten meanwhile: the caller claims again
          }
          if (!v.startsWith(PENDING)) {
            return Future.succeededFuture(Claim.DUPLICATE);
          }
          UUID owner;
          try {
            owner = UUID.fromString(v.substring(PENDING.length()));
          } catch (IllegalArgumentException e) {
            owner = null;
          }
          if (owner != null && ignite.cluster().node(owner) != null) {
            return Future.succeededFuture(Claim.IN_FLIGHT);
          }
          return adapt(ctx, dedup.replaceAsync(key, v, mine)).map(won -> won ? Claim.PRODUCE : Claim.IN_FLIGHT);
        }));
  }

  /** Marks a claimed request id as acknowledged by Kafka (or the spool): retries are duplicates from now on. */
  void produced(String key) {
    dedup.putAsync(key, PRODUCED);
  }

  /** Forgets a key whose hit could not be handed over, so the client's retry is produced. */
  void forget(String key) {
    dedup.removeAsync(key);
  }

  /**
   * The client's session id, refreshing its inactivity timer; a new one (returned as {@code
   * "new:"} + id) when the client had none or it expired.
   */
  Future<String> session(Context ctx, String propertyId, String clientId) {
    return adapt(ctx, sessions.invokeAsync(propertyId + "|" + clientId, new SessionProcessor(),
        Long.toString(System.currentTimeMillis() / 1000) + UUID.randomUUID().toString().substring(0, 6)));
  }

  /** Runs on the entry's primary node: keeps (and touches) the session, or starts one. */
  static final class SessionProcessor implements CacheEntryProcessor<String, String, String> {
    @Override
    public String process(MutableEntry<String, String> entry, Object... args) {
      String current = entry.getValue();
      if (current != null) {
        entry.setValue(current); // an update restarts the inactivity expiry
        return current;
      }
      entry.setValue((String) args[0]);
      return "new:" + args[0];
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
