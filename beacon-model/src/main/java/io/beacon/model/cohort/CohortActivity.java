package io.beacon.model.cohort;

import io.beacon.model.Hit;
import io.beacon.model.report.DimensionFilter;
import io.beacon.model.report.EventFields;
import io.beacon.model.session.ClientHistory;
import io.beacon.model.session.Scope;
import io.beacon.model.session.SessionRules;
import io.beacon.model.session.Sessions;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * One person's part in a cohort report (docs/analytics-model.md, "Retention cohorts"): when they were first seen in
 * the read, whether that first event passes the first-session filter, and the local days on which they returned. A
 * pure function of the person's hits of the read, whatever order they arrived in: bots are dropped, the rest are put
 * in event order and given their sessions by the model's {@link Sessions}.
 */
public final class CohortActivity {
  private final CohortRequest request;
  private final SessionRules rules;
  private final ZoneId zone;
  private final List<String> fields;
  private final List<BiFunction<Hit, Scope, String>> readers;

  public CohortActivity(CohortRequest request, SessionRules rules, ZoneId zone) {
    this.request = request;
    this.rules = rules;
    this.zone = zone;
    this.fields = List.copyOf(request.fields());
    this.readers = fields.stream().map(EventFields::reader).toList();
  }

  /**
   * A person as the read saw them.
   *
   * @param firstTs     event time of their earliest non-bot event in the read
   * @param qualifies   whether that event (with its session) matches the first-session filter
   * @param activeDays  the distinct local days (epoch days, ascending) of their events that match the returning
   *                    condition
   */
  public record Outcome(long firstTs, boolean qualifies, long[] activeDays) {
    /**
     * The local day of the person's first session ever, knowing {@code known} (their recorded first visit, from
     * before the read or in it); null if they were first seen before their earliest event of the read, so belong to
     * no cohort of the report.
     */
    public LocalDate firstSessionDate(ClientHistory known, ZoneId zone) {
      if (known != null && known.known() && known.firstTs() < firstTs) {
        return null;
      }
      return LocalDate.ofInstant(Instant.ofEpochMilli(firstTs), zone);
    }
  }

  /** The outcome of one person's hits of the read (any order, bots included: they are dropped); null: no event. */
  public Outcome evaluate(List<Hit> personHits) {
    List<Hit> hits = new ArrayList<>(personHits.size());
    for (Hit h : personHits) {
      if (!Boolean.TRUE.equals(h.isBot())) {
        hits.add(h);
      }
    }
    if (hits.isEmpty()) {
      return null;
    }
    List<Sessions.Scoped> events = Sessions.scope(hits, ClientHistory.NONE, rules);
    DimensionFilter returnOn = request.returnOn();
    DimensionFilter first = request.firstSessionFilter();
    boolean qualifies = true;
    long[] days = new long[8];
    int n = 0;
    for (int i = 0; i < events.size(); i++) {
      Sessions.Scoped e = events.get(i);
      Map<String, String> v = values(e);
      if (i == 0 && first != null) {
        qualifies = first.matches(v);
      }
      if (returnOn == null || returnOn.matches(v)) {
        long day = LocalDate.ofInstant(Instant.ofEpochMilli(e.hit().ts()), zone).toEpochDay();
        // Events are in time order, so their days never decrease: a new day is larger than the last one kept.
        if (n == 0 || days[n - 1] != day) {
          if (n == days.length) {
            days = Arrays.copyOf(days, n * 2);
          }
          days[n++] = day;
        }
      }
    }
    return new Outcome(events.get(0).hit().ts(), qualifies, Arrays.copyOf(days, n));
  }

  private Map<String, String> values(Sessions.Scoped e) {
    if (fields.isEmpty()) {
      return Map.of();
    }
    Map<String, String> v = new HashMap<>(fields.size() * 2);
    for (int f = 0; f < fields.size(); f++) {
      v.put(fields.get(f), readers.get(f).apply(e.hit(), e.scope()));
    }
    return v;
  }
}
