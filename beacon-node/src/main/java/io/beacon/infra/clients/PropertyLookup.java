package io.beacon.infra.clients;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import io.beacon.model.session.SessionRules;
import io.beacon.store.cassandra.PropertiesTable;
import io.beacon.store.cassandra.PropertyRecord;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * What reports need of a property: its reporting time zone (days in reports are days there; a missing or invalid
 * zone is UTC), its key-event names and its session settings (which apply to history: docs/analytics-model.md,
 * "Key events" and "Sessions"), read from
 * the {@code properties} table ({@link PropertiesTable}) and kept for a minute: settings change rarely, reports
 * are frequent. While Cassandra fails, the settings last read are used (reports over cached data keep working).
 */
public final class PropertyLookup {
  private static final long TTL_MS = 60_000;

  /** A property's reporting settings. */
  public record Reporting(ZoneId zone, Set<String> keyEvents, SessionRules sessionRules) {
    public Reporting {
      keyEvents = Set.copyOf(keyEvents);
      sessionRules = sessionRules == null ? SessionRules.GA4 : sessionRules;
    }

    /** With GA4's default session settings. */
    public Reporting(ZoneId zone, Set<String> keyEvents) {
      this(zone, keyEvents, SessionRules.GA4);
    }
  }

  private record Entry(Optional<Reporting> reporting, long at) {}

  private final CassandraClient cassandra;
  private final Duration timeout;
  private final ConcurrentHashMap<String, Entry> cache = new ConcurrentHashMap<>();
  private Future<PreparedStatement> select;

  public PropertyLookup(CassandraClient cassandra, Duration timeout) {
    this.cassandra = cassandra;
    this.timeout = timeout;
  }

  /** The property's zone, or empty if no such property exists. */
  public Future<Optional<ZoneId>> zoneOf(String propertyId) {
    return reporting(propertyId).map(r -> r.map(Reporting::zone));
  }

  /** The property's reporting settings as read within the last minute, or empty if no such property exists. */
  public Future<Optional<Reporting>> reporting(String propertyId) {
    Entry e = cache.get(propertyId);
    if (e != null && System.currentTimeMillis() - e.at() < TTL_MS) {
      return Future.succeededFuture(e.reporting());
    }
    return read(propertyId).recover(err -> e != null ? Future.succeededFuture(e.reporting()) : Future.failedFuture(err));
  }

  /** The property's reporting settings read now: for work that must see a change made a moment ago. */
  public Future<Optional<Reporting>> fresh(String propertyId) {
    return read(propertyId);
  }

  private Future<Optional<Reporting>> read(String propertyId) {
    return prepared()
        .compose(ps -> cassandra.executeWithFullFetch(ps.bind(propertyId)))
        .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .map(rows -> {
          Optional<Reporting> reporting = Optional.empty();
          if (!rows.isEmpty()) {
            PropertyRecord p = PropertyRecord.from(rows.get(0));
            reporting = Optional.of(new Reporting(p.zone(), p.keyEvents(), p.sessionRules()));
          }
          cache.put(propertyId, new Entry(reporting, System.currentTimeMillis()));
          return reporting;
        });
  }

  private synchronized Future<PreparedStatement> prepared() {
    if (select == null || select.failed()) {
      select = cassandra.prepare(PropertiesTable.selectReportingById());
    }
    return select;
  }
}
