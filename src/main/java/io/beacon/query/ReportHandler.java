package io.beacon.query;

import io.beacon.model.aggregation.Dimension;
import io.beacon.query.report.AggregatePlan;
import io.beacon.query.report.AggregateReader;
import io.beacon.query.report.PropertyZones;
import io.beacon.query.report.ReportEngine;
import io.beacon.query.report.ReportException;
import io.beacon.query.report.ReportMetric;
import io.beacon.query.report.ReportRequest;
import io.beacon.query.report.TimeDimension;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code runReport} and {@code metadata} over the precomputed aggregates, in the GA4 Data API's shape. */
final class ReportHandler {
  private static final Logger LOG = LoggerFactory.getLogger(ReportHandler.class);
  static final int MAX_RANGE_DAYS = 1100;

  private final PropertyZones zones;
  private final AggregateReader reader;
  private final MeterRegistry meters;
  private final AccessHandler access;

  ReportHandler(PropertyZones zones, AggregateReader reader, MeterRegistry meters, AccessHandler access) {
    this.zones = zones;
    this.reader = reader;
    this.meters = meters;
    this.access = access;
  }

  /** The request body as a JSON object, or null after answering 400. */
  static JsonObject jsonBody(RoutingContext rc) {
    try {
      JsonObject body = rc.body() == null ? null : rc.body().asJsonObject();
      if (body != null) {
        return body;
      }
    } catch (DecodeException | ClassCastException e) {
      // answered below
    }
    error(rc, ReportException.badRequest("body", "is not a JSON object"));
    return null;
  }

  void runReport(RoutingContext rc) {
    String propertyId = rc.pathParam("id");
    Timer.Sample sample = Timer.start(meters);
    JsonObject body = jsonBody(rc);
    if (body == null) {
      return;
    }
    access.require(rc, propertyId, io.beacon.query.auth.PropertyRole.VIEWER).compose(v -> zones.zoneOf(propertyId)).onComplete(z -> {
      if (z.failed()) {
        if (z.cause() instanceof ReportException re) {
          error(rc, re);
        } else {
          unavailable(rc, propertyId, z.cause());
        }
        return;
      }
      Optional<ZoneId> zone = z.result();
      if (zone.isEmpty()) {
        error(rc, new ReportException(404, "property", "property '" + propertyId + "' not found"));
        return;
      }
      ReportRequest request;
      try {
        request = ReportRequest.parse(body, zone.get(), LocalDate.now(zone.get()), MAX_RANGE_DAYS);
      } catch (ReportException e) {
        error(rc, e);
        return;
      }
      Optional<AggregatePlan> plan = AggregatePlan.of(request);
      if (plan.isEmpty()) {
        error(rc, new ReportException(501, "dimensions", "this report needs a recomputation from raw hits (two or more"
            + " dimensions, a filter on another dimension, or custom event parameters), which is not available yet"));
        return;
      }
      reader.read(propertyId, plan.get(), request.dateRanges(), zone.get()).onComplete(rows -> {
        if (rows.failed()) {
          unavailable(rc, propertyId, rows.cause());
          return;
        }
        ReportEngine.Report report = ReportEngine.run(request, plan.get(), rows.result(), zone.get());
        sample.stop(meters.timer("beacon_query_report_seconds", "source", "aggregates"));
        String accept = rc.request().getHeader("Accept");
        if (accept != null && accept.contains("text/csv")) {
          rc.response().putHeader("content-type", "text/csv; charset=utf-8")
              .putHeader("content-disposition", "attachment; filename=\"report-" + propertyId + ".csv\"")
              .end(ReportEngine.toCsv(report));
        } else {
          rc.response().putHeader("content-type", "application/json").end(ReportEngine.toJson(report).encode());
        }
      });
    });
  }

  void metadata(RoutingContext rc) {
    JsonArray dims = new JsonArray();
    for (TimeDimension t : TimeDimension.values()) {
      dims.add(new JsonObject().put("apiName", t.apiName()).put("category", "Time").put("precomputed", true));
    }
    for (Dimension d : Dimension.values()) {
      dims.add(new JsonObject().put("apiName", d.apiName()).put("precomputed", true));
    }
    dims.add(new JsonObject().put("apiName", "customEvent:<param>").put("precomputed", false));
    JsonArray metrics = new JsonArray();
    for (ReportMetric m : ReportMetric.values()) {
      metrics.add(new JsonObject().put("apiName", m.apiName()).put("type", m.type()));
    }
    rc.response().putHeader("content-type", "application/json").end(new JsonObject()
        .put("name", "properties/" + rc.pathParam("id") + "/metadata")
        .put("dimensions", dims).put("metrics", metrics).encode());
  }

  private void unavailable(RoutingContext rc, String propertyId, Throwable cause) {
    LOG.warn("Report for property {} failed: the aggregate store did not answer: {}", propertyId, cause.toString());
    meters.counter("beacon_query_report_failures_total", "reason", "store_unavailable").increment();
    error(rc, new ReportException(503, "", "the aggregate store is unavailable; retry later"));
  }

  static void error(RoutingContext rc, ReportException e) {
    if (e.status() == 503) {
      rc.response().putHeader("Retry-After", "5");
    }
    rc.response().setStatusCode(e.status()).putHeader("content-type", "application/json")
        .end(new JsonObject().put("error", new JsonObject()
            .put("code", e.status()).put("message", e.getMessage()).put("field", e.field())).encode());
  }
}
