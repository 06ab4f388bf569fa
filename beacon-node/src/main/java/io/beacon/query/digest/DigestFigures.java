package io.beacon.query.digest;

import java.util.List;

/**
 * The numbers of one email report, as the overview computes them: the period's totals and the previous period's (for
 * the deltas), and its top pages and sources.
 */
public record DigestFigures(Totals current, Totals previous, List<Ranked> topPages, List<Ranked> topSources) {
  /** How many rows each top list holds. */
  public static final int TOP = 5;

  /**
   * A period's totals, from the report metrics of the same names (GA4's definitions).
   *
   * @param engagementSeconds userEngagementDuration, in seconds
   */
  public record Totals(long users, long sessions, long views, long engagedSessions, long activeUsers,
                       double engagementSeconds, long keyEvents) {
    public static final Totals NONE = new Totals(0, 0, 0, 0, 0, 0, 0);

    /** engagedSessions / sessions, 0 without sessions (the overview's engagement rate). */
    public double engagementRate() {
      return sessions == 0 ? 0 : (double) engagedSessions / sessions;
    }

    /** userEngagementDuration / activeUsers, seconds (the overview's average engagement time). */
    public double engagementPerUser() {
      return activeUsers == 0 ? 0 : engagementSeconds / activeUsers;
    }
  }

  /** A row of a top list: the dimension's value and its count. */
  public record Ranked(String value, long count) {}
}
