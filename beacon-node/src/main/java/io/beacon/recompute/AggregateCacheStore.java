package io.beacon.recompute;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.beacon.infra.clients.CassandraCacheStore;
import io.beacon.infra.config.BeaconConfig.CassandraConfig;
import io.beacon.model.aggregation.BucketKey;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.cache.Cache;

/**
 * Write-through (and read-through) of recomputed aggregate rows into {@code agg_buckets}, where the stream writes
 * and the query side reads them. A write replaces the row's whole state (idempotent: recomputing a bucket again
 * writes the same values), stamped with the job as writer so the stream's replay fence never mistakes it for
 * its own. Rows of one partition go in one unlogged batch (atomic per partition, under the batch size limit).
 */
final class AggregateCacheStore extends CassandraCacheStore<String, AggregateEntry> {
  private static final int BATCH_BYTES = 40 * 1024;
  private volatile PreparedStatement[] statements;

  AggregateCacheStore(CassandraConfig config) {
    super(config);
  }

  private PreparedStatement[] ps(CqlSession s) {
    if (statements == null) {
      String where = " WHERE property_id = ? AND granularity = ? AND period = ? AND dimension = ?"
          + " AND bucket_start = ? AND dim_value = ?";
      statements = new PreparedStatement[] {
          s.prepare("SELECT screen_page_views, event_count, key_events, engagement_ms, new_users, bot_hits, users_hll,"
              + " sessions_hll, engaged_sessions_hll, writer_id FROM agg_buckets" + where),
          s.prepare("INSERT INTO agg_buckets (property_id, granularity, period, dimension, bucket_start, dim_value,"
              + " screen_page_views, event_count, key_events, engagement_ms, new_users, bot_hits, users_hll,"
              + " sessions_hll, engaged_sessions_hll, writer_id, writer_batch, updated_at)"
              + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
          s.prepare("DELETE FROM agg_buckets" + where)};
    }
    return statements;
  }

  @Override
  public AggregateEntry load(String key) {
    CqlSession s = session();
    BucketKey k = AggregateEntry.bucketKey(key);
    Row r = s.execute(ps(s)[0].bind(k.propertyId(), k.granularity().code(), k.period(), k.dimension(),
        Instant.ofEpochMilli(k.bucketStart()), k.value())).one();
    if (r == null) {
      return null;
    }
    AggregateEntry e = new AggregateEntry();
    e.screenPageViews = r.getLong(0);
    e.eventCount = r.getLong(1);
    e.keyEvents = r.getLong(2);
    e.engagementMs = r.getLong(3);
    e.newUsers = r.getLong(4);
    e.botHits = r.getLong(5);
    e.usersHll = CassandraCacheStore.bytes(r.getByteBuffer(6));
    e.sessionsHll = CassandraCacheStore.bytes(r.getByteBuffer(7));
    e.engagedSessionsHll = CassandraCacheStore.bytes(r.getByteBuffer(8));
    e.writer = r.getString(9);
    return e;
  }

  @Override
  public void write(Cache.Entry<? extends String, ? extends AggregateEntry> e) {
    CqlSession s = session();
    s.execute(insert(ps(s), e.getKey(), e.getValue()));
  }

  @Override
  public void writeAll(Collection<Cache.Entry<? extends String, ? extends AggregateEntry>> entries) {
    CqlSession s = session();
    PreparedStatement[] ps = ps(s);
    Map<String, List<BoundStatement>> byPartition = new LinkedHashMap<>();
    for (Cache.Entry<? extends String, ? extends AggregateEntry> e : entries) {
      String key = e.getKey();
      String partition = key.substring(0, ordinalIndexOf(key, 4));
      byPartition.computeIfAbsent(partition, p -> new ArrayList<>()).add(insert(ps, key, e.getValue()));
    }
    for (List<BoundStatement> rows : byPartition.values()) {
      BatchStatementBuilder batch = BatchStatement.builder(BatchType.UNLOGGED);
      int bytes = 0;
      for (BoundStatement row : rows) {
        int size = row.computeSizeInBytes(s.getContext());
        if (bytes > 0 && bytes + size > BATCH_BYTES) {
          s.execute(batch.build());
          batch = BatchStatement.builder(BatchType.UNLOGGED);
          bytes = 0;
        }
        batch.addStatement(row);
        bytes += size;
      }
      s.execute(batch.build());
    }
    // Ignite's contract: entries left in the collection were not written; all were.
    entries.clear();
  }

  @Override
  public void delete(Object key) {
    CqlSession s = session();
    BucketKey k = AggregateEntry.bucketKey((String) key);
    s.execute(ps(s)[2].bind(k.propertyId(), k.granularity().code(), k.period(), k.dimension(),
        Instant.ofEpochMilli(k.bucketStart()), k.value()));
  }

  private static BoundStatement insert(PreparedStatement[] ps, String key, AggregateEntry v) {
    BucketKey k = AggregateEntry.bucketKey(key);
    return ps[1].bind(k.propertyId(), k.granularity().code(), k.period(), k.dimension(),
        Instant.ofEpochMilli(k.bucketStart()), k.value(), v.screenPageViews, v.eventCount, v.keyEvents,
        v.engagementMs, v.newUsers, v.botHits, ByteBuffer.wrap(v.usersHll), ByteBuffer.wrap(v.sessionsHll),
        ByteBuffer.wrap(v.engagedSessionsHll), v.writer, 0L, Instant.now());
  }

  private static int ordinalIndexOf(String s, int n) {
    int i = -1;
    for (int k = 0; k < n; k++) {
      i = s.indexOf('\u0001', i + 1);
    }
    return i;
  }

}
