package io.beacon.model.aggregation;

import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The per-property, per-day, per-dimension cap on distinct values (README, "Cardinality cap"): at most {@code n}
 * values of a dimension get rows of their own on a local day; the events of every other value count in one row
 * whose value is {@link #OTHER} ("(other)", GA4's label for the folded long tail). Without it, anyone sending hits
 * through the public collector with random paths, titles or referrers would grow {@code agg_buckets} (and every
 * report over it) without bound.
 *
 * <p>Which values keep a row is decided on the complete day: the {@code n} values with the most events, ties broken
 * by value (ascending), so the result does not depend on the order the hits came in ({@link #fold}, what recompute
 * writes for a closed day). An hour row follows its day's choice: a value folded on the day is folded in each of
 * its hours. The stream cannot know a day's final ranking; it keeps the first values it stores and counts newer
 * ones provisionally under {@link #OTHER} ({@link #admit}), marking the day for recompute.
 *
 * <p>Totals rows are never capped. A value a client sent literally as "(other)" counts in the {@link #OTHER} row
 * (as a client's "(not set)" counts in that row): it never takes one of the {@code n} places. Merging states is
 * exact for sums and unions the distinct counts ({@link MetricState#merge}), so the {@link #OTHER} row's users are
 * the distinct users of the folded values, within the sketches' stated error.
 */
public final class CardinalityCap {

  /** GA4's value of the row that holds the folded values of a dimension. */
  public static final String OTHER = "(other)";

  /**
   * The default cap. 1000 values a day: a day's hour partition then holds at most 24,000 rows per dimension (tail rows
   * are small, ~1 KB: a few values in each distinct count's exact part), well under Cassandra's ~100 MB partition
   * guidance, and a 90-day report reads at most ~90,000 rows per dimension, the order of {@code recompute.maxGroups}.
   * Sites with more than 1000 distinct page paths a day see their least visited ones under (other), as GA4 does.
   */
  public static final int DEFAULT_MAX_VALUES = 1000;

  private CardinalityCap() {
  }

  /**
   * The day one dimension row belongs to: property, dimension and the start of its local day (epoch ms). Hour rows
   * belong to the day that contains them. Stable {@link #hashCode()} across JVMs (strings and a long), so Spark
   * can partition by it.
   */
  public record DayGroup(String propertyId, String dimension, long dayStart) implements java.io.Serializable {

    /** The group of a dimension row in the property's {@code zone}; null for a totals row. */
    public static DayGroup of(BucketKey key, ZoneId zone) {
      if (key.isTotal()) {
        return null;
      }
      long day = key.granularity() == Granularity.DAY ? key.bucketStart()
          : Granularity.DAY.bucketStart(key.bucketStart(), zone);
      return new DayGroup(key.propertyId(), key.dimension(), day);
    }

    /** Spelled out (not left to the record): Spark places rows by it, the same on every JVM. */
    @Override
    public int hashCode() {
      return 31 * (31 * propertyId.hashCode() + dimension.hashCode()) + Long.hashCode(dayStart);
    }
  }

  /**
   * Capped buckets.
   *
   * @param buckets the rows to write (a new map; states not folded are the input's own objects)
   * @param folded  the days of which at least one value was counted under {@link #OTHER} by this call
   * @param otherEvents per folded day, the events moved into its {@link #OTHER} day row
   */
  public record Result(Map<BucketKey, MetricState> buckets, Set<DayGroup> folded, Map<DayGroup, Long> otherEvents) {
  }

  /**
   * Folds every value past the top {@code n} of each (property, dimension, local day) of complete days into
   * {@link #OTHER}: the {@code n} values with the most events on the day keep their rows (ties: the smaller value
   * first), by hour and by day; the others' states are merged into the {@link #OTHER} rows of the same buckets.
   * Totals rows pass unchanged. The input map and its states are not changed.
   *
   * @param n     values with rows of their own per dimension and day; 0 or less: no cap (the input, copied)
   * @param zones each property's time zone (to place hour rows in their day)
   */
  public static Result fold(Map<BucketKey, MetricState> buckets, int n, Function<String, ZoneId> zones) {
    if (n <= 0) {
      return new Result(new HashMap<>(buckets), Set.of(), Map.of());
    }
    // Events of each value of each day, from the day rows (the hour rows of a day add up to them).
    Map<DayGroup, Map<String, Long>> events = new HashMap<>();
    for (Map.Entry<BucketKey, MetricState> e : buckets.entrySet()) {
      BucketKey k = e.getKey();
      if (k.isTotal() || k.granularity() != Granularity.DAY || OTHER.equals(k.value())) {
        continue;
      }
      events.computeIfAbsent(DayGroup.of(k, zones.apply(k.propertyId())), g -> new HashMap<>())
          .merge(k.value(), e.getValue().eventCount(), Long::sum);
    }
    Map<DayGroup, Set<String>> kept = new HashMap<>();
    Comparator<Map.Entry<String, Long>> rank = Map.Entry.<String, Long>comparingByValue().reversed()
        .thenComparing(Map.Entry.comparingByKey());
    events.forEach((group, byValue) -> {
      if (byValue.size() > n) {
        Set<String> top = new HashSet<>();
        byValue.entrySet().stream().sorted(rank).limit(n).forEach(v -> top.add(v.getKey()));
        kept.put(group, top);
      }
    });
    return apply(buckets, zones, kept::get);
  }

  /**
   * Counts each dimension row whose value its day does not keep under {@link #OTHER} instead: {@code kept} gives a
   * day's values with rows of their own, or null to keep every value of that day. {@link #OTHER} rows are always
   * kept. Totals rows pass unchanged; the input map and its states are not changed. States are merged into an
   * {@link #OTHER} row in value order, so the result does not depend on the map's iteration order.
   */
  public static Result apply(Map<BucketKey, MetricState> buckets, Function<String, ZoneId> zones,
                             Function<DayGroup, Set<String>> kept) {
    Map<BucketKey, MetricState> out = new HashMap<>(buckets.size() * 2);
    // (other) key -> folded value -> state; sorted so the merge order is fixed.
    Map<BucketKey, TreeMap<String, MetricState>> toFold = new HashMap<>();
    Set<DayGroup> folded = new HashSet<>();
    Map<DayGroup, Long> otherEvents = new HashMap<>();
    for (Map.Entry<BucketKey, MetricState> e : buckets.entrySet()) {
      BucketKey k = e.getKey();
      if (k.isTotal()) {
        out.put(k, e.getValue());
        continue;
      }
      DayGroup group = DayGroup.of(k, zones.apply(k.propertyId()));
      Set<String> values = kept.apply(group);
      if (OTHER.equals(k.value())) {
        // An (other) row already there (stored by the stream, or a client's literal value): folded values add to it.
        toFold.computeIfAbsent(k, x -> new TreeMap<>()).put(OTHER, e.getValue());
        continue;
      }
      if (values == null || values.contains(k.value())) {
        out.put(k, e.getValue());
        continue;
      }
      toFold.computeIfAbsent(otherOf(k), x -> new TreeMap<>()).put(k.value(), e.getValue());
      folded.add(group);
      if (k.granularity() == Granularity.DAY) {
        otherEvents.merge(group, e.getValue().eventCount(), Long::sum);
      }
    }
    toFold.forEach((otherKey, states) -> {
      if (states.size() == 1 && states.containsKey(OTHER)) {
        out.put(otherKey, states.get(OTHER)); // nothing folded into it: the state as it was
        return;
      }
      MetricState sum = new MetricState();
      states.values().forEach(sum::merge);
      out.put(otherKey, sum);
    });
    return new Result(out, folded, otherEvents);
  }

  /**
   * The stream's provisional choice for one day, which cannot see the day's final ranking: the values already
   * stored keep their rows; of the batch's new values, as many as there is room for under {@code n} (in value order,
   * so a replayed batch chooses the same ones) get rows; null when every batch value is kept (nothing to fold).
   *
   * @param stored the day's stored values ({@link #OTHER} among them does not count toward {@code n})
   * @param batch  the batch's values of that day
   * @return the values with rows of their own (stored and admitted), or null if all of {@code batch} is kept
   */
  public static Set<String> admit(Collection<String> stored, Collection<String> batch, int n) {
    Set<String> have = new LinkedHashSet<>(stored);
    have.remove(OTHER);
    TreeSet<String> fresh = new TreeSet<>();
    for (String v : batch) {
      if (!OTHER.equals(v) && !have.contains(v)) {
        fresh.add(v);
      }
    }
    int room = Math.max(0, n - have.size());
    if (fresh.size() <= room) {
      return null;
    }
    List<String> admitted = new ArrayList<>(room);
    for (String v : fresh) {
      if (admitted.size() == room) {
        break;
      }
      admitted.add(v);
    }
    have.addAll(admitted);
    return have;
  }

  /** The {@link #OTHER} row of {@code k}'s bucket and dimension. */
  public static BucketKey otherOf(BucketKey k) {
    return new BucketKey(k.propertyId(), k.granularity(), k.period(), k.bucketStart(), k.dimension(), OTHER);
  }
}
