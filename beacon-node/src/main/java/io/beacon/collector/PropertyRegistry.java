package io.beacon.collector;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.beacon.infra.Retries;
import io.beacon.store.cassandra.PropertiesTable;
import io.beacon.store.cassandra.PropertyRecord;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The properties the collector accepts hits for, from Cassandra's {@code properties} table
 * ({@link PropertiesTable}). The whole table is reloaded on a timer, so the hot path reads memory
 * and never waits on Cassandra; an id not in memory (a property created since the last reload) is looked up once by key, and an
 * unknown id is remembered as unknown until the next reload.
 */
final class PropertyRegistry {
  private static final Logger LOG = LoggerFactory.getLogger(PropertyRegistry.class);

  private final Vertx vertx;
  private final CassandraClient cassandra;
  private final long refreshMs;
  private volatile Map<String, PropertyInfo> known = Map.of();
  private final Map<String, Boolean> unknown = new ConcurrentHashMap<>();
  private PreparedStatement all;
  private PreparedStatement one;
  private long timer = -1;

  PropertyRegistry(Vertx vertx, CassandraClient cassandra, long refreshMs) {
    this.vertx = vertx;
    this.cassandra = cassandra;
    this.refreshMs = refreshMs;
  }

  /** Prepares the statements and loads the table once; then reloads every {@code refreshMs}. */
  Future<Void> start() {
    // vertx-cassandra-client 5.0.7 fails with IllegalStateException when two verticle instances open the node's
    // shared session at the same moment; the session is up by then, so try again.
    return Retries.run(vertx, Retries.<Void>backoff(Duration.ofMillis(200), Duration.ofMillis(400),
        IllegalStateException.class).withMaxAttempts(3).build(), this::prepareOnce);
  }

  private Future<Void> prepareOnce() {
    return cassandra.prepare(PropertiesTable.selectAll())
        .compose(ps -> {
          all = ps;
          return cassandra.prepare(PropertiesTable.selectById());
        })
        .compose(ps -> {
          one = ps;
          return reload();
        })
        .onSuccess(v -> timer = vertx.setPeriodic(refreshMs, t -> reload()
            .onFailure(e -> LOG.warn("Reloading properties from Cassandra failed; keeping {} cached ({})", known.size(), e.toString()))));
  }

  private Future<Void> reload() {
    return cassandra.executeWithFullFetch(all.bind()).map(rows -> {
      Map<String, PropertyInfo> fresh = new HashMap<>();
      for (Row r : rows) {
        PropertyInfo p = PropertyInfo.of(PropertyRecord.from(r));
        fresh.put(p.id(), p);
      }
      known = Map.copyOf(fresh);
      unknown.clear();
      return null;
    });
  }

  /** The property, or null if it does not exist. Completes at once for cached and known-unknown ids. */
  Future<PropertyInfo> get(String id) {
    PropertyInfo p = known.get(id);
    if (p != null) {
      return Future.succeededFuture(p);
    }
    if (unknown.containsKey(id) || unknown.size() > 10_000) {
      return Future.succeededFuture(null);
    }
    return cassandra.executeWithFullFetch(one.bind(id)).map(rows -> {
      if (rows.isEmpty()) {
        unknown.put(id, Boolean.TRUE);
        return null;
      }
      PropertyInfo info = PropertyInfo.of(PropertyRecord.from(rows.get(0)));
      Map<String, PropertyInfo> copy = new HashMap<>(known);
      copy.put(id, info);
      known = Map.copyOf(copy);
      return info;
    });
  }

  void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }
}
