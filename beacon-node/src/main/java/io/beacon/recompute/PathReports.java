package io.beacon.recompute;

import io.beacon.api.PathJson;
import io.beacon.model.path.PathAggregation;
import io.beacon.model.path.PathRequest;
import io.beacon.model.path.PathWalk;
import io.beacon.model.session.SessionRules;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Set;

/**
 * Path explorations from raw hits (docs/analytics-model.md, "Path exploration"), read as funnels are: the range's
 * raw hits ordered by client ({@link RawHits#streamByClient}), one person's hits at a time handed to the model's
 * {@link PathWalk}, each session's path counted by {@link PathAggregation}. Same {@link LoadControl} slots and
 * deadline as funnels, on the recompute worker verticle (never an event loop). Not cached (yet).
 */
final class PathReports {
  /** What a path reads: ids, time, event, page, bot flag and the sessions' own columns. */
  static final Set<String> COLUMNS = Set.copyOf(RawHits.METRIC_COLUMNS);

  private final RawReads reads;

  PathReports(RawReads reads) {
    this.reads = reads;
  }

  Future<JsonObject> run(String propertyId, ZoneId zone, PathRequest request, JsonObject body) {
    return reads.scoped().settings(propertyId).compose(settings -> {
      SessionRules rules = settings.sessionRules();
      // Identical concurrent requests share one computation: property, zone, session rules, resolved range, body.
      String key = "path:" + PersonReads.key(propertyId, zone.getId(), rules.toString(),
          request.dateRange().toString(), body.encode());
      return reads.load().submit(propertyId, key, () -> compute(propertyId, zone, rules, request));
    });
  }

  private Future<JsonObject> compute(String propertyId, ZoneId zone, SessionRules rules, PathRequest request) {
    Timer.Sample sample = Timer.start(reads.meters());
    long started = System.currentTimeMillis();
    Instant from = request.dateRange().start().atStartOfDay(zone).toInstant();
    Instant to = request.dateRange().end().plusDays(1).atStartOfDay(zone).toInstant();
    PathWalk walk = new PathWalk(request, rules);
    PathAggregation counts = new PathAggregation(request.steps(), reads.config().maxGroups());
    long[] persons = {0};
    PersonReads.ByPerson person = new PersonReads.ByPerson(hits -> {
      List<List<String>> paths = walk.paths(hits);
      if (!paths.isEmpty()) {
        persons[0]++;
        paths.forEach(counts::add);
      }
    });
    // The query side stops waiting after reportTimeoutMs: stop reading then too, freeing the slot.
    RawHits.Pacer deadline = PersonReads.deadline(started, reads.config().reportTimeoutMs());
    return reads.raw().streamByClient(reads.vertx(), propertyId, from, to, COLUMNS, deadline, person)
        .map(rows -> {
          person.flush();
          reads.meters().counter("beacon_recompute_hits_scanned_total", "kind", "report").increment(rows);
          sample.stop(reads.meters().timer("beacon_recompute_report_seconds"));
          return PathJson.toJson(request, counts.result(request.topPerStep()),
              PersonReads.metadata(zone, rows, persons[0]));
        })
        .recover(e -> Future.failedFuture(PersonReads.failure(e, "path report", reads.config().reportTimeoutMs())));
  }
}
