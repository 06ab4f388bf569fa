package io.beacon.query.report;

import io.beacon.infra.clients.CassandraCacheStore;
import io.beacon.infra.cluster.IgniteConfigFactory;
import io.beacon.infra.config.Role;
import io.beacon.model.aggregation.Granularity;
import io.beacon.model.aggregation.MetricState;
import io.beacon.model.report.AggregatePlan;
import io.beacon.model.report.AggregateRow;
import io.beacon.model.report.DateRangeSpec;
import io.beacon.store.cassandra.AggBucketRow;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.cache.expiry.CreatedExpiryPolicy;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.CacheAtomicityMode;
import org.apache.ignite.cache.CacheMode;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.configuration.CacheConfiguration;
import org.apache.ignite.lang.IgnitePredicate;

/**
 * Reads the aggregate rows a plan needs: one {@code agg_buckets} partition per local day (hour buckets) or month
 * (day buckets) per date range, through an Ignite cache that reads through to Cassandra ({@link SliceStore},
 * prepared statements). A partition still open to the stream is re-read once older than {@link #FRESH} (in the
 * background while a recent copy answers, see {@link #slice}); a closed
 * one stays cached (an hour in memory, evicted first when the region is full), and each node also keeps the
 * partitions it decoded. Every read has a timeout; when
 * Cassandra fails, an open partition already cached is served and the report is marked stale.
 */
public final class AggregateReader {
  static final String CACHE = "beacon-query-aggregates";
  /** How old a cached partition that the stream may still change can be. */
  static final Duration FRESH = Duration.ofSeconds(5);
  /** How old an open partition decoded on this node may be and still be served while it is re-read. */
  static final Duration SERVE_WHILE_REFRESHING = Duration.ofSeconds(30);
  /** Partitions being re-read in the background on this node (one read each at a time). */
  private static final Set<String> REFRESHING = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /** Open partitions whose last background re-read failed (Cassandra down): what this node serves is stale. */
  private static final Set<String> UNREFRESHED = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** The rows, and what the cache did: {@code hit}, {@code miss} (something was read from Cassandra) or {@code stale}. */
  public record Read(List<AggregateRow> rows, String cache) {}

  /**
   * A partition decoded for reports, kept on this node (in front of Ignite): a warm report then neither copies the
   * slice out of Ignite nor decodes its sketches. Its states are only read (merged into fresh groups), never
   * changed, so concurrent reports share them.
   */
  private record Decoded(long loadedAt, boolean closed, long[] starts, String[] values, MetricState[] states) {
    static Decoded of(AggregateSlice s) {
      int n = s.size();
      long[] starts = new long[n];
      String[] values = new String[n];
      MetricState[] states = new MetricState[n];
      for (int i = 0; i < n; i++) {
        AggBucketRow row = s.rows[i];
        starts[i] = row.bucketStart;
        values[i] = row.value;
        states[i] = row.state();
      }
      return new Decoded(s.loadedAt, s.closed, starts, values, states);
    }

    boolean usable(long now) {
      return closed || now - loadedAt < FRESH.toMillis();
    }
  }

  private record Slice(Decoded slice, String state) {}

  /** Rows of decoded partitions held on this node, at most about this many. */
  private static final long LOCAL_ROWS = 300_000;
  /** One per JVM (node), shared by the query verticle's instances. */
  private static final Cache<String, Decoded> LOCAL = Caffeine.newBuilder()
      .maximumWeight(LOCAL_ROWS).weigher((String k, Decoded d) -> d.starts().length + 1)
      .expireAfterWrite(Duration.ofHours(1)).build();

  private final Vertx vertx;
  private final IgniteCache<String, AggregateSlice> cache;
  private final Duration timeout;
  private final MeterRegistry meters;

  public AggregateReader(Vertx vertx, IgniteCache<String, AggregateSlice> cache, Duration timeout, MeterRegistry meters) {
    this.vertx = vertx;
    this.cache = cache;
    this.timeout = timeout;
    this.meters = meters;
    // Every result at 0 from the start: the cache hit ratio has a value before the first miss, refresh or stale.
    for (String result : List.of("hit", "miss", "refresh", "stale")) {
      meters.counter("beacon_query_cache_requests_total", "result", result);
    }
  }

  /** Empties this node's decoded partitions (benchmarks of cold reads clear the Ignite cache too). */
  public static void clearLocal() {
    LOCAL.invalidateAll();
  }

  /** Creates or joins the cache, on the query nodes only, in the bounded evicting region. Blocking. */
  public static IgniteCache<String, AggregateSlice> cache(Ignite ignite) {
    CacheConfiguration<String, AggregateSlice> c = new CacheConfiguration<>(CACHE);
    c.setCacheMode(CacheMode.PARTITIONED)
        .setBackups(0) // a read cache: a lost node's share is read from Cassandra again
        .setAtomicityMode(CacheAtomicityMode.ATOMIC)
        .setDataRegionName(IgniteConfigFactory.EVICTING_REGION)
        .setReadThrough(true)
        .setNodeFilter(new QueryNodes())
        .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(new javax.cache.expiry.Duration(TimeUnit.HOURS, 1)));
    c.setCacheStoreFactory(CassandraCacheStore.factory(SliceStore.class));
    return ignite.getOrCreateCache(c);
  }

  /** The nodes running the query role. */
  static final class QueryNodes implements IgnitePredicate<ClusterNode> {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean apply(ClusterNode node) {
      Object roles = node.attribute(IgniteConfigFactory.ROLES_ATTRIBUTE);
      return roles instanceof String s && Arrays.asList(s.split(",")).contains(Role.QUERY.key());
    }
  }

  public Future<Read> read(String propertyId, AggregatePlan plan, List<DateRangeSpec> ranges, ZoneId zone) {
    List<Future<List<AggregateRow>>> reads = new ArrayList<>();
    List<Future<Slice>> slices = new ArrayList<>();
    for (int i = 0; i < ranges.size(); i++) {
      DateRangeSpec r = ranges.get(i);
      long from = r.start().atStartOfDay(zone).toInstant().toEpochMilli();
      long to = r.end().plusDays(1).atStartOfDay(zone).toInstant().toEpochMilli();
      for (String period : periods(plan.granularity(), r.start(), r.end())) {
        int range = i;
        String key = SliceStore.key(propertyId, plan.granularity(), period, plan.dimension());
        Future<Slice> slice = slice(key);
        slices.add(slice);
        reads.add(slice.map(s -> rows(range, s.slice(), from, to)));
      }
    }
    return Future.all(reads).map(all -> {
      List<AggregateRow> out = new ArrayList<>();
      String state = "hit";
      for (int i = 0; i < all.size(); i++) {
        out.addAll(all.<List<AggregateRow>>resultAt(i));
        String s = slices.get(i).result().state();
        state = s.equals("stale") || state.equals("stale") ? "stale" : s.equals("hit") ? state : "miss";
      }
      return new Read(out, state);
    });
  }

  /**
   * One partition: decoded on this node if usable, else from the Ignite cache (read through to Cassandra on a
   * miss), re-read when open and old; served stale (and marked so) if Cassandra fails meanwhile. An open partition
   * this node decoded less than {@link #SERVE_WHILE_REFRESHING} ago is answered at once while a background read
   * refreshes it: the stream changes it every few seconds anyway, and a report must not wait for that read.
   */
  private Future<Slice> slice(String key) {
    Decoded mine = LOCAL.getIfPresent(key);
    long now = System.currentTimeMillis();
    if (mine != null && (mine.usable(now) || now - mine.loadedAt() < SERVE_WHILE_REFRESHING.toMillis())) {
      if (!mine.usable(now) && REFRESHING.add(key)) {
        vertx.executeBlocking(() -> load(key), false).onComplete(done -> {
          if (done.succeeded() && !done.result().state().equals("stale")) {
            UNREFRESHED.remove(key);
          } else {
            UNREFRESHED.add(key);
          }
          REFRESHING.remove(key);
        });
      }
      String state = UNREFRESHED.contains(key) ? "stale" : "hit";
      meters.counter("beacon_query_cache_requests_total", "result", state).increment();
      return Future.succeededFuture(new Slice(mine, state));
    }
    return vertx.executeBlocking(() -> load(key), false).timeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Blocking: the partition from Ignite or Cassandra, decoded and kept on this node. */
  private Slice load(String key) {
    AggregateSlice cached = cache.withSkipStore().get(key);
    Slice out;
    if (cached == null) {
      meters.counter("beacon_query_cache_requests_total", "result", "miss").increment();
      out = new Slice(Decoded.of(cache.get(key)), "miss");
    } else if (cached.closed || System.currentTimeMillis() - cached.loadedAt < FRESH.toMillis()) {
      meters.counter("beacon_query_cache_requests_total", "result", "hit").increment();
      out = new Slice(Decoded.of(cached), "hit");
    } else {
      try {
        cache.remove(key); // read-only cache: nothing is deleted in Cassandra
        AggregateSlice fresh = cache.get(key);
        meters.counter("beacon_query_cache_requests_total", "result", "refresh").increment();
        out = new Slice(Decoded.of(fresh), "miss");
      } catch (RuntimeException cassandraDown) {
        cache.put(key, cached);
        meters.counter("beacon_query_cache_requests_total", "result", "stale").increment();
        return new Slice(Decoded.of(cached), "stale");
      }
    }
    LOCAL.put(key, out.slice());
    return out;
  }

  private static List<AggregateRow> rows(int range, Decoded s, long from, long to) {
    List<AggregateRow> out = new ArrayList<>();
    for (int i = 0; i < s.starts().length; i++) {
      long start = s.starts()[i];
      if (start >= from && start < to) {
        out.add(new AggregateRow(range, start, s.values()[i], s.states()[i]));
      }
    }
    return out;
  }

  /** The partition periods covering local dates {@code start..end}. */
  static Set<String> periods(Granularity g, LocalDate start, LocalDate end) {
    Set<String> out = new LinkedHashSet<>();
    for (LocalDate d = start; !d.isAfter(end); d = d.plusDays(1)) {
      out.add(g == Granularity.HOUR ? d.toString() : d.toString().substring(0, 7));
    }
    return out;
  }
}
