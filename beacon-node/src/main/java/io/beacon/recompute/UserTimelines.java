package io.beacon.recompute;

import io.beacon.api.UserTimelineJson;
import io.beacon.infra.clients.PropertyLookup;
import io.beacon.model.Hit;
import io.beacon.model.explorer.TimelineRequest;
import io.beacon.model.explorer.UserTimeline;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The user explorer (docs/analytics-model.md, "User explorer"): one person's raw hits of a range, read by client id
 * (that client) or by user id (every client whose hits of the range carry it, at most {@value #MAX_CLIENTS}), latest
 * first, each client's read bound to the property and the id as parameters; then {@link UserTimeline} forms their
 * sessions by the property's session rules and key events. Same {@link LoadControl} slots and deadline as funnels
 * and cohorts, on the recompute worker verticle. Memory: at most {@value #MAX_HITS} hits held (a person with more in
 * the range, a scraper that passed as human, is read up to that and answered truncated).
 */
final class UserTimelines {
  /** Clients one user id may join; more is not one person but a shared or leaked id. */
  static final int MAX_CLIENTS = 100;
  /** The most hits one answer holds (ten times the largest limit: the sessions' totals stay exact up to it). */
  static final int MAX_HITS = 100_000;
  /** What a timeline reads: sessions' own columns, the user id, the page, device and place, the parameters. */
  static final Set<String> COLUMNS;

  static {
    Set<String> cols = new LinkedHashSet<>(RawHits.METRIC_COLUMNS);
    cols.addAll(List.of("user_id", "page_title", "device_category", "browser", "country", "params"));
    COLUMNS = Set.copyOf(cols);
  }


  private final RawReads reads;

  UserTimelines(RawReads reads) {
    this.reads = reads;
  }

  Future<JsonObject> run(String propertyId, ZoneId zone, TimelineRequest request, JsonObject body) {
    return reads.scoped().settings(propertyId).compose(settings -> {
      // Identical concurrent requests share one computation (the key is a hash: the id is never kept in clear).
      String key = "timeline:" + PersonReads.key(propertyId, zone.getId(), settings.sessionRules().toString(),
          new java.util.TreeSet<>(settings.keyEvents()).toString(), request.dateRange().toString(), body.encode());
      return reads.load().submit(propertyId, key, () -> compute(propertyId, zone, settings, request));
    });
  }

  /** The read reached {@link #MAX_HITS}: the rest of it is left unread. */
  private static final class Full extends RuntimeException {
    Full() {
      super("full", null, false, false);
    }
  }

  private Future<JsonObject> compute(String propertyId, ZoneId zone, PropertyLookup.Reporting settings,
      TimelineRequest request) {
    Timer.Sample sample = Timer.start(reads.meters());
    long started = System.currentTimeMillis();
    Instant from = request.dateRange().start().atStartOfDay(zone).toInstant();
    Instant to = request.dateRange().end().plusDays(1).atStartOfDay(zone).toInstant();
    Future<Set<String>> clients = request.kind() == TimelineRequest.IdKind.CLIENT_ID
        ? Future.succeededFuture(Set.of(request.id()))
        : reads.raw().clientsOfUser(propertyId, request.id(), from, to, MAX_CLIENTS);
    List<Hit> hits = new ArrayList<>();
    long[] rows = {0};
    boolean[] full = {false};
    RawHits.Pacer deadline = PersonReads.deadline(started, reads.config().reportTimeoutMs());
    return clients.compose(ids -> {
      Future<Void> chain = Future.succeededFuture();
      for (String client : ids) {
        chain = chain.compose(v -> full[0] ? Future.succeededFuture()
            : reads.raw().streamClient(reads.vertx(), propertyId, client,
            from, to, COLUMNS, deadline, hit -> {
              rows[0]++;
              if (Boolean.TRUE.equals(hit.isBot())) {
                return; // bots are not the person's timeline (docs: "Bots")
              }
              if (hits.size() >= MAX_HITS) {
                throw new Full();
              }
              hits.add(ScopedRead.withKeyEvents(hit, settings.keyEvents()));
            }).<Void>mapEmpty().recover(e -> {
              if (e instanceof Full) {
                full[0] = true;
                return Future.succeededFuture();
              }
              return Future.failedFuture(e);
            }));
      }
      return chain;
    }).map(v -> {
      UserTimeline.Timeline timeline = UserTimeline.of(hits, settings.sessionRules(), request.limit());
      reads.meters().counter("beacon_recompute_hits_scanned_total", "kind", "report").increment(rows[0]);
      sample.stop(reads.meters().timer("beacon_recompute_report_seconds"));
      Map<String, Object> metadata = PersonReads.metadata(zone, rows[0], timeline.person() == null ? 0 : 1);
      metadata.remove("exact"); // a truncated read's totals are not; "truncated" says whether it was
      return UserTimelineJson.toJson(request, timeline, timeline.truncated() || full[0], zone, metadata);
    }).recover(e -> Future.failedFuture(PersonReads.failure(e, "user timeline", reads.config().reportTimeoutMs())));
  }
}
