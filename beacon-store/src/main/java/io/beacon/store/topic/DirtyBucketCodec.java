package io.beacon.store.topic;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.beacon.model.aggregation.DirtyBucket;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The wire codec of {@link Topics#DIRTY_BUCKETS}: one {@link DirtyBucket} per message, JSON with snake_case
 * names, unknown fields ignored (a newer writer may add some).
 */
public final class DirtyBucketCodec {
  private static final ObjectMapper JSON = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private DirtyBucketCodec() {
  }

  public static byte[] encode(DirtyBucket bucket) {
    try {
      return JSON.writeValueAsBytes(bucket);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** @throws IllegalArgumentException if {@code json} is not a dirty bucket */
  public static DirtyBucket decode(byte[] json) {
    try {
      return JSON.readValue(json, DirtyBucket.class);
    } catch (IOException e) {
      throw new IllegalArgumentException("not a dirty bucket: " + e.getMessage(), e);
    }
  }
}
