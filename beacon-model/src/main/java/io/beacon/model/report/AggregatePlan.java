package io.beacon.model.report;

import io.beacon.model.aggregation.BucketKey;
import io.beacon.model.aggregation.Dimension;
import io.beacon.model.aggregation.Granularity;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * How a report is answered from the stream's precomputed aggregates: which rows to read (one
 * dimension or the totals, at one granularity). A report that needs more (two or more non-time
 * dimensions, a filter on another dimension than the one read, custom event parameters) has no
 * aggregate plan and goes to recompute.
 *
 * @param dimension the aggregate dimension to read ({@link BucketKey#TOTAL} for totals)
 */
public record AggregatePlan(String dimension, Granularity granularity) {

  public static Optional<AggregatePlan> of(ReportRequest request) {
    Set<String> nonTime = new LinkedHashSet<>();
    Granularity granularity = Granularity.DAY;
    int timeDims = 0;
    for (String d : request.dimensions()) {
      Optional<TimeDimension> t = TimeDimension.ofApiName(d);
      if (t.isPresent()) {
        timeDims++;
        if (t.get().granularity() == Granularity.HOUR) {
          granularity = Granularity.HOUR;
        }
      } else if (!d.equals(ReportRequest.DATE_RANGE)) {
        nonTime.add(d);
      }
    }
    if (request.dimensionFilter() != null) {
      for (String f : request.dimensionFilter().fields()) {
        if (TimeDimension.ofApiName(f).isEmpty()) {
          nonTime.add(f);
        }
      }
    }
    if (nonTime.size() > 1 || timeDims > 2) {
      return Optional.empty();
    }
    if (nonTime.isEmpty()) {
      return Optional.of(new AggregatePlan(BucketKey.TOTAL, granularity));
    }
    String only = nonTime.iterator().next();
    Dimension d = Dimension.ofApiName(only);
    return d == null || !d.precomputed() ? Optional.empty() : Optional.of(new AggregatePlan(only, granularity));
  }
}
