package io.beacon.query.report;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.beacon.infra.clients.CassandraCacheStore;
import io.beacon.infra.config.BeaconConfig.CassandraConfig;
import io.beacon.model.aggregation.Granularity;
import io.beacon.model.aggregation.Lateness;
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
 * side never writes aggregates. Keys are {@link #key} strings.
 */
final class SliceStore extends CassandraCacheStore<String, AggregateSlice> {
  private static final char SEP = '\u0001';
  /** Late hits may still land this long after a period ends (plus time for the stream to write them). */
  private static final Duration SETTLE = Lateness.MAX_LATENESS.plusMinutes(10);

  private volatile PreparedStatement select;

  SliceStore(CassandraConfig config) {
    super(config);
  }

  static String key(String propertyId, Granularity g, String period, String dimension) {
    return propertyId + SEP + g.code() + SEP + period + SEP + dimension;
  }

  @Override
  public AggregateSlice load(String key) {
    String[] k = key.split(String.valueOf(SEP), 4);
    CqlSession s = session();
    if (select == null) {
      select = s.prepare("SELECT bucket_start, dim_value, screen_page_views, event_count, key_events, engagement_ms,"
          + " new_users, bot_hits, users_hll, sessions_hll, engaged_sessions_hll FROM agg_buckets"
          + " WHERE property_id = ? AND granularity = ? AND period = ? AND dimension = ?");
    }
    List<Row> rows = new ArrayList<>();
    s.execute(select.bind(k[0], k[1], k[2], k[3])).forEach(rows::add);
    AggregateSlice slice = new AggregateSlice();
    int n = rows.size();
    slice.loadedAt = System.currentTimeMillis();
    slice.closed = closed(k[1], k[2], slice.loadedAt);
    slice.bucketStarts = new long[n];
    slice.values = new String[n];
    slice.sums = new long[n][];
    slice.users = new byte[n][];
    slice.sessions = new byte[n][];
    slice.engagedSessions = new byte[n][];
    for (int i = 0; i < n; i++) {
      Row r = rows.get(i);
      slice.bucketStarts[i] = r.getInstant(0).toEpochMilli();
      slice.values[i] = r.getString(1);
      slice.sums[i] = new long[] {r.getLong(2), r.getLong(3), r.getLong(4), r.getLong(5), r.getLong(6), r.getLong(7)};
      slice.users[i] = CassandraCacheStore.bytes(r.getByteBuffer(8));
      slice.sessions[i] = CassandraCacheStore.bytes(r.getByteBuffer(9));
      slice.engagedSessions[i] = CassandraCacheStore.bytes(r.getByteBuffer(10));
    }
    return slice;
  }

  /**
   * Whether the partition's period (a local day for hour buckets, a local month for day buckets) ended more than
   * the lateness window ago in every time zone (UTC-12 is the latest), so no stream write can change it.
   */
  static boolean closed(String granularity, String period, long now) {
    LocalDate end = Granularity.HOUR.code().equals(granularity) ? LocalDate.parse(period).plusDays(1)
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
