package io.beacon.query.report;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.beacon.infra.clients.CassandraCacheStore;
import io.beacon.model.aggregation.Granularity;
import io.beacon.model.aggregation.Lateness;
import io.beacon.store.cassandra.AggBucketRow;
import io.beacon.store.cassandra.AggBucketsTable;
import io.beacon.store.cassandra.AggBucketsTable.Partition;
import java.time.Duration;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import javax.cache.Cache;

/**
 * Read-through of the query side's aggregate cache: loads a whole {@code agg_buckets} partition (prepared
 * statement, paged by the driver) when a report needs it and the cache does not hold it. Read-only: the query
 * side never writes aggregates. Keys are {@link #key} strings; the statement and the rows are
 * {@link AggBucketsTable}'s.
 */
final class SliceStore extends CassandraCacheStore<String, AggregateSlice> {
  /** Late hits may still land this long after a period ends (plus time for the stream to write them). */
  private static final Duration SETTLE = Lateness.MAX_LATENESS.plusMinutes(10);

  private volatile PreparedStatement select;

  SliceStore() {
  }

  static String key(String propertyId, Granularity g, String period, String dimension) {
    return new Partition(propertyId, g, period, dimension).key();
  }

  @Override
  public AggregateSlice load(String key) {
    Partition p = Partition.ofKey(key);
    CqlSession s = session();
    if (select == null) {
      select = s.prepare(AggBucketsTable.selectPartition());
    }
    List<AggBucketRow> rows = new ArrayList<>();
    for (Row r : s.execute(AggBucketsTable.bindPartition(select, p))) {
      rows.add(AggBucketsTable.read(r));
    }
    AggregateSlice slice = new AggregateSlice();
    slice.loadedAt = System.currentTimeMillis();
    slice.closed = closed(p.granularity(), p.period(), slice.loadedAt);
    slice.rows = rows.toArray(new AggBucketRow[0]);
    return slice;
  }

  /**
   * Whether the partition's period (a local day for hour buckets, a local month for day buckets) ended more than
   * the lateness window ago in every time zone (UTC-12 is the latest), so no stream write can change it.
   */
  static boolean closed(Granularity granularity, String period, long now) {
    LocalDate end = granularity == Granularity.HOUR ? LocalDate.parse(period).plusDays(1)
        : YearMonth.parse(period).plusMonths(1).atDay(1);
    return end.atStartOfDay(ZoneOffset.ofHours(-12)).toInstant().plus(SETTLE).toEpochMilli() < now;
  }

  @Override
  public void write(Cache.Entry<? extends String, ? extends AggregateSlice> entry) {
    // read-only cache: nothing is written through
  }

  @Override
  public void delete(Object key) {
    // read-only cache
  }

}
