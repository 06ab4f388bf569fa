package io.beacon.query;

import io.beacon.api.ReportJson;
import io.beacon.model.report.AggregatePlan;
import io.beacon.model.report.ProtoJson;
import io.beacon.model.report.CustomDimension;
import io.beacon.model.report.AggregateRow;
import io.beacon.query.report.AggregateReader;
import io.beacon.infra.clients.PropertyLookup;
import io.beacon.model.report.ReportEngine;
import io.beacon.api.ApiException;
import io.beacon.model.report.ReportMetric;
import io.beacon.model.report.ReportRequest;
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

  /** {@code :runReport}: one report, as JSON or (with {@code Accept: text/csv}) CSV. */
  void runReport(RoutingContext rc) {
    String propertyId = rc.pathParam("id");
    JsonObject body = jsonBody(rc);
    if (body == null) {
      return;
    }
    if (io.beacon.api.CohortJson.isCohortReport(body)) {
      // A cohortSpec makes it a cohort report (docs/analytics-model.md, "Retention cohorts"): raw hits, per person.
      fromRawPersons(rc, (b, zone, today) -> io.beacon.api.CohortJson.parseRequest(b, zone, today,
          ReportRequest.MAX_RANGE_DAYS), io.beacon.contract.RecomputeCohortContract.CONTRACT);
      return;
    }
    report(rc, propertyId, body, "").onComplete(r -> {
      if (r.succeeded()) {
        respond(rc, propertyId, r.result());
      } else {
        fail(rc, r.cause());
      }
    });
  }

  /**
   * {@code :runFunnelReport} (GA4 Data API v1alpha): a funnel over the property's raw hits, computed by a recompute
   * node (docs/analytics-model.md, "Funnels"). The body is parsed here first, so a bad definition is a 400 without a
   * trip over the event bus.
   */
  void runFunnelReport(RoutingContext rc) {
    fromRawPersons(rc, (body, zone, today) -> io.beacon.api.FunnelJson.parseRequest(body, zone, today,
        ReportRequest.MAX_RANGE_DAYS), io.beacon.contract.RecomputeFunnelContract.CONTRACT);
  }

  /**
   * {@code :runUserTimeline} (the user explorer, docs/analytics-model.md, "User explorer"): one person's sessions
   * and events from the property's raw hits, computed by a recompute node; viewers may ask, as for any report.
   */
  void runUserTimeline(RoutingContext rc) {
    fromRawPersons(rc, io.beacon.api.UserTimelineJson::parseRequest,
        io.beacon.contract.RecomputeTimelineContract.CONTRACT);
  }

  /**
   * {@code :runPathReport} (Beacon's path exploration, docs/analytics-model.md, "Path exploration"): the paths of
   * sessions from or to an anchor over the property's raw hits, computed by a recompute node; viewers may ask.
   */
  void runPathReport(RoutingContext rc) {
    fromRawPersons(rc, (body, zone, today) -> io.beacon.api.PathJson.parseRequest(body, zone, today,
        ReportRequest.MAX_RANGE_DAYS), io.beacon.contract.RecomputePathContract.CONTRACT);
  }

  /** Parses a request of an exploration in the property's zone (400 with the field, as {@link ApiException}). */
  private interface Check {
    void parse(JsonObject body, java.time.ZoneId zone, LocalDate today);
  }

  /**
   * An exploration computed by a recompute node from raw hits read one person at a time (funnels, cohorts, paths): the
   * body is parsed here first, so a bad definition is a 400 without a trip over the event bus; the answer is the
   * JSON body recompute replies.
   */
  private void fromRawPersons(RoutingContext rc, Check check,
      io.beacon.contract.RequestReply<RecomputeReportContract.Request, JsonObject> contract) {
    String propertyId = rc.pathParam("id");
    JsonObject raw = jsonBody(rc);
    if (raw == null) {
      return;
    }
    JsonObject body = ReportJson.camelCaseKeys(raw);
    Timer.Sample sample = Timer.start(meters);
    Future<JsonObject> answer;
    try {
      checkProperty(rc, body, propertyId, "");
      answer = access.require(rc, propertyId, io.beacon.query.auth.PropertyRole.VIEWER)
          .compose(v -> zones.zoneOf(propertyId)
              .recover(e -> Future.failedFuture(e instanceof ApiException ? e : unavailable(propertyId, e))))
          .compose(zone -> {
            if (zone.isEmpty()) {
              return Future.failedFuture(new ApiException(404, "property", "property '" + propertyId + "' not found"));
            }
            LocalDate today = LocalDate.now(zone.get());
            check.parse(body, zone.get(), today);
            return contract.request(vertx, new RecomputeReportContract.Request(propertyId, zone.get(), today, body),
                    new DeliveryOptions().setSendTimeout(recomputeTimeoutMs))
                .recover(e -> Future.failedFuture(busFailure(e, "recompute")));
          });
    } catch (ApiException e) {
      answer = Future.failedFuture(e);
    }
    answer.onComplete(r -> {
      if (r.succeeded()) {
        sample.stop(fromRecompute);
        // A table (a funnel's funnelTable, a cohort report) as CSV when asked, as :runReport answers: the
        // dashboard's download. A timeline has no table and stays JSON.
        JsonObject json = r.result();
        JsonObject table = json.containsKey("funnelTable") ? json.getJsonObject("funnelTable") : json;
        String accept = rc.request().getHeader("Accept");
        if (accept != null && accept.contains("text/csv") && table.containsKey("rows")) {
          rc.response().putHeader("content-type", "text/csv; charset=utf-8")
              .putHeader("content-disposition", "attachment; filename=\"report-" + propertyId + ".csv\"")
              .end(ReportJson.toCsv(table));
        } else {
          rc.response().putHeader("content-type", "application/json").end(json.encode());
        }
      } else {
        fail(rc, r.cause());
      }
    });
  }

  /** At most this many reports in one {@code :batchRunReports} (GA's limit). */
  static final int MAX_BATCH = 5;

  /**
   * {@code :batchRunReports}: up to {@value #MAX_BATCH} reports of one property, answered together in request order
   * ({@code BatchRunReportsResponse}); the first that fails fails the batch, its field named within
   * {@code requests[i]}.
   */
  void batchRunReports(RoutingContext rc) {
    String propertyId = rc.pathParam("id");
    JsonObject body = jsonBody(rc);
    if (body == null) {
      return;
    }
    body = ReportJson.camelCaseKeys(body);
    List<JsonObject> requests = new java.util.ArrayList<>();
    try {
      for (String k : body.fieldNames()) {
        if (!k.equals("property") && !k.equals("requests")) {
          throw ApiException.badRequest(k, "unknown field (a BatchRunReportsRequest has property, requests)");
        }
      }
      checkProperty(rc, body, propertyId, "");
      Object list = body.getValue("requests");
      if (!(list instanceof JsonArray arr) || arr.isEmpty() || arr.size() > MAX_BATCH) {
        throw ApiException.badRequest("requests", "must list 1 to " + MAX_BATCH + " RunReportRequests");
      }
      for (int i = 0; i < arr.size(); i++) {
        if (!(arr.getValue(i) instanceof JsonObject r)) {
          throw ApiException.badRequest("requests[" + i + "]", "must be an object");
        }
        requests.add(r);
      }
    } catch (ApiException e) {
      error(rc, e);
      return;
    }
    List<Future<ReportEngine.Report>> runs = new java.util.ArrayList<>();
    for (int i = 0; i < requests.size(); i++) {
      runs.add(report(rc, propertyId, requests.get(i), "requests[" + i + "]"));
    }
    Future.join(runs).onComplete(all -> {
      for (Future<ReportEngine.Report> f : runs) {
        if (f.failed()) {
          fail(rc, f.cause());
          return;
        }
      }
      JsonArray reports = new JsonArray();
      runs.forEach(f -> reports.add(ReportJson.toJson(f.result())));
      rc.response().putHeader("content-type", "application/json").end(new JsonObject().put("reports", reports)
          .put("kind", "analyticsData#batchRunReports").encode());
    });
  }

  /** Answers a failed report: the API's error, or a bug (the router's failure handler logs it and answers 500). */
  private static void fail(RoutingContext rc, Throwable e) {
    if (e instanceof ApiException api) {
      error(rc, api);
    } else {
      rc.fail(e);
    }
  }

  /**
   * A request's {@code property}, if given, must name the path's property (as GA requires within a batch), by its id
   * or by the GA4 property id the path named it by ({@link GaPropertyIds}).
   */
  private static void checkProperty(RoutingContext rc, JsonObject body, String propertyId, String prefix) {
    Object p = body.getValue("property");
    String gaId = GaPropertyIds.namedBy(rc);
    if (p != null && !"".equals(p) && !("properties/" + propertyId).equals(p)
        && !(gaId != null && ("properties/" + gaId).equals(p))) {
      throw ApiException.badRequest(prefix.isEmpty() ? "property" : prefix + ".property",
          "'" + p + "' is not properties/" + propertyId + ", the property of the path");
    }
  }

  /**
   * One report of {@code propertyId} for its body: checks the caller's access, parses the request in the property's
   * zone, answers it from the aggregates or asks recompute. Fails with an {@link ApiException} for every answer but
   * a bug; {@code prefix} (e.g. {@code requests[2]}) places its fields within a batch.
   */
  Future<ReportEngine.Report> report(RoutingContext rc, String propertyId, JsonObject raw, String prefix) {
    Timer.Sample sample = Timer.start(meters);
    JsonObject body = ReportJson.camelCaseKeys(raw);
    try {
      checkProperty(rc, body, propertyId, prefix);
    } catch (ApiException e) {
      return Future.failedFuture(e);
    }
    return access.require(rc, propertyId, io.beacon.query.auth.PropertyRole.VIEWER)
        .compose(v -> zones.zoneOf(propertyId)
            .recover(e -> Future.failedFuture(e instanceof ApiException ? e : unavailable(propertyId, e))))
        .compose(zone -> {
          if (zone.isEmpty()) {
            return Future.failedFuture(new ApiException(404, "property", "property '" + propertyId + "' not found"));
          }
          ReportRequest request;
          try {
            request = ReportJson.parseRequest(body, zone.get(), LocalDate.now(zone.get()), ReportRequest.MAX_RANGE_DAYS);
          } catch (ApiException e) {
            return Future.failedFuture(within(prefix, e));
          }
          Optional<AggregatePlan> plan = AggregatePlan.of(request);
          Future<ReportEngine.Report> answer = plan.isEmpty()
              ? recompute(propertyId, zone.get(), body, sample).recover(e -> Future.failedFuture(
                  e instanceof ApiException api ? within(prefix, api) : e))
              : fromAggregates(propertyId, request, plan.get(), zone.get(), sample);
          return answer.map(report -> {
            if (request.currencyCode() != null) {
              report.metadata().put("currencyCode", request.currencyCode());
            }
            return report;
          });
        });
  }

  /**
   * A report the node makes for itself (an email report, {@link EmailReports}): no caller, so no access check or
   * quota; answered from the aggregates only, as the overview's reports are. Fails with an {@link ApiException} for a
   * request the aggregates cannot answer (a bug of the caller) or 503 when the store is unavailable.
   */
  Future<JsonObject> internalReport(String propertyId, ZoneId zone, JsonObject body) {
    ReportRequest request;
    try {
      request = ReportJson.parseRequest(ReportJson.camelCaseKeys(body), zone, LocalDate.now(zone),
          ReportRequest.MAX_RANGE_DAYS);
    } catch (ApiException e) {
      return Future.failedFuture(e);
    }
    Optional<AggregatePlan> plan = AggregatePlan.of(request);
    if (plan.isEmpty()) {
      return Future.failedFuture(ApiException.badRequest("", "not answerable from the aggregates"));
    }
    return reader.read(propertyId, plan.get(), request.dateRanges(), zone)
        .recover(e -> Future.failedFuture(unavailable(propertyId, e)))
        .compose(read -> evaluate(request, plan.get(), read.rows(), zone))
        .map(ReportJson::toJson);
  }

  /** {@code e} with its field (and message) placed within {@code prefix}. */
  private static ApiException within(String prefix, ApiException e) {
    if (prefix.isEmpty() || e.status() != 400) {
      return e;
    }
    String field = e.field() == null || e.field().isEmpty() ? prefix : prefix + "." + e.field();
    return new ApiException(e.status(), field, prefix + "." + e.getMessage());
  }

  private Future<ReportEngine.Report> fromAggregates(String propertyId, ReportRequest request, AggregatePlan plan,
      ZoneId zone, Timer.Sample sample) {
    return reader.read(propertyId, plan, request.dateRanges(), zone)
        .recover(e -> Future.failedFuture(unavailable(propertyId, e)))
        .compose(read -> evaluate(request, plan, read.rows(), zone).map(report -> {
          ReportEngine.putFreshness(report.metadata(), request, zone, System.currentTimeMillis());
          report.metadata().put("cache", read.cache());
          if (read.cache().equals("stale")) {
            report.metadata().put("stale", true);
          }
          sample.stop(fromAggregates);
          return report;
        }));
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
  private Future<ReportEngine.Report> recompute(String propertyId, ZoneId zone, JsonObject body, Timer.Sample sample) {
    return RecomputeReportContract.CONTRACT.request(vertx,
            new RecomputeReportContract.Request(propertyId, zone, LocalDate.now(zone), body),
            new DeliveryOptions().setSendTimeout(recomputeTimeoutMs))
        .map(report -> {
          sample.stop(fromRecompute);
          return report;
        })
        .recover(e -> Future.failedFuture(busFailure(e, "recompute")));
  }

  /**
   * Answers a failed event-bus request to a recompute node: the {@link BusFailure} it replied carries the HTTP
   * status and the field; no node or no answer in time is 503.
   */
  static void replyFailure(RoutingContext rc, Throwable e, String role) {
    error(rc, busFailure(e, role));
  }

  /** A failed event-bus request to another role as the API's error (see {@link #replyFailure}). */
  static ApiException busFailure(Throwable e, String role) {
    if (e instanceof BusFailure f) {
      int status = f.status() >= 400 && f.status() < 600 ? f.status() : 503;
      return new ApiException(status, f.field(), f.getMessage() == null ? "" : f.getMessage());
    }
    boolean noHandlers = e instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS;
    LOG.warn("The {} role did not answer: {}", role, e.toString());
    return new ApiException(503, "", noHandlers ? "no " + role + " node is running; retry later"
        : "the " + role + " role did not answer in time; retry later");
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

  /**
   * {@code GET .../metadata}: the dimensions and metrics ({@link ApiCatalog}), the same for every property. Property
   * {@code 0} is GA's "common to all properties" and needs no access; any other must exist and be readable.
   */
  void metadata(RoutingContext rc) {
    String propertyId = rc.pathParam("id");
    Future<Void> allowed = propertyId.equals("0") ? Future.succeededFuture() : existing(rc, propertyId);
    allowed.onComplete(ok -> {
      if (ok.failed()) {
        fail(rc, ok.cause());
        return;
      }
      rc.response().putHeader("content-type", "application/json").end(ApiCatalog.metadata(propertyId).encode());
    });
  }

  /** Succeeds if the caller may read the property and it exists; else fails with the API's 403, 404 or 503. */
  private Future<Void> existing(RoutingContext rc, String propertyId) {
    return access.require(rc, propertyId, io.beacon.query.auth.PropertyRole.VIEWER)
        .compose(v -> zones.zoneOf(propertyId)
            .recover(e -> Future.failedFuture(e instanceof ApiException ? e : unavailable(propertyId, e))))
        .compose(zone -> zone.isPresent() ? Future.<Void>succeededFuture()
            : Future.failedFuture(new ApiException(404, "property", "property '" + propertyId + "' not found")));
  }

  /**
   * {@code :checkCompatibility}: which dimensions and metrics can be added to the request. In Beacon every
   * combination can be answered (what the aggregates cannot, recompute computes from raw hits), so every dimension
   * and metric is {@code COMPATIBLE}; the request's own are checked like a report's.
   */
  void checkCompatibility(RoutingContext rc) {
    String propertyId = rc.pathParam("id");
    JsonObject raw = jsonBody(rc);
    if (raw == null) {
      return;
    }
    JsonObject body = ReportJson.camelCaseKeys(raw);
    String filter;
    List<String> custom = new java.util.ArrayList<>();
    try {
      for (String k : body.fieldNames()) {
        if (!java.util.Set.of("property", "dimensions", "metrics", "dimensionFilter", "metricFilter",
            "compatibilityFilter").contains(k)) {
          throw ApiException.badRequest(k, "unknown field (a CheckCompatibilityRequest has property, dimensions,"
              + " metrics, dimensionFilter, metricFilter, compatibilityFilter)");
        }
      }
      checkProperty(rc, body, propertyId, "");
      try {
        filter = ProtoJson.enumName(body.getValue("compatibilityFilter"), "compatibilityFilter",
            "COMPATIBILITY_UNSPECIFIED", "COMPATIBLE", "INCOMPATIBLE");
      } catch (io.beacon.model.report.InvalidRequestException e) {
        throw ApiException.of(e);
      }
      // Validated as a report over today would be (names, filters), without running it.
      JsonObject probe = body.copy();
      probe.remove("compatibilityFilter");
      probe.remove("property");
      if (probe.getJsonArray("metrics") == null || probe.getJsonArray("metrics").isEmpty()) {
        probe.put("metrics", new JsonArray().add(new JsonObject().put("name", "eventCount")));
      }
      probe.put("dateRanges", new JsonArray().add(new JsonObject().put("startDate", "today").put("endDate", "today")));
      ReportRequest parsed = ReportJson.parseRequest(probe, java.time.ZoneOffset.UTC, LocalDate.now(java.time.ZoneOffset.UTC),
          ReportRequest.MAX_RANGE_DAYS);
      parsed.dimensions().stream().filter(d -> CustomDimension.of(d).isPresent()).forEach(custom::add);
    } catch (ApiException e) {
      error(rc, e);
      return;
    }
    existing(rc, propertyId).onComplete(ok -> {
      if (ok.failed()) {
        fail(rc, ok.cause());
        return;
      }
      JsonArray dims = new JsonArray();
      JsonArray metrics = new JsonArray();
      if (!"INCOMPATIBLE".equals(filter)) {
        List<JsonObject> all = new java.util.ArrayList<>(ApiCatalog.dimensions());
        custom.forEach(c -> all.add(ApiCatalog.dimension(c)));
        all.forEach(d -> dims.add(new JsonObject().put("dimensionMetadata", d).put("compatibility", "COMPATIBLE")));
        for (ReportMetric m : ReportMetric.values()) {
          metrics.add(new JsonObject().put("metricMetadata", ApiCatalog.metric(m)).put("compatibility", "COMPATIBLE"));
        }
      }
      rc.response().putHeader("content-type", "application/json").end(new JsonObject()
          .put("dimensionCompatibilities", dims).put("metricCompatibilities", metrics).encode());
    });
  }

  /**
   * {@code :runPivotReport}: the reports {@link io.beacon.api.PivotReports} plans, run as {@link #report} runs any
   * (access, zone, aggregates or recompute), then assembled. {@code :batchRunPivotReports}: not built; 501 in GA's
   * error shape.
   */
  void pivotReport(RoutingContext rc) {
    if (rc.normalizedPath().endsWith(":batchRunPivotReports")) {
      error(rc, new ApiException(501, "", "batchRunPivotReports is not supported by Beacon yet; send each"
          + " runPivotReport on its own"));
      return;
    }
    String propertyId = rc.pathParam("id");
    JsonObject raw = jsonBody(rc);
    if (raw == null) {
      return;
    }
    JsonObject body = ReportJson.camelCaseKeys(raw);
    io.beacon.api.PivotReports.Plan plan;
    try {
      checkProperty(rc, body, propertyId, "");
      plan = io.beacon.api.PivotReports.plan(body);
    } catch (ApiException e) {
      error(rc, e);
      return;
    }
    Future<ReportEngine.Report> all = report(rc, propertyId, plan.all(), "");
    List<Future<ReportEngine.Report>> pivots = new java.util.ArrayList<>();
    for (int i = 0; i < plan.pivots().size(); i++) {
      pivots.add(report(rc, propertyId, plan.pivots().get(i), "pivots[" + i + "]"));
    }
    List<Future<ReportEngine.Report>> every = new java.util.ArrayList<>(pivots);
    every.add(0, all);
    Future.join(every).onComplete(done -> {
      // The report over every dimension first: a problem of the request's own fields is named as the request has it.
      for (Future<ReportEngine.Report> f : every) {
        if (f.failed()) {
          fail(rc, f.cause());
          return;
        }
      }
      JsonObject answer = io.beacon.api.PivotReports.assemble(plan, ReportJson.toJson(all.result()),
          pivots.stream().map(f -> ReportJson.toJson(f.result())).toList());
      rc.response().putHeader("content-type", "application/json").end(answer.encode());
    });
  }

  private ApiException unavailable(String propertyId, Throwable cause) {
    LOG.warn("Report for property {} failed: the aggregate store did not answer: {}", propertyId, cause.toString());
    meters.counter("beacon_query_report_failures_total", "reason", "store_unavailable").increment();
    return new ApiException(503, "", "the aggregate store is unavailable; retry later");
  }

  /**
   * Answers {@code e} in the GA4 Data API's error shape, {@code {"error": {"code", "message", "status"}}} with
   * Google's status name (INVALID_ARGUMENT, UNAUTHENTICATED, PERMISSION_DENIED, NOT_FOUND, RESOURCE_EXHAUSTED ...),
   * plus Beacon's {@code field}; a 400 about a field also carries it as Google's {@code google.rpc.BadRequest}
   * detail.
   */
  static void error(RoutingContext rc, ApiException e) {
    // A Retry-After the caller set (it knows when a token or a slot is free) is kept.
    if (rc.response().headers().contains("Retry-After")) {
      // kept
    } else if (e.status() == 503) {
      rc.response().putHeader("Retry-After", "5");
    } else if (e.status() == 429) {
      rc.response().putHeader("Retry-After", "10");
    }
    rc.response().setStatusCode(e.status()).putHeader("content-type", "application/json")
        .end(errorBody(e.status(), e.getMessage(), e.field()).encode());
  }

  /** The error body (see {@link #error}). */
  static JsonObject errorBody(int status, String message, String field) {
    JsonObject error = new JsonObject().put("code", status).put("message", message)
        .put("status", ApiException.googleStatus(status)).put("field", field == null ? "" : field);
    if (status == 400 && field != null && !field.isEmpty()) {
      error.put("details", new JsonArray().add(new JsonObject()
          .put("@type", "type.googleapis.com/google.rpc.BadRequest")
          .put("fieldViolations", new JsonArray().add(new JsonObject().put("field", field)
              .put("description", message)))));
    }
    return new JsonObject().put("error", error);
  }
}
