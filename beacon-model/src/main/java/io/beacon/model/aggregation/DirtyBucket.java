package io.beacon.model.aggregation;

/**
 * A bucket the stream could not update because its hits came too late ({@link Lateness}): one message on
 * the dirty-buckets topic, keyed by property id (wire codec: beacon-store's {@code DirtyBucketCodec}). Recompute
 * rebuilds the whole local day (every hour and dimension of it) from raw hits. Delivery is at least once (a
 * replayed micro-batch sends it again), so consumers must treat it idempotently.
 *
 * @param propertyId  the property
 * @param granularity always {@code "day"}: the unit recompute rebuilds
 * @param period      the day's partition period ({@code yyyy-MM}), as in {@link BucketKey}
 * @param bucketStart epoch ms of the local day start
 * @param hits        how many late hits of that day the micro-batch saw
 */
public record DirtyBucket(String propertyId, String granularity, String period, long bucketStart, long hits) {

  /** The day bucket of {@code key}'s property and day, with {@code hits} late hits. */
  public static DirtyBucket ofDay(BucketKey dayKey, long hits) {
    return new DirtyBucket(dayKey.propertyId(), Granularity.DAY.code(), dayKey.period(), dayKey.bucketStart(), hits);
  }
}
