package io.beacon.recompute;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.beacon.infra.clients.CassandraCacheStore;
import io.beacon.model.aggregation.BucketKey;
import io.beacon.store.cassandra.AggBucketsTable;
import io.beacon.store.cassandra.AggBucketsTable.Partition;
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
 * The row's statements and mapping are {@link AggBucketsTable}'s.
 */
final class AggregateCacheStore extends CassandraCacheStore<String, AggregateEntry> {
  private volatile PreparedStatement[] statements;

  AggregateCacheStore() {
  }

  private PreparedStatement[] ps(CqlSession s) {
    if (statements == null) {
      statements = new PreparedStatement[] {
          s.prepare(AggBucketsTable.selectRow()),
          s.prepare(AggBucketsTable.insert()),
          s.prepare(AggBucketsTable.delete())};
    }
    return statements;
  }

  @Override
  public AggregateEntry load(String key) {
    CqlSession s = session();
    Row r = s.execute(AggBucketsTable.bindKey(ps(s)[0], AggregateEntry.bucketKey(key))).one();
    return r == null ? null : new AggregateEntry(AggBucketsTable.read(r));
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
    Map<Partition, List<BoundStatement>> byPartition = new LinkedHashMap<>();
    for (Cache.Entry<? extends String, ? extends AggregateEntry> e : entries) {
      Partition partition = Partition.of(AggregateEntry.bucketKey(e.getKey()));
      byPartition.computeIfAbsent(partition, p -> new ArrayList<>()).add(insert(ps, e.getKey(), e.getValue()));
    }
    for (List<BoundStatement> rows : byPartition.values()) {
      BatchStatementBuilder batch = BatchStatement.builder(BatchType.UNLOGGED);
      int bytes = 0;
      for (BoundStatement row : rows) {
        int size = row.computeSizeInBytes(s.getContext());
        if (bytes > 0 && bytes + size > AggBucketsTable.BATCH_BYTES) {
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
    s.execute(AggBucketsTable.bindKey(ps(s)[2], AggregateEntry.bucketKey((String) key)));
  }

  private static BoundStatement insert(PreparedStatement[] ps, String key, AggregateEntry v) {
    BucketKey k = AggregateEntry.bucketKey(key);
    return AggBucketsTable.bindInsert(ps[1], Partition.of(k), v.row, Instant.now());
  }
}
