package io.beacon.query.report;

import io.beacon.infra.cluster.IgniteConfigFactory;
import io.beacon.infra.config.BeaconConfig.CassandraConfig;
import io.beacon.infra.config.Role;
import io.beacon.model.aggregation.Granularity;
import io.beacon.model.aggregation.MetricState;
import io.beacon.model.report.AggregatePlan;
import io.beacon.model.report.AggregateRow;
import io.beacon.model.report.DateRangeSpec;
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
 * prepared statements). A partition still open to the stream is re-read once older than {@link #FRESH}; a closed
 * one stays cached (an hour in memory, evicted first when the region is full). Every read has a timeout; when
 * Cassandra fails, an open partition already cached is served and the report is marked stale.
 */
public final class AggregateReader {
  static final String CACHE = "beacon-query-aggregates";
  /** How old a cached partition that the stream may still change can be. */
  static final Duration FRESH = Duration.ofSeconds(5);

  /** The rows, and what the cache did: {@code hit}, {@code miss} (something was read from Cassandra) or {@code stale}. */
  public record Read(List<AggregateRow> rows, String cache) {}

  private record Slice(AggregateSlice slice, String state) {}

  private final Vertx vertx;
  private final IgniteCache<String, AggregateSlice> cache;
  private final Duration timeout;
  private final MeterRegistry meters;

  public AggregateReader(Vertx vertx, IgniteCache<String, AggregateSlice> cache, Duration timeout, MeterRegistry meters) {
    this.vertx = vertx;
    this.cache = cache;
    this.timeout = timeout;
    this.meters = meters;
  }

  /** Creates or joins the cache, on the query nodes only, in the bounded evicting region. Blocking. */
  public static IgniteCache<String, AggregateSlice> cache(Ignite ignite, CassandraConfig cassandra) {
    CacheConfiguration<String, AggregateSlice> c = new CacheConfiguration<>(CACHE);
    c.setCacheMode(CacheMode.PARTITIONED)
        .setBackups(0) // a read cache: a lost node's share is read from Cassandra again
        .setAtomicityMode(CacheAtomicityMode.ATOMIC)
        .setDataRegionName(IgniteConfigFactory.EVICTING_REGION)
        .setReadThrough(true)
        .setNodeFilter(new QueryNodes())
        .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(new javax.cache.expiry.Duration(TimeUnit.HOURS, 1)));
    c.setCacheStoreFactory(new SliceStore.StoreFactory(cassandra));
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

  /** One partition from the cache: as cached, read through on a miss, re-read when open and old. */
  private Future<Slice> slice(String key) {
    return vertx.executeBlocking(() -> {
      AggregateSlice cached = cache.withSkipStore().get(key);
      if (cached == null) {
        meters.counter("beacon_query_cache_requests_total", "result", "miss").increment();
        return new Slice(cache.get(key), "miss");
      }
      if (cached.closed || System.currentTimeMillis() - cached.loadedAt < FRESH.toMillis()) {
        meters.counter("beacon_query_cache_requests_total", "result", "hit").increment();
        return new Slice(cached, "hit");
      }
      try {
        cache.remove(key); // read-only cache: nothing is deleted in Cassandra
        AggregateSlice fresh = cache.get(key);
        meters.counter("beacon_query_cache_requests_total", "result", "refresh").increment();
        return new Slice(fresh, "miss");
      } catch (RuntimeException cassandraDown) {
        cache.put(key, cached);
        meters.counter("beacon_query_cache_requests_total", "result", "stale").increment();
        return new Slice(cached, "stale");
      }
    }, false).timeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static List<AggregateRow> rows(int range, AggregateSlice s, long from, long to) {
    List<AggregateRow> out = new ArrayList<>();
    for (int i = 0; i < s.size(); i++) {
      long start = s.bucketStarts[i];
      if (start >= from && start < to) {
        long[] m = s.sums[i];
        out.add(new AggregateRow(range, start, s.values[i], MetricState.of(m[0], m[1], m[2], m[3], m[4], m[5],
            s.users[i], s.sessions[i], s.engagedSessions[i])));
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
