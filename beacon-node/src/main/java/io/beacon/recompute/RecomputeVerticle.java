package io.beacon.recompute;

import io.beacon.api.ReportJson;
import io.beacon.contract.BusFailure;
import io.beacon.contract.JobStatus;
import io.beacon.contract.RecomputeJob;
import io.beacon.contract.RecomputeJobList;
import io.beacon.contract.RecomputeJobRequest;
import io.beacon.contract.RecomputeJobsContract;
import io.beacon.contract.RecomputeReportContract;
import io.beacon.infra.NodeContext;
import io.beacon.contract.RoleStatus;
import io.beacon.infra.clients.PropertyLookup;
import io.beacon.infra.config.RecomputeConfig;
import io.beacon.infra.config.Role;
import io.beacon.api.ApiException;
import io.beacon.model.report.ReportEngine;
import io.beacon.model.report.ReportRequest;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
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
 * {@link RecomputeReportContract}), and correction jobs of whole days (admin requests on
 * {@link RecomputeJobsContract} and the stream's late-hit dirty buckets), both written to Cassandra through
 * write-through Ignite caches. CPU-bound, so it is deployed as a worker verticle.
 */
public final class RecomputeVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(RecomputeVerticle.class);
  private static final Duration STORE_TIMEOUT = Duration.ofSeconds(10);

  private final NodeContext ctx;
  private AdHocReports reports;
  private FunnelReports funnels;
  private CohortReports cohorts;
  private UserTimelines timelines;
  private PathReports paths;
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
    PropertyLookup properties = new PropertyLookup(ctx.clients().cassandra(), STORE_TIMEOUT);
    FirstVisits firstVisits = new FirstVisits(ctx.clients().cassandra(), STORE_TIMEOUT);
    ScopedRead scoped = new ScopedRead(vertx, raw, firstVisits, properties);
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
    return vertx.executeBlocking(() -> new Caches(
            RecomputeCaches.reports(ctx.ignite()),
            RecomputeCaches.aggregates(ctx.ignite())), false)
        .compose(caches -> {
          reports = new AdHocReports(vertx, cfg, scoped, caches.reports(), load, ctx.meters());
          RawReads reads = new RawReads(vertx, cfg, raw, scoped, load, ctx.meters());
          funnels = new FunnelReports(reads);
          cohorts = new CohortReports(reads, firstVisits);
          timelines = new UserTimelines(reads);
          paths = new PathReports(reads);
          runner = new JobRunner(vertx, cfg, jobs, scoped, caches.aggregates(),
              new StaleRows(ctx.clients().cassandra()), ctx.meters(), instance);
          jobRequests = new JobRequests(jobs, runner::poll);
          lateHits = new LateHitJobs(vertx, ctx.config().kafka().clientProps(), jobs, properties, runner::poll);
          runner.start();
          return Future.all(List.of(
              RecomputeReportContract.CONTRACT.serve(vertx, this::onReport).completion(),
              io.beacon.contract.RecomputeFunnelContract.CONTRACT.serve(vertx, this::onFunnel).completion(),
              io.beacon.contract.RecomputeCohortContract.CONTRACT.serve(vertx, this::onCohort).completion(),
              io.beacon.contract.RecomputeTimelineContract.CONTRACT.serve(vertx, this::onTimeline).completion(),
              io.beacon.contract.RecomputePathContract.CONTRACT.serve(vertx, this::onPath).completion(),
              RecomputeJobsContract.serve(vertx, new JobsHandler()).completion(),
              lateHits.start(),
              RoleStatus.register(vertx, Role.RECOMPUTE, ctx.nodeName(), deploymentID())));
        });
  }

  /** The role's two caches, created together off the event loop. */
  private record Caches(IgniteCache<String, CachedReport> reports, IgniteCache<String, AggregateEntry> aggregates) {}

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
    for (JobStatus status : List.of(JobStatus.DONE, JobStatus.CANCELLED)) {
      meters.counter("beacon_recompute_jobs_total", "status", status.wire());
    }
    meters.counter("beacon_recompute_days_total");
    meters.counter("beacon_recompute_folded_days_total");
    meters.timer("beacon_recompute_report_seconds");
  }

  @Override
  public Future<?> stop() {
    if (runner != null) {
      runner.stop();
    }
    return lateHits == null ? Future.succeededFuture() : lateHits.stop();
  }

  private Future<ReportEngine.Report> onReport(RecomputeReportContract.Request r) {
    ReportRequest request;
    try {
      request = ReportJson.parseRequest(r.body(), r.timeZone(), r.today(), ReportRequest.MAX_RANGE_DAYS);
    } catch (ApiException e) {
      return Future.failedFuture(failure(e));
    } catch (DateTimeException | NullPointerException | ClassCastException e) {
      return Future.failedFuture(BusFailure.badRequest("", "malformed recompute request: " + e.getMessage()));
    }
    // The key of the report cache reads the body's filters: in one spelling (the query role sends this one too).
    return reports.run(r.propertyId(), r.timeZone(), request, io.beacon.api.ReportJson.camelCaseKeys(r.body()))
        .recover(e -> {
          if (!(e instanceof ApiException) && !(e instanceof LoadControl.Overloaded)) {
            LOG.warn("Ad-hoc report of property {} failed: {}", r.propertyId(), e.toString());
          }
          return Future.failedFuture(failure(e));
        });
  }

  private Future<JsonObject> onFunnel(RecomputeReportContract.Request r) {
    return explore(r, "funnel", "Funnel report", (body, zone, today) -> io.beacon.api.FunnelJson.parseRequest(body,
        zone, today, ReportRequest.MAX_RANGE_DAYS), funnels::run);
  }

  private Future<JsonObject> onCohort(RecomputeReportContract.Request r) {
    return explore(r, "cohort", "Cohort report", (body, zone, today) -> io.beacon.api.CohortJson.parseRequest(body,
        zone, today, ReportRequest.MAX_RANGE_DAYS), cohorts::run);
  }

  private Future<JsonObject> onTimeline(RecomputeReportContract.Request r) {
    return explore(r, "user timeline", "User timeline", io.beacon.api.UserTimelineJson::parseRequest,
        timelines::run);
  }

  private Future<JsonObject> onPath(RecomputeReportContract.Request r) {
    return explore(r, "path report", "Path report", (body, zone, today) -> io.beacon.api.PathJson.parseRequest(body,
        zone, today, ReportRequest.MAX_RANGE_DAYS), paths::run);
  }

  /** Parses an exploration's body in the property's zone; a bad one throws {@link ApiException} (400, its field). */
  private interface Parser<Q> {
    Q parse(JsonObject body, ZoneId zone, LocalDate today);
  }

  /** Computes a parsed exploration from raw hits ({@code body}: the request in camelCase, for the sharing key). */
  private interface Runner<Q> {
    Future<JsonObject> run(String propertyId, ZoneId zone, Q request, JsonObject body);
  }

  /**
   * An exploration read from raw hits one person at a time: parse (a bad body or a malformed bus message is a
   * 400), run, and log a failure that is neither the caller's mistake nor a full queue. The log line names the
   * property and the failure only, never the request: a timeline's body holds the searched person's id.
   *
   * @param what   the request as a malformed one's message names it ("funnel" -> "malformed funnel request")
   * @param logged the exploration as the log line names it
   */
  private <Q> Future<JsonObject> explore(RecomputeReportContract.Request r, String what, String logged,
      Parser<Q> parser, Runner<Q> runner) {
    Q request;
    try {
      request = parser.parse(r.body(), r.timeZone(), r.today());
    } catch (ApiException e) {
      return Future.failedFuture(failure(e));
    } catch (DateTimeException | NullPointerException | ClassCastException e) {
      return Future.failedFuture(BusFailure.badRequest("", "malformed " + what + " request: " + e.getMessage()));
    }
    return runner.run(r.propertyId(), r.timeZone(), request, io.beacon.api.ReportJson.camelCaseKeys(r.body()))
        .recover(e -> {
          if (!(e instanceof ApiException) && !(e instanceof LoadControl.Overloaded)) {
            LOG.warn("{} of property {} failed: {}", logged, r.propertyId(), e.toString());
          }
          return Future.failedFuture(failure(e));
        });
  }

  /** The job requests, each one's failures logged (unless the caller's mistake) and replied with their status. */
  private final class JobsHandler implements RecomputeJobsContract.Handler {
    @Override
    public Future<RecomputeJob> start(RecomputeJobRequest.Start request) {
      return replied("start", jobRequests.start(request));
    }

    @Override
    public Future<RecomputeJob> get(RecomputeJobRequest.Get request) {
      return replied("get", jobRequests.get(request));
    }

    @Override
    public Future<RecomputeJob> cancel(RecomputeJobRequest.Cancel request) {
      return replied("cancel", jobRequests.cancel(request));
    }

    @Override
    public Future<RecomputeJobList> list(RecomputeJobRequest.List request) {
      return replied("list", jobRequests.list(request));
    }

    @Override
    public Future<RecomputeJobList> history(RecomputeJobRequest.History request) {
      return replied("history", jobRequests.history(request));
    }

    private <T> Future<T> replied(String action, Future<T> result) {
      return result.recover(e -> {
        if (!(e instanceof ApiException)) {
          LOG.warn("Recompute job request {} failed: {}", action, e.toString());
        }
        return Future.failedFuture(failure(e));
      });
    }
  }

  /** The failure to reply: the HTTP status, the field and the message. */
  private static BusFailure failure(Throwable e) {
    if (e instanceof ApiException re) {
      return new BusFailure(re.status(), re.field(), re.getMessage());
    } else if (e instanceof LoadControl.Overloaded) {
      return new BusFailure(429, "", e.getMessage());
    } else if (e instanceof BusFailure f) {
      return f;
    }
    return new BusFailure(503, "", "the raw-hit store or the aggregate store is unavailable; retry later");
  }
}
