package io.beacon.query;

import io.beacon.query.auth.Accounts;
import io.beacon.store.cassandra.PropertiesTable;
import io.beacon.store.cassandra.PropertyRecord;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GA4 property ids in Data API paths ({@code /v1beta/properties/123456789:runReport}, as scripts written for GA4 name
 * their property): a property's {@code gaPropertyId} answers for it, so such a script only changes its endpoint. The
 * path is routed again with the Beacon id, so every check and answer is the one for that property; an id no property
 * carries goes on as it is (and is refused as an unknown property).
 *
 * <p>The table's ids are read at most once per {@link #TTL_MS} (a few properties, one small column).
 */
final class GaPropertyIds {
  static final long TTL_MS = 5_000;
  private static final String REROUTED = "beacon.gaPropertyId";
  private static final Pattern PATH = Pattern.compile("/(v1beta|v1alpha)/properties/([0-9]{1,20})((?::[A-Za-z]+)|/metadata)");

  private final Accounts accounts;
  private Map<String, String> byGaId = Map.of();
  /** When {@link #byGaId} was read (epoch ms; 0: never, so the first request reads it). */
  private long loadedAt;
  private Future<Map<String, String>> loading;

  GaPropertyIds(Accounts accounts) {
    this.accounts = accounts;
  }

  /** Routes a Data API request naming a GA4 property id again with the Beacon id; the others go on. */
  void handle(RoutingContext rc) {
    Matcher m = PATH.matcher(rc.normalizedPath());
    // Once: a property whose own id is digits is not looked up again (nor sent round in circles).
    if (!m.matches() || rc.get(REROUTED) != null) {
      rc.next();
      return;
    }
    String version = m.group(1);
    String gaId = m.group(2);
    String suffix = m.group(3);
    HttpMethod method = rc.request().method();
    ids().onComplete(r -> {
      String beaconId = r.succeeded() ? r.result().get(gaId) : null;
      if (beaconId == null) {
        rc.next();
      } else {
        rc.put(REROUTED, gaId);
        rc.reroute(method, "/" + version + "/properties/" + beaconId + suffix);
      }
    });
  }

  /** The GA4 property id the request's path named its property by, or null if it named it by its own id. */
  static String namedBy(RoutingContext rc) {
    return rc.get(REROUTED);
  }

  private synchronized Future<Map<String, String>> ids() {
    long now = System.currentTimeMillis();
    if (now - loadedAt < TTL_MS) {
      return Future.succeededFuture(byGaId);
    }
    if (loading == null) {
      loading = accounts.rows(PropertiesTable.selectGaPropertyIds()).map(rows -> {
        Map<String, String> ids = new HashMap<>();
        rows.forEach(row -> {
          PropertyRecord p = PropertyRecord.from(row);
          if (p.gaPropertyId() != null) {
            // The admin API keeps one property per id; should two race, the smaller Beacon id answers.
            ids.merge(p.gaPropertyId(), p.propertyId(), (a, b) -> a.compareTo(b) <= 0 ? a : b);
          }
        });
        return Map.copyOf(ids);
      }).onComplete(r -> {
        synchronized (this) {
          if (r.succeeded()) {
            byGaId = r.result();
            loadedAt = System.currentTimeMillis();
          }
          loading = null;
        }
      });
    }
    return loading;
  }
}
