package io.beacon.model.report;

/**
 * GA4's {@code metricAggregations}: rows added to the response beside {@code rows}, their dimension values set to
 * {@link #reserved()} (and {@code dateRange} to the range's name, one per date range). {@code COUNT} is refused.
 */
public enum MetricAggregation {
  /** {@code totals}: each metric over all the report's rows, distinct counts de-duplicated across them. */
  TOTAL("RESERVED_TOTAL"),
  /** {@code maximums}: each metric's largest value among the rows. */
  MAXIMUM("RESERVED_MAX"),
  /** {@code minimums}: each metric's smallest value among the rows. */
  MINIMUM("RESERVED_MIN");

  /** Names by their number in GA's {@code MetricAggregation}. */
  static final String[] NAMES = {"METRIC_AGGREGATION_UNSPECIFIED", "TOTAL", null, null, "COUNT", "MINIMUM", "MAXIMUM"};

  private final String reserved;

  MetricAggregation(String reserved) {
    this.reserved = reserved;
  }

  /** The dimension value of its rows. */
  public String reserved() {
    return reserved;
  }
}
