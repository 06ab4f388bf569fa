package io.beacon.recompute;

import io.beacon.api.FunnelJson;
import io.beacon.model.funnel.AbandonedUsers;
import io.beacon.model.funnel.FunnelAggregation;
import io.beacon.model.funnel.FunnelPath;
import io.beacon.model.funnel.FunnelRequest;
import io.beacon.model.session.SessionRules;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.ZoneId;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Funnel reports from raw hits (docs/analytics-model.md, "Funnels"): streams the range's raw hits ordered by client
 * ({@link RawHits#streamByClient}), hands each person's hits to the model's {@link FunnelPath} as soon as the next
 * person's begin (one person held at a time) and counts the outcomes with {@link FunnelAggregation}. Runs in the
 * same {@link LoadControl} slots as ad-hoc reports, on the recompute worker verticle (never an event loop), and
 * gives up once the query side's wait ({@code recompute.reportTimeoutMs}) is over. Not cached (yet).
 */
final class FunnelReports {

  private final RawReads reads;

  FunnelReports(RawReads reads) {
    this.reads = reads;
  }

  /** The raw columns a funnel reads: ids, time, event, bot flag, sessions' own, and its conditions' fields. */
  static Set<String> columns(FunnelRequest request) {
    Set<String> cols = new LinkedHashSet<>(RawHits.METRIC_COLUMNS);
    cols.add("client_id");
    request.funnel().fields().forEach(f -> cols.addAll(RawHits.columnsOf(f)));
    if (request.breakdown() != null) {
      cols.addAll(RawHits.columnsOf(request.breakdown()));
    }
    return cols;
  }

  Future<JsonObject> run(String propertyId, ZoneId zone, FunnelRequest request, JsonObject body) {
    return reads.scoped().settings(propertyId).compose(settings -> {
      String key = "funnel:" + key(propertyId, zone, settings.sessionRules(), request, body);
      return reads.load().submit(propertyId, key, () -> compute(propertyId, zone, settings.sessionRules(), request));
    });
  }

  /** Identical concurrent requests share one computation: property, zone, session rules, resolved range, body. */
  private static String key(String propertyId, ZoneId zone, SessionRules rules, FunnelRequest request,
      JsonObject body) {
    return PersonReads.key(propertyId, zone.getId(), rules.toString(), request.dateRange().toString(), body.encode());
  }

  private Future<JsonObject> compute(String propertyId, ZoneId zone, SessionRules rules, FunnelRequest request) {
    Timer.Sample sample = Timer.start(reads.meters());
    long started = System.currentTimeMillis();
    Instant from = request.dateRange().start().atStartOfDay(zone).toInstant();
    Instant to = request.dateRange().end().plusDays(1).atStartOfDay(zone).toInstant();
    FunnelPath path = new FunnelPath(request.funnel(), rules, request.breakdown());
    FunnelAggregation counts = new FunnelAggregation(request.funnel().steps().size(), reads.config().maxGroups());
    AbandonedUsers abandoned = request.abandonedAtStep() == 0 ? null
        : new AbandonedUsers(request.abandonedAtStep() - 1, AbandonedUsers.LIMIT);
    PersonReads.ByPerson person = new PersonReads.ByPerson(hits -> {
      FunnelPath.Result result = path.evaluate(hits, request.breakdown());
      counts.add(result);
      if (abandoned != null) {
        abandoned.add(hits.get(0).clientId(), result);
      }
    });
    // The query side stops waiting after reportTimeoutMs: stop reading then too, freeing the slot.
    RawHits.Pacer deadline = PersonReads.deadline(started, reads.config().reportTimeoutMs());
    return reads.raw().streamByClient(reads.vertx(), propertyId, from, to, columns(request), deadline, person)
        .recover(e -> Future.failedFuture(PersonReads.failure(e, "funnel", reads.config().reportTimeoutMs())))
        .map(rows -> {
          person.flush();
          reads.meters().counter("beacon_recompute_hits_scanned_total", "kind", "report").increment(rows);
          sample.stop(reads.meters().timer("beacon_recompute_report_seconds"));
          JsonObject answer = FunnelJson.toJson(request, counts, PersonReads.metadata(zone, rows, counts.persons()));
          return abandoned == null ? answer : answer.put("abandonedUsers", FunnelJson.abandoned(abandoned));
        });
  }
}
