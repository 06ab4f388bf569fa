package io.beacon.recompute;

import io.beacon.model.aggregation.BucketKey;
import io.beacon.model.aggregation.Dimension;
import io.beacon.model.aggregation.Granularity;
import io.beacon.store.cassandra.AggBucketsTable;
import io.beacon.store.cassandra.AggBucketsTable.Partition;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The stored {@code agg_buckets} rows of one local day that a rebuild of the day did not produce: values no hit
 * of the day has any more (an erased person's page, a landing page that a new session timeout no longer makes
 * one). Rewriting the rows a rebuild computed is not enough: such a row would keep counting what is gone. Every
 * partition a day's buckets can live in is listed ({@link #partitionsOf}), not only those the rebuild wrote to,
 * since a day may have no hit left at all.
 */
final class StaleRows {
  private final CassandraClient cassandra;
  private Future<PreparedStatement> selectKeys;

  StaleRows(CassandraClient cassandra) {
    this.cassandra = cassandra;
  }

  /** The partitions holding a local day's buckets: per granularity, the totals and each precomputed dimension. */
  static List<Partition> partitionsOf(String propertyId, LocalDate day, ZoneId zone) {
    long start = day.atStartOfDay(zone).toInstant().toEpochMilli();
    List<Partition> out = new ArrayList<>();
    for (Granularity g : Granularity.values()) {
      // An hour partition is the local day, a day partition its month: every bucket of the day is in one of each.
      String period = g.period(g.bucketStart(start, zone), zone);
      out.add(new Partition(propertyId, g, period, BucketKey.TOTAL));
      for (Dimension d : Dimension.precomputedValues()) {
        out.add(new Partition(propertyId, g, period, d.apiName()));
      }
    }
    return out;
  }

  /** The keys of the day's stored rows that are not in {@code rebuilt}. */
  Future<List<BucketKey>> of(String propertyId, LocalDate day, ZoneId zone, Set<BucketKey> rebuilt) {
    Instant from = day.atStartOfDay(zone).toInstant();
    Instant to = day.plusDays(1).atStartOfDay(zone).toInstant();
    if (selectKeys == null) {
      selectKeys = cassandra.prepare(AggBucketsTable.selectKeysBetween()).onFailure(e -> selectKeys = null);
    }
    List<BucketKey> stale = new ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    for (Partition p : partitionsOf(propertyId, day, zone)) {
      chain = chain.compose(v -> selectKeys)
          .compose(ps -> cassandra.executeWithFullFetch(AggBucketsTable.bindKeysBetween(ps, p, from, to)))
          .map(rows -> {
            for (Row r : rows) {
              BucketKey k = new BucketKey(p.propertyId(), p.granularity(), p.period(),
                  r.getInstant(0).toEpochMilli(), p.dimension(), r.getString(1));
              if (!rebuilt.contains(k)) {
                stale.add(k);
              }
            }
            return null;
          });
    }
    return chain.map(stale);
  }
}
