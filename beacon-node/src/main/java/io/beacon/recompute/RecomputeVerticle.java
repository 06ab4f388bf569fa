package io.beacon.recompute;

import io.beacon.api.ReportJson;
import io.beacon.infra.Addresses;
import io.beacon.infra.NodeContext;
import io.beacon.infra.RoleStatus;
import io.beacon.infra.clients.PropertyZones;
import io.beacon.infra.config.RecomputeConfig;
import io.beacon.infra.config.Role;
import io.beacon.api.ApiException;
import io.beacon.model.report.ReportRequest;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import org.apache.ignite.IgniteCache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds aggregates from raw hits: ad-hoc reports the precomputed aggregates cannot answer (event bus
 * {@link Addresses#recomputeReport()}), and correction jobs of whole days (admin requests on
 * {@link Addresses#recomputeJobs()} and the stream's late-hit dirty buckets), both written to Cassandra through
 * write-through Ignite caches. CPU-bound, so it is deployed as a worker verticle.
 */
public final class RecomputeVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(RecomputeVerticle.class);
  private static final Duration STORE_TIMEOUT = Duration.ofSeconds(10);

  private final NodeContext ctx;
  private AdHocReports reports;
  private JobRequests jobRequests;
  private JobRunner runner;
  private LateHitJobs lateHits;

  public RecomputeVerticle(NodeContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Future<?> start() {
    RecomputeConfig cfg = ctx.config().recompute();
    RawHits raw = new RawHits(ctx.clients().questdb(), cfg.fetchSize());
    Jobs jobs = new Jobs(ctx.clients().cassandra(), STORE_TIMEOUT);
    LoadControl load = new LoadControl(cfg.maxRunning(), cfg.maxPerProperty(), cfg.maxQueued());
    String instance = ctx.nodeName() + "/" + deploymentID();
    Gauge.builder("beacon_recompute_running", load, LoadControl::running).tag("instance", deploymentID())
        .description("Ad-hoc recomputations running").register(ctx.meters());
    Gauge.builder("beacon_recompute_queued", load, LoadControl::queued).tag("instance", deploymentID())
        .description("Ad-hoc recomputations waiting for a slot").register(ctx.meters());
    Gauge.builder("beacon_recompute_max_queued", cfg::maxQueued).tag("instance", deploymentID())
        .description("Ad-hoc recomputations that may wait (recompute.maxQueued); beyond, 429").register(ctx.meters());
    registerMeters(ctx.meters());
    return vertx.executeBlocking(() -> new Object[] {
            RecomputeCaches.reports(ctx.ignite()),
            RecomputeCaches.aggregates(ctx.ignite())}, false)
        .compose(caches -> {
          @SuppressWarnings("unchecked")
          IgniteCache<String, CachedReport> reportCache = (IgniteCache<String, CachedReport>) caches[0];
          @SuppressWarnings("unchecked")
          IgniteCache<String, AggregateEntry> aggregateCache = (IgniteCache<String, AggregateEntry>) caches[1];
          reports = new AdHocReports(vertx, cfg, raw, reportCache, load, ctx.meters());
          runner = new JobRunner(vertx, cfg, jobs, raw, aggregateCache, ctx.meters(), instance);
          jobRequests = new JobRequests(jobs, runner::poll);
          lateHits = new LateHitJobs(vertx, ctx.config().kafka().bootstrap(), jobs,
              new PropertyZones(ctx.clients().cassandra(), STORE_TIMEOUT), runner::poll);
          runner.start();
          return Future.all(
              vertx.eventBus().<JsonObject>consumer(Addresses.recomputeReport(), this::onReport).completion(),
              vertx.eventBus().<JsonObject>consumer(Addresses.recomputeJobs(), this::onJobs).completion(),
              lateHits.start(),
              RoleStatus.register(vertx, Role.RECOMPUTE, ctx.nodeName(), deploymentID()));
        });
  }

  /**
   * The role's counters and timer at 0 from the start, with every tag value they take, so dashboards and alerts
   * have series before the first report or job (Micrometer creates a meter at its first use otherwise).
   */
  static void registerMeters(MeterRegistry meters) {
    for (String cache : List.of("hit", "miss")) {
      meters.counter("beacon_recompute_reports_total", "cache", cache);
    }
    for (String kind : List.of("report", "correction")) {
      meters.counter("beacon_recompute_hits_scanned_total", "kind", kind);
    }
    for (String status : List.of(Job.DONE, Job.CANCELLED)) {
      meters.counter("beacon_recompute_jobs_total", "status", status);
    }
    meters.counter("beacon_recompute_days_total");
    meters.timer("beacon_recompute_report_seconds");
  }

  @Override
  public Future<?> stop() {
    if (runner != null) {
      runner.stop();
    }
    return lateHits == null ? Future.succeededFuture() : lateHits.stop();
  }

  private void onReport(Message<JsonObject> msg) {
    JsonObject b = msg.body();
    String propertyId = b.getString("propertyId");
    ZoneId zone;
    ReportRequest request;
    try {
      zone = ZoneId.of(b.getString("timeZone"));
      request = ReportJson.parseRequest(b.getJsonObject("request"), zone, LocalDate.parse(b.getString("today")),
          ReportRequest.MAX_RANGE_DAYS);
    } catch (ApiException e) {
      fail(msg, e);
      return;
    } catch (DateTimeException | NullPointerException | ClassCastException e) {
      fail(msg, ApiException.badRequest("", "malformed recompute request: " + e.getMessage()));
      return;
    }
    reports.run(propertyId, zone, request, b.getJsonObject("request"))
        .onSuccess(msg::reply)
        .onFailure(e -> {
          if (!(e instanceof ApiException) && !(e instanceof LoadControl.Overloaded)) {
            LOG.warn("Ad-hoc report of property {} failed: {}", propertyId, e.toString());
          }
          fail(msg, e);
        });
  }

  private void onJobs(Message<JsonObject> msg) {
    jobRequests.handle(msg.body()).onSuccess(msg::reply).onFailure(e -> {
      if (!(e instanceof ApiException)) {
        LOG.warn("Recompute job request {} failed: {}", msg.body().getString("action"), e.toString());
      }
      fail(msg, e);
    });
  }

  /** Replies a failure whose code is the HTTP status and whose message is {@code {"field", "message"}}. */
  private static void fail(Message<JsonObject> msg, Throwable e) {
    int status;
    String field = "";
    String message;
    if (e instanceof ApiException re) {
      status = re.status();
      field = re.field();
      message = re.getMessage();
    } else if (e instanceof LoadControl.Overloaded) {
      status = 429;
      message = e.getMessage();
    } else {
      status = 503;
      message = "the raw-hit store or the aggregate store is unavailable; retry later";
    }
    msg.fail(status, new JsonObject().put("field", field).put("message", message).encode());
  }
}
