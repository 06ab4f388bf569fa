package io.beacon.model.funnel;

import io.beacon.model.report.InvalidRequestException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Persons' {@link FunnelPath.Result}s counted into the funnel's step rows (docs/analytics-model.md, "Funnels"):
 * per step its active users, completion rate, abandonments, abandonment rate and median time from the prior step,
 * in total and per breakdown value. Not thread-safe.
 *
 * <p>Memory: a counter per step and breakdown value, plus one long per person and step reached through the prior
 * step (the exact median needs every gap): about 8 bytes x persons x steps.
 */
public final class FunnelAggregation {
  /** GA4's label of the rows over every breakdown value. */
  public static final String TOTAL = "RESERVED_TOTAL";

  private final int steps;
  private final int maxValues;
  private final Counts total;
  private final Map<String, Counts> byValue = new HashMap<>();
  private long persons;

  /** @param maxValues the most distinct breakdown values counted (recompute.maxGroups); more is refused */
  public FunnelAggregation(int steps, int maxValues) {
    this.steps = steps;
    this.maxValues = maxValues;
    this.total = new Counts(steps);
  }

  /** Per step: persons reached, persons continued, gaps (ms) of the persons reached through the prior step. */
  private static final class Counts {
    final long[] reached;
    final long[] continued;
    final long[][] gapBuf;
    final int[] gapLen;

    Counts(int steps) {
      reached = new long[steps];
      continued = new long[steps];
      gapBuf = new long[steps][];
      gapLen = new int[steps];
      for (int s = 0; s < steps; s++) {
        gapBuf[s] = new long[16];
      }
    }

    void add(FunnelPath.Result r) {
      for (int s = 0; s < reached.length; s++) {
        if (r.reached(s)) {
          reached[s]++;
        }
        if (r.continued()[s]) {
          continued[s]++;
        }
        if (r.gapMs()[s] >= 0) {
          if (gapLen[s] == gapBuf[s].length) {
            gapBuf[s] = Arrays.copyOf(gapBuf[s], gapLen[s] * 2);
          }
          gapBuf[s][gapLen[s]++] = r.gapMs()[s];
        }
      }
    }

    /** The median gap of step {@code s} in seconds (mean of the two middle ones for an even count); -1: none. */
    double medianSeconds(int s) {
      int n = gapLen[s];
      if (n == 0) {
        return -1;
      }
      long[] sorted = Arrays.copyOf(gapBuf[s], n);
      Arrays.sort(sorted);
      double ms = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
      return ms / 1000.0;
    }
  }

  /** Counts one person's outcome (a person who reached no step counts nowhere). */
  public void add(FunnelPath.Result r) {
    if (!r.any()) {
      return;
    }
    persons++;
    total.add(r);
    if (r.breakdownValue() != null) {
      Counts c = byValue.get(r.breakdownValue());
      if (c == null) {
        if (byValue.size() >= maxValues) {
          throw InvalidRequestException.of("funnelBreakdown.breakdownDimension", "the breakdown has more than "
              + maxValues + " values (recompute.maxGroups); break down by a dimension with fewer values");
        }
        c = new Counts(steps);
        byValue.put(r.breakdownValue(), c);
      }
      c.add(r);
    }
  }

  /** Persons who reached at least one step. */
  public long persons() {
    return persons;
  }

  /**
   * One step's numbers.
   *
   * @param medianSecondsFromPrior -1 when no person reached the step through the prior one (and for the first step)
   */
  public record StepRow(int step, String breakdownValue, long activeUsers, double completionRate, long abandonments,
      double abandonmentRate, double medianSecondsFromPrior) {}

  /** The step rows over every breakdown value ({@link #TOTAL}: null breakdown value). */
  public List<StepRow> totals() {
    return rows(null, total);
  }

  /**
   * The step rows of the {@code limit} breakdown values with the most active users at the first step (ties: the
   * smaller value by code points), each value's steps in order.
   */
  public List<StepRow> breakdown(int limit) {
    List<Map.Entry<String, Counts>> values = new ArrayList<>(byValue.entrySet());
    values.sort(Comparator.comparingLong((Map.Entry<String, Counts> e) -> -e.getValue().reached[0])
        .thenComparing(Map.Entry::getKey));
    List<StepRow> out = new ArrayList<>();
    for (Map.Entry<String, Counts> e : values.subList(0, Math.min(limit, values.size()))) {
      out.addAll(rows(e.getKey(), e.getValue()));
    }
    return out;
  }

  private List<StepRow> rows(String value, Counts c) {
    List<StepRow> out = new ArrayList<>(steps);
    for (int s = 0; s < steps; s++) {
      long active = c.reached[s];
      boolean last = s == steps - 1;
      // The last step has no next step: everyone who reached it completed the funnel.
      long continued = last ? active : c.continued[s];
      long abandonments = active - continued;
      out.add(new StepRow(s, value, active, active == 0 ? 0 : (double) continued / active, abandonments,
          active == 0 ? 0 : (double) abandonments / active, s == 0 ? -1 : c.medianSeconds(s)));
    }
    return out;
  }
}
