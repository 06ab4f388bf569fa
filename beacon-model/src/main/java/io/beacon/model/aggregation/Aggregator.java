package io.beacon.model.aggregation;

import io.beacon.model.Hit;
import io.beacon.model.session.Scope;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Turns hits into bucket states: for each hit, both granularities, the totals and every {@link Dimension}.
 * The same code runs in the Spark job (per partition, then {@link MetricState#merge}d across partitions), in
 * recompute and in tests.
 *
 * <pre>{@code
 * Aggregator agg = new Aggregator(propertyId -> zones.getOrDefault(propertyId, ZoneOffset.UTC));
 * Sessions.scope(clientHits, history, rules).forEach(s -> agg.add(s.hit(), s.scope()));
 * agg.buckets().forEach((key, state) -> store.write(key, state));
 * }</pre>
 *
 * <p>Bot hits only count as {@link MetricState#botHits()} of the totals rows. Not thread-safe.
 */
public final class Aggregator {

  private static final Dimension[] PRECOMPUTED = Dimension.precomputedValues();

  private final Function<String, ZoneId> zones;
  private final Map<BucketKey, MetricState> buckets = new HashMap<>();
  private long hits;

  /** @param zones the time zone of each property (never null; unknown properties: e.g. UTC) */
  public Aggregator(Function<String, ZoneId> zones) {
    this.zones = zones;
  }

  /**
   * The keys {@code hit} counts in, in a stable order: per granularity (hour, day) the totals, then each
   * {@link Dimension#precomputed()} dimension. Bot hits: only the totals keys ({@code scope} may then be null).
   */
  public static List<BucketKey> keysOf(Hit hit, Scope scope, ZoneId zone) {
    boolean bot = Boolean.TRUE.equals(hit.isBot());
    List<BucketKey> keys = new ArrayList<>(bot ? 2 : 2 * (1 + PRECOMPUTED.length));
    for (Granularity g : Granularity.values()) {
      long start = g.bucketStart(hit.ts(), zone);
      String period = g.period(start, zone);
      keys.add(new BucketKey(hit.propertyId(), g, period, start, BucketKey.TOTAL, BucketKey.TOTAL_VALUE));
      if (bot) {
        continue;
      }
      for (Dimension d : PRECOMPUTED) {
        keys.add(new BucketKey(hit.propertyId(), g, period, start, d.apiName(), d.valueOf(hit, scope)));
      }
    }
    return keys;
  }

  /** Counts {@code hit} with its session scope into each of its buckets (bots: scope may be null). */
  public void add(Hit hit, Scope scope) {
    hits++;
    for (BucketKey key : keysOf(hit, scope, zones.apply(hit.propertyId()))) {
      buckets.computeIfAbsent(key, k -> new MetricState()).add(hit, scope);
    }
  }

  /** Number of hits added (bots included). */
  public long hits() {
    return hits;
  }

  /** The live map of bucket states (mutable: callers may drain it). */
  public Map<BucketKey, MetricState> buckets() {
    return buckets;
  }
}
