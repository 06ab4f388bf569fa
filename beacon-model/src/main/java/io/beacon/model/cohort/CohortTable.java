package io.beacon.model.cohort;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * Persons' {@link CohortActivity.Outcome}s counted into a cohort report's rows (docs/analytics-model.md, "Retention
 * cohorts"): per cohort its {@code cohortTotalUsers} and, per period from {@code startOffset} to {@code endOffset},
 * its {@code cohortActiveUsers} (accumulated if asked). Memory: a counter per cohort and period. Not thread-safe.
 */
public final class CohortTable {
  private final CohortRequest request;
  private final long[] totals;
  private final long[][] active;
  private long persons;

  public CohortTable(CohortRequest request) {
    this.request = request;
    int cohorts = request.cohorts().size();
    this.totals = new long[cohorts];
    this.active = new long[cohorts][request.endOffset() - request.startOffset() + 1];
  }

  /**
   * Counts one person whose first session ever began on {@code firstSessionDate} (null: before the read, so in no
   * cohort), in every cohort whose date range holds that day.
   */
  public void add(CohortActivity.Outcome o, LocalDate firstSessionDate) {
    if (o == null || firstSessionDate == null || !o.qualifies()) {
      return;
    }
    boolean counted = false;
    int periods = active[0].length;
    boolean[] in = new boolean[periods];
    for (int c = 0; c < totals.length; c++) {
      Cohort cohort = request.cohorts().get(c);
      if (!cohort.holds(firstSessionDate)) {
        continue;
      }
      counted = true;
      totals[c]++;
      java.util.Arrays.fill(in, false);
      for (long d : o.activeDays()) {
        long n = request.granularity().index(cohort.start(), LocalDate.ofEpochDay(d));
        if (n >= request.startOffset() && n <= request.endOffset()) {
          in[(int) (n - request.startOffset())] = true;
        }
      }
      boolean seen = false;
      for (int p = 0; p < periods; p++) {
        // Accumulated: active in any period from startOffset up to this one.
        seen = request.accumulate() ? seen || in[p] : in[p];
        if (seen) {
          active[c][p]++;
        }
      }
    }
    if (counted) {
      persons++;
    }
  }

  /** Persons counted in at least one cohort. */
  public long persons() {
    return persons;
  }

  /** One row: a cohort's period {@code n}. */
  public record Row(String cohort, int n, long activeUsers, long totalUsers) {
    /** {@code n} as GA4 writes it: four digits ({@code 0003}). */
    public String nth() {
      return String.format("%04d", n);
    }
  }

  /** Every row: cohorts in the request's order, each's periods in order. */
  public List<Row> rows() {
    List<Row> out = new ArrayList<>();
    for (int c = 0; c < totals.length; c++) {
      for (int p = 0; p < active[c].length; p++) {
        out.add(new Row(request.cohorts().get(c).name(), request.startOffset() + p, active[c][p], totals[c]));
      }
    }
    return out;
  }
}
