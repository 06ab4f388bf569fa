package io.beacon.recompute;

import io.beacon.api.ApiException;
import io.beacon.model.Hit;
import io.beacon.model.session.Scope;
import io.beacon.model.aggregation.Dimension;
import io.beacon.model.aggregation.MetricState;
import io.beacon.model.report.DateRangeSpec;
import io.beacon.model.report.DimensionFilter;
import io.beacon.model.report.ReportEngine;
import io.beacon.model.report.CustomDimension;
import io.beacon.model.report.ReportRequest;
import io.beacon.model.report.TimeDimension;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * Groups raw hits into the rows of an ad-hoc report: for each hit and each date range holding its local date,
 * the values of the report's dimensions (any number of them, custom event parameters included) and of its
 * filter's fields (session-scoped ones from the event's {@link Scope}); hits the filter rejects are skipped, the
 * others {@link MetricState#add}ed into their group, exactly as the stream counts them. Bot hits count in no report metric. Pure and not thread-safe: one per
 * stream slice, {@link #merge}d at the end.
 *
 * <p>The groups are bounded ({@code recompute.maxGroups}): their number is the cardinality of tracked values
 * (page paths, parameters) anyone can send, and each holds a metric state. Past the bound the report fails with a
 * 400 asking for a filter or fewer dimensions, rather than GA4's "(other)" row: a truncated report cached as if
 * whole would mislead more than a refusal.
 */
final class AdHocAggregation {
  private final ReportRequest request;
  private final ZoneId zone;
  private final List<String> headers;
  private final List<String> fields;
  /** How each of {@link #fields} is read from a hit, resolved once (not per hit). */
  private final List<BiFunction<Hit, Scope, String>> readers;
  /** Each date range as epoch ms [start, end) of its local days. */
  private final List<long[]> bounds;
  private final Map<List<String>, MetricState> groups = new HashMap<>();
  private final int maxGroups;
  private long hits;
  private long bots;

  AdHocAggregation(ReportRequest request, ZoneId zone, int maxGroups) {
    this.request = request;
    this.maxGroups = maxGroups;
    this.zone = zone;
    this.headers = ReportEngine.headers(request);
    Set<String> f = new LinkedHashSet<>(headers);
    DimensionFilter filter = request.dimensionFilter();
    if (filter != null) {
      f.addAll(filter.fields());
    }
    f.remove(ReportRequest.DATE_RANGE);
    this.fields = List.copyOf(f);
    this.readers = fields.stream().map(name -> reader(name, zone)).toList();
    this.bounds = request.dateRanges().stream().map(r -> new long[] {
        r.start().atStartOfDay(zone).toInstant().toEpochMilli(),
        r.end().plusDays(1).atStartOfDay(zone).toInstant().toEpochMilli()}).toList();
  }

  /** The raw columns the report reads: the metrics' and those of every dimension and filter field. */
  static java.util.Set<String> columns(ReportRequest request) {
    Set<String> cols = new LinkedHashSet<>(RawHits.METRIC_COLUMNS);
    request.dimensions().forEach(d -> cols.addAll(RawHits.columnsOf(d)));
    if (request.dimensionFilter() != null) {
      request.dimensionFilter().fields().forEach(d -> cols.addAll(RawHits.columnsOf(d)));
    }
    return cols;
  }

  /** Whether any dimension or filter reads custom parameters (the raw read must then fetch them). */
  static boolean needsParams(ReportRequest request) {
    boolean inFilter = request.dimensionFilter() != null
        && request.dimensionFilter().fields().stream().anyMatch(n -> CustomDimension.of(n).isPresent());
    return inFilter || request.dimensions().stream().anyMatch(n -> CustomDimension.of(n).isPresent());
  }

  /** Counts one event with its session scope (bots: scope null). */
  void add(Hit hit, Scope scope) {
    hits++;
    if (Boolean.TRUE.equals(hit.isBot())) {
      bots++;
      return;
    }
    Map<String, String> values = null;
    List<DateRangeSpec> ranges = request.dateRanges();
    for (int r = 0; r < ranges.size(); r++) {
      long[] b = bounds.get(r);
      if (hit.ts() < b[0] || hit.ts() >= b[1]) {
        continue;
      }
      DateRangeSpec range = ranges.get(r);
      if (values == null) {
        values = new HashMap<>(fields.size() * 2 + 2);
        for (int i = 0; i < fields.size(); i++) {
          String name = fields.get(i);
          values.put(name, readers.get(i).apply(hit, scope));
        }
      }
      values.put(ReportRequest.DATE_RANGE, range.name());
      if (request.dimensionFilter() != null && !request.dimensionFilter().matches(values)) {
        continue;
      }
      List<String> key = new ArrayList<>(headers.size());
      for (String h : headers) {
        key.add(values.get(h));
      }
      group(key).add(hit, scope);
    }
  }

  /** The group of {@code key}, created if there is room for one more. */
  private MetricState group(List<String> key) {
    MetricState state = groups.get(key);
    if (state == null) {
      if (groups.size() >= maxGroups) {
        throw tooManyGroups(maxGroups);
      }
      state = new MetricState();
      groups.put(key, state);
    }
    return state;
  }

  /** The refusal of a report with more than {@code maxGroups} rows: the client's to narrow. */
  static ApiException tooManyGroups(int maxGroups) {
    return ApiException.badRequest("dimensions", "the report has more than " + maxGroups
        + " rows (recompute.maxGroups); add a filter or fewer dimensions");
  }

  /**
   * The value of dimension {@code name} for an event counted with {@code scope}: a Beacon dimension as the
   * stream reads it, a time dimension in the property's zone, or a custom event parameter ({@code "(not set)"}
   * when absent).
   */
  static String value(String name, Hit hit, Scope scope, ZoneId zone) {
    return reader(name, zone).apply(hit, scope);
  }

  private static BiFunction<Hit, Scope, String> reader(String name, ZoneId zone) {
    Dimension d = Dimension.ofApiName(name);
    if (d != null) {
      return d::valueOf;
    }
    Optional<CustomDimension> custom = CustomDimension.of(name);
    if (custom.isPresent()) {
      String param = custom.get().paramKey(name);
      return (hit, scope) -> {
        String v = hit.params() == null ? null : hit.params().get(param);
        return v == null || v.isBlank() ? Dimension.NOT_SET : v;
      };
    }
    TimeDimension t = TimeDimension.ofApiName(name)
        .orElseThrow(() -> new IllegalArgumentException("unknown dimension " + name));
    return (hit, scope) -> t.format(hit.ts(), zone);
  }

  /** Adds another slice's groups into this one. */
  AdHocAggregation merge(AdHocAggregation other) {
    hits += other.hits;
    bots += other.bots;
    other.groups.forEach((k, v) -> group(k).merge(v));
    return this;
  }

  Map<List<String>, MetricState> groups() {
    return groups;
  }

  /** Raw hits read, bots included. */
  long hits() {
    return hits;
  }

  long bots() {
    return bots;
  }
}
