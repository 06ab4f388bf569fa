package io.beacon.recompute;

import io.beacon.infra.clients.PropertyLookup;
import io.beacon.model.Hit;
import io.beacon.model.session.ClientHistory;
import io.beacon.model.session.OrderedScoper;
import io.beacon.model.session.Scope;
import io.beacon.model.session.SessionRules;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Raw hits with the session scope they count with (docs/analytics-model.md, "Semantics"), as the stream counts
 * them: for each interval, the raw read is widened by {@link #MARGIN} on both sides so the sessions of its edge
 * events are whole (their earliest event gives the attribution; engagement is a whole-session fact), the
 * clients' first visits before the read come from {@code first_visits}, and only the events inside the interval
 * reach the sink. First visits the read finds earlier than recorded are written back (the table keeps the
 * earliest). Intervals are read one after the other, so a first visit found in one is known in the next. Key
 * events and session settings are the property's now, not what the collector stamped at ingest: a change of
 * them applies to history (docs/analytics-model.md, "Key events" and "Sessions").
 *
 * <p>Limit (documented): a session with a gap longer than {@link #MARGIN}, or reaching further than it beyond
 * the interval, is cut at the read's edge here, while the stream keeps it whole.
 */
final class ScopedRead {
  /** How far beyond an interval the read reaches, and the longest gap inside a session it keeps whole. */
  static final Duration MARGIN = Duration.ofHours(12);

  private final Vertx vertx;
  private final RawHits raw;
  private final FirstVisits firsts;
  private final PropertyLookup properties;

  /** An unknown property's settings: no key events, GA4's session defaults. */
  static final PropertyLookup.Reporting UNKNOWN = new PropertyLookup.Reporting(ZoneOffset.UTC, Set.of(),
      SessionRules.GA4);

  ScopedRead(Vertx vertx, RawHits raw, FirstVisits firsts, PropertyLookup properties) {
    this.vertx = vertx;
    this.raw = raw;
    this.firsts = firsts;
    this.properties = properties;
  }

  /** The property's settings (key events, session rules) as read within the last minute (reports). */
  Future<PropertyLookup.Reporting> settings(String propertyId) {
    return properties.reporting(propertyId).map(r -> r.orElse(UNKNOWN));
  }

  /** The property's settings read now (jobs, which may follow a change of them at once). */
  Future<PropertyLookup.Reporting> settingsNow(String propertyId) {
    return properties.fresh(propertyId).map(r -> r.orElse(UNKNOWN));
  }

  /** The hit as a key event or not by the names {@code keyEvents}, whatever the collector stamped then. */
  static Hit withKeyEvents(Hit hit, Set<String> keyEvents) {
    boolean key = hit.eventName() != null && keyEvents.contains(hit.eventName());
    return key == Boolean.TRUE.equals(hit.keyEvent()) ? hit : hit.toBuilder().keyEvent(key).build();
  }

  /**
   * Feeds every hit of {@code propertyId} in the {@code intervals} ([from, to) pairs, sorted, disjoint) with its
   * scope to {@code sink} (bots: a null scope), on the caller's context, each a key event by the names of {@code
   * settings} and its session decided by its rules. Completes with the raw rows read.
   */
  Future<Long> stream(String propertyId, PropertyLookup.Reporting settings, List<Instant[]> intervals,
      Collection<String> columns, RawHits.Pacer pacer, BiConsumer<Hit, Scope> sink) {
    Set<String> cols = new LinkedHashSet<>(RawHits.METRIC_COLUMNS);
    cols.addAll(columns);
    Map<String, ClientHistory> learnt = new HashMap<>();
    Future<Long> chain = Future.succeededFuture(0L);
    for (Instant[] interval : intervals) {
      chain = chain.compose(total -> one(propertyId, settings, interval[0], interval[1], cols, pacer, sink, learnt)
          .map(rows -> total + rows));
    }
    return chain;
  }

  private Future<Long> one(String propertyId, PropertyLookup.Reporting settings, Instant from, Instant to, Collection<String> cols,
      RawHits.Pacer pacer, BiConsumer<Hit, Scope> sink, Map<String, ClientHistory> learnt) {
    Instant readFrom = from.minus(MARGIN);
    Instant readTo = to.plus(MARGIN);
    long fromMs = from.toEpochMilli();
    long toMs = to.toEpochMilli();
    long readFromMs = readFrom.toEpochMilli();
    return raw.clients(propertyId, readFrom, readTo)
        .compose(clients -> firsts.known(propertyId, clients))
        .compose(known -> {
          // Only what lies before the read is history; a recorded first visit inside it is found again here.
          Map<String, ClientHistory> before = new HashMap<>();
          BiConsumer<String, ClientHistory> keepEarlier = (c, h) -> {
            if (h.firstTs() < readFromMs) {
              before.merge(c, h, (a, b) -> a.firstTs() <= b.firstTs() ? a : b);
            }
          };
          known.forEach(keepEarlier);
          learnt.forEach(keepEarlier);
          OrderedScoper scoper = new OrderedScoper(settings.sessionRules(), MARGIN.toMillis(), before::get, scoped -> {
            long ts = scoped.hit().ts();
            if (ts >= fromMs && ts < toMs) {
              sink.accept(scoped.hit(), scoped.scope());
            }
          });
          return raw.stream(vertx, propertyId, readFrom, readTo, cols, pacer,
              hit -> scoper.accept(withKeyEvents(hit, settings.keyEvents()))).compose(rows -> {
            scoper.finish();
            Map<String, ClientHistory> found = scoper.discovered();
            learnt.putAll(found);
            return firsts.record(propertyId, found).map(rows);
          });
        });
  }
}
