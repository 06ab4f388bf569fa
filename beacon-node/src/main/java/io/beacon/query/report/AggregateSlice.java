package io.beacon.query.report;

import java.io.Serializable;

/**
 * Every {@code agg_buckets} row of one Cassandra partition (a property's granularity, period and dimension), as
 * the query side's Ignite cache holds it: column arrays in a plain class (Ignite 2.17 does not round-trip
 * records). {@code loadedAt} and {@code closed} decide whether a cached slice may still be served.
 */
public final class AggregateSlice implements Serializable {
  private static final long serialVersionUID = 1L;

  public long loadedAt;
  /** whether no hit can change it any more (its period ended before the lateness window) */
  public boolean closed;
  public long[] bucketStarts;
  public String[] values;
  /** per row: screen_page_views, event_count, key_events, engagement_ms, new_users, bot_hits */
  public long[][] sums;
  public byte[][] users;
  public byte[][] sessions;
  public byte[][] engagedSessions;

  public AggregateSlice() {}

  int size() {
    return bucketStarts == null ? 0 : bucketStarts.length;
  }
}
