package io.beacon.model.report;

import io.beacon.model.aggregation.Dimension;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A validated {@code runReport} request in the shape of the GA4 Data API, parsed from a JSON tree as plain
 * Java values (objects as {@link Map}s, arrays as {@link List}s: the node's {@code ReportJson} turns a body into
 * that). Every problem is an {@link InvalidRequestException} naming the field.
 */
public record ReportRequest(
    List<DateRangeSpec> dateRanges,
    List<String> dimensions,
    List<ReportMetric> metrics,
    DimensionFilter dimensionFilter,
    List<OrderBy> orderBys,
    int limit,
    int offset) {

  public static final int DEFAULT_LIMIT = 10_000;
  /** The longest date range a report may span (three years and some). */
  public static final int MAX_RANGE_DAYS = 1100;
  public static final int MAX_LIMIT = 250_000;
  /** The comparison dimension GA4 adds when a request has two date ranges. */
  public static final String DATE_RANGE = "dateRange";

  /** One ordering: by a metric or a dimension of the request. */
  public record OrderBy(String name, boolean metric, boolean desc) {}

  public boolean isKnownDimension(String name) {
    return Dimension.ofApiName(name) != null || TimeDimension.ofApiName(name).isPresent() || name.equals(DATE_RANGE);
  }

  /**
   * @param today   the current date in the property's zone (date expressions are relative to it)
   * @param maxDays the longest range allowed
   */
  public static ReportRequest parse(Map<String, ?> body, ZoneId zone, LocalDate today, int maxDays) {
    if (body == null) {
      throw InvalidRequestException.of("body", "must be a JSON object");
    }
    List<DateRangeSpec> ranges = new ArrayList<>();
    List<?> dr = array(body, "dateRanges");
    if (dr == null || dr.isEmpty()) {
      throw InvalidRequestException.of("dateRanges", "must list one or two date ranges");
    }
    if (dr.size() > 2) {
      throw InvalidRequestException.of("dateRanges", "at most two date ranges (a period and its comparison)");
    }
    for (int i = 0; i < dr.size(); i++) {
      String field = "dateRanges[" + i + "]";
      if (!(dr.get(i) instanceof Map<?, ?> r)) {
        throw InvalidRequestException.of(field, "must be an object {startDate, endDate}");
      }
      String name = r.get("name") instanceof String n && !n.isBlank() ? n : "date_range_" + i;
      ranges.add(DateRangeSpec.resolve(name, string(r, "startDate", field), string(r, "endDate", field),
          zone, today, field, maxDays));
    }

    List<String> dims = new ArrayList<>();
    List<?> da = array(body, "dimensions");
    Set<String> seen = new HashSet<>();
    for (int i = 0; da != null && i < da.size(); i++) {
      String field = "dimensions[" + i + "].name";
      String name = da.get(i) instanceof Map<?, ?> d && d.get("name") instanceof String s ? s : null;
      if (name == null || !(Dimension.ofApiName(name) != null || TimeDimension.ofApiName(name).isPresent()
          || name.equals(DATE_RANGE) || CustomDimension.of(name).isPresent())) {
        throw InvalidRequestException.of(field, "unknown dimension '" + name + "' (see GET /api/v1/properties/{id}/metadata)");
      }
      if (!seen.add(name)) {
        throw InvalidRequestException.of(field, "dimension '" + name + "' is listed twice");
      }
      dims.add(name);
    }
    if (dims.size() > 9) {
      throw InvalidRequestException.of("dimensions", "at most 9 dimensions");
    }

    List<ReportMetric> metrics = new ArrayList<>();
    List<?> ma = array(body, "metrics");
    if (ma == null || ma.isEmpty()) {
      throw InvalidRequestException.of("metrics", "must list at least one metric");
    }
    if (ma.size() > 10) {
      throw InvalidRequestException.of("metrics", "at most 10 metrics");
    }
    for (int i = 0; i < ma.size(); i++) {
      String field = "metrics[" + i + "].name";
      String name = ma.get(i) instanceof Map<?, ?> m && m.get("name") instanceof String s ? s : null;
      ReportMetric metric = ReportMetric.ofApiName(name).orElseThrow(() ->
          InvalidRequestException.of(field, "unknown metric '" + name + "' (see GET /api/v1/properties/{id}/metadata)"));
      if (metrics.contains(metric)) {
        throw InvalidRequestException.of(field, "metric '" + name + "' is listed twice");
      }
      metrics.add(metric);
    }

    DimensionFilter filter = body.get("dimensionFilter") == null ? null
        : DimensionFilter.parse(body.get("dimensionFilter"), "dimensionFilter", 0);
    if (filter != null) {
      for (String f : filter.fields()) {
        if (Dimension.ofApiName(f) == null && TimeDimension.ofApiName(f).isEmpty() && CustomDimension.of(f).isEmpty()) {
          throw InvalidRequestException.of("dimensionFilter", "filters on unknown dimension '" + f + "'");
        }
      }
    }

    List<OrderBy> orderBys = new ArrayList<>();
    List<?> oa = array(body, "orderBys");
    for (int i = 0; oa != null && i < oa.size(); i++) {
      String field = "orderBys[" + i + "]";
      if (!(oa.get(i) instanceof Map<?, ?> o)) {
        throw InvalidRequestException.of(field, "must be an object");
      }
      boolean desc = Boolean.TRUE.equals(o.get("desc"));
      if (o.get("metric") instanceof Map<?, ?> m) {
        String name = m.get("metricName") instanceof String s ? s : null;
        if (ReportMetric.ofApiName(name).filter(metrics::contains).isEmpty()) {
          throw InvalidRequestException.of(field + ".metric.metricName", "'" + name + "' is not a metric of this request");
        }
        orderBys.add(new OrderBy(name, true, desc));
      } else if (o.get("dimension") instanceof Map<?, ?> d) {
        String name = d.get("dimensionName") instanceof String s ? s : null;
        if (!dims.contains(name) && !(ranges.size() > 1 && DATE_RANGE.equals(name))) {
          throw InvalidRequestException.of(field + ".dimension.dimensionName", "'" + name + "' is not a dimension of this request");
        }
        orderBys.add(new OrderBy(name, false, desc));
      } else {
        throw InvalidRequestException.of(field, "needs metric {metricName} or dimension {dimensionName}");
      }
    }

    int limit = integer(body, "limit", DEFAULT_LIMIT);
    if (limit < 1 || limit > MAX_LIMIT) {
      throw InvalidRequestException.of("limit", "must be 1-" + MAX_LIMIT + ", was " + limit);
    }
    int offset = integer(body, "offset", 0);
    if (offset < 0) {
      throw InvalidRequestException.of("offset", "must be >= 0, was " + offset);
    }
    return new ReportRequest(List.copyOf(ranges), List.copyOf(dims), List.copyOf(metrics), filter,
        List.copyOf(orderBys), limit, offset);
  }

  private static List<?> array(Map<String, ?> body, String key) {
    Object v = body.get(key);
    if (v != null && !(v instanceof List<?>)) {
      throw InvalidRequestException.of(key, "must be an array");
    }
    return (List<?>) v;
  }

  private static String string(Map<?, ?> o, String key, String path) {
    Object v = o.get(key);
    if (v != null && !(v instanceof String)) {
      throw InvalidRequestException.of(path + "." + key, "must be a string");
    }
    return (String) v;
  }

  private static int integer(Map<String, ?> body, String key, int dflt) {
    Object v = body.get(key);
    if (v == null) {
      return dflt;
    }
    // GA4 clients send int64 fields as strings as well as numbers.
    try {
      long l = v instanceof Number n ? n.longValue() : Long.parseLong(v.toString());
      if (v instanceof Number n && n.doubleValue() != l) {
        throw new NumberFormatException();
      }
      return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, l));
    } catch (NumberFormatException e) {
      throw InvalidRequestException.of(key, "must be an integer, was '" + v + "'");
    }
  }
}
