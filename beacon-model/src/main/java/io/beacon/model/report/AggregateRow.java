package io.beacon.model.report;

import io.beacon.model.aggregation.MetricState;

/** One aggregate row read for a report: which date range it belongs to, its bucket and its state. */
public record AggregateRow(int rangeIndex, long bucketStart, String value, MetricState state) {}
