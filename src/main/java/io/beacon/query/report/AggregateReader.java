package io.beacon.query.report;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.beacon.model.aggregation.Granularity;
import io.beacon.model.aggregation.MetricState;
import io.beacon.model.report.AggregatePlan;
import io.beacon.model.report.AggregateRow;
import io.beacon.model.report.DateRangeSpec;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Reads the aggregate rows a plan needs from {@code agg_buckets}: one partition per local day
 * (hour buckets) or month (day buckets) per date range, sliced by bucket start. Prepared statement
 * only; every read has a timeout so a Cassandra outage answers 503, never hangs.
 */
public final class AggregateReader {
  private static final String SELECT = "SELECT bucket_start, dim_value, screen_page_views, event_count, key_events,"
      + " engagement_ms, new_users, bot_hits, users_hll, sessions_hll, engaged_sessions_hll FROM agg_buckets"
      + " WHERE property_id = ? AND granularity = ? AND period = ? AND dimension = ?"
      + " AND bucket_start >= ? AND bucket_start < ?";

  private final CassandraClient cassandra;
  private final Duration timeout;
  private Future<PreparedStatement> select;

  public AggregateReader(CassandraClient cassandra, Duration timeout) {
    this.cassandra = cassandra;
    this.timeout = timeout;
  }

  public Future<List<AggregateRow>> read(String propertyId, AggregatePlan plan, List<DateRangeSpec> ranges, ZoneId zone) {
    return prepared().compose(ps -> {
      List<Future<List<AggregateRow>>> reads = new ArrayList<>();
      for (int i = 0; i < ranges.size(); i++) {
        DateRangeSpec r = ranges.get(i);
        Instant from = r.start().atStartOfDay(zone).toInstant();
        Instant to = r.end().plusDays(1).atStartOfDay(zone).toInstant();
        for (String period : periods(plan.granularity(), r.start(), r.end())) {
          int range = i;
          reads.add(cassandra.executeWithFullFetch(ps.bind(propertyId, plan.granularity().code(), period,
                  plan.dimension(), from, to))
              .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
              .map(rows -> rows.stream().map(row -> toRow(range, row)).toList()));
        }
      }
      return Future.all(reads).map(all -> {
        List<AggregateRow> out = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
          out.addAll(all.<List<AggregateRow>>resultAt(i));
        }
        return out;
      });
    });
  }

  private synchronized Future<PreparedStatement> prepared() {
    if (select == null || select.failed()) {
      select = cassandra.prepare(SELECT).timeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
    return select;
  }

  /** The partition periods covering local dates {@code start..end}. */
  static Set<String> periods(Granularity g, LocalDate start, LocalDate end) {
    Set<String> out = new LinkedHashSet<>();
    for (LocalDate d = start; !d.isAfter(end); d = d.plusDays(1)) {
      out.add(g == Granularity.HOUR ? d.toString() : d.toString().substring(0, 7));
    }
    return out;
  }

  private static AggregateRow toRow(int range, Row row) {
    MetricState state = MetricState.of(row.getLong("screen_page_views"), row.getLong("event_count"),
        row.getLong("key_events"), row.getLong("engagement_ms"), row.getLong("new_users"), row.getLong("bot_hits"),
        bytes(row.getByteBuffer("users_hll")), bytes(row.getByteBuffer("sessions_hll")),
        bytes(row.getByteBuffer("engaged_sessions_hll")));
    return new AggregateRow(range, row.getInstant("bucket_start").toEpochMilli(), row.getString("dim_value"), state);
  }

  private static byte[] bytes(ByteBuffer b) {
    if (b == null) {
      return null;
    }
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }
}
