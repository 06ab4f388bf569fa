package io.beacon.model.aggregation;

import java.io.Serializable;
import java.util.Objects;

/**
 * Identifies one aggregate row: a property's metrics for one time bucket, for the totals or for one value of
 * one dimension. Its fields map one to one onto the Cassandra primary key of {@code agg_buckets}:
 * partition ({@code propertyId, granularity, period, dimension}), clustering ({@code bucketStart, value}).
 *
 * @param propertyId  the property
 * @param granularity hour or day
 * @param period      the partition period of the bucket ({@link Granularity#period}), in the property's zone
 * @param bucketStart epoch ms of the local bucket start ({@link Granularity#bucketStart})
 * @param dimension   a {@link Dimension#apiName()} or {@link #TOTAL}
 * @param value       the dimension value; {@link #TOTAL_VALUE} for the totals
 */
public record BucketKey(String propertyId, Granularity granularity, String period, long bucketStart,
                        String dimension, String value) implements Serializable {

  /** The {@code dimension} of the totals rows. */
  public static final String TOTAL = "(total)";
  /** The {@code value} of the totals rows. */
  public static final String TOTAL_VALUE = "";

  public BucketKey {
    Objects.requireNonNull(propertyId, "propertyId");
    Objects.requireNonNull(granularity, "granularity");
    Objects.requireNonNull(period, "period");
    Objects.requireNonNull(dimension, "dimension");
    Objects.requireNonNull(value, "value");
  }

  public boolean isTotal() {
    return TOTAL.equals(dimension);
  }

  @Override
  public String toString() {
    return propertyId + "/" + granularity.code() + "/" + bucketStart + "/" + dimension
        + (isTotal() ? "" : "=" + value);
  }
}
