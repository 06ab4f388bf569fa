package io.beacon.model.report;

import io.beacon.model.aggregation.BucketKey;
import io.beacon.model.aggregation.MetricState;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns aggregate rows into a GA4-shaped report: filters, groups by the requested dimensions
 * (plus {@code dateRange} when comparing), merges the metric states of each group (sums add,
 * sketches union), computes the metrics, orders, and pages. Pure: no I/O, no rendering (the node's
 * {@code ReportJson} writes the GA4 response body and the CSV).
 */
public final class ReportEngine {
  private ReportEngine() {}

  /** A computed report row: dimension values and metric values, in request order. */
  public record Row(List<String> dimensions, List<Number> metrics) {}

  /**
   * The whole answer before rendering (JSON or CSV). {@code metadata} is the response's {@code metadata} object
   * (insertion-ordered and mutable: the serving side adds e.g. its cache state). {@code totals}, {@code maximums}
   * and {@code minimums}: the {@code metricAggregations} rows (empty when not asked for), one per date range.
   */
  public record Report(List<String> dimensionHeaders, List<ReportMetric> metricHeaders, List<Row> rows, int rowCount,
      Map<String, Object> metadata, List<Row> totals, List<Row> maximums, List<Row> minimums) {
    public Report(List<String> dimensionHeaders, List<ReportMetric> metricHeaders, List<Row> rows, int rowCount,
        Map<String, Object> metadata) {
      this(dimensionHeaders, metricHeaders, rows, rowCount, metadata, List.of(), List.of(), List.of());
    }
  }

  /** The report's dimension headers: the requested dimensions, plus {@code dateRange} when comparing. */
  public static List<String> headers(ReportRequest request) {
    List<String> headers = new ArrayList<>(request.dimensions());
    if (request.dateRanges().size() > 1 && !headers.contains(ReportRequest.DATE_RANGE)) {
      headers.add(ReportRequest.DATE_RANGE);
    }
    return headers;
  }

  /** The sketches ({@link MetricState#USERS} etc.) the request's metrics read: the others need no merging. */
  static int sketchesOf(ReportRequest request) {
    int mask = 0;
    for (ReportMetric m : request.computedMetrics()) {
      mask |= m.sketches();
    }
    return mask;
  }

  /** A report from precomputed aggregate rows (the plan says which dimension they carry). */
  public static Report run(ReportRequest request, AggregatePlan plan, List<AggregateRow> input, ZoneId zone) {
    List<String> headers = headers(request);
    Map<List<String>, MetricState> groups = new LinkedHashMap<>();
    // Rows share a few dozen bucket starts: format each start's time dimensions once, not once per row.
    Map<Long, String[]> times = new HashMap<>();
    TimeDimension[] timeDimensions = TimeDimension.values();
    int sketches = sketchesOf(request);
    for (AggregateRow row : input) {
      Map<String, String> values = new HashMap<>();
      if (!plan.dimension().equals(BucketKey.TOTAL)) {
        values.put(plan.dimension(), row.value());
      }
      String[] formatted = times.computeIfAbsent(row.bucketStart(), start -> {
        String[] f = new String[timeDimensions.length];
        for (int i = 0; i < f.length; i++) {
          f[i] = timeDimensions[i].format(start, zone);
        }
        return f;
      });
      for (int i = 0; i < timeDimensions.length; i++) {
        values.put(timeDimensions[i].apiName(), formatted[i]);
      }
      values.put(ReportRequest.DATE_RANGE, request.dateRanges().get(row.rangeIndex()).name());
      if (request.dimensionFilter() != null && !request.dimensionFilter().matches(values)) {
        continue;
      }
      List<String> key = headers.stream().map(values::get).toList();
      groups.computeIfAbsent(key, k -> new MetricState()).merge(row.state(), sketches);
    }
    return finish(request, groups, metadata("aggregates", zone));
  }

  /** The metadata every report carries; callers add to it (e.g. cache state). */
  public static Map<String, Object> metadata(String dataSource, ZoneId zone) {
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("dataSource", dataSource);
    metadata.put("timeZone", zone.getId());
    metadata.put("distinctCountRelativeStandardError", MetricState.RELATIVE_STANDARD_ERROR);
    metadata.put("distinctCountExactUpTo", MetricState.EXACT_UP_TO);
    return metadata;
  }

  /**
   * How long after its end (in the property's zone) a day is final: the 72 h a hit may be late, plus an hour for
   * the pipeline (the stream settles a client's sessions 30 minutes after its last event by default, and recompute
   * corrects a day the stream handed over once the stream can no longer write it).
   */
  public static final java.time.Duration FINAL_AFTER =
      io.beacon.model.aggregation.Lateness.MAX_LATENESS.plusHours(1);

  /**
   * Adds whether the report's days are final (docs/analytics-model.md, "Provisional and final"): a day is
   * provisional while hits for it may still arrive or be counted, until {@link #FINAL_AFTER} after its end in the
   * property's zone, and final after. {@code finalThrough}: the last final day; {@code provisionalDays}: the
   * request's days after it (empty when every day is final).
   */
  public static void putFreshness(Map<String, Object> metadata, ReportRequest request, ZoneId zone, long nowMs) {
    java.time.LocalDate finalThrough = java.time.Instant.ofEpochMilli(nowMs).minus(FINAL_AFTER).atZone(zone)
        .toLocalDate().minusDays(1);
    java.util.TreeSet<String> provisional = new java.util.TreeSet<>();
    for (DateRangeSpec r : request.dateRanges()) {
      java.time.LocalDate from = r.start().isAfter(finalThrough) ? r.start() : finalThrough.plusDays(1);
      // At most the lateness window's days (plus today) can be provisional; a range into the future adds no more.
      for (java.time.LocalDate d = from; !d.isAfter(r.end()) && provisional.size() < 8; d = d.plusDays(1)) {
        provisional.add(d.toString());
      }
    }
    metadata.put("finalThrough", finalThrough.toString());
    metadata.put("provisionalDays", List.copyOf(provisional));
  }

  /**
   * Every row of a report, unordered and unpaged: the metrics of each group (keyed by the values of
   * {@link #headers}) that passes the {@code metricFilter}, without the rows whose metrics are all 0 unless
   * {@code keepEmptyRows}; with the {@code TOTAL} rows if asked for, from the merged states of those rows (so a
   * distinct count is de-duplicated across rows, and a ratio is the ratio of the totals). What recompute computes
   * and caches; {@link #page} orders and pages it and adds the maximums and minimums.
   */
  public static Report all(ReportRequest request, Map<List<String>, MetricState> groups, Map<String, Object> metadata) {
    List<String> headers = headers(request);
    int rangeAt = headers.indexOf(ReportRequest.DATE_RANGE);
    boolean totals = request.aggregations().contains(MetricAggregation.TOTAL);
    int sketches = sketchesOf(request);
    Map<String, MetricState> totalByRange = new LinkedHashMap<>();
    if (totals) {
      for (DateRangeSpec r : rangeAt < 0 ? request.dateRanges().subList(0, 1) : request.dateRanges()) {
        totalByRange.put(rangeAt < 0 ? "" : r.name(), new MetricState());
      }
    }
    List<Row> rows = new ArrayList<>(groups.size());
    groups.forEach((key, state) -> {
      if (request.metricFilter() != null && !request.metricFilter().matches(m -> m.read(state))) {
        return;
      }
      List<Number> values = request.metrics().stream().map(m -> m.read(state)).toList();
      if (!request.keepEmptyRows() && values.stream().allMatch(ReportEngine::isZero)) {
        return;
      }
      rows.add(new Row(key, values));
      if (totals) {
        totalByRange.get(rangeAt < 0 ? "" : key.get(rangeAt)).merge(state, sketches);
      }
    });
    List<Row> totalRows = new ArrayList<>();
    totalByRange.forEach((range, state) -> totalRows.add(new Row(aggregateKey(headers, rangeAt, range,
        MetricAggregation.TOTAL), request.metrics().stream().map(m -> m.read(state)).toList())));
    return new Report(headers, request.metrics(), rows, rows.size(), metadata, List.copyOf(totalRows), List.of(),
        List.of());
  }

  private static boolean isZero(Number n) {
    return n.doubleValue() == 0;
  }

  /** The dimension values of an aggregation row: its reserved value, and the range's name as {@code dateRange}. */
  private static List<String> aggregateKey(List<String> headers, int rangeAt, String range, MetricAggregation a) {
    List<String> key = new ArrayList<>(headers.size());
    for (int i = 0; i < headers.size(); i++) {
      key.add(i == rangeAt ? range : a.reserved());
    }
    return key;
  }

  /**
   * Orders {@code all}'s rows as the request says and cuts its page ({@code offset}, {@code limit}); adds the
   * {@code MAXIMUM} and {@code MINIMUM} rows if asked for (each metric's extreme among all the rows, per date range).
   */
  public static Report page(ReportRequest request, Report all) {
    List<Row> rows = new ArrayList<>(all.rows());
    rows.sort(order(request, all.dimensionHeaders()));
    int from = Math.min(request.offset(), rows.size());
    int to = (int) Math.min((long) from + request.limit(), rows.size());
    List<Row> max = request.aggregations().contains(MetricAggregation.MAXIMUM)
        ? extremes(request, all, MetricAggregation.MAXIMUM) : List.of();
    List<Row> min = request.aggregations().contains(MetricAggregation.MINIMUM)
        ? extremes(request, all, MetricAggregation.MINIMUM) : List.of();
    List<Row> totals = request.aggregations().contains(MetricAggregation.TOTAL) ? all.totals() : List.of();
    return new Report(all.dimensionHeaders(), all.metricHeaders(), List.copyOf(rows.subList(from, to)), rows.size(),
        all.metadata(), totals, max, min);
  }

  /** Per date range with rows, each metric's largest (or smallest) value among them. */
  private static List<Row> extremes(ReportRequest request, Report all, MetricAggregation which) {
    List<String> headers = all.dimensionHeaders();
    int rangeAt = headers.indexOf(ReportRequest.DATE_RANGE);
    Map<String, Number[]> byRange = new LinkedHashMap<>();
    if (rangeAt >= 0) {
      request.dateRanges().forEach(r -> byRange.put(r.name(), null));
    }
    int n = all.metricHeaders().size();
    for (Row r : all.rows()) {
      String range = rangeAt < 0 ? "" : r.dimensions().get(rangeAt);
      Number[] best = byRange.get(range);
      if (best == null) {
        byRange.put(range, r.metrics().toArray(new Number[n]));
        continue;
      }
      for (int i = 0; i < n; i++) {
        int c = Double.compare(r.metrics().get(i).doubleValue(), best[i].doubleValue());
        if (which == MetricAggregation.MAXIMUM ? c > 0 : c < 0) {
          best[i] = r.metrics().get(i);
        }
      }
    }
    List<Row> out = new ArrayList<>();
    byRange.forEach((range, best) -> {
      if (best != null) {
        out.add(new Row(aggregateKey(headers, rangeAt, range, which), List.of(best)));
      }
    });
    return List.copyOf(out);
  }

  /** Computes, orders and pages the metrics of each group. */
  public static Report finish(ReportRequest request, Map<List<String>, MetricState> groups, Map<String, Object> metadata) {
    return page(request, all(request, groups, metadata));
  }

  private static Comparator<Row> order(ReportRequest request, List<String> headers) {
    List<ReportRequest.OrderBy> orderBys = new ArrayList<>(request.orderBys());
    if (orderBys.isEmpty()) {
      // Like GA's UI: time ascending when there is a time dimension, else the first metric descending.
      Optional<String> time = headers.stream().filter(h -> TimeDimension.ofApiName(h).isPresent()).findFirst();
      time.ifPresent(t -> orderBys.add(new ReportRequest.OrderBy(t, false, false)));
      orderBys.add(new ReportRequest.OrderBy(request.metrics().get(0).apiName(), true, true));
    }
    Comparator<Row> c = (a, b) -> 0;
    for (ReportRequest.OrderBy o : orderBys) {
      Comparator<Row> one;
      if (o.metric()) {
        int idx = request.metrics().indexOf(ReportMetric.ofApiName(o.name()).orElseThrow());
        one = Comparator.comparingDouble(r -> r.metrics().get(idx).doubleValue());
      } else {
        int idx = headers.indexOf(o.name());
        Comparator<String> values = switch (o.orderType()) {
          case ALPHANUMERIC -> ReportEngine::compareCodePoints;
          case CASE_INSENSITIVE_ALPHANUMERIC -> (a, b) -> compareCodePoints(a.toLowerCase(java.util.Locale.ROOT),
              b.toLowerCase(java.util.Locale.ROOT));
          case NUMERIC -> Comparator.comparing(NumericCondition::of, Comparator.nullsFirst(Comparator.naturalOrder()));
        };
        one = Comparator.comparing(r -> r.dimensions().get(idx), values);
      }
      c = c.thenComparing(o.desc() ? one.reversed() : one);
    }
    // Stable ties: by dimension values, so paging is deterministic.
    return c.thenComparing(r -> String.join("\u0000", r.dimensions()), ReportEngine::compareCodePoints);
  }

  /** By Unicode code point (not UTF-16 unit: a character beyond U+FFFF sorts after U+E000-U+FFFF). */
  static int compareCodePoints(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Boolean.compare(i < a.length(), j < b.length());
  }

  /** A metric value as the GA4 Data API writes it (a string; doubles rounded to 6 decimals, non-finite as 0). */
  public static String format(Number v) {
    if (v instanceof Double d) {
      return Double.isFinite(d) ? Double.toString(Math.round(d * 1e6) / 1e6) : "0";
    }
    return v.toString();
  }
}
