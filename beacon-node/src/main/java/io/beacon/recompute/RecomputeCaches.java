package io.beacon.recompute;

import io.beacon.infra.clients.CassandraCacheStore;
import io.beacon.infra.cluster.IgniteConfigFactory;
import io.beacon.infra.config.Role;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import javax.cache.configuration.Factory;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.CacheAtomicityMode;
import org.apache.ignite.cache.CacheMode;
import org.apache.ignite.cache.CacheWriteSynchronizationMode;
import org.apache.ignite.cache.store.CacheStore;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.configuration.CacheConfiguration;
import org.apache.ignite.lang.IgnitePredicate;

/**
 * The recompute role's two Ignite caches, both write-through and read-through to Cassandra, so the seed design's
 * "updated results via the Ignite cache to Cassandra" holds: a put returns once Cassandra has the value. They live
 * on the nodes running recompute (a node filter), with one backup (a node loss loses nothing acknowledged), in
 * the bounded, evicting data region (Cassandra keeps whatever memory drops), and entries expire after an hour
 * in memory.
 */
final class RecomputeCaches {
  static final String REPORTS = io.beacon.contract.RecomputeJobsContract.REPORTS_CACHE;
  static final String AGGREGATES = "beacon-recompute-aggregates";

  private RecomputeCaches() {}

  /** Ad-hoc reports by normalized request key. Blocking: call off the event loop. */
  static IgniteCache<String, CachedReport> reports(Ignite ignite) {
    return ignite.getOrCreateCache(config(REPORTS, CassandraCacheStore.factory(ReportCacheStore.class)));
  }

  /** Recomputed {@code agg_buckets} rows by {@link AggregateEntry#key}. Blocking: call off the event loop. */
  static IgniteCache<String, AggregateEntry> aggregates(Ignite ignite) {
    return ignite.getOrCreateCache(config(AGGREGATES, CassandraCacheStore.factory(AggregateCacheStore.class)));
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static <V> CacheConfiguration<String, V> config(String name, Factory<? extends CacheStore<String, V>> store) {
    CacheConfiguration<String, V> c = new CacheConfiguration<>(name);
    c.setCacheMode(CacheMode.PARTITIONED)
        .setBackups(1)
        .setAtomicityMode(CacheAtomicityMode.ATOMIC)
        .setWriteSynchronizationMode(CacheWriteSynchronizationMode.FULL_SYNC)
        .setDataRegionName(IgniteConfigFactory.EVICTING_REGION)
        .setReadThrough(true)
        .setWriteThrough(true)
        .setNodeFilter(new HasRole(Role.RECOMPUTE.key()))
        .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(new Duration(TimeUnit.HOURS, 1)));
    c.setCacheStoreFactory((Factory) store);
    return c;
  }

  /** Selects the nodes whose {@link IgniteConfigFactory#ROLES_ATTRIBUTE} lists a role. */
  static final class HasRole implements IgnitePredicate<ClusterNode> {
    private static final long serialVersionUID = 1L;
    private final String role;

    HasRole(String role) {
      this.role = role;
    }

    @Override
    public boolean apply(ClusterNode node) {
      Object roles = node.attribute(IgniteConfigFactory.ROLES_ATTRIBUTE);
      return roles instanceof String s && Arrays.asList(s.split(",")).contains(role);
    }
  }
}
