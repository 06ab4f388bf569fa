package io.beacon.infra.clients;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import io.beacon.store.cassandra.PropertiesTable;
import io.beacon.store.cassandra.PropertyRecord;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A property's reporting time zone (days in reports are days there; a missing or invalid zone is UTC), read
 * from the {@code properties} table ({@link PropertiesTable}) and kept for a minute: settings change rarely,
 * reports are frequent. While Cassandra fails, the zone last read is used (reports over cached data keep
 * working).
 */
public final class PropertyZones {
  private static final long TTL_MS = 60_000;

  private record Entry(Optional<ZoneId> zone, long at) {}

  private final CassandraClient cassandra;
  private final Duration timeout;
  private final ConcurrentHashMap<String, Entry> cache = new ConcurrentHashMap<>();
  private Future<PreparedStatement> select;

  public PropertyZones(CassandraClient cassandra, Duration timeout) {
    this.cassandra = cassandra;
    this.timeout = timeout;
  }

  /** The property's zone, or empty if no such property exists. */
  public Future<Optional<ZoneId>> zoneOf(String propertyId) {
    Entry e = cache.get(propertyId);
    if (e != null && System.currentTimeMillis() - e.at() < TTL_MS) {
      return Future.succeededFuture(e.zone());
    }
    return prepared()
        .compose(ps -> cassandra.executeWithFullFetch(ps.bind(propertyId)))
        .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .map(rows -> {
          Optional<ZoneId> zone = rows.isEmpty() ? Optional.empty() : Optional.of(PropertyRecord.from(rows.get(0)).zone());
          cache.put(propertyId, new Entry(zone, System.currentTimeMillis()));
          return zone;
        })
        .recover(err -> e != null ? Future.succeededFuture(e.zone()) : Future.failedFuture(err));
  }

  private synchronized Future<PreparedStatement> prepared() {
    if (select == null || select.failed()) {
      select = cassandra.prepare(PropertiesTable.selectZoneById());
    }
    return select;
  }
}
