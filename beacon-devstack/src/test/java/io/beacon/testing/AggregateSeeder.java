package io.beacon.testing;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import io.beacon.devstack.LocalStack;
import io.beacon.model.aggregation.Aggregator;
import io.beacon.model.aggregation.BucketKey;
import io.beacon.model.aggregation.MetricState;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Map;
import java.util.function.Consumer;

/** Writes aggregates into the real Cassandra as the stream would, for tests of the query side. */
public final class AggregateSeeder {
  private AggregateSeeder() {}

  /** Writes every bucket of {@code agg}; {@code before} may run other CQL first on the same session. */
  public static void write(LocalStack stack, Aggregator agg, Consumer<CqlSession> before) {
    String cp = stack.cassandraContactPoint();
    try (CqlSession cql = CqlSession.builder().withLocalDatacenter("datacenter1").withKeyspace("beacon")
        .addContactPoint(InetSocketAddress.createUnresolved(cp.substring(0, cp.indexOf(':')),
            Integer.parseInt(cp.substring(cp.indexOf(':') + 1)))).build()) {
      before.accept(cql);
      PreparedStatement insert = cql.prepare("INSERT INTO agg_buckets (property_id, granularity, period, dimension,"
          + " bucket_start, dim_value, screen_page_views, event_count, key_events, engagement_ms, new_users, bot_hits,"
          + " users_hll, sessions_hll, engaged_sessions_hll) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
      for (Map.Entry<BucketKey, MetricState> e : agg.buckets().entrySet()) {
        BucketKey k = e.getKey();
        MetricState s = e.getValue();
        cql.execute(insert.bind(k.propertyId(), k.granularity().code(), k.period(), k.dimension(),
            Instant.ofEpochMilli(k.bucketStart()), k.value(), s.screenPageViews(), s.eventCount(), s.keyEvents(),
            s.userEngagementDurationMs(), s.newUsers(), s.botHits(), ByteBuffer.wrap(s.usersSketch()),
            ByteBuffer.wrap(s.sessionsSketch()), ByteBuffer.wrap(s.engagedSessionsSketch())));
      }
    }
  }
}
