package io.beacon.collector;

import io.beacon.collector.enrich.Enricher;
import io.beacon.collector.enrich.GeoLookup;
import io.beacon.collector.enrich.UserAgents;
import io.beacon.collector.protocol.ParseResult;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link Ingest}'s property checks without Ignite, Kafka or Cassandra: a registry over an in-memory table, and
 * requests that stop before the de-dup claim (the debug endpoint's dry run, or hits the checks refuse).
 */
final class IngestHarness implements AutoCloseable {
  static final long NOW = 1_750_000_000_000L;
  static final long H72 = 72 * 3_600_000L;
  static final String CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
      + "Chrome/131.0.0.0 Safari/537.36";

  final Map<String, PropertyInfo> table = new ConcurrentHashMap<>();
  final GeoLookup geo;
  final PropertyRegistry registry;
  final Ingest ingest;

  /** Each UTC day's cookieless salt: 32 bytes of the day number. */
  static final CookielessIds.Salts SALTS = (ctx, day) -> Future.succeededFuture(java.nio.ByteBuffer.allocate(32)
      .putLong(day).array());

  IngestHarness(PropertyInfo... properties) throws Exception {
    for (PropertyInfo p : properties) {
      table.put(p.id(), p);
    }
    geo = GeoLookup.open("");
    registry = new PropertyRegistry(null, new PropertyRegistry.Source() {
      @Override
      public Future<Void> prepare() {
        return Future.succeededFuture();
      }

      @Override
      public Future<List<PropertyInfo>> all() {
        return Future.succeededFuture(List.copyOf(table.values()));
      }

      @Override
      public Future<PropertyInfo> one(String id) {
        return Future.succeededFuture(table.get(id));
      }
    }, 30_000, System::nanoTime);
    registry.reload().result();
    ingest = new Ingest(registry, null, new Enricher(new UserAgents(), geo), null, new RateLimits(0, 1000),
        new SimpleMeterRegistry(), H72, 600_000, () -> null, new CookielessIds(SALTS));
  }

  static Enricher.RequestInfo browser(String ip, String userAgent) {
    return browser(ip, userAgent, NOW);
  }

  static Enricher.RequestInfo browser(String ip, String userAgent, long nowMs) {
    return new Enricher.RequestInfo(ip, userAgent, null, null, nowMs);
  }

  /** Handles a parsed request (synchronously: nothing here waits) and returns its outcome. */
  Ingest.Outcome handle(ParseResult parsed, Ingest.Request request) {
    Future<Ingest.Outcome> f = ingest.handle(parsed, request);
    if (!f.isComplete()) {
      throw new IllegalStateException("the request went past the checks (a claim or hand-off was attempted)");
    }
    return f.result();
  }

  @Override
  public void close() throws Exception {
    geo.close();
  }
}
