package io.beacon.store.cassandra;

import io.beacon.model.aggregation.BucketKey;
import io.beacon.model.aggregation.MetricState;
import java.io.Serializable;

/**
 * One {@code agg_buckets} row as stored, less its partition key ({@link AggBucketsTable.Partition}): the
 * clustering columns, the state in its stored form (exact sums, distinct-count blobs) and the writer fence. What
 * {@link AggBucketsTable#read} returns and {@link AggBucketsTable#bindInsert} writes, and the one shape the caches
 * hold rows in (the query side's partitions, the recompute's written rows).
 *
 * <p>A plain serializable class with public fields, not a record: Ignite 2.17 does not round-trip records, and
 * caches hold it.
 */
public final class AggBucketRow implements Serializable {
  private static final long serialVersionUID = 1L;

  /** {@code bucket_start}, epoch ms ({@link BucketKey#bucketStart()}) */
  public long bucketStart;
  /** {@code dim_value} ({@link BucketKey#value()}; {@link BucketKey#TOTAL_VALUE} for totals) */
  public String value;
  public long screenPageViews;
  public long eventCount;
  public long keyEvents;
  /** {@code engagement_ms} */
  public long engagementMs;
  public long newUsers;
  public long botHits;
  /**
   * distinct counts ({@link MetricState#usersSketch()} etc.: {@code DistinctCount} envelopes, or the plain HLL
   * images of rows written before them); null or empty: an empty count
   */
  public byte[] usersHll;
  public byte[] sessionsHll;
  public byte[] engagedSessionsHll;
  /**
   * {@code active_users_hll} ({@link MetricState#activeUsersSketch()}), always written; null = a row written before
   * the column existed (or an object cached by the former code): {@link #state()}'s activeUsers falls back to its
   * total users
   */
  public byte[] activeUsersHll;
  /**
   * {@code writer_id}: who wrote the row's state (the stream's query id, or {@code recompute:<job>}); with
   * {@link #writerBatch} the fence that lets a replayed micro-batch skip the rows it already wrote.
   */
  public String writerId;
  /** {@code writer_batch}: the writer's micro-batch (0 for writers without batches) */
  public long writerBatch;

  public AggBucketRow() {}

  /**
   * The row of {@code key} holding {@code state} (its sketches serialized here, once), written by
   * {@code writerId}'s batch {@code writerBatch}.
   */
  public static AggBucketRow of(BucketKey key, MetricState state, String writerId, long writerBatch) {
    AggBucketRow r = new AggBucketRow();
    r.bucketStart = key.bucketStart();
    r.value = key.value();
    r.screenPageViews = state.screenPageViews();
    r.eventCount = state.eventCount();
    r.keyEvents = state.keyEvents();
    r.engagementMs = state.userEngagementDurationMs();
    r.newUsers = state.newUsers();
    r.botHits = state.botHits();
    r.usersHll = state.usersSketch();
    r.sessionsHll = state.sessionsSketch();
    r.engagedSessionsHll = state.engagedSessionsSketch();
    r.activeUsersHll = state.activeUsersSketch();
    r.writerId = writerId;
    r.writerBatch = writerBatch;
    return r;
  }

  /**
   * The state, rebuilt from the stored images (decoded lazily, on first read of each count); a null
   * {@link #activeUsersHll} (a legacy row) makes its activeUsers its total users.
   */
  public MetricState state() {
    return MetricState.of(screenPageViews, eventCount, keyEvents, engagementMs, newUsers, botHits, usersHll,
        sessionsHll, engagedSessionsHll, activeUsersHll);
  }

  /**
   * The replay fence: whether {@code writerId}'s batch {@code batchId}, or a later one of the same writer, wrote
   * this row already (so replaying that batch must not apply its delta again).
   */
  public boolean writtenBy(String writerId, long batchId) {
    return writerId.equals(this.writerId) && writerBatch >= batchId;
  }

  /** Roughly the bytes of the row's insert (its sketches dominate), for sizing batches. */
  public int approximateBytes() {
    return 200 + (value == null ? 0 : value.length()) + length(usersHll) + length(sessionsHll)
        + length(engagedSessionsHll) + length(activeUsersHll);
  }

  private static int length(byte[] b) {
    return b == null ? 0 : b.length;
  }
}
