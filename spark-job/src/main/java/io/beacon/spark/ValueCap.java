package io.beacon.spark;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import dev.failsafe.Failsafe;
import dev.failsafe.RetryPolicy;
import io.beacon.model.aggregation.BucketKey;
import io.beacon.model.aggregation.CardinalityCap;
import io.beacon.model.aggregation.CardinalityCap.DayGroup;
import io.beacon.model.aggregation.DirtyBucket;
import io.beacon.model.aggregation.Granularity;
import io.beacon.model.aggregation.MetricState;
import io.beacon.store.cassandra.AggBucketsTable;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The stream's side of the cardinality cap ({@link CardinalityCap}), in the writer task that owns a (property,
 * dimension, local day) for the batch ({@link DayGroupPartitioner}). The stream cannot know a day's final top values,
 * so it is provisional: values already stored keep their rows; new ones get rows while the day has fewer than
 * {@code --max-values-per-dimension}, in value order ({@link CardinalityCap#admit}, so a replayed batch chooses as
 * the first attempt did); later ones count under "(other)", hour rows with their day, and the day goes to the
 * dirty-buckets topic, so recompute rebuilds it once it is closed with the day's exact top values.
 *
 * <p>Cost: the stored values of a day are read ({@code SELECT dim_value}, that day's rows of one dimension) only
 * when the day might pass the cap in this batch. The driver keeps an upper bound of each day's stored values
 * ({@code bounds}: exact after a read, plus the batch's values not known to be stored after it), so a day far under
 * the cap is never read; values read are remembered per executor, so a day whose values recur is not read again,
 * and a full day (whose stored values can no longer change) not at all after its first read.
 */
final class ValueCap {

  /** Values of days read, per executor JVM: a subset of what is stored (values are never removed from an open day). */
  private static final Map<DayGroup, Known> KNOWN = new ConcurrentHashMap<>();
  private static final AtomicLong KNOWN_VALUES = new AtomicLong();
  /** About 40 MB of value strings at most; then forgotten, and read again when needed. */
  private static final long MAX_KNOWN_VALUES = 500_000;
  private static final ConcurrentHashMap<String, PreparedStatement> SELECT = new ConcurrentHashMap<>();

  private ValueCap() {
  }

  /** A property's local day: the unit the dirty-buckets topic names. */
  record Day(String propertyId, long dayStart) implements java.io.Serializable {
  }

  /** What a day's read found: its stored values, and whether they fill the cap (then they are final). */
  private record Known(Set<String> values, boolean full) {
  }

  /**
   * The capped rows of one writer task.
   *
   * @param buckets the rows to write
   * @param bounds  per day of the batch, an upper bound of its stored values (not "(other)") once this batch is written
   * @param dirty   one record per day some value of which this batch counted under "(other)", unless already sent
   * @param reads   days whose stored values were read
   */
  record Outcome(Map<BucketKey, MetricState> buckets, Map<DayGroup, Long> bounds, List<DirtyBucket> dirty,
                 long reads) {
  }

  /**
   * @param hints   the driver's upper bounds of the days' stored values (absent: unknown, read if needed)
   * @param reported days already sent to the dirty-buckets topic by this job: recompute rebuilds a day once it is
   *                 closed, so one record is enough, where one per batch of a lasting flood would queue a job each
   */
  static Outcome apply(JobConfig cfg, Function<String, ZoneId> zones, Map<BucketKey, MetricState> merged,
                       Map<DayGroup, Long> hints, Set<Day> reported) {
    int n = cfg.maxValuesPerDimension;
    if (n <= 0) {
      return new Outcome(merged, Map.of(), List.of(), 0);
    }
    Map<DayGroup, Set<String>> batchValues = new HashMap<>();
    Map<DayGroup, BucketKey> dayKeys = new HashMap<>();
    for (BucketKey k : merged.keySet()) {
      if (!k.isTotal() && k.granularity() == Granularity.DAY && !CardinalityCap.OTHER.equals(k.value())) {
        DayGroup g = DayGroup.of(k, zones.apply(k.propertyId()));
        batchValues.computeIfAbsent(g, x -> new HashSet<>()).add(k.value());
        dayKeys.putIfAbsent(g, k);
      }
    }
    Map<DayGroup, Set<String>> kept = new HashMap<>();
    Map<DayGroup, Long> bounds = new HashMap<>();
    long reads = 0;
    for (Map.Entry<DayGroup, Set<String>> e : batchValues.entrySet()) {
      DayGroup g = e.getKey();
      Set<String> batch = e.getValue();
      Known known = KNOWN.get(g);
      long unknown = known == null ? batch.size() : batch.stream().filter(v -> !known.values().contains(v)).count();
      Long hint = hints.get(g);
      if (hint != null && hint + unknown <= n) {
        bounds.put(g, hint + unknown); // no new value can pass the cap: write them all
        continue;
      }
      Known stored = known != null && known.full() ? known : read(cfg, dayKeys.get(g), n);
      if (stored != known) {
        reads++;
        remember(g, stored);
      }
      Set<String> keep = CardinalityCap.admit(stored.values(), batch, n);
      Set<String> after = keep != null ? keep : union(stored.values(), batch);
      bounds.put(g, (long) after.size());
      if (keep != null) {
        kept.put(g, keep);
      }
    }
    if (kept.isEmpty()) {
      return new Outcome(merged, bounds, List.of(), reads);
    }
    CardinalityCap.Result capped = CardinalityCap.apply(merged, zones, kept::get);
    List<DirtyBucket> dirty = new ArrayList<>();
    Map<Day, Long> days = new HashMap<>();
    Map<Day, BucketKey> dayKey = new HashMap<>();
    for (DayGroup g : capped.folded()) {
      Day day = new Day(g.propertyId(), g.dayStart());
      if (!reported.contains(day)) {
        days.merge(day, capped.otherEvents().getOrDefault(g, 0L), Long::sum);
        dayKey.putIfAbsent(day, dayKeys.get(g));
      }
    }
    days.forEach((day, events) -> dirty.add(DirtyBucket.ofDay(dayKey.get(day), events)));
    return new Outcome(capped.buckets(), bounds, dirty, reads);
  }

  private static Set<String> union(Set<String> stored, Set<String> batch) {
    Set<String> out = new HashSet<>(stored);
    out.addAll(batch);
    out.remove(CardinalityCap.OTHER);
    return out;
  }

  private static void remember(DayGroup g, Known k) {
    if (KNOWN_VALUES.addAndGet(k.values().size()) > MAX_KNOWN_VALUES) {
      KNOWN.clear();
      KNOWN_VALUES.set(k.values().size());
    }
    KNOWN.put(g, k);
  }

  /** The stored values of {@code dayKey}'s day and dimension ("(other)" left out), retried like the row writes. */
  private static Known read(JobConfig cfg, BucketKey dayKey, int n) {
    CqlSession session = Clients.cassandra(cfg);
    PreparedStatement ps = SELECT.computeIfAbsent(cfg.keyspace, ks -> session.prepare("SELECT "
        + AggBucketsTable.DIM_VALUE + " FROM " + ks + "." + AggBucketsTable.TABLE + " WHERE property_id = ?"
        + " AND granularity = ? AND period = ? AND dimension = ? AND bucket_start = ?"));
    RetryPolicy<Set<String>> retry = RetryPolicy.<Set<String>>builder().handle(RuntimeException.class)
        .withBackoff(Duration.ofMillis(250), Duration.ofSeconds(5)).withMaxRetries(-1)
        .withMaxDuration(cfg.writeRetryTimeout).build();
    Set<String> values = Failsafe.with(retry).get(() -> {
      Set<String> out = new HashSet<>();
      for (Row r : session.execute(ps.bind(dayKey.propertyId(), Granularity.DAY.code(), dayKey.period(),
          dayKey.dimension(), Instant.ofEpochMilli(dayKey.bucketStart())).setPageSize(1000))) {
        out.add(r.getString(0));
      }
      return out;
    });
    values.remove(CardinalityCap.OTHER);
    return new Known(values, values.size() >= n);
  }
}
