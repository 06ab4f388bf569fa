package io.beacon.query;

import io.beacon.infra.NodeContext;
import io.beacon.contract.RoleStatus;
import io.beacon.infra.SlowClients;
import io.beacon.infra.config.BeaconConfig.Endpoint;
import io.beacon.infra.config.QueryConfig;
import io.beacon.infra.config.Role;
import io.beacon.infra.net.TrustedProxies;
import io.beacon.contract.AccountsContract;
import io.beacon.query.auth.Accounts;
import io.beacon.query.auth.BootstrapAdmin;
import io.beacon.query.auth.Secrets;
import io.beacon.query.report.AggregateReader;
import io.beacon.query.report.AggregateSlice;
import org.apache.ignite.IgniteCache;
import io.beacon.infra.clients.PropertyLookup;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.SessionHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.sstore.ClusteredSessionStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dashboard and reporting API: login and API tokens, the admin API (properties, users,
 * roles), and the GA4 Data API v1beta ({@code POST /v1beta/properties/{id}:runReport}, {@code :batchRunReports},
 * {@code :runRealtimeReport}, {@code :checkCompatibility}, {@code GET .../metadata}; also under {@code /api/v1}).
 * Sessions live in the cluster (Ignite), so any node serves any logged-in user.
 */
public final class QueryVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(QueryVerticle.class);
  /** Reports and admin calls are small JSON documents; anything larger is refused before parsing. */
  private static final long MAX_BODY_BYTES = 64 * 1024;
  private static final Duration STORE_TIMEOUT = Duration.ofSeconds(5);
  private static final Pattern EMAIL_IN_PATH = Pattern.compile("[^/]*(@|%40)[^/]*");

  private final NodeContext ctx;
  /** Where reports are evaluated, off the event loop ({@link ReportHandler#evaluate}); shared by name across instances. */
  private WorkerExecutor reportWorkers;
  /** The email reports' periodic look for due reports (-1: none). */
  private long emailReportsTimer = -1;

  public QueryVerticle(NodeContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Future<?> start() {
    reportWorkers = vertx.createSharedWorkerExecutor(ReportHandler.WORKERS, ReportHandler.WORKER_THREADS);
    // Joining the Ignite cache waits for the cluster: not on the event loop.
    return vertx.executeBlocking(() -> AggregateReader.cache(ctx.ignite()), false)
        .compose(this::serve);
  }

  private Future<?> serve(IgniteCache<String, AggregateSlice> aggregates) {
    QueryConfig cfg = ctx.config().query();
    var cassandra = ctx.clients().cassandra();
    Accounts accounts = new Accounts(cassandra, STORE_TIMEOUT);
    // A change of an account made here is forgotten at once by every query instance of the cluster.
    accounts.announceWith(keys -> AccountsContract.CHANGED.publish(vertx, new AccountsContract.Changed(keys)));
    var accountChanges = AccountsContract.CHANGED.subscribe(vertx, AccountsContract.ALL,
        changed -> accounts.forget(changed.keys()));
    AccessHandler access = new AccessHandler(vertx, accounts, ctx.meters(), cfg.secureCookies(),
        TrustedProxies.parse(cfg.trustedProxies()), cfg.adminEmail(), Path.of(cfg.adminPasswordFile()));
    ReportHandler reports = new ReportHandler(vertx, reportWorkers, new PropertyLookup(cassandra, STORE_TIMEOUT),
        new AggregateReader(vertx, aggregates, STORE_TIMEOUT, ctx.meters()), ctx.meters(), access, ctx.config().recompute().reportTimeoutMs());
    AdminHandler admin = new AdminHandler(vertx, accounts, access, cfg.publicCollectorUrl(),
        ctx.config().bridge().retentionDays(), cfg.maxPropertiesPerUser());
    access.listPropertiesWith(admin::propertiesOf);
    UserAdminHandler users = new UserAdminHandler(vertx, accounts, access);
    AnnotationHandler annotations = new AnnotationHandler(accounts, access);
    // Email reports: every query instance looks for due ones; the claim in Cassandra makes one of them send each.
    EmailReports emailReports = new EmailReports(vertx, accounts, reports, ctx.config().mail(),
        ctx.nodeName() + "/" + deploymentID(), java.time.Clock.systemUTC());
    EmailReportHandler emailReportHandler = new EmailReportHandler(accounts, access, emailReports);
    if (ctx.config().mail().reports().enabled()) {
      emailReportsTimer = emailReports.schedule();
    }

    Router router = Router.router(vertx);
    router.route().handler(rc -> {
      // The dashboard renders what hits carry: forbid every script but our own.
      rc.response().putHeader("Content-Security-Policy", "default-src 'self'; img-src 'self' data:;"
              + " style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
          .putHeader("X-Content-Type-Options", "nosniff").putHeader("Referrer-Policy", "same-origin");
      rc.next();
    });
    // A failure no handler answered (a body over the limit, a bug): JSON naming the status, never the exception.
    router.route().failureHandler(rc -> {
      int status = rc.statusCode() >= 400 ? rc.statusCode() : 500;
      if (status >= 500) {
        // The path without the emails some carry (.../roles/{email}): no person's data in the log.
        LOG.warn("Request {} {} failed", rc.request().method(), EMAIL_IN_PATH.matcher(rc.request().path())
            .replaceAll("{email}"), rc.failure());
      }
      if (!rc.response().ended() && !rc.response().headWritten()) {
        ReportHandler.error(rc, new io.beacon.api.ApiException(status, status == 413 ? "body" : "",
            status == 413 ? "request body larger than " + MAX_BODY_BYTES + " bytes"
                : status >= 500 ? "internal error; the server log has the details" : "bad request"));
      }
    });
    router.get("/").handler(rc -> rc.response().putHeader("X-Beacon-Node", ctx.nodeName()).setStatusCode(302)
        .putHeader("Location", "/dashboard/").end("Beacon dashboard on " + ctx.nodeName() + "\n"));
    // A single file: StaticHandler would treat the matched path as a directory and redirect.
    router.get("/openapi.yaml").handler(rc -> rc.response().putHeader("content-type", "application/yaml")
        .sendFile("webroot/api/openapi.yaml"));
    router.get("/dashboard/*").handler(StaticHandler.create("webroot/dashboard").setMaxAgeSeconds(300));
    router.get("/webjars/*").handler(StaticHandler.create("META-INF/resources/webjars").setMaxAgeSeconds(86_400));
    router.route("/api/v1/*").handler(SessionHandler.create(ClusteredSessionStore.create(vertx))
        .setSessionCookieName("beacon_session").setCookieHttpOnlyFlag(true).setCookieSecureFlag(cfg.secureCookies())
        .setCookieSameSite(CookieSameSite.STRICT).setSessionTimeout(Duration.ofHours(8).toMillis())
        .setLazySession(true));
    router.route("/api/v1/*").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES));
    router.post("/api/v1/login").handler(access::login);
    router.get("/api/v1/session").handler(access::whoAmI);
    router.post("/api/v1/setup").handler(access::setup);
    router.route("/api/v1/*").handler(access::authenticate);
    router.post("/api/v1/logout").handler(access::logout);
    router.post("/api/v1/account/password").handler(access::changePassword);
    router.post("/api/v1/tokens").handler(access::createToken);
    router.get("/api/v1/tokens").handler(access::listTokens);
    router.delete("/api/v1/tokens/:tokenId").handler(access::revokeToken);
    RealtimeHandler realtime;
    try {
      // One count of open streams per node, whichever query instance serves them.
      realtime = new RealtimeHandler(vertx, access, ctx.resources().shared(StreamLimits.class,
          () -> new StreamLimits(cfg.maxRealtimeStreams(), cfg.maxRealtimeStreamsPerProperty())));
    } catch (Exception e) {
      return Future.failedFuture(e);
    }
    // The GA4 Data API v1beta, as Google's clients call it (bearer tokens only: no session, so no CSRF to check),
    // and the same operations under /api/v1 (the dashboard's, with its session), kept as an alias.
    router.route("/v1beta/*").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES));
    router.route("/v1beta/*").handler(access::authenticate);
    GaPropertyIds gaIds = new GaPropertyIds(accounts);
    router.route("/v1beta/properties/*").handler(gaIds::handle);
    // A deleted property's reports: 404 "property deleted" (after the GA4 id is resolved, before the handlers).
    DeletedPropertyGate trash = new DeletedPropertyGate(accounts, access);
    router.route("/v1beta/properties/*").handler(trash::handle);
    router.route("/api/v1/properties/*").handler(trash::handle);
    // One report quota per node, whichever query instance serves the report (after the caller is known).
    ReportQuota quota;
    try {
      quota = ctx.resources().shared(ReportQuota.class, () -> new ReportQuota(cfg.reportsPerMinute(), ctx.meters()));
    } catch (Exception e) {
      return Future.failedFuture(e);
    }
    router.route("/v1beta/properties/*").handler(quota::handle);
    router.route("/api/v1/properties/*").handler(quota::handle);
    router.postWithRegex("/v1beta/properties/(?<id>[A-Za-z0-9_-]{1,64}):runReport").handler(reports::runReport);
    router.postWithRegex("/api/v1/properties/(?<id>[A-Za-z0-9_-]{1,64}):runReport").handler(reports::runReport);
    router.postWithRegex("/v1beta/properties/(?<id>[A-Za-z0-9_-]{1,64}):batchRunReports").handler(reports::batchRunReports);
    router.postWithRegex("/api/v1/properties/(?<id>[A-Za-z0-9_-]{1,64}):batchRunReports").handler(reports::batchRunReports);
    router.postWithRegex("/v1beta/properties/(?<id>[A-Za-z0-9_-]{1,64}):checkCompatibility").handler(reports::checkCompatibility);
    router.postWithRegex("/api/v1/properties/(?<id>[A-Za-z0-9_-]{1,64}):checkCompatibility").handler(reports::checkCompatibility);
    router.postWithRegex("/v1beta/properties/(?<id>[A-Za-z0-9_-]{1,64}):runPivotReport").handler(reports::pivotReport);
    router.postWithRegex("/api/v1/properties/(?<id>[A-Za-z0-9_-]{1,64}):runPivotReport").handler(reports::pivotReport);
    router.postWithRegex("/v1beta/properties/(?<id>[A-Za-z0-9_-]{1,64}):batchRunPivotReports").handler(reports::pivotReport);
    router.postWithRegex("/api/v1/properties/(?<id>[A-Za-z0-9_-]{1,64}):batchRunPivotReports").handler(reports::pivotReport);
    // The GA4 Data API v1alpha's funnels, as Google's clients call them (bearer tokens), and the /api/v1 alias.
    router.route("/v1alpha/*").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES));
    router.route("/v1alpha/*").handler(access::authenticate);
    router.route("/v1alpha/properties/*").handler(gaIds::handle);
    router.route("/v1alpha/properties/*").handler(trash::handle);
    router.route("/v1alpha/properties/*").handler(quota::handle);
    router.postWithRegex("/v1alpha/properties/(?<id>[A-Za-z0-9_-]{1,64}):runFunnelReport").handler(reports::runFunnelReport);
    router.postWithRegex("/api/v1/properties/(?<id>[A-Za-z0-9_-]{1,64}):runFunnelReport").handler(reports::runFunnelReport);
    // The user explorer (Beacon's own operation: GA4's Data API has none), the dashboard's and tools'.
    router.postWithRegex("/api/v1/properties/(?<id>[A-Za-z0-9_-]{1,64}):runUserTimeline").handler(reports::runUserTimeline);
    // Path exploration (Beacon's own operation, GA4's "path exploration" has no Data API method).
    router.postWithRegex("/api/v1/properties/(?<id>[A-Za-z0-9_-]{1,64}):runPathReport").handler(reports::runPathReport);
    router.postWithRegex("/v1beta/properties/(?<id>[A-Za-z0-9_-]{1,64}):runRealtimeReport").handler(realtime::runRealtimeReport);
    router.postWithRegex("/api/v1/properties/(?<id>[A-Za-z0-9_-]{1,64}):runRealtimeReport").handler(realtime::runRealtimeReport);
    router.get("/v1beta/properties/:id/metadata").handler(reports::metadata);
    router.get("/api/v1/properties/:id/metadata").handler(reports::metadata);
    router.get("/api/v1/properties/:id/realtime/stream").handler(realtime::stream);
    router.get("/api/v1/properties/:id/annotations").handler(annotations::list);
    router.post("/api/v1/properties/:id/annotations").handler(annotations::create);
    router.patch("/api/v1/properties/:id/annotations/:annotationId").handler(annotations::update);
    router.delete("/api/v1/properties/:id/annotations/:annotationId").handler(annotations::delete);
    router.get("/api/v1/properties/:id/emailReports").handler(emailReportHandler::list);
    router.post("/api/v1/properties/:id/emailReports").handler(emailReportHandler::create);
    router.delete("/api/v1/properties/:id/emailReports/:frequency/:recipient").handler(emailReportHandler::delete);
    router.postWithRegex("/api/v1/properties/(?<id>[A-Za-z0-9_-]{1,64})/emailReports:sendNow")
        .handler(emailReportHandler::sendNow);
    router.post("/api/v1/admin/properties").handler(admin::createProperty);
    router.get("/api/v1/admin/properties").handler(admin::listProperties);
    router.get("/api/v1/admin/properties/:id").handler(admin::getProperty);
    router.patch("/api/v1/admin/properties/:id").handler(admin::updateProperty);
    router.post("/api/v1/admin/properties/:id/secret").handler(admin::rotateSecret);
    router.delete("/api/v1/admin/properties/:id").handler(admin::deleteProperty);
    router.post("/api/v1/admin/properties/:id/restore").handler(admin::restoreProperty);
    router.put("/api/v1/admin/properties/:id/roles/:email").handler(admin::grantRole);
    router.delete("/api/v1/admin/properties/:id/roles/:email").handler(users::revokeRole);
    router.post("/api/v1/admin/users").handler(admin::createUser);
    router.get("/api/v1/admin/users").handler(users::listUsers);
    router.patch("/api/v1/admin/users/:email").handler(users::updateUser);
    router.delete("/api/v1/admin/users/:email").handler(users::deleteUser);
    RecomputeAdminHandler recompute = new RecomputeAdminHandler(vertx, access, new PropertyLookup(cassandra, STORE_TIMEOUT));
    router.post("/api/v1/admin/recompute").handler(recompute::start);
    router.get("/api/v1/admin/recompute").handler(recompute::list);
    router.get("/api/v1/admin/recompute/:job").handler(recompute::get);
    router.delete("/api/v1/admin/recompute/:job").handler(recompute::cancel);
    ErasureAdminHandler erasures = new ErasureAdminHandler(vertx, access, new PropertyLookup(cassandra, STORE_TIMEOUT));
    router.post("/api/v1/admin/erasures").handler(erasures::erase);

    Endpoint ep = ctx.config().http().query();
    return Future.all(
        accountChanges.completion(),
        // The decoy hash of logins for unknown emails, made now rather than at the first one.
        vertx.executeBlocking(() -> {
          Secrets.warmUp();
          return null;
        }, false),
        BootstrapAdmin.ensure(vertx, accounts, cfg.adminEmail(), cfg.adminPassword(), Path.of(cfg.adminPasswordFile()),
            System.out),
        // Compressed answers (gzip/deflate, as the client accepts): the dashboard's JS and CSS, uPlot (50 KB plain,
        // 21 KB gzipped) and report JSON; docs/benchmarks.md "Dashboard" has the budget. The
        // real-time stream opts out (RealtimeHandler): each event must reach the browser when it is written.
        SlowClients.server(vertx, new io.vertx.core.http.HttpServerOptions().setUseProxyProtocol(cfg.proxyProtocol())
                .setCompressionSupported(true),
                ctx.config().http(), router, m -> new JsonObject()
            .put("error", new JsonObject().put("code", 408).put("message", m).put("status", "DEADLINE_EXCEEDED")
                .put("field", ""))).listen(ep.port(), ep.host()),
        RoleStatus.register(vertx, Role.QUERY, ctx.nodeName(), deploymentID()));
  }

  @Override
  public Future<?> stop() {
    if (emailReportsTimer >= 0) {
      vertx.cancelTimer(emailReportsTimer);
    }
    // Shared by name: the pool's threads stop when the last instance using it closes it.
    return reportWorkers == null ? Future.succeededFuture() : reportWorkers.close();
  }
}
