package io.beacon.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.model.aggregation.BucketKey;
import io.beacon.model.aggregation.MetricState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Aggregates (from the shared package or read back from Cassandra) against the {@link ReferenceAggregation}. */
public final class AggregateAssertions {

  private AggregateAssertions() {
  }

  /** Compares every reference row with the aggregate of the same key, and requires no extra aggregate rows. */
  public static void assertMatches(ReferenceAggregation ref, Map<BucketKey, MetricState> actual) {
    Map<ReferenceAggregation.Key, MetricState> byRefKey = new HashMap<>();
    actual.forEach((k, v) -> byRefKey.put(new ReferenceAggregation.Key(k.propertyId(), k.granularity().code(),
        k.bucketStart(), k.dimension(), k.value()), v));
    // Set differences, not containsExactlyInAnyOrder: that one is quadratic in the ~10^4 rows.
    Set<ReferenceAggregation.Key> missing = new java.util.HashSet<>(ref.rows.keySet());
    missing.removeAll(byRefKey.keySet());
    Set<ReferenceAggregation.Key> extra = new java.util.HashSet<>(byRefKey.keySet());
    extra.removeAll(ref.rows.keySet());
    assertThat(missing).as("reference rows without an aggregate").isEmpty();
    assertThat(extra).as("aggregates the reference does not have").isEmpty();
    List<String> failures = new ArrayList<>();
    ref.rows.forEach((key, e) -> {
      MetricState a = byRefKey.get(key);
      if (a.screenPageViews() != e.pageViews || a.eventCount() != e.events || a.keyEvents() != e.keyEvents
          || a.userEngagementDurationMs() != e.engagementMs || a.newUsers() != e.newUsers || a.botHits() != e.bots
          || !within(a.usersBounds(3), e.users.size()) || !within(a.activeUsersBounds(3), e.activeUsers.size())
          || !within(a.sessionsBounds(3), e.sessions.size())
          || !within(a.engagedSessionsBounds(3), e.engagedSessions.size())) {
        failures.add(key + ": expected pv=" + e.pageViews + " ev=" + e.events + " ke=" + e.keyEvents + " em="
            + e.engagementMs + " nu=" + e.newUsers + " bots=" + e.bots + " users=" + e.users.size() + " active="
            + e.activeUsers.size() + " sessions="
            + e.sessions.size() + " engaged=" + e.engagedSessions.size() + ", got " + a);
      }
    });
    assertThat(failures).isEmpty();
  }

  /**
   * Within the count's 3-standard-deviation interval (a count still exact, up to {@link MetricState#EXACT_UP_TO}
   * values, has [n, n]: it must be equal), and within 3 standard errors of a union (+1 for rounding).
   */
  private static boolean within(double[] bounds, long exact) {
    double tolerance = exact * 3 * MetricState.RELATIVE_STANDARD_ERROR + 1;
    return bounds[0] <= exact + 1e-9 && exact <= bounds[1] + 1e-9
        && Math.abs((bounds[0] + bounds[1]) / 2 - exact) <= tolerance;
  }

}
