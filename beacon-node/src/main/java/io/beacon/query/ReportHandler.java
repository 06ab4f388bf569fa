package io.beacon.query;

import io.beacon.api.ReportJson;
import io.beacon.model.aggregation.Dimension;
import io.beacon.model.report.AggregatePlan;
import io.beacon.model.report.CustomDimension;
import io.beacon.model.report.AggregateRow;
import io.beacon.query.report.AggregateReader;
import io.beacon.infra.clients.PropertyLookup;
import io.beacon.model.report.ReportEngine;
import io.beacon.api.ApiException;
import io.beacon.model.report.ReportMetric;
import io.beacon.model.report.ReportRequest;
import io.beacon.model.report.TimeDimension;
import io.beacon.contract.BusFailure;
import io.beacon.contract.RecomputeReportContract;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import java.util.stream.LongStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code runReport} and {@code metadata} over the precomputed aggregates, in the GA4 Data API's shape. */
final class ReportHandler {
  private static final Logger LOG = LoggerFactory.getLogger(ReportHandler.class);
  /** The worker pool reports are evaluated on, shared by the node's query instances ({@link #evaluate}). */
  static final String WORKERS = "beacon-query-reports";
  /** Evaluation is CPU work: more threads than cores would only queue it in the kernel instead. */
  static final int WORKER_THREADS = Math.max(2, Runtime.getRuntime().availableProcessors());

  private final PropertyLookup zones;
  private final AggregateReader reader;
  private final MeterRegistry meters;
  private final AccessHandler access;
  private final Vertx vertx;
  private final WorkerExecutor workers;
  private final long recomputeTimeoutMs;
  private final Timer fromAggregates;
  private final Timer fromRecompute;

  ReportHandler(Vertx vertx, WorkerExecutor workers, PropertyLookup zones, AggregateReader reader, MeterRegistry meters,
                AccessHandler access, long recomputeTimeoutMs) {
    this.vertx = vertx;
    this.workers = workers;
    this.recomputeTimeoutMs = recomputeTimeoutMs;
    this.zones = zones;
    this.reader = reader;
    this.meters = meters;
    this.access = access;
    // Registered at start, so both sources have series (0) before their first report.
    this.fromAggregates = reportTimer(meters, "aggregates");
    this.fromRecompute = reportTimer(meters, "recompute");
  }

  /**
   * runReport time by where the answer came from, with histogram buckets for the serving dashboard's percentiles
   * and the report-latency alert (whose thresholds, 1 s and 60 s, are bucket bounds).
   */
  private static Timer reportTimer(MeterRegistry meters, String source) {
    return Timer.builder("beacon_query_report_seconds").tag("source", source)
        .description("runReport time, by where the answer came from")
        .serviceLevelObjectives(LongStream.of(10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000,
            120_000).mapToObj(Duration::ofMillis).toArray(Duration[]::new))
        .register(meters);
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
    error(rc, ApiException.badRequest("body", "is not a JSON object"));
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
        if (z.cause() instanceof ApiException re) {
          error(rc, re);
        } else {
          unavailable(rc, propertyId, z.cause());
        }
        return;
      }
      Optional<ZoneId> zone = z.result();
      if (zone.isEmpty()) {
        error(rc, new ApiException(404, "property", "property '" + propertyId + "' not found"));
        return;
      }
      ReportRequest request;
      try {
        request = ReportJson.parseRequest(body, zone.get(), LocalDate.now(zone.get()), ReportRequest.MAX_RANGE_DAYS);
      } catch (ApiException e) {
        error(rc, e);
        return;
      }
      Optional<AggregatePlan> plan = AggregatePlan.of(request);
      if (plan.isEmpty()) {
        recompute(rc, propertyId, zone.get(), body, sample);
        return;
      }
      reader.read(propertyId, plan.get(), request.dateRanges(), zone.get()).onComplete(read -> {
        if (read.failed()) {
          unavailable(rc, propertyId, read.cause());
          return;
        }
        evaluate(request, plan.get(), read.result().rows(), zone.get()).onComplete(run -> {
          if (run.failed()) {
            rc.fail(run.cause()); // a bug: the router's failure handler logs it and answers 500
            return;
          }
          ReportEngine.Report report = run.result();
          ReportEngine.putFreshness(report.metadata(), request, zone.get(), System.currentTimeMillis());
          report.metadata().put("cache", read.result().cache());
          if (read.result().cache().equals("stale")) {
            report.metadata().put("stale", true);
          }
          sample.stop(fromAggregates);
          respond(rc, propertyId, report);
        });
      });
    });
  }

  /**
   * Runs the report engine on the {@link #WORKERS} pool, never on the event loop: its filters match client-supplied
   * regular expressions against tracked values, and a report over many rows is CPU work; either would stall every
   * connection the event loop serves. Completes on the caller's context. Unordered: reports run in parallel.
   */
  Future<ReportEngine.Report> evaluate(ReportRequest request, AggregatePlan plan, List<AggregateRow> rows,
                                       ZoneId zone) {
    return workers.executeBlocking(() -> ReportEngine.run(request, plan, rows, zone), false);
  }

  /**
   * A report the aggregates cannot answer (several dimensions, a filter on another dimension, custom
   * parameters): computed from raw hits by a recompute node, over the event bus.
   */
  private void recompute(RoutingContext rc, String propertyId, ZoneId zone, JsonObject body, Timer.Sample sample) {
    RecomputeReportContract.CONTRACT.request(vertx,
            new RecomputeReportContract.Request(propertyId, zone, LocalDate.now(zone), body),
            new DeliveryOptions().setSendTimeout(recomputeTimeoutMs))
        .onSuccess(report -> {
          sample.stop(fromRecompute);
          respond(rc, propertyId, report);
        })
        .onFailure(e -> replyFailure(rc, e, "recompute"));
  }

  /**
   * Answers a failed event-bus request to a recompute node: the {@link BusFailure} it replied carries the HTTP
   * status and the field; no node or no answer in time is 503.
   */
  static void replyFailure(RoutingContext rc, Throwable e, String role) {
    if (e instanceof BusFailure f) {
      int status = f.status() >= 400 && f.status() < 600 ? f.status() : 503;
      if (status == 429) {
        rc.response().putHeader("Retry-After", "10");
      }
      error(rc, new ApiException(status, f.field(), f.getMessage() == null ? "" : f.getMessage()));
      return;
    }
    boolean noHandlers = e instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS;
    LOG.warn("The {} role did not answer: {}", role, e.toString());
    error(rc, new ApiException(503, "", noHandlers ? "no " + role + " node is running; retry later"
        : "the " + role + " role did not answer in time; retry later"));
  }

  private static void respond(RoutingContext rc, String propertyId, ReportEngine.Report report) {
    String accept = rc.request().getHeader("Accept");
    if (accept != null && accept.contains("text/csv")) {
      rc.response().putHeader("content-type", "text/csv; charset=utf-8")
          .putHeader("content-disposition", "attachment; filename=\"report-" + propertyId + ".csv\"")
          .end(ReportJson.toCsv(report));
    } else {
      rc.response().putHeader("content-type", "application/json").end(ReportJson.toJson(report).encode());
    }
  }

  void metadata(RoutingContext rc) {
    JsonArray dims = new JsonArray();
    for (TimeDimension t : TimeDimension.values()) {
      dims.add(new JsonObject().put("apiName", t.apiName()).put("category", "Time").put("precomputed", true));
    }
    for (Dimension d : Dimension.values()) {
      dims.add(new JsonObject().put("apiName", d.apiName()).put("precomputed", d.precomputed()));
    }
    for (CustomDimension c : CustomDimension.values()) {
      dims.add(new JsonObject().put("apiName", c.apiPrefix() + (c == CustomDimension.EVENT ? "<param>" : "<name>"))
          .put("precomputed", false));
    }
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
    error(rc, new ApiException(503, "", "the aggregate store is unavailable; retry later"));
  }

  static void error(RoutingContext rc, ApiException e) {
    if (e.status() == 503) {
      rc.response().putHeader("Retry-After", "5");
    }
    rc.response().setStatusCode(e.status()).putHeader("content-type", "application/json")
        .end(new JsonObject().put("error", new JsonObject()
            .put("code", e.status()).put("message", e.getMessage()).put("field", e.field())).encode());
  }
}
