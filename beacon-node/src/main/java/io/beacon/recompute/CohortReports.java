package io.beacon.recompute;

import io.beacon.api.CohortJson;
import io.beacon.model.cohort.Cohort;
import io.beacon.model.cohort.CohortActivity;
import io.beacon.model.cohort.CohortRequest;
import io.beacon.model.cohort.CohortTable;
import io.beacon.model.session.SessionRules;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Cohort reports from raw hits (docs/analytics-model.md, "Retention cohorts"): streams the raw hits from the
 * earliest cohort's start to the end of the latest cohort's last period ordered by client
 * ({@link RawHits#streamByClient}, one person held at a time), keeps each person whose earliest event of the read
 * lies in some cohort's range (their first event time and returning days, {@link CohortActivity}), then looks their
 * recorded first visits up in {@code first_visits} (a person first seen before the read is in no cohort) and counts
 * them with {@link CohortTable}. Same {@link LoadControl} slots and deadline as funnels and ad-hoc reports, on the
 * recompute worker verticle. Not cached (yet).
 */
final class CohortReports {
  private final FirstVisits firsts;

  private final RawReads reads;

  CohortReports(RawReads reads, FirstVisits firsts) {
    this.reads = reads;
    this.firsts = firsts;
  }

  /** The raw columns a cohort report reads: ids, time, event, bot flag, sessions' own, and its filters' fields. */
  static Set<String> columns(CohortRequest request) {
    Set<String> cols = new LinkedHashSet<>(RawHits.METRIC_COLUMNS);
    cols.add("client_id");
    request.fields().forEach(f -> cols.addAll(RawHits.columnsOf(f)));
    return cols;
  }

  Future<JsonObject> run(String propertyId, ZoneId zone, CohortRequest request, JsonObject body) {
    return reads.scoped().settings(propertyId).compose(settings -> {
      // Identical concurrent requests share one computation: property, zone, session rules, resolved days, body.
      String key = "cohort:" + PersonReads.key(propertyId, zone.getId(), settings.sessionRules().toString(),
          request.cohorts().toString(), body.encode());
      return reads.load().submit(propertyId, key, () -> compute(propertyId, zone, settings.sessionRules(), request));
    });
  }

  private Future<JsonObject> compute(String propertyId, ZoneId zone, SessionRules rules, CohortRequest request) {
    Timer.Sample sample = Timer.start(reads.meters());
    long started = System.currentTimeMillis();
    Instant from = request.readStart().atStartOfDay(zone).toInstant();
    Instant to = request.readEnd().atStartOfDay(zone).toInstant();
    CohortActivity activity = new CohortActivity(request, rules, zone);
    Map<String, CohortActivity.Outcome> candidates = new HashMap<>();
    PersonReads.ByPerson person = new PersonReads.ByPerson(hits -> {
      CohortActivity.Outcome o = activity.evaluate(hits);
      if (o != null && o.qualifies() && inSomeCohort(request, o.firstSessionDate(null, zone))) {
        candidates.put(hits.get(0).clientId(), o);
      }
    });
    RawHits.Pacer deadline = PersonReads.deadline(started, reads.config().reportTimeoutMs());
    return reads.raw().streamByClient(reads.vertx(), propertyId, from, to, columns(request), deadline, person)
        .compose(rows -> {
          person.flush();
          if (System.currentTimeMillis() - started > reads.config().reportTimeoutMs()) {
            return Future.failedFuture(new PersonReads.DeadlineExceeded());
          }
          return firsts.known(propertyId, candidates.keySet()).map(known -> {
            CohortTable table = new CohortTable(request);
            candidates.forEach((client, o) -> table.add(o, o.firstSessionDate(known.get(client), zone)));
            reads.meters().counter("beacon_recompute_hits_scanned_total", "kind", "report").increment(rows);
            sample.stop(reads.meters().timer("beacon_recompute_report_seconds"));
            return CohortJson.toJson(request, table, PersonReads.metadata(zone, rows, table.persons()));
          });
        })
        .recover(e -> Future.failedFuture(PersonReads.failure(e, "cohort report", reads.config().reportTimeoutMs())));
  }

  private static boolean inSomeCohort(CohortRequest request, LocalDate day) {
    for (Cohort c : request.cohorts()) {
      if (c.holds(day)) {
        return true;
      }
    }
    return false;
  }
}
