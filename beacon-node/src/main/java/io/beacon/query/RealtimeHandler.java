package io.beacon.query;

import io.beacon.contract.RealtimeContract;
import io.beacon.contract.RealtimeSnapshot;
import io.beacon.query.auth.PropertyRole;
import io.beacon.api.ApiException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The last 30 minutes, from the bridge's real-time state over the event bus: {@code
 * :runRealtimeReport} in the shape of the GA4 Data API, and a server-sent-event stream that pushes
 * each update the bridge publishes (at most one per second) to open dashboards.
 */
final class RealtimeHandler {
  private static final long ASK_TIMEOUT_MS = 2_000;
  /**
   * A comment line on every open event stream this often, so an idle stream is never idle for the proxies on the
   * way: well under HAProxy's 30 s client timeout (haproxy/haproxy.cfg), and under the 60 s that other proxies and
   * browsers commonly allow, with room for a lost packet or two.
   */
  static final long HEARTBEAT_MS = 10_000;
  /** Realtime dimension -> the snapshot list that answers it, and the metric that list counts. */
  private static final Map<String, TopList> TOP_LISTS = Map.of(
      "unifiedScreenName", new TopList(RealtimeSnapshot::topPages, "screenPageViews"),
      "pagePath", new TopList(RealtimeSnapshot::topPages, "screenPageViews"),
      "country", new TopList(RealtimeSnapshot::topCountries, "activeUsers"),
      "deviceCategory", new TopList(RealtimeSnapshot::topDevices, "activeUsers"),
      "sessionSource", new TopList(RealtimeSnapshot::topSources, "activeUsers"));
  private static final List<String> METRICS = List.of("activeUsers", "screenPageViews", "eventCount");

  /** A client refused a stream tries again after this long (the dashboard's EventSource retries by itself). */
  static final int STREAM_RETRY_AFTER_SECONDS = 30;

  private final Vertx vertx;
  private final AccessHandler access;
  private final StreamLimits streams;

  RealtimeHandler(Vertx vertx, AccessHandler access, StreamLimits streams) {
    this.vertx = vertx;
    this.access = access;
    this.streams = streams;
  }

  private record TopList(Function<RealtimeSnapshot, List<RealtimeSnapshot.Top>> list, String metric) {}

  private Future<RealtimeSnapshot> snapshot(String propertyId) {
    return RealtimeContract.SNAPSHOT.request(vertx, new RealtimeContract.SnapshotRequest(propertyId),
            new DeliveryOptions().setSendTimeout(ASK_TIMEOUT_MS))
        .recover(e -> Future.failedFuture(new ApiException(503, "", "real-time data is unavailable (no bridge answered)")));
  }

  void runRealtimeReport(RoutingContext rc) {
    String propertyId = rc.pathParam("id");
    JsonObject raw = ReportHandler.jsonBody(rc);
    if (raw == null) {
      return;
    }
    JsonObject body = io.beacon.api.ReportJson.camelCaseKeys(raw);
    int limit;
    try {
      limit = supported(body, propertyId);
    } catch (ApiException e) {
      ReportHandler.error(rc, e);
      return;
    }
    JsonArray dims = names(body, "dimensions");
    JsonArray metrics = names(body, "metrics");
    if (dims == null || metrics == null) {
      ReportHandler.error(rc, ApiException.badRequest(dims == null ? "dimensions" : "metrics",
          "must be an array of objects with a string 'name'"));
      return;
    }
    if (dims.size() > 1) {
      ReportHandler.error(rc, ApiException.badRequest("dimensions", "real-time reports take at most one dimension"));
      return;
    }
    String dim = dims.isEmpty() ? null : dims.getJsonObject(0).getString("name");
    if (dim != null && !dim.equals("minutesAgo") && !TOP_LISTS.containsKey(dim)) {
      ReportHandler.error(rc, ApiException.badRequest("dimensions[0].name", "unknown real-time dimension '" + dim
          + "' (minutesAgo, unifiedScreenName, pagePath, country, deviceCategory, sessionSource)"));
      return;
    }
    if (metrics.isEmpty()) {
      ReportHandler.error(rc, ApiException.badRequest("metrics", "must list at least one metric"));
      return;
    }
    for (int i = 0; i < metrics.size(); i++) {
      String m = metrics.getJsonObject(i).getString("name");
      boolean ok = dim != null && TOP_LISTS.containsKey(dim) ? TOP_LISTS.get(dim).metric().equals(m) : METRICS.contains(m);
      if (!ok) {
        ReportHandler.error(rc, ApiException.badRequest("metrics[" + i + "].name", "'" + m + "' is not available"
            + (dim == null ? "" : " by " + dim) + " in real time"));
        return;
      }
    }
    access.require(rc, propertyId, PropertyRole.VIEWER).compose(v -> snapshot(propertyId)).onComplete(ar -> {
      if (ar.failed()) {
        ReportHandler.error(rc, ar.cause() instanceof ApiException re ? re : new ApiException(503, "", "unavailable"));
        return;
      }
      JsonObject report = toReport(ar.result(), dim, metrics);
      JsonArray rows = report.getJsonArray("rows");
      if (rows.size() > limit) {
        report.put("rows", new JsonArray(rows.getList().subList(0, limit)));
      }
      rc.response().putHeader("content-type", "application/json").end(report.encode());
    });
  }

  /** The fields of Google's {@code RunRealtimeReportRequest}, JSON names. */
  private static final java.util.Set<String> FIELDS = java.util.Set.of("property", "dimensions", "metrics",
      "dimensionFilter", "metricFilter", "limit", "metricAggregations", "orderBys", "returnPropertyQuota",
      "minuteRanges");

  /**
   * Refuses what a real-time report cannot answer yet, each field by name (never ignored): filters, order bys,
   * aggregations, a minute range other than the whole last 30 minutes, a property quota; unknown fields. Returns
   * the row {@code limit} (GA's default 10,000 when absent or 0).
   */
  static int supported(JsonObject body, String propertyId) {
    for (String k : body.fieldNames()) {
      if (!FIELDS.contains(k)) {
        throw ApiException.badRequest(k, "unknown field (a RunRealtimeReportRequest has " + String.join(", ",
            new java.util.TreeSet<>(FIELDS)) + ")");
      }
    }
    Object p = body.getValue("property");
    if (p != null && !"".equals(p) && !("properties/" + propertyId).equals(p)) {
      throw ApiException.badRequest("property", "'" + p + "' is not properties/" + propertyId + ", the property of the path");
    }
    for (String k : List.of("dimensionFilter", "metricFilter")) {
      if (body.getValue(k) != null) {
        throw ApiException.badRequest(k, "filters are not supported in real-time reports by Beacon yet");
      }
    }
    for (String k : List.of("orderBys", "metricAggregations")) {
      if (body.getValue(k) instanceof JsonArray a && !a.isEmpty() || body.getValue(k) instanceof JsonObject) {
        throw ApiException.badRequest(k, "not supported in real-time reports by Beacon yet (rows come in their"
            + " natural order: minutes newest first, top lists largest first)");
      }
    }
    if (Boolean.TRUE.equals(body.getValue("returnPropertyQuota"))) {
      throw ApiException.badRequest("returnPropertyQuota", "Beacon keeps no per-property token quotas to report");
    }
    if (body.getValue("minuteRanges") instanceof JsonArray ranges) {
      for (int i = 0; i < ranges.size(); i++) {
        JsonObject r = ranges.getValue(i) instanceof JsonObject o ? o : null;
        long start = r == null ? -1 : minutes(r, "startMinutesAgo", 29, "minuteRanges[" + i + "]");
        long end = r == null ? -1 : minutes(r, "endMinutesAgo", 0, "minuteRanges[" + i + "]");
        if (ranges.size() > 1 || start != 29 || end != 0) {
          throw ApiException.badRequest("minuteRanges", "Beacon answers one minute range, the last 30 minutes"
              + " (startMinutesAgo 29, endMinutesAgo 0); use the minutesAgo dimension for single minutes");
        }
      }
    } else if (body.getValue("minuteRanges") != null) {
      throw ApiException.badRequest("minuteRanges", "must be an array");
    }
    Object l = body.getValue("limit");
    long limit;
    try {
      limit = l == null ? 0 : l instanceof Number n ? n.longValue() : Long.parseLong(l.toString());
    } catch (NumberFormatException e) {
      throw ApiException.badRequest("limit", "must be an integer, was '" + l + "'");
    }
    if (limit < 0) {
      throw ApiException.badRequest("limit", "must be positive, was " + limit);
    }
    return limit == 0 ? 10_000 : (int) Math.min(limit, 250_000);
  }

  private static long minutes(JsonObject range, String key, long dflt, String field) {
    for (String k : range.fieldNames()) {
      if (!java.util.Set.of("startMinutesAgo", "endMinutesAgo", "name").contains(k)) {
        throw ApiException.badRequest(field + "." + k, "unknown field (a MinuteRange has startMinutesAgo,"
            + " endMinutesAgo, name)");
      }
    }
    Object v = range.getValue(key);
    try {
      return v == null ? dflt : v instanceof Number n ? n.longValue() : Long.parseLong(v.toString());
    } catch (NumberFormatException e) {
      throw ApiException.badRequest(field + "." + key, "must be an integer, was '" + v + "'");
    }
  }

  /** The body's array of {@code {"name": "..."}} objects (empty if absent), or null if it is anything else. */
  private static JsonArray names(JsonObject body, String key) {
    Object v = body.getValue(key);
    if (v == null) {
      return new JsonArray();
    }
    if (!(v instanceof JsonArray arr)) {
      return null;
    }
    for (Object o : arr) {
      if (!(o instanceof JsonObject item) || !(item.getValue("name") instanceof String)) {
        return null;
      }
    }
    return arr;
  }

  static JsonObject toReport(RealtimeSnapshot snap, String dim, JsonArray metrics) {
    JsonArray rows = new JsonArray();
    if (dim == null) {
      rows.add(row(null, metrics, snap.activeUsers(), snap.pageViews(), snap.events()));
    } else if (dim.equals("minutesAgo")) {
      for (RealtimeSnapshot.Minute m : snap.minutes()) {
        long ago = Math.max(0, (snap.asOf() - m.minute()) / 60_000);
        rows.add(row(String.format("%02d", ago), metrics, m.activeUsers(), m.pageViews(), m.events()));
      }
    } else {
      for (RealtimeSnapshot.Top t : TOP_LISTS.get(dim).list().apply(snap)) {
        rows.add(row(t.value(), metrics, t.count(), t.count(), t.count()));
      }
    }
    JsonArray mh = new JsonArray();
    metrics.forEach(m -> mh.add(new JsonObject().put("name", ((JsonObject) m).getString("name")).put("type", "TYPE_INTEGER")));
    return new JsonObject()
        .put("dimensionHeaders", dim == null ? new JsonArray() : new JsonArray().add(new JsonObject().put("name", dim)))
        .put("metricHeaders", mh).put("rows", rows).put("rowCount", rows.size())
        .put("kind", "analyticsData#runRealtimeReport");
  }

  private static JsonObject row(String dimValue, JsonArray metrics, long users, long views, long events) {
    JsonArray mv = new JsonArray();
    for (Object o : metrics) {
      String m = ((JsonObject) o).getString("name");
      long v = m.equals("activeUsers") ? users : m.equals("screenPageViews") ? views : events;
      mv.add(new JsonObject().put("value", Long.toString(v)));
    }
    JsonObject row = new JsonObject().put("metricValues", mv);
    row.put("dimensionValues", dimValue == null ? new JsonArray() : new JsonArray().add(new JsonObject().put("value", dimValue)));
    return row;
  }

  /** {@code text/event-stream} of the property's snapshots: the current one, then every published update. */
  void stream(RoutingContext rc) {
    String propertyId = rc.pathParam("id");
    access.require(rc, propertyId, PropertyRole.VIEWER).onComplete(ok -> {
      if (ok.failed()) {
        ReportHandler.error(rc, ok.cause() instanceof ApiException re ? re : new ApiException(503, "", "unavailable"));
        return;
      }
      StreamLimits.Opened opened = streams.tryOpen(propertyId);
      if (opened.slot() == null) {
        // A full node answers 503 (another node may have room: the balancer retries elsewhere), a property with
        // its share of this node's streams 429.
        boolean node = opened.full() == StreamLimits.Full.NODE;
        rc.response().putHeader("Retry-After", Integer.toString(STREAM_RETRY_AFTER_SECONDS));
        ReportHandler.error(rc, new ApiException(node ? 503 : 429, "", node
            ? "this node holds its most real-time streams (" + streams.perNode() + ", query.maxRealtimeStreams); retry later"
            : "property " + propertyId + " has its most real-time streams on this node (" + streams.perProperty()
                + ", query.maxRealtimeStreamsPerProperty); close another dashboard or retry later"));
        return;
      }
      StreamLimits.Slot slot = opened.slot();
      var res = rc.response().setChunked(true).putHeader("content-type", "text/event-stream")
          .putHeader("Cache-Control", "no-store").putHeader("X-Accel-Buffering", "no")
          // Not compressed (the server compresses other answers): "identity" makes Vert.x leave this one as written.
          .putHeader("content-encoding", "identity");
      MessageConsumer<JsonObject> updates = RealtimeContract.UPDATES.subscribe(vertx, propertyId,
          snap -> res.write("event: snapshot\ndata: " + snap.toJson().encode() + "\n\n"));
      // Each heartbeat reads the caller's credentials and role again: a revoked token, a disabled or deleted user,
      // an ended session or a removed role closes the stream within a heartbeat.
      long heartbeat = vertx.setPeriodic(HEARTBEAT_MS, id -> access.recheck(rc, propertyId, PropertyRole.VIEWER)
          .onSuccess(v -> {
            if (!res.ended()) {
              res.write(": keep-alive\n\n");
            }
          })
          .onFailure(e -> {
            if (res.ended()) {
              vertx.cancelTimer(id);
            } else if (e instanceof ApiException a && (a.status() == 401 || a.status() == 403)) {
              vertx.cancelTimer(id);
              updates.unregister();
              slot.release();
              res.end("event: end\ndata: {\"reason\":\"" + (a.status() == 401 ? "unauthenticated" : "forbidden")
                  + "\"}\n\n");
            } else {
              res.write(": keep-alive\n\n"); // the account store is down: its last answer stands
            }
          }));
      res.closeHandler(v -> {
        updates.unregister();
        vertx.cancelTimer(heartbeat);
        slot.release();
      });
      // A comment at once: the status and headers leave now, not with the first snapshot (which may never come
      // when no bridge answers), so a client knows at once that its stream is open.
      res.write(": open\n\n");
      snapshot(propertyId).onSuccess(s -> res.write("event: snapshot\ndata: " + s.toJson().encode() + "\n\n"));
    });
  }
}
