package io.beacon.model.aggregation;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A bucket the stream could not update because its hits came too late ({@link Lateness}): one message on
 * {@link io.beacon.model.Topics#DIRTY_BUCKETS}, keyed by property id, JSON with snake_case names. Recompute
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

  private static final ObjectMapper JSON = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /** The day bucket of {@code key}'s property and day, with {@code hits} late hits. */
  public static DirtyBucket ofDay(BucketKey dayKey, long hits) {
    return new DirtyBucket(dayKey.propertyId(), Granularity.DAY.code(), dayKey.period(), dayKey.bucketStart(), hits);
  }

  public byte[] encode() {
    try {
      return JSON.writeValueAsBytes(this);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static DirtyBucket decode(byte[] json) {
    try {
      return JSON.readValue(json, DirtyBucket.class);
    } catch (IOException e) {
      throw new IllegalArgumentException("not a dirty bucket: " + e.getMessage(), e);
    }
  }
}
