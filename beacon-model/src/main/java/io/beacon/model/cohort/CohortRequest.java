package io.beacon.model.cohort;

import io.beacon.model.funnel.FunnelRequest;
import io.beacon.model.report.DateRangeSpec;
import io.beacon.model.report.DimensionFilter;
import io.beacon.model.report.InvalidRequestException;
import io.beacon.model.report.ProtoJson;
import io.beacon.model.report.ReportRequest;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A validated cohort report: a GA4 Data API {@code runReport} body with a {@code cohortSpec}, parsed from plain Java
 * values (objects as {@link Map}s, arrays as {@link List}s). Supported: dimensions {@code cohort} and the
 * granularity's {@code cohortNthDay|cohortNthWeek|cohortNthMonth}, metrics {@code cohortActiveUsers} and
 * {@code cohortTotalUsers}, {@code limit}, {@code offset}, {@code keepEmptyRows}; Beacon's own
 * {@code cohortSpec.returnOn} and {@code cohortSpec.firstSessionFilter}. Every other field of Google's request is
 * refused with an {@link InvalidRequestException} naming it (docs/analytics-model.md, "Retention cohorts").
 *
 * @param dimensions         the requested dimensions, in the answer's column order
 * @param metrics            the requested metrics, in the answer's column order
 * @param returnOn           what an event must match to make its person active ("returning"); null: any event
 * @param firstSessionFilter what the person's first event (with its session) must match to be in any cohort; null:
 *                           everyone
 */
public record CohortRequest(List<Cohort> cohorts, Granularity granularity, int startOffset, int endOffset,
    boolean accumulate, DimensionFilter returnOn, DimensionFilter firstSessionFilter, List<String> dimensions,
    List<String> metrics, int limit, int offset, boolean keepEmptyRows) {
  public static final String COHORT = "cohort";
  public static final String ACTIVE = "cohortActiveUsers";
  public static final String TOTAL = "cohortTotalUsers";
  /** Beacon's cap on cohorts per request (GA4 states none). */
  public static final int MAX_COHORTS = 50;
  public static final int DEFAULT_LIMIT = 10_000;

  public CohortRequest {
    cohorts = List.copyOf(cohorts);
    dimensions = List.copyOf(dimensions);
    metrics = List.copyOf(metrics);
  }

  /** The first local day the report reads: the earliest cohort's start (no cohort member has an earlier event). */
  public LocalDate readStart() {
    return cohorts.stream().map(Cohort::start).min(LocalDate::compareTo).orElseThrow();
  }

  /** The day after the last the report reads: the end of the latest cohort's period {@code endOffset}. */
  public LocalDate readEnd() {
    return cohorts.stream().map(c -> granularity.nth(c.start(), endOffset + 1L)).max(LocalDate::compareTo)
        .orElseThrow();
  }

  /** The dimension names {@code returnOn} and {@code firstSessionFilter} read. */
  public Set<String> fields() {
    Set<String> out = new LinkedHashSet<>();
    if (returnOn != null) {
      out.addAll(returnOn.fields());
    }
    if (firstSessionFilter != null) {
      out.addAll(firstSessionFilter.fields());
    }
    return out;
  }

  public static CohortRequest parse(Map<String, ?> body, ZoneId zone, LocalDate today, int maxDays) {
    if (body == null) {
      throw InvalidRequestException.of("body", "must be a JSON object");
    }
    ProtoJson.only(body, "", ReportRequest.FIELDS);
    // Named by cohortSpec: it is what makes the request a cohort report, whose dates are its cohorts' (GA4).
    if (body.get("dateRanges") instanceof List<?> l && !l.isEmpty() || body.get("dateRanges") instanceof Map<?, ?>) {
      throw InvalidRequestException.of("cohortSpec", "a report with a cohortSpec has no dateRanges (GA4: its dates"
          + " are cohortSpec.cohorts[].dateRange and cohortSpec.cohortsRange); leave dateRanges empty");
    }
    if (!(body.get("cohortSpec") instanceof Map<?, ?> given) || given.isEmpty()) {
      throw InvalidRequestException.of("cohortSpec", "must be an object {cohorts, cohortsRange,"
          + " cohortReportSettings}");
    }
    Set<String> supported = Set.of("property", "dimensions", "metrics", "cohortSpec", "limit", "offset",
        "keepEmptyRows", "returnPropertyQuota", "dateRanges");
    for (String k : body.keySet()) {
      Object v = body.get(k);
      boolean empty = v == null || v instanceof List<?> l && l.isEmpty() || v instanceof Map<?, ?> m && m.isEmpty();
      if (!supported.contains(k) && !empty) {
        throw InvalidRequestException.of(k, "is not supported with cohortSpec by Beacon (a cohort report takes"
            + " dimensions, metrics, cohortSpec, limit, offset and keepEmptyRows)");
      }
    }
    if (ProtoJson.bool(body, "returnPropertyQuota", "")) {
      throw InvalidRequestException.of("returnPropertyQuota", "Beacon keeps no per-property token quotas to report;"
          + " send false or leave it out");
    }
    Map<?, ?> spec = ProtoJson.message(body, "cohortSpec", "");
    ProtoJson.only(spec, "cohortSpec", Set.of("cohorts", "cohortsRange", "cohortReportSettings", "returnOn",
        "firstSessionFilter"));

    Map<?, ?> range = ProtoJson.message(spec, "cohortsRange", "cohortSpec");
    if (range == null) {
      throw InvalidRequestException.of("cohortSpec.cohortsRange", "is required: {granularity, startOffset,"
          + " endOffset}");
    }
    ProtoJson.only(range, "cohortSpec.cohortsRange", Set.of("granularity", "startOffset", "endOffset"));
    String g = ProtoJson.enumName(range.get("granularity"), "cohortSpec.cohortsRange.granularity",
        "GRANULARITY_UNSPECIFIED", "DAILY", "WEEKLY", "MONTHLY");
    if (g == null || g.equals("GRANULARITY_UNSPECIFIED")) {
      throw InvalidRequestException.of("cohortSpec.cohortsRange.granularity", "is required: DAILY, WEEKLY or"
          + " MONTHLY");
    }
    Granularity granularity = Granularity.valueOf(g);
    long start = ProtoJson.int64(range, "startOffset", "cohortSpec.cohortsRange", 0);
    if (start < 0) {
      throw InvalidRequestException.of("cohortSpec.cohortsRange.startOffset", "must be 0 or more, was " + start);
    }
    if (range.get("endOffset") == null) {
      throw InvalidRequestException.of("cohortSpec.cohortsRange.endOffset", "is required");
    }
    long end = ProtoJson.int64(range, "endOffset", "cohortSpec.cohortsRange", 0);
    if (end < start) {
      throw InvalidRequestException.of("cohortSpec.cohortsRange.endOffset", "must be at least startOffset ("
          + start + "), was " + end);
    }
    if (end > maxDays) {
      throw InvalidRequestException.of("cohortSpec.cohortsRange.endOffset", "must be at most " + maxDays);
    }

    Object cs = spec.get("cohorts");
    if (!(cs instanceof List<?> list) || list.isEmpty()) {
      throw InvalidRequestException.of("cohortSpec.cohorts", "must list 1 to " + MAX_COHORTS + " cohorts");
    }
    if (list.size() > MAX_COHORTS) {
      throw InvalidRequestException.of("cohortSpec.cohorts", "must list 1 to " + MAX_COHORTS + " cohorts, has "
          + list.size());
    }
    List<Cohort> cohorts = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      String at = "cohortSpec.cohorts[" + i + "]";
      if (!(list.get(i) instanceof Map<?, ?> c)) {
        throw InvalidRequestException.of(at, "must be an object {name, dimension, dateRange}");
      }
      ProtoJson.only(c, at, Set.of("name", "dimension", "dateRange"));
      String name = ProtoJson.string(c, "name", at);
      if (name.startsWith("cohort_") || name.startsWith("RESERVED_")) {
        throw InvalidRequestException.of(at + ".name", "cannot begin with cohort_ or RESERVED_ (GA4)");
      }
      if (name.isEmpty()) {
        name = "cohort_" + i;
      }
      if (!names.add(name)) {
        throw InvalidRequestException.of(at + ".name", "'" + name + "' names two cohorts");
      }
      String dim = ProtoJson.string(c, "dimension", at);
      if (!dim.equals("firstSessionDate")) {
        throw InvalidRequestException.of(at + ".dimension", "must be firstSessionDate (the only cohort dimension),"
            + " was '" + dim + "'");
      }
      Map<?, ?> dr = ProtoJson.message(c, "dateRange", at);
      if (dr == null) {
        throw InvalidRequestException.of(at + ".dateRange", "is required: {startDate, endDate}");
      }
      ProtoJson.only(dr, at + ".dateRange", Set.of("startDate", "endDate", "name"));
      DateRangeSpec r = DateRangeSpec.resolve(name, ProtoJson.string(dr, "startDate", at + ".dateRange"),
          ProtoJson.string(dr, "endDate", at + ".dateRange"), zone, today, at + ".dateRange", maxDays);
      cohorts.add(new Cohort(name, r.start(), r.end()));
    }

    boolean accumulate = false;
    Map<?, ?> settings = ProtoJson.message(spec, "cohortReportSettings", "cohortSpec");
    if (settings != null) {
      ProtoJson.only(settings, "cohortSpec.cohortReportSettings", Set.of("accumulate"));
      accumulate = ProtoJson.bool(settings, "accumulate", "cohortSpec.cohortReportSettings");
    }
    DimensionFilter returnOn = null;
    if (spec.get("returnOn") != null) {
      returnOn = FunnelRequest.expression(spec.get("returnOn"), "cohortSpec.returnOn", 0);
      for (String f : returnOn.fields()) {
        FunnelRequest.checkField(f, "cohortSpec.returnOn");
      }
    }
    DimensionFilter firstSession = null;
    if (spec.get("firstSessionFilter") != null) {
      firstSession = DimensionFilter.parse(spec.get("firstSessionFilter"), "cohortSpec.firstSessionFilter", 0);
      for (String f : firstSession.fields()) {
        FunnelRequest.checkField(f, "cohortSpec.firstSessionFilter");
      }
    }

    List<String> dims = names(body.get("dimensions"), "dimensions");
    if (!new HashSet<>(dims).equals(Set.of(COHORT, granularity.dimension)) || dims.size() != 2) {
      throw InvalidRequestException.of("dimensions", "a " + granularity + " cohort report has the dimensions "
          + COHORT + " and " + granularity.dimension + " (Beacon: both, nothing else), had " + dims);
    }
    List<String> metrics = names(body.get("metrics"), "metrics");
    if (metrics.isEmpty() || !Set.of(ACTIVE, TOTAL).containsAll(metrics)
        || new HashSet<>(metrics).size() != metrics.size()) {
      throw InvalidRequestException.of("metrics", "a cohort report's metrics are " + ACTIVE + " and/or " + TOTAL
          + ", each once, had " + metrics);
    }
    long limit = ProtoJson.int64(body, "limit", "", 0);
    if (limit < 0) {
      throw InvalidRequestException.of("limit", "must be positive, was " + limit);
    }
    long offset = ProtoJson.int64(body, "offset", "", 0);
    if (offset < 0) {
      throw InvalidRequestException.of("offset", "must be 0 or more, was " + offset);
    }
    CohortRequest request = new CohortRequest(cohorts, granularity, (int) start, (int) end, accumulate, returnOn,
        firstSession, dims, metrics, limit == 0 ? DEFAULT_LIMIT : (int) Math.min(limit, 250_000),
        (int) Math.min(offset, Integer.MAX_VALUE), ProtoJson.bool(body, "keepEmptyRows", ""));
    long span = ChronoUnit.DAYS.between(request.readStart(), request.readEnd());
    if (span > maxDays) {
      throw InvalidRequestException.of("cohortSpec.cohortsRange.endOffset", "the cohorts and their periods span "
          + span + " days; at most " + maxDays + " are allowed");
    }
    return request;
  }

  /** The {@code name}s of a list of {@code {name}} objects (dimensions, metrics). */
  private static List<String> names(Object node, String at) {
    if (node == null) {
      return List.of();
    }
    if (!(node instanceof List<?> list)) {
      throw InvalidRequestException.of(at, "must be an array of {name}");
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      if (!(list.get(i) instanceof Map<?, ?> m)) {
        throw InvalidRequestException.of(at + "[" + i + "]", "must be an object {name}");
      }
      ProtoJson.only(m, at + "[" + i + "]", Set.of("name"));
      out.add(ProtoJson.string(m, "name", at + "[" + i + "]"));
    }
    return out;
  }
}
