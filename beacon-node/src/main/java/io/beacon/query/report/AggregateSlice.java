package io.beacon.query.report;

import io.beacon.store.cassandra.AggBucketRow;
import java.io.Serializable;

/**
 * Every {@code agg_buckets} row of one Cassandra partition (a property's granularity, period and dimension), as
 * the query side's Ignite cache holds it: the rows in beacon-store's shape ({@link AggBucketRow}, in clustering
 * order) in a plain class (Ignite 2.17 does not round-trip records). {@code loadedAt} and {@code closed} decide
 * whether a cached slice may still be served.
 */
public final class AggregateSlice implements Serializable {
  private static final long serialVersionUID = 2L;

  public long loadedAt;
  /** whether no hit can change it any more (its period ended before the lateness window) */
  public boolean closed;
  public AggBucketRow[] rows;

  public AggregateSlice() {}

  int size() {
    return rows == null ? 0 : rows.length;
  }
}
