package io.beacon.recompute;

import io.beacon.model.aggregation.BucketKey;
import io.beacon.model.aggregation.MetricState;
import io.beacon.store.cassandra.AggBucketRow;
import io.beacon.store.cassandra.AggBucketsTable;
import java.io.Serializable;

/**
 * One recomputed aggregate row as held by the write-through cache: the {@code agg_buckets} row in the shape
 * beacon-store maps it ({@link AggBucketRow}), in a plain serializable class, since Ignite 2.17 does not round-trip
 * records. Keys are {@link #key(BucketKey)} strings (the row's primary key).
 */
public final class AggregateEntry implements Serializable {
  private static final long serialVersionUID = 2L;

  /** the row: its clustering columns, state and writer ({@code writer_id} = the job, {@code writer_batch} 0) */
  public AggBucketRow row;

  public AggregateEntry() {}

  AggregateEntry(AggBucketRow row) {
    this.row = row;
  }

  /** The row of {@code key} holding {@code s}, written by {@code writer} (a job; it has no batches). */
  static AggregateEntry of(BucketKey key, MetricState s, String writer) {
    return new AggregateEntry(AggBucketRow.of(key, s, writer, 0L));
  }

  /** The cache key of a bucket: {@link AggBucketsTable#rowKey}. */
  static String key(BucketKey k) {
    return AggBucketsTable.rowKey(k);
  }

  static BucketKey bucketKey(String key) {
    return AggBucketsTable.bucketKey(key);
  }
}
