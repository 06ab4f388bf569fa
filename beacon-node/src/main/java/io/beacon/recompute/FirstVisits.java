package io.beacon.recompute;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import io.beacon.model.session.ClientHistory;
import io.beacon.store.cassandra.FirstVisitsTable;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Recompute's access to the {@code first_visits} table ({@link FirstVisitsTable}): the first visits of the
 * clients a read meets, and the earlier ones the read found. At most {@value #CONCURRENCY} statements in flight.
 */
final class FirstVisits {
  private static final int CONCURRENCY = 32;

  private final CassandraClient cassandra;
  private final Duration timeout;
  private Future<PreparedStatement> select;
  private Future<PreparedStatement> insert;

  FirstVisits(CassandraClient cassandra, Duration timeout) {
    this.cassandra = cassandra;
    this.timeout = timeout;
  }

  /** The known first visit of each of {@code clients} (absent: none known). */
  Future<Map<String, ClientHistory>> known(String propertyId, Collection<String> clients) {
    Map<String, ClientHistory> out = new HashMap<>();
    return prepared(true).compose(ps -> inBatches(clients, client ->
        cassandra.executeWithFullFetch(ps.bind(propertyId, client)).map(rows -> {
          if (!rows.isEmpty()) {
            ClientHistory h = FirstVisitsTable.from(rows.get(0));
            if (h.known()) {
              out.put(client, h);
            }
          }
          return null;
        }))).map(out);
  }

  /** Records first visits (the table keeps the earliest of each client's, whatever the order of writes). */
  Future<Void> record(String propertyId, Map<String, ClientHistory> firsts) {
    return prepared(false).compose(ps -> inBatches(firsts.entrySet(), e ->
        cassandra.execute(ps.bind(FirstVisitsTable.insertValues(propertyId, e.getKey(), e.getValue())))
            .mapEmpty()));
  }

  private <T> Future<Void> inBatches(Collection<T> items, java.util.function.Function<T, Future<?>> op) {
    Iterator<T> it = items.iterator();
    List<Future<?>> lanes = new ArrayList<>();
    for (int i = 0; i < CONCURRENCY; i++) {
      lanes.add(lane(it, op));
    }
    return Future.all(lanes).mapEmpty();
  }

  /** One lane: the next item once the previous one's statement completed (the iterator is shared, one thread). */
  private <T> Future<Void> lane(Iterator<T> it, java.util.function.Function<T, Future<?>> op) {
    if (!it.hasNext()) {
      return Future.succeededFuture();
    }
    T item = it.next();
    return op.apply(item).timeout(timeout.toMillis(), TimeUnit.MILLISECONDS).compose(v -> lane(it, op));
  }

  private synchronized Future<PreparedStatement> prepared(boolean read) {
    if (read) {
      if (select == null || select.failed()) {
        select = cassandra.prepare(FirstVisitsTable.select(null));
      }
      return select;
    }
    if (insert == null || insert.failed()) {
      insert = cassandra.prepare(FirstVisitsTable.insert(null));
    }
    return insert;
  }
}
