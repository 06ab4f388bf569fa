package io.beacon.model.report;

import io.beacon.model.aggregation.Dimension;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A validated {@code runReport} request in the shape of the GA4 Data API v1beta's {@code RunReportRequest}, parsed
 * from a JSON tree as plain Java values (objects as {@link Map}s, arrays as {@link List}s: the node's
 * {@code ReportJson} turns a body into that). Every field of Google's message is either implemented or refused;
 * every problem is an {@link InvalidRequestException} naming the field. Refused: {@code cohortSpec},
 * {@code comparisons}, {@code returnPropertyQuota: true}, pivot order bys, {@code dimensionExpression}, metric
 * {@code expression} and {@code invisible}, and the {@code COUNT} aggregation.
 *
 * @param metricFilter  applied to the aggregated rows (null: none); its metrics need not be requested
 * @param aggregations  the {@code metricAggregations} asked for
 * @param keepEmptyRows whether rows whose metrics are all 0 are kept
 * @param currencyCode  the requested ISO 4217 code, or null (Beacon has no currency metrics: it is only echoed)
 */
public record ReportRequest(
    List<DateRangeSpec> dateRanges,
    List<String> dimensions,
    List<ReportMetric> metrics,
    DimensionFilter dimensionFilter,
    List<OrderBy> orderBys,
    int limit,
    int offset,
    MetricFilter metricFilter,
    Set<MetricAggregation> aggregations,
    boolean keepEmptyRows,
    String currencyCode) {

  public static final int DEFAULT_LIMIT = 10_000;
  /** The longest date range a report may span (three years and some). */
  public static final int MAX_RANGE_DAYS = 1100;
  /** At most this many rows per answer, however many are asked for (GA's cap). */
  public static final int MAX_LIMIT = 250_000;
  /** At most this many date ranges (GA's limit). */
  public static final int MAX_DATE_RANGES = 4;
  /** The comparison dimension GA4 adds when a request has two or more date ranges. */
  public static final String DATE_RANGE = "dateRange";
  /** The fields of Google's {@code RunReportRequest}, JSON names. */
  public static final Set<String> FIELDS = Set.of("property", "dimensions", "metrics", "dateRanges", "dimensionFilter",
      "metricFilter", "offset", "limit", "metricAggregations", "orderBys", "currencyCode", "cohortSpec", "keepEmptyRows",
      "returnPropertyQuota", "comparisons");
  private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");

  /** A request without the v1beta additions (no metric filter or aggregations, empty rows dropped). */
  public ReportRequest(List<DateRangeSpec> dateRanges, List<String> dimensions, List<ReportMetric> metrics,
      DimensionFilter dimensionFilter, List<OrderBy> orderBys, int limit, int offset) {
    this(dateRanges, dimensions, metrics, dimensionFilter, orderBys, limit, offset, null,
        EnumSet.noneOf(MetricAggregation.class), false, null);
  }

  /** GA's {@code DimensionOrderBy.OrderType}; unspecified is {@link #ALPHANUMERIC}. */
  public enum OrderType {
    /** By Unicode code point: "2" < "A" < "X" < "b" < "z". */
    ALPHANUMERIC,
    /** By the lower-cased values' code points: "2" < "A" < "b" < "X" < "z". */
    CASE_INSENSITIVE_ALPHANUMERIC,
    /** As numbers ("25" < "100"); values that are not numbers order equal, below every number. */
    NUMERIC;

    static final String[] NAMES = {"ORDER_TYPE_UNSPECIFIED", "ALPHANUMERIC", "CASE_INSENSITIVE_ALPHANUMERIC", "NUMERIC"};
  }

  /** One ordering: by a metric or a dimension of the request (a dimension by its {@code orderType}). */
  public record OrderBy(String name, boolean metric, boolean desc, OrderType orderType) {
    public OrderBy(String name, boolean metric, boolean desc) {
      this(name, metric, desc, OrderType.ALPHANUMERIC);
    }
  }

  public boolean isKnownDimension(String name) {
    return Dimension.ofApiName(name) != null || TimeDimension.ofApiName(name).isPresent() || name.equals(DATE_RANGE);
  }

  /** The metrics a report computes per row: the requested ones, then those only its metric filter reads. */
  public Set<ReportMetric> computedMetrics() {
    Set<ReportMetric> all = EnumSet.noneOf(ReportMetric.class);
    all.addAll(metrics);
    if (metricFilter != null) {
      all.addAll(metricFilter.metrics());
    }
    return all;
  }

  /**
   * @param today   the current date in the property's zone (date expressions are relative to it)
   * @param maxDays the longest range allowed
   */
  public static ReportRequest parse(Map<String, ?> body, ZoneId zone, LocalDate today, int maxDays) {
    if (body == null) {
      throw InvalidRequestException.of("body", "must be a JSON object");
    }
    ProtoJson.only(body, "", FIELDS);
    refuseUnsupported(body);

    List<DateRangeSpec> ranges = new ArrayList<>();
    List<?> dr = array(body, "dateRanges");
    if (dr == null || dr.isEmpty()) {
      throw InvalidRequestException.of("dateRanges", "must list one to " + MAX_DATE_RANGES + " date ranges");
    }
    if (dr.size() > MAX_DATE_RANGES) {
      throw InvalidRequestException.of("dateRanges", "at most " + MAX_DATE_RANGES + " date ranges, has " + dr.size());
    }
    Set<String> rangeNames = new HashSet<>();
    for (int i = 0; i < dr.size(); i++) {
      String field = "dateRanges[" + i + "]";
      if (!(dr.get(i) instanceof Map<?, ?> r)) {
        throw InvalidRequestException.of(field, "must be an object {startDate, endDate}");
      }
      ProtoJson.only(r, field, Set.of("startDate", "endDate", "name"));
      String given = ProtoJson.string(r, "name", field);
      if (given.startsWith("date_range_") || given.startsWith("RESERVED_")) {
        throw InvalidRequestException.of(field + ".name", "cannot begin with date_range_ or RESERVED_");
      }
      String name = given.isEmpty() ? "date_range_" + i : given;
      if (!rangeNames.add(name)) {
        throw InvalidRequestException.of(field + ".name", "'" + name + "' names another date range too");
      }
      ranges.add(DateRangeSpec.resolve(name, string(r, "startDate", field), string(r, "endDate", field),
          zone, today, field, maxDays));
    }

    List<String> dims = new ArrayList<>();
    List<?> da = array(body, "dimensions");
    Set<String> seen = new HashSet<>();
    for (int i = 0; da != null && i < da.size(); i++) {
      String at = "dimensions[" + i + "]";
      if (da.get(i) instanceof Map<?, ?> d) {
        ProtoJson.only(d, at, Set.of("name", "dimensionExpression"));
        if (d.get("dimensionExpression") != null) {
          throw InvalidRequestException.of(at + ".dimensionExpression", "dimension expressions (lowerCase, upperCase,"
              + " concatenate) are not supported by Beacon");
        }
      }
      String field = at + ".name";
      String name = da.get(i) instanceof Map<?, ?> d && d.get("name") instanceof String s ? s : null;
      if (name == null || !(Dimension.ofApiName(name) != null || TimeDimension.ofApiName(name).isPresent()
          || name.equals(DATE_RANGE) || CustomDimension.of(name).isPresent())) {
        throw InvalidRequestException.of(field, "unknown dimension '" + name + "' (see GET /v1beta/properties/{id}/metadata)");
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
      String at = "metrics[" + i + "]";
      if (ma.get(i) instanceof Map<?, ?> m) {
        ProtoJson.only(m, at, Set.of("name", "expression", "invisible"));
        if (!ProtoJson.string(m, "expression", at).isEmpty()) {
          throw InvalidRequestException.of(at + ".expression", "metric expressions are not supported by Beacon");
        }
        if (ProtoJson.bool(m, "invisible", at)) {
          throw InvalidRequestException.of(at + ".invisible", "invisible metrics are not supported by Beacon (a"
              + " metricFilter may read a metric the request does not list)");
        }
      }
      String field = at + ".name";
      String name = ma.get(i) instanceof Map<?, ?> m && m.get("name") instanceof String s ? s : null;
      ReportMetric metric = ReportMetric.ofApiName(name).orElseThrow(() ->
          InvalidRequestException.of(field, "unknown metric '" + name + "' (see GET /v1beta/properties/{id}/metadata)"));
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
          throw InvalidRequestException.of("dimensionFilter", "filters on unknown dimension '" + f + "'"
              + (ReportMetric.ofApiName(f).isPresent() ? " (a metric: filter metrics in metricFilter)" : ""));
        }
      }
    }
    MetricFilter metricFilter = body.get("metricFilter") == null ? null
        : MetricFilter.parse(body.get("metricFilter"), "metricFilter");

    Set<MetricAggregation> aggregations = EnumSet.noneOf(MetricAggregation.class);
    List<?> ag = array(body, "metricAggregations");
    for (int i = 0; ag != null && i < ag.size(); i++) {
      String field = "metricAggregations[" + i + "]";
      String name = ProtoJson.enumName(ag.get(i), field, MetricAggregation.NAMES);
      if (name == null) {
        throw InvalidRequestException.of(field, "METRIC_AGGREGATION_UNSPECIFIED is not an aggregation");
      }
      if (name.equals("COUNT")) {
        throw InvalidRequestException.of(field, "COUNT is not supported by Beacon (TOTAL, MAXIMUM, MINIMUM are)");
      }
      aggregations.add(MetricAggregation.valueOf(name));
    }

    List<OrderBy> orderBys = new ArrayList<>();
    List<?> oa = array(body, "orderBys");
    for (int i = 0; oa != null && i < oa.size(); i++) {
      orderBys.add(orderBy(oa.get(i), "orderBys[" + i + "]", dims, metrics, ranges.size()));
    }

    long limit = ProtoJson.int64(body, "limit", "", 0);
    if (limit < 0) {
      throw InvalidRequestException.of("limit", "must be positive, was " + limit);
    }
    long offset = ProtoJson.int64(body, "offset", "", 0);
    if (offset < 0) {
      throw InvalidRequestException.of("offset", "must be >= 0, was " + offset);
    }
    boolean keepEmptyRows = ProtoJson.bool(body, "keepEmptyRows", "");
    String currency = ProtoJson.string(body, "currencyCode", "");
    if (!currency.isEmpty() && !CURRENCY.matcher(currency).matches()) {
      throw InvalidRequestException.of("currencyCode", "'" + currency + "' is not an ISO 4217 code such as USD");
    }
    return new ReportRequest(List.copyOf(ranges), List.copyOf(dims), List.copyOf(metrics), filter,
        List.copyOf(orderBys), limit == 0 ? DEFAULT_LIMIT : (int) Math.min(limit, MAX_LIMIT),
        (int) Math.min(offset, Integer.MAX_VALUE), metricFilter, aggregations, keepEmptyRows,
        currency.isEmpty() ? null : currency);
  }

  /** The fields Google documents that Beacon does not implement: a 400 naming each, never a silent default. */
  private static void refuseUnsupported(Map<String, ?> body) {
    if (body.get("cohortSpec") != null) {
      throw InvalidRequestException.of("cohortSpec", "a cohort report is answered by runReport alone (Beacon: not"
          + " in batchRunReports or pivot reports)");
    }
    if (body.get("comparisons") instanceof List<?> c && !c.isEmpty() || body.get("comparisons") instanceof Map<?, ?>) {
      throw InvalidRequestException.of("comparisons", "comparisons are not supported by Beacon (compare periods"
          + " with up to " + MAX_DATE_RANGES + " dateRanges)");
    }
    if (ProtoJson.bool(body, "returnPropertyQuota", "")) {
      throw InvalidRequestException.of("returnPropertyQuota", "Beacon keeps no per-property token quotas to report"
          + " (it limits concurrent ad-hoc reports instead, answering 429 RESOURCE_EXHAUSTED); send false or leave it out");
    }
  }

  private static OrderBy orderBy(Object node, String field, List<String> dims, List<ReportMetric> metrics,
      int ranges) {
    if (!(node instanceof Map<?, ?> o)) {
      throw InvalidRequestException.of(field, "must be an object");
    }
    ProtoJson.only(o, field, Set.of("metric", "dimension", "pivot", "desc"));
    boolean desc = ProtoJson.bool(o, "desc", field);
    if (o.get("pivot") != null) {
      throw InvalidRequestException.of(field + ".pivot", "pivot order bys apply to pivot reports, which Beacon does not"
          + " support");
    }
    Map<?, ?> m = ProtoJson.message(o, "metric", field);
    Map<?, ?> d = ProtoJson.message(o, "dimension", field);
    if ((m == null) == (d == null)) {
      throw InvalidRequestException.of(field, "needs exactly one of metric {metricName} or dimension {dimensionName}");
    }
    if (m != null) {
      ProtoJson.only(m, field + ".metric", Set.of("metricName"));
      String name = m.get("metricName") instanceof String s ? s : null;
      if (ReportMetric.ofApiName(name).filter(metrics::contains).isEmpty()) {
        throw InvalidRequestException.of(field + ".metric.metricName", "'" + name + "' is not a metric of this request");
      }
      return new OrderBy(name, true, desc);
    }
    ProtoJson.only(d, field + ".dimension", Set.of("dimensionName", "orderType"));
    String name = d.get("dimensionName") instanceof String s ? s : null;
    if (!dims.contains(name) && !(ranges > 1 && DATE_RANGE.equals(name))) {
      throw InvalidRequestException.of(field + ".dimension.dimensionName", "'" + name + "' is not a dimension of this request");
    }
    String type = ProtoJson.enumName(d.get("orderType"), field + ".dimension.orderType", OrderType.NAMES);
    return new OrderBy(name, false, desc, type == null ? OrderType.ALPHANUMERIC : OrderType.valueOf(type));
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
}
