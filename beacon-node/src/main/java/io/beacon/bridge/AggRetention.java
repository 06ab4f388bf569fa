package io.beacon.bridge;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import io.beacon.store.cassandra.AggBucketsTable;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Retention of the aggregates ({@code agg_buckets}), in line with the raw hits': a property's buckets that start
 * before its raw-hit cut-off ({@link RawRetention#cutoff}: its {@code retention_days}, else {@code
 * bridge.retentionDays}; 0 keeps them forever) are deleted, so no report reaches further back than the raw hits
 * it could be rebuilt from. Runs with the raw retention. The table's partitions are listed ({@code SELECT
 * DISTINCT} over the partition key, a scan of the partition index), and each one whose period may start before
 * the cut-off gets one range delete on its clustering column ({@code bucket_start < cut-off}): whole partitions
 * of older periods, the older buckets of the period that straddles it. Idempotent.
 */
public final class AggRetention {
  /** A period is a local date or month: its start in UTC is at most this many hours before the UTC date's. */
  private static final long WIDEST_OFFSET_HOURS = 14;

  private final Supplier<CassandraClient> cassandra;
  private Future<PreparedStatement> delete;

  public AggRetention(Supplier<CassandraClient> cassandra) {
    this.cassandra = cassandra;
  }

  /** One partition of agg_buckets. */
  record Partition(String propertyId, String granularity, String period, String dimension) {}

  /**
   * Deletes the expired buckets at {@code now}; completes with the number of partitions it deleted from.
   *
   * @param perProperty the properties that have their own retention (days, at least 1)
   * @param defaultDays the retention of every other property; 0 keeps them forever
   */
  public Future<Integer> runOnce(Instant now, Map<String, Integer> perProperty, int defaultDays) {
    CassandraClient c = cassandra.get();
    return c.executeWithFullFetch(AggBucketsTable.selectPartitionKeys())
        .compose(rows -> {
          List<Partition> expired = new ArrayList<>();
          List<Instant> cutoffs = new ArrayList<>();
          rows.forEach(r -> {
            Partition p = new Partition(r.getString(0), r.getString(1), r.getString(2), r.getString(3));
            int days = perProperty.getOrDefault(p.propertyId(), defaultDays);
            if (days > 0) {
              Instant cutoff = RawRetention.cutoff(now, days);
              if (mayStartBefore(p.period(), cutoff)) {
                expired.add(p);
                cutoffs.add(cutoff);
              }
            }
          });
          if (delete == null || delete.failed()) {
            delete = c.prepare(AggBucketsTable.deleteBucketsBefore());
          }
          return delete.compose(ps -> {
            Future<Void> chain = Future.succeededFuture();
            for (int i = 0; i < expired.size(); i++) {
              Partition p = expired.get(i);
              Instant cutoff = cutoffs.get(i);
              chain = chain.compose(v -> c.execute(ps.bind(p.propertyId(), p.granularity(), p.period(),
                  p.dimension(), cutoff)).mapEmpty());
            }
            return chain.map(expired.size());
          });
        });
  }

  /** Whether a period ("yyyy-MM-dd" or "yyyy-MM", local) may hold a bucket that starts before {@code cutoff}. */
  static boolean mayStartBefore(String period, Instant cutoff) {
    LocalDate first;
    try {
      first = period.length() == 7 ? YearMonth.parse(period).atDay(1) : LocalDate.parse(period);
    } catch (DateTimeParseException e) {
      return false; // not a period this code wrote: leave it
    }
    return first.atStartOfDay(ZoneOffset.UTC).toInstant().minusSeconds(WIDEST_OFFSET_HOURS * 3600).isBefore(cutoff);
  }
}
