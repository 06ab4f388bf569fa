package io.beacon.spark;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import dev.failsafe.Failsafe;
import dev.failsafe.RetryPolicy;
import io.beacon.model.aggregation.BucketKey;
import io.beacon.model.aggregation.MetricState;
import io.beacon.store.cassandra.AggBucketRow;
import io.beacon.store.cassandra.AggBucketsTable;
import io.beacon.store.cassandra.AggBucketsTable.Partition;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Idempotent writes of bucket deltas into {@code agg_buckets}: per row, read the stored state, merge the
 * micro-batch's delta, write the full merged state together with the writer's fence (streaming query id,
 * batch id). A row already carrying this query's fence for this batch or a later one is skipped: that is a
 * replay of a micro-batch whose writes partly landed before a crash. The row, its statements and its fence
 * columns are {@link AggBucketsTable}'s. Every row write is atomic in Cassandra
 * (here: single-partition unlogged batches, which are atomic and isolated), so each row holds either the
 * state before or after the batch, never half of it.
 *
 * <p>Correct because exactly one task writes a given row per batch (the deltas are reduced by key first), one
 * query writes the table, and a replayed batch has the same offsets and so the same deltas (Spark's offset
 * log). Reads and writes are LOCAL_QUORUM, so a read sees the previous write.
 *
 * <p>Round trips: rows are grouped by partition; one read per chunk of about {@value #KEYS_PER_CHUNK} rows
 * ({@code bucket_start IN .. AND dim_value IN ..}, paged by {@value #READ_PAGE_ROWS} rows) and one batch write
 * per ~{@value #BATCH_BYTES} bytes, with {@code --write-concurrency} chunks in flight per task. A row is up to
 * ~130 KB (four ~33 KB HLL_4 lgK 16 sketches), so these bounds are what keeps the bytes in flight (read responses and
 * writes, in Cassandra's heap and the job's) at a few tens of MB: chunks of 100 values with 64 in flight per
 * task ran a 512 MB Cassandra out of heap under a steady load.
 * A failed chunk is retried for {@code --write-retry-timeout} (a Cassandra restart), then fails the batch.
 */
final class CassandraSink {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CassandraSink.class);
  /** Rows per read-merge-write chunk (a value's buckets stay in one chunk, so a chunk may hold a few more). */
  static final int KEYS_PER_CHUNK = 32;
  /** Page size of a chunk's read: its IN lists may also match stored rows of other chunks' keys. */
  private static final int READ_PAGE_ROWS = 64;
  /** Under Cassandra's default batch_size_fail_threshold (50 KiB). */
  private static final int BATCH_BYTES = AggBucketsTable.BATCH_BYTES;

  private static final ConcurrentHashMap<String, PreparedStatement[]> STATEMENTS = new ConcurrentHashMap<>();

  private CassandraSink() {
  }

  /** What one task wrote. */
  record Result(long written, long skipped) {
  }

  /**
   * Writes one task's merged deltas (each key in one task only, see the class comment). The deltas are not
   * changed, so a retried chunk merges the same ones again.
   */
  static Result write(JobConfig config, String writerId, long batchId, Map<BucketKey, MetricState> deltas)
      throws InterruptedException {
    CqlSession session = Clients.cassandra(config);
    PreparedStatement[] ps = STATEMENTS.computeIfAbsent(config.keyspace, ks -> prepare(session, ks));
    Map<Partition, Map<BucketKey, MetricState>> byPartition = new LinkedHashMap<>();
    deltas.forEach((k, delta) -> byPartition.computeIfAbsent(Partition.of(k), p -> new LinkedHashMap<>())
        .put(k, delta));
    Semaphore inFlight = new Semaphore(config.writeConcurrency);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicLong written = new AtomicLong();
    AtomicLong skipped = new AtomicLong();
    for (Map.Entry<Partition, Map<BucketKey, MetricState>> partition : byPartition.entrySet()) {
      for (Map<BucketKey, MetricState> chunk : chunks(partition.getValue())) {
        if (failure.get() != null) {
          break;
        }
        inFlight.acquire();
        Partition p = partition.getKey();
        Failsafe.with(retryPolicy(config, p, batchId))
            .getStageAsync(() -> writeChunk(session, ps, p, chunk, writerId, batchId))
            .whenComplete((counts, error) -> {
              if (error != null) {
                failure.compareAndSet(null, new IllegalStateException("batch " + batchId + ": writing partition "
                    + p + " failed: " + error.getMessage(), error));
              } else {
                written.addAndGet(counts[0]);
                skipped.addAndGet(counts[1]);
              }
              inFlight.release();
            });
      }
    }
    inFlight.acquire(config.writeConcurrency); // wait for the last requests
    if (failure.get() != null) {
      // Failing the task fails the micro-batch: it is not committed, and a restart replays it.
      throw new IllegalStateException(failure.get().getMessage(), failure.get());
    }
    return new Result(written.get(), skipped.get());
  }

  /**
   * Retries a failed chunk (e.g. Cassandra restarting) with backoff (250 ms doubling to 5 s) for up to
   * {@code --write-retry-timeout}. Safe because of the fence: a retry re-reads the rows, and those whose write
   * landed before the failure are skipped.
   */
  private static RetryPolicy<long[]> retryPolicy(JobConfig config, Partition p, long batchId) {
    return RetryPolicy.<long[]>builder()
        .handle(Throwable.class)
        .withBackoff(Duration.ofMillis(250), Duration.ofSeconds(5))
        .withMaxRetries(-1)
        .withMaxDuration(config.writeRetryTimeout)
        .onRetryScheduled(e -> LOG.warn("batch {}: writing partition {} failed (attempt {}), retrying in {} ms: {}",
            batchId, p, e.getAttemptCount(), e.getDelay().toMillis(), String.valueOf(e.getLastException())))
        .build();
  }

  /** Read, fence check, merge and write of one chunk of a partition; returns {written, skipped}. */
  private static CompletionStage<long[]> writeChunk(CqlSession session, PreparedStatement[] ps, Partition p,
      Map<BucketKey, MetricState> chunk, String writerId, long batchId) {
    long[] counts = new long[2];
    return session.executeAsync(AggBucketsTable.bindRows(ps[0], p, chunk.keySet()).setPageSize(READ_PAGE_ROWS))
        .thenCompose(first -> readAll(first, new HashMap<>()))
        .thenCompose(stored -> {
          List<CompletionStage<AsyncResultSet>> writes = new ArrayList<>();
          BatchStatementBuilder batch = BatchStatement.builder(BatchType.UNLOGGED);
          int bytes = 0;
          for (Map.Entry<BucketKey, MetricState> e : chunk.entrySet()) {
            BucketKey key = e.getKey();
            AggBucketRow row = stored.get(new RowId(key.bucketStart(), key.value()));
            if (row != null && row.writtenBy(writerId, batchId)) {
              counts[1]++;
              continue;
            }
            MetricState delta = e.getValue();
            // merge() leaves its argument as it was: a retry of this chunk merges the same delta.
            MetricState merged = row == null ? delta : row.state().merge(delta);
            AggBucketRow out = AggBucketRow.of(key, merged, writerId, batchId);
            int size = out.approximateBytes();
            if (bytes > 0 && bytes + size > BATCH_BYTES) {
              writes.add(session.executeAsync(batch.build()));
              batch = BatchStatement.builder(BatchType.UNLOGGED);
              bytes = 0;
            }
            bytes += size;
            batch.addStatement(AggBucketsTable.bindInsert(ps[1], p, out, Instant.now()));
            counts[0]++;
          }
          if (bytes > 0) {
            writes.add(session.executeAsync(batch.build()));
          }
          return CompletableFuture.allOf(writes.stream().map(CompletionStage::toCompletableFuture)
              .toArray(CompletableFuture[]::new)).thenApply(x -> counts);
        });
  }

  private record RowId(long bucketStart, String value) {
  }

  private static CompletionStage<Map<RowId, AggBucketRow>> readAll(AsyncResultSet page, Map<RowId, AggBucketRow> into) {
    for (Row r : page.currentPage()) {
      AggBucketRow row = AggBucketsTable.read(r);
      into.put(new RowId(row.bucketStart, row.value), row);
    }
    return page.hasMorePages() ? page.fetchNextPage().thenCompose(next -> readAll(next, into))
        : CompletableFuture.completedFuture(into);
  }

  /**
   * The partition's keys in chunks of about KEYS_PER_CHUNK, each value's keys (its bucket starts) together, so
   * the chunk's read ({@code bucket_start IN .. AND dim_value IN ..}) matches few rows beyond its own. Every
   * key is in exactly one chunk, so each row is still read and written once per batch.
   */
  static <V> List<Map<BucketKey, V>> chunks(Map<BucketKey, V> keys) {
    Map<String, Map<BucketKey, V>> byValue = new LinkedHashMap<>();
    keys.forEach((k, v) -> byValue.computeIfAbsent(k.value(), x -> new LinkedHashMap<>()).put(k, v));
    List<Map<BucketKey, V>> out = new ArrayList<>();
    Map<BucketKey, V> current = new LinkedHashMap<>();
    for (Map<BucketKey, V> group : byValue.values()) {
      if (!current.isEmpty() && current.size() + group.size() > KEYS_PER_CHUNK) {
        out.add(current);
        current = new LinkedHashMap<>();
      }
      current.putAll(group);
    }
    if (!current.isEmpty()) {
      out.add(current);
    }
    return out;
  }

  private static PreparedStatement[] prepare(CqlSession session, String keyspace) {
    return new PreparedStatement[] {session.prepare(AggBucketsTable.selectRows(keyspace)),
        session.prepare(AggBucketsTable.insert(keyspace))};
  }

  /**
   * Records first visits in {@code first_visits} ({@link io.beacon.store.cassandra.FirstVisitsTable}: the earliest
   * wins by write time, so a replayed batch or another writer changes nothing), retried like the row writes.
   */
  static void recordFirstVisits(JobConfig config, Map<List<String>, io.beacon.model.session.ClientHistory> firsts) {
    CqlSession session = Clients.cassandra(config);
    PreparedStatement insert = session.prepare(io.beacon.store.cassandra.FirstVisitsTable.insert(config.keyspace));
    RetryPolicy<Object> retry = RetryPolicy.builder().handle(RuntimeException.class)
        .withBackoff(Duration.ofMillis(200), Duration.ofSeconds(5)).withMaxDuration(config.writeRetryTimeout)
        .withMaxRetries(-1).build();
    List<CompletableFuture<?>> pending = new ArrayList<>();
    Semaphore inFlight = new Semaphore(Math.max(1, config.writeConcurrency) * 4);
    for (Map.Entry<List<String>, io.beacon.model.session.ClientHistory> e : firsts.entrySet()) {
      Object[] values = io.beacon.store.cassandra.FirstVisitsTable.insertValues(e.getKey().get(0), e.getKey().get(1),
          e.getValue());
      inFlight.acquireUninterruptibly();
      pending.add(Failsafe.with(retry).getStageAsync(() -> session.executeAsync(insert.bind(values)))
          .whenComplete((r, err) -> inFlight.release()));
    }
    CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
  }
}
