package io.beacon.model.aggregation;

/**
 * Metrics derived at query time from a (possibly merged) {@link MetricState}, GA4 definitions. Ratios over
 * zero sessions are 0. Derived from sketch estimates, so they inherit their error (see {@link MetricState}).
 */
public final class DerivedMetrics {

  private DerivedMetrics() {
  }

  /** {@code userEngagementDuration} in seconds. */
  public static double userEngagementDurationSeconds(MetricState m) {
    return m.userEngagementDurationMs() / 1000.0;
  }

  /** {@code engagementRate} = engagedSessions / sessions. */
  public static double engagementRate(MetricState m) {
    return ratio(m.engagedSessions(), m.sessions());
  }

  /** {@code bounceRate} = 1 - engagementRate (0 without sessions). */
  public static double bounceRate(MetricState m) {
    return m.sessions() == 0 ? 0 : 1 - engagementRate(m);
  }

  /** {@code averageSessionDuration} in seconds = userEngagementDuration / sessions. */
  public static double averageSessionDuration(MetricState m) {
    return ratio(userEngagementDurationSeconds(m), m.sessions());
  }

  /** {@code screenPageViewsPerSession}. */
  public static double screenPageViewsPerSession(MetricState m) {
    return ratio(m.screenPageViews(), m.sessions());
  }

  /** {@code eventsPerSession}. */
  public static double eventsPerSession(MetricState m) {
    return ratio(m.eventCount(), m.sessions());
  }

  private static double ratio(double numerator, double denominator) {
    return denominator == 0 ? 0 : Math.min(Double.MAX_VALUE, numerator / denominator);
  }
}
