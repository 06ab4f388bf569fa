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

  /**
   * Stable across JVMs (a record's default would use the enum's identity hash): Spark partitions shuffles by
   * this hash, so every executor must send a key to the same reducer.
   */
  @Override
  public int hashCode() {
    int h = propertyId.hashCode();
    h = 31 * h + granularity.code().hashCode();
    h = 31 * h + Long.hashCode(bucketStart);
    h = 31 * h + dimension.hashCode();
    return 31 * h + value.hashCode();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BucketKey k && bucketStart == k.bucketStart && granularity == k.granularity
        && propertyId.equals(k.propertyId) && dimension.equals(k.dimension) && value.equals(k.value)
        && period.equals(k.period);
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
