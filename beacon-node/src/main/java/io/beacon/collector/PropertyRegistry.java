package io.beacon.collector;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.beacon.infra.Retries;
import io.beacon.store.cassandra.PropertiesTable;
import io.beacon.store.cassandra.PropertyRecord;
import io.beacon.store.cassandra.StreamIds;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The properties the collector accepts hits for, from Cassandra's {@code properties} table
 * ({@link PropertiesTable}). The whole table is reloaded on a timer, so the hot path reads memory
 * and never waits on Cassandra. An id not in memory (a property created since the last reload) is looked up by key:
 * at most {@link #LOOKUPS_PER_SECOND} lookups a second, one at a time per id, only for ids shaped like property ids
 * ({@link #WELL_FORMED}). An id found missing is remembered as unknown for {@link #UNKNOWN_TTL} (at most {@link
 * #MAX_UNKNOWN} ids, the least used dropped first), so a property created meanwhile is accepted within that time,
 * however many unknown ids were sent. A lookup refused by the rate is a failure (the client is answered 503 and
 * retries), not an unknown property: a flood of made-up ids does not make a new property's hits rejected.
 *
 * <p>Plausible's Events API names a property by a domain ({@link #byDomain}): the table has no index by domain, so a
 * domain not in memory makes the registry reload the whole table, at most once per {@link #UNKNOWN_TTL} (a domain
 * just given to a property is found within that time; a flood of unknown domains costs one table read per that
 * time). Should two properties claim one domain (the admin API refuses it, but two admins may race), the property
 * with the smaller id has it, and the conflict is logged.
 *
 * <p>Hits may name a property by one of its stream ids ({@link StreamIds}: a G-/UA- measurement id or a Firebase app
 * id its tags already carry) as well as by its id: an id the table has no key for is looked up among the stream ids,
 * in memory, with the same once-per-{@link #UNKNOWN_TTL} reload for an id not found there.
 */
final class PropertyRegistry {
  private static final Logger LOG = LoggerFactory.getLogger(PropertyRegistry.class);
  /** What a property id looks like (the admin API's ids, {@code B-XXXXXXXX}, and any id of up to 64 such characters). */
  static final Pattern WELL_FORMED = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  static final int MAX_UNKNOWN = 10_000;
  static final Duration UNKNOWN_TTL = Duration.ofSeconds(5);
  static final int LOOKUPS_PER_SECOND = 100;

  /** Where the properties come from: the {@code properties} table (a fake in tests). */
  interface Source {
    /** Gets ready (prepares statements); called once, before anything else. */
    Future<Void> prepare();

    /** Every property. */
    Future<List<PropertyInfo>> all();

    /** The property, or null if there is none. */
    Future<PropertyInfo> one(String id);
  }

  /** A lookup was refused by the lookup rate: the client should retry. */
  static final class LookupThrottledException extends RuntimeException {
    LookupThrottledException() {
      super("property lookups over " + LOOKUPS_PER_SECOND + "/s", null, false, false);
    }
  }

  private final Vertx vertx;
  private final Source source;
  private final long refreshMs;
  private final Ticker ticker;
  private volatile Map<String, PropertyInfo> known = Map.of();
  /** Plausible domain (normalized) to property, built with {@link #known}. */
  private volatile Map<String, PropertyInfo> domains = Map.of();
  /** Stream id (normalized) to property, built with {@link #known}. */
  private volatile Map<String, PropertyInfo> streams = Map.of();
  private String domainConflicts = "";
  /** When the last reload started ({@link Ticker} nanos), and the reload an unknown domain is waiting for. */
  private long lastReload = Long.MIN_VALUE;
  private Future<Void> domainReload;
  private final Cache<String, Boolean> unknown;
  private final Map<String, Future<PropertyInfo>> lookups = new ConcurrentHashMap<>();
  private long lookupSecond = Long.MIN_VALUE;
  private int lookupsThisSecond;
  private long timer = -1;

  PropertyRegistry(Vertx vertx, CassandraClient cassandra, long refreshMs) {
    this(vertx, new CassandraSource(cassandra), refreshMs, Ticker.systemTicker());
  }

  PropertyRegistry(Vertx vertx, Source source, long refreshMs, Ticker ticker) {
    this.vertx = vertx;
    this.source = source;
    this.refreshMs = refreshMs;
    this.ticker = ticker;
    this.unknown = Caffeine.newBuilder().maximumSize(MAX_UNKNOWN).expireAfterWrite(UNKNOWN_TTL).ticker(ticker)
        .executor(Runnable::run).build();
  }

  /** Prepares the statements and loads the table once; then reloads every {@code refreshMs}. */
  Future<Void> start() {
    // vertx-cassandra-client 5.0.7 fails with IllegalStateException when two verticle instances open the node's
    // shared session at the same moment; the session is up by then, so try again.
    return Retries.run(vertx, Retries.<Void>backoff(Duration.ofMillis(200), Duration.ofMillis(400),
        IllegalStateException.class).withMaxAttempts(3).build(), () -> source.prepare().compose(v -> reload()))
        .onSuccess(v -> timer = vertx.setPeriodic(refreshMs, t -> reload()
            .onFailure(e -> LOG.warn("Reloading properties from Cassandra failed; keeping {} cached ({})", known.size(), e.toString()))));
  }

  Future<Void> reload() {
    synchronized (this) {
      lastReload = ticker.read();
    }
    return source.all().map(all -> {
      Map<String, PropertyInfo> fresh = new HashMap<>();
      all.forEach(p -> fresh.put(p.id(), p));
      install(fresh);
      unknown.invalidateAll();
      return null;
    });
  }

  /** Makes {@code properties} the known ones, and indexes their Plausible domains. */
  private synchronized void install(Map<String, PropertyInfo> properties) {
    known = Map.copyOf(properties);
    Map<String, PropertyInfo> index = new HashMap<>();
    java.util.TreeSet<String> conflicts = new java.util.TreeSet<>();
    properties.values().stream().sorted(java.util.Comparator.comparing(PropertyInfo::id)).forEach(p -> {
      for (String d : p.plausibleDomains()) {
        PropertyInfo first = index.putIfAbsent(d, p);
        if (first != null) {
          conflicts.add("'" + d + "' of " + first.id() + " and " + p.id());
        }
      }
    });
    domains = Map.copyOf(index);
    Map<String, PropertyInfo> streamIndex = new HashMap<>();
    properties.values().stream().sorted(java.util.Comparator.comparing(PropertyInfo::id)).forEach(p -> {
      for (String id : p.streamIds()) {
        PropertyInfo first = streamIndex.putIfAbsent(id, p);
        if (first != null) {
          conflicts.add("stream '" + id + "' of " + first.id() + " and " + p.id());
        }
      }
    });
    streams = Map.copyOf(streamIndex);
    String c = String.join(", ", conflicts);
    if (!c.isEmpty() && !c.equals(domainConflicts)) {
      LOG.warn("Plausible domains or stream ids claimed by two properties (the first one has it): {}", c);
    }
    domainConflicts = c;
  }

  /**
   * The property a Plausible domain ({@link io.beacon.store.cassandra.PlausibleDomains#normalize normalized}) names,
   * or null if none does. Completes at once for a known domain, and for an unknown one within {@link #UNKNOWN_TTL} of
   * the last reload; else after a reload of the table (fails if that fails).
   */
  Future<PropertyInfo> byDomain(String domain) {
    PropertyInfo p = domain == null ? null : domains.get(domain);
    if (p != null || domain == null) {
      return Future.succeededFuture(p);
    }
    return afterReload(() -> domains.get(domain));
  }

  /** The property a stream id (normalized) names; as {@link #byDomain}. */
  Future<PropertyInfo> byStream(String streamId) {
    PropertyInfo p = streams.get(streamId);
    return p != null ? Future.succeededFuture(p) : afterReload(() -> streams.get(streamId));
  }

  /**
   * {@code find} once the table was reloaded: null at once if it was within {@link #UNKNOWN_TTL}, else after a reload
   * (one at a time, whoever asks).
   */
  private Future<PropertyInfo> afterReload(java.util.function.Supplier<PropertyInfo> find) {
    Future<Void> reloading;
    synchronized (this) {
      reloading = domainReload;
      if (reloading == null) {
        if (lastReload != Long.MIN_VALUE && ticker.read() - lastReload < UNKNOWN_TTL.toNanos()) {
          return Future.succeededFuture(null);
        }
        Future<Void> f = reload();
        domainReload = f;
        f.onComplete(r -> {
          synchronized (this) {
            if (domainReload == f) {
              domainReload = null;
            }
          }
        });
        reloading = f;
      }
    }
    return reloading.map(v -> find.get());
  }

  /**
   * The property, or null if it does not exist. Completes at once for cached and known-unknown ids; fails with
   * {@link LookupThrottledException} when an id not in memory cannot be looked up now.
   */
  Future<PropertyInfo> get(String id) {
    PropertyInfo p = known.get(id);
    if (p == null && id != null) {
      p = streams.get(id); // the hot case of a stream id: tags send it spelled as stored, no normalizing per hit
    }
    if (p != null) {
      return Future.succeededFuture(p);
    }
    String stream = StreamIds.normalize(id);
    if (!StreamIds.valid(stream)) {
      return byKey(id);
    }
    PropertyInfo s = streams.get(stream);
    // A property may have an id shaped like a stream id (ids are the admin's choice): its key first.
    return s != null ? Future.succeededFuture(s)
        : byKey(id).compose(k -> k != null ? Future.succeededFuture(k) : byStream(stream));
  }

  /** The property whose id is {@code id}, as {@link #get} describes. */
  private Future<PropertyInfo> byKey(String id) {
    PropertyInfo p = known.get(id);
    if (p != null) {
      return Future.succeededFuture(p);
    }
    if (id == null || !WELL_FORMED.matcher(id).matches() || unknown.getIfPresent(id) != null) {
      return Future.succeededFuture(null);
    }
    Future<PropertyInfo> pending = lookups.get(id);
    if (pending != null) {
      return pending;
    }
    if (!mayLookUp()) {
      return Future.failedFuture(new LookupThrottledException());
    }
    Promise<PropertyInfo> found = Promise.promise();
    lookups.put(id, found.future());
    source.one(id).onComplete(r -> {
      lookups.remove(id);
      if (r.succeeded()) {
        PropertyInfo info = r.result();
        if (info == null) {
          unknown.put(id, Boolean.TRUE);
        } else {
          synchronized (this) {
            Map<String, PropertyInfo> copy = new HashMap<>(known);
            copy.put(id, info);
            install(copy);
          }
        }
      }
      found.handle(r);
    });
    return found.future();
  }

  /** Takes one of this second's lookups, if any is left. */
  private synchronized boolean mayLookUp() {
    long second = ticker.read() / 1_000_000_000L;
    if (second != lookupSecond) {
      lookupSecond = second;
      lookupsThisSecond = 0;
    }
    return lookupsThisSecond++ < LOOKUPS_PER_SECOND;
  }

  void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  /** The {@code properties} table. */
  private static final class CassandraSource implements Source {
    private final CassandraClient cassandra;
    private PreparedStatement all;
    private PreparedStatement one;

    CassandraSource(CassandraClient cassandra) {
      this.cassandra = cassandra;
    }

    @Override
    public Future<Void> prepare() {
      return cassandra.prepare(PropertiesTable.selectAll())
          .compose(ps -> {
            all = ps;
            return cassandra.prepare(PropertiesTable.selectById());
          })
          .map(ps -> {
            one = ps;
            return null;
          });
    }

    @Override
    public Future<List<PropertyInfo>> all() {
      return cassandra.executeWithFullFetch(all.bind()).map(rows -> {
        List<PropertyInfo> out = new ArrayList<>(rows.size());
        for (Row r : rows) {
          out.add(PropertyInfo.of(PropertyRecord.from(r)));
        }
        return out;
      });
    }

    @Override
    public Future<PropertyInfo> one(String id) {
      return cassandra.executeWithFullFetch(one.bind(id))
          .map(rows -> rows.isEmpty() ? null : PropertyInfo.of(PropertyRecord.from(rows.get(0))));
    }
  }
}
