package io.beacon.spark;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.beacon.model.aggregation.BucketKey;
import io.beacon.model.aggregation.MetricState;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import scala.Tuple2;

/**
 * Idempotent writes of bucket deltas into {@code agg_buckets}: per row, read the stored state, merge the
 * micro-batch's delta, write the full merged state together with the writer's fence (streaming query id,
 * batch id). A row already carrying this query's fence for this batch or a later one is skipped: that is a
 * replay of a micro-batch whose writes partly landed before a crash. A single-row write is atomic in
 * Cassandra, so each row holds either the state before or after the batch, never half of it.
 *
 * <p>Correct because exactly one task writes a given row per batch (the deltas are reduced by key first), one
 * query writes the table, and a replayed batch has the same offsets and so the same deltas (Spark's offset
 * log). Reads and writes are LOCAL_QUORUM, so a read sees the previous write.
 */
final class CassandraSink {

  private static final ConcurrentHashMap<String, PreparedStatement[]> STATEMENTS = new ConcurrentHashMap<>();

  private CassandraSink() {
  }

  /** What one task wrote. */
  record Result(long written, long skipped) {
  }

  static Result write(JobConfig config, String writerId, long batchId, Iterator<Tuple2<BucketKey, byte[]>> deltas)
      throws InterruptedException {
    CqlSession session = Clients.cassandra(config);
    PreparedStatement[] ps = STATEMENTS.computeIfAbsent(config.keyspace, ks -> prepare(session, ks));
    PreparedStatement select = ps[0];
    PreparedStatement insert = ps[1];
    Semaphore inFlight = new Semaphore(config.writeConcurrency);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicLong written = new AtomicLong();
    AtomicLong skipped = new AtomicLong();
    while (deltas.hasNext() && failure.get() == null) {
      Tuple2<BucketKey, byte[]> entry = deltas.next();
      BucketKey key = entry._1();
      MetricState delta = MetricState.fromBytes(entry._2());
      inFlight.acquire();
      CompletionStage<AsyncResultSet> read = session.executeAsync(select.bind(key.propertyId(),
          key.granularity().code(), key.period(), key.dimension(), Instant.ofEpochMilli(key.bucketStart()),
          key.value()));
      read.thenCompose(rs -> {
        Row row = rs.one();
        if (row != null && writerId.equals(row.getString("writer_id")) && row.getLong("writer_batch") >= batchId) {
          skipped.incrementAndGet();
          return CompletableFuture.completedFuture(null);
        }
        MetricState merged = row == null ? delta : stored(row).merge(delta);
        return session.executeAsync(insert.bind(key.propertyId(), key.granularity().code(), key.period(),
            key.dimension(), Instant.ofEpochMilli(key.bucketStart()), key.value(),
            merged.screenPageViews(), merged.eventCount(), merged.keyEvents(), merged.userEngagementDurationMs(),
            merged.newUsers(), merged.botHits(), ByteBuffer.wrap(merged.usersSketch()),
            ByteBuffer.wrap(merged.sessionsSketch()), ByteBuffer.wrap(merged.engagedSessionsSketch()),
            writerId, batchId, Instant.now())).thenApply(r -> {
              written.incrementAndGet();
              return null;
            });
      }).whenComplete((r, error) -> {
        if (error != null) {
          failure.compareAndSet(null, new IllegalStateException("batch " + batchId + ": writing bucket " + key
              + " failed: " + error.getMessage(), error));
        }
        inFlight.release();
      });
    }
    inFlight.acquire(config.writeConcurrency); // wait for the last requests
    if (failure.get() != null) {
      // Failing the task fails the micro-batch: it is not committed, and a restart replays it.
      throw new IllegalStateException(failure.get().getMessage(), failure.get());
    }
    return new Result(written.get(), skipped.get());
  }

  private static MetricState stored(Row row) {
    return MetricState.of(row.getLong("screen_page_views"), row.getLong("event_count"), row.getLong("key_events"),
        row.getLong("engagement_ms"), row.getLong("new_users"), row.getLong("bot_hits"),
        bytes(row.getByteBuffer("users_hll")), bytes(row.getByteBuffer("sessions_hll")),
        bytes(row.getByteBuffer("engaged_sessions_hll")));
  }

  private static byte[] bytes(ByteBuffer buffer) {
    if (buffer == null) {
      return null;
    }
    byte[] out = new byte[buffer.remaining()];
    buffer.duplicate().get(out);
    return out;
  }

  private static PreparedStatement[] prepare(CqlSession session, String keyspace) {
    String where = " WHERE property_id = ? AND granularity = ? AND period = ? AND dimension = ?"
        + " AND bucket_start = ? AND dim_value = ?";
    PreparedStatement select = session.prepare("SELECT screen_page_views, event_count, key_events, engagement_ms,"
        + " new_users, bot_hits, users_hll, sessions_hll, engaged_sessions_hll, writer_id, writer_batch FROM "
        + keyspace + ".agg_buckets" + where);
    PreparedStatement insert = session.prepare("INSERT INTO " + keyspace + ".agg_buckets (property_id,"
        + " granularity, period, dimension, bucket_start, dim_value, screen_page_views, event_count, key_events,"
        + " engagement_ms, new_users, bot_hits, users_hll, sessions_hll, engaged_sessions_hll, writer_id,"
        + " writer_batch, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    return new PreparedStatement[] {select, insert};
  }
}
