package io.beacon.testing;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import io.beacon.devstack.LocalStack;
import io.beacon.model.aggregation.Aggregator;
import io.beacon.model.aggregation.BucketKey;
import io.beacon.model.aggregation.MetricState;
import io.beacon.store.cassandra.AggBucketRow;
import io.beacon.store.cassandra.AggBucketsTable;
import io.beacon.store.cassandra.ContactPoints;
import java.time.Instant;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Writes aggregates into the real Cassandra as the stream would (through beacon-store's codec of the row), for
 * tests of the query side.
 */
public final class AggregateSeeder {
  /** The writer the seeded rows carry. */
  public static final String WRITER = "aggregate-seeder";

  private AggregateSeeder() {}

  /** Writes every bucket of {@code agg}; {@code before} may run other CQL first on the same session. */
  public static void write(LocalStack stack, Aggregator agg, Consumer<CqlSession> before) {
    try (CqlSession cql = CqlSession.builder().withLocalDatacenter("datacenter1").withKeyspace("beacon")
        .addContactPoint(ContactPoints.parse(stack.cassandraContactPoint())).build()) {
      before.accept(cql);
      PreparedStatement insert = cql.prepare(AggBucketsTable.insert());
      for (Map.Entry<BucketKey, MetricState> e : agg.buckets().entrySet()) {
        BucketKey k = e.getKey();
        cql.execute(AggBucketsTable.bindInsert(insert, AggBucketsTable.Partition.of(k),
            AggBucketRow.of(k, e.getValue(), WRITER, 0L), Instant.now()));
      }
    }
  }
}
