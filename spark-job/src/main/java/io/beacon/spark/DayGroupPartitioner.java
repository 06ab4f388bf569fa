package io.beacon.spark;

import io.beacon.model.aggregation.BucketKey;
import io.beacon.model.aggregation.CardinalityCap.DayGroup;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.Partitioner;

/**
 * Sends every dimension row of one (property, dimension, local day), hours and the day, to the same writer task, so
 * that task alone decides which of the batch's new values that day still gives rows of their own ({@link ValueCap}):
 * two tasks admitting values of one day at once could together pass the cap. Totals rows spread by their own key.
 * A large property's rows still spread over its dimensions and days (about 20 groups a day).
 */
final class DayGroupPartitioner extends Partitioner {

  private static final long serialVersionUID = 1L;

  private final int partitions;
  private final Map<String, String> zoneIds;
  private transient Map<String, ZoneId> zones;

  /** @param zoneIds property id -> IANA zone id (the batch's zones; unknown or invalid: UTC) */
  DayGroupPartitioner(int partitions, Map<String, String> zoneIds) {
    this.partitions = partitions;
    this.zoneIds = new HashMap<>(zoneIds);
  }

  @Override
  public int numPartitions() {
    return partitions;
  }

  @Override
  public int getPartition(Object key) {
    BucketKey k = (BucketKey) key;
    if (k.isTotal()) {
      return Math.floorMod(k.hashCode(), partitions);
    }
    if (zones == null) {
      zones = new ConcurrentHashMap<>();
    }
    ZoneId zone = zones.computeIfAbsent(k.propertyId(), p -> BatchAggregator.zoneOf(zoneIds.get(p)));
    return Math.floorMod(DayGroup.of(k, zone).hashCode(), partitions);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DayGroupPartitioner d && d.partitions == partitions && d.zoneIds.equals(zoneIds);
  }

  @Override
  public int hashCode() {
    return partitions;
  }
}
