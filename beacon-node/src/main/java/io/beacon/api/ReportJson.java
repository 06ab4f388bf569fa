package io.beacon.api;

import io.beacon.model.report.InvalidRequestException;
import io.beacon.model.report.ReportEngine;
import io.beacon.model.report.ReportEngine.Report;
import io.beacon.model.report.ReportEngine.Row;
import io.beacon.model.report.ReportMetric;
import io.beacon.model.report.ReportRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The GA4 Data API's wire forms of the model's reports: a {@code runReport} body into a {@link ReportRequest},
 * and a {@link Report} into the response body (JSON) or CSV, and back (a report computed on another node).
 */
public final class ReportJson {
  private ReportJson() {
  }

  /**
   * Parses and validates a {@code runReport} body (a {@code RunReportRequest}, keys in either JSON spelling).
   *
   * @throws ApiException (400) naming the field, if the body breaks a rule of the request model
   */
  public static ReportRequest parseRequest(JsonObject body, ZoneId zone, LocalDate today, int maxDays) {
    try {
      return ReportRequest.parse(body == null ? null : plainObject(camelCaseKeys(body)), zone, today, maxDays);
    } catch (InvalidRequestException e) {
      throw ApiException.of(e);
    }
  }

  /** The response body: a {@code RunReportResponse} ({@code totals}, {@code maximums}, {@code minimums} if any). */
  public static JsonObject toJson(Report report) {
    JsonArray dh = new JsonArray();
    report.dimensionHeaders().forEach(h -> dh.add(new JsonObject().put("name", h)));
    JsonArray mh = new JsonArray();
    report.metricHeaders().forEach(m -> mh.add(new JsonObject().put("name", m.apiName()).put("type", m.type())));
    JsonObject json = new JsonObject()
        .put("dimensionHeaders", dh)
        .put("metricHeaders", mh)
        .put("rows", rows(report.rows()));
    if (!report.totals().isEmpty()) {
      json.put("totals", rows(report.totals()));
    }
    if (!report.maximums().isEmpty()) {
      json.put("maximums", rows(report.maximums()));
    }
    if (!report.minimums().isEmpty()) {
      json.put("minimums", rows(report.minimums()));
    }
    return json
        .put("rowCount", report.rowCount())
        .put("metadata", new JsonObject(new LinkedHashMap<>(report.metadata())))
        .put("kind", "analyticsData#runReport");
  }

  private static JsonArray rows(List<Row> in) {
    JsonArray rows = new JsonArray();
    for (Row r : in) {
      JsonArray dv = new JsonArray();
      r.dimensions().forEach(v -> dv.add(new JsonObject().put("value", v)));
      JsonArray mv = new JsonArray();
      r.metrics().forEach(v -> mv.add(new JsonObject().put("value", ReportEngine.format(v))));
      rows.add(new JsonObject().put("dimensionValues", dv).put("metricValues", mv));
    }
    return rows;
  }

  /** Reads back a {@link #toJson} body. */
  public static Report fromJson(JsonObject body) {
    List<String> dims = body.getJsonArray("dimensionHeaders").stream()
        .map(h -> ((JsonObject) h).getString("name")).toList();
    List<ReportMetric> metrics = body.getJsonArray("metricHeaders").stream()
        .map(h -> ReportMetric.ofApiName(((JsonObject) h).getString("name")).orElseThrow()).toList();
    List<Row> rows = readRows(body.getJsonArray("rows"));
    Map<String, Object> metadata = new LinkedHashMap<>(body.getJsonObject("metadata", new JsonObject()).getMap());
    return new Report(dims, metrics, rows, body.getInteger("rowCount", rows.size()), metadata,
        readRows(body.getJsonArray("totals")), readRows(body.getJsonArray("maximums")),
        readRows(body.getJsonArray("minimums")));
  }

  private static List<Row> readRows(JsonArray in) {
    List<Row> rows = new ArrayList<>();
    for (Object o : in == null ? new JsonArray() : in) {
      JsonObject r = (JsonObject) o;
      List<String> dv = r.getJsonArray("dimensionValues").stream()
          .map(v -> ((JsonObject) v).getString("value")).toList();
      List<Number> mv = r.getJsonArray("metricValues").stream()
          .map(v -> parseNumber(((JsonObject) v).getString("value"))).toList();
      rows.add(new Row(dv, mv));
    }
    return rows;
  }

  /**
   * The request with every key in the JSON names of Google's fields: proto JSON parsers take a field's original
   * name too ({@code date_ranges}, {@code metric_aggregations}), so clients may send either. Every object of a
   * Data API request is a message (no free-form maps), so no key is a value the client chose.
   */
  public static JsonObject camelCaseKeys(JsonObject json) {
    JsonObject out = new JsonObject();
    json.forEach(e -> out.put(camel(e.getKey()), camelValue(e.getValue())));
    return out;
  }

  private static Object camelValue(Object v) {
    if (v instanceof JsonObject o) {
      return camelCaseKeys(o);
    }
    if (v instanceof JsonArray a) {
      JsonArray out = new JsonArray();
      a.forEach(x -> out.add(camelValue(x)));
      return out;
    }
    return v;
  }

  private static String camel(String key) {
    if (key.indexOf('_') < 0 || key.startsWith("_") || key.endsWith("_")) {
      return key;
    }
    StringBuilder sb = new StringBuilder(key.length());
    boolean up = false;
    for (char c : key.toCharArray()) {
      if (c == '_') {
        up = true;
      } else {
        sb.append(up ? Character.toUpperCase(c) : c);
        up = false;
      }
    }
    return sb.toString();
  }

  private static Number parseNumber(String v) {
    return v.contains(".") || v.contains("E") ? (Number) Double.parseDouble(v) : (Number) Long.parseLong(v);
  }

  /** CSV with a header line; values quoted per RFC 4180, and formula-leading cells defused for spreadsheets. */
  public static String toCsv(Report report) {
    StringBuilder sb = new StringBuilder();
    List<String> header = new ArrayList<>(report.dimensionHeaders());
    report.metricHeaders().forEach(m -> header.add(m.apiName()));
    line(sb, header);
    for (Row r : report.rows()) {
      List<String> cells = new ArrayList<>(r.dimensions());
      r.metrics().forEach(v -> cells.add(ReportEngine.format(v)));
      line(sb, cells);
    }
    return sb.toString();
  }

  /** CSV of {@code header} and {@code rows}, quoted and defused as {@link #toCsv(Report)} writes a report. */
  public static String toCsv(List<String> header, List<List<String>> rows) {
    StringBuilder sb = new StringBuilder();
    line(sb, header);
    rows.forEach(r -> line(sb, r));
    return sb.toString();
  }

  /**
   * CSV of a report's JSON answer ({@code dimensionHeaders}, {@code metricHeaders}, {@code rows}, as a funnel's
   * {@code funnelTable} or a cohort report is answered): the header names, then each row's dimension and metric
   * values, quoted and defused as {@link #toCsv(Report)} writes a report.
   */
  public static String toCsv(JsonObject table) {
    List<String> header = new ArrayList<>();
    for (String key : List.of("dimensionHeaders", "metricHeaders")) {
      table.getJsonArray(key, new JsonArray()).forEach(h -> header.add(((JsonObject) h).getString("name", "")));
    }
    List<List<String>> rows = new ArrayList<>();
    table.getJsonArray("rows", new JsonArray()).forEach(o -> {
      JsonObject row = (JsonObject) o;
      List<String> cells = new ArrayList<>();
      for (String key : List.of("dimensionValues", "metricValues")) {
        row.getJsonArray(key, new JsonArray()).forEach(v -> cells.add(((JsonObject) v).getString("value", "")));
      }
      rows.add(cells);
    });
    return toCsv(header, rows);
  }

  private static void line(StringBuilder sb, List<String> cells) {
    for (int i = 0; i < cells.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      String c = cells.get(i);
      if (!c.isEmpty() && "=+-@\t\r".indexOf(c.charAt(0)) >= 0 && !c.matches("-?\\d+(\\.\\d+)?")) {
        c = "'" + c;
      }
      sb.append('"').append(c.replace("\"", "\"\"")).append('"');
    }
    sb.append("\r\n");
  }

  /** A JSON object as plain Java values: nested objects as maps, arrays as lists (what the model parses). */
  static Map<String, Object> plainObject(JsonObject json) {
    Map<String, Object> out = new LinkedHashMap<>();
    json.getMap().forEach((k, v) -> out.put(k, plain(v)));
    return out;
  }

  private static Object plain(Object v) {
    if (v instanceof JsonObject o) {
      return plainObject(o);
    }
    if (v instanceof JsonArray a) {
      return plain(a.getList());
    }
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, x) -> out.put(String.valueOf(k), plain(x)));
      return out;
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>(l.size());
      l.forEach(x -> out.add(plain(x)));
      return out;
    }
    return v;
  }
}
