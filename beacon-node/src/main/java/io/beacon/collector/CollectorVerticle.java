package io.beacon.collector;

import io.beacon.collector.enrich.Enricher;
import io.beacon.collector.enrich.GeoLookup;
import io.beacon.collector.enrich.UserAgents;
import io.beacon.collector.handoff.KafkaHandoff;
import io.beacon.collector.protocol.DropReason;
import io.beacon.collector.protocol.Ga4WebParser;
import io.beacon.collector.protocol.MeasurementProtocolParser;
import io.beacon.collector.protocol.ParseResult;
import io.beacon.collector.protocol.PlausibleParser;
import io.beacon.collector.protocol.Problem;
import io.beacon.collector.protocol.QueryStrings;
import io.beacon.collector.protocol.UniversalParser;
import io.beacon.collector.protocol.ValidationCode;
import io.beacon.infra.NodeContext;
import io.beacon.contract.RoleStatus;
import io.beacon.infra.config.BeaconConfig.Endpoint;
import io.beacon.infra.config.CollectorConfig;
import io.beacon.infra.config.Role;
import io.beacon.infra.net.TrustedProxies;
import io.beacon.store.topic.Topics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.CorsHandler;
import java.util.Set;
import java.util.function.Function;

/**
 * The public ingestion endpoints: GA4 web ({@code /g/collect}, also what Beacon's tracker sends),
 * GA4 Measurement Protocol ({@code /mp/collect}, {@code /debug/mp/collect}), Universal
 * Analytics v1 ({@code /collect}, {@code /batch}) and Plausible's Events API ({@code /api/event}, answered as
 * Plausible answers: {@link PlausibleEvents}). Several instances share one listening port.
 * Answers 204 once every hit of the request is in Kafka (or the spool); 200 with the rejected
 * hits' problems when some were kept and the others were refused for good; 400/401/403/413/415/429 with {@code
 * validationMessages} naming the field; 503 with Retry-After when any hit could not be taken (spool full, Ignite or
 * Kafka failure, the node stopping), even if others were: the sender retries, the taken ones are duplicates then.
 */
public final class CollectorVerticle extends VerticleBase {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CollectorVerticle.class);
  private static final Set<String> WEB_TYPES = Set.of("text/plain", "application/x-www-form-urlencoded");
  private static final Set<String> JSON_TYPES = Set.of("application/json", "text/plain");

  private final NodeContext ctx;
  private final CollectorConfig cfg;
  private KafkaHandoff handoff;
  private GeoLookup geo;
  private PropertyRegistry properties;
  private Ingest ingest;
  private TrustedProxies trustedProxies;

  public CollectorVerticle(NodeContext ctx) {
    this.ctx = ctx;
    this.cfg = ctx.config().collector();
  }

  @Override
  public Future<?> start() {
    trustedProxies = TrustedProxies.parse(cfg.trustedProxies());
    properties = new PropertyRegistry(vertx, ctx.clients().cassandra(), cfg.propertyRefreshMs());
    Future<ClusterState> state = vertx.executeBlocking(() ->
        ClusterState.create(ctx.ignite(), cfg.dedupWindowMs(), cfg.derivedIdWindowMs()));
    Future<Enricher> enricher = vertx.executeBlocking(() -> {
      geo = GeoLookup.open(cfg.geoDatabase());
      return new Enricher(new UserAgents(), geo);
    });
    Future<KafkaHandoff> kafka = vertx.executeBlocking(() -> {
      // The node's one hand-off (all collector instances share it); the node closes it, after the last one stopped.
      handoff = ctx.resources().shared(KafkaHandoff.class, () -> KafkaHandoff.open(ctx.nodeName(),
          ctx.config().kafka().clientProps(), Topics.HITS, cfg, ctx.meters()));
      handoff.warmUp(30_000);
      return handoff;
    });
    return Future.all(state, enricher, kafka, properties.start())
        .compose(v -> {
          ingest = new Ingest(properties, state.result(), enricher.result(), kafka.result(),
              new RateLimits(cfg.clientHitsPerMinute(), cfg.ipHitsPerMinute(), cfg.propertyHitsPerMinute(), 1_000_000), ctx.meters(),
              cfg.maxEventAgeMs(), cfg.maxClockSkewMs(), ctx.guard()::unfitReason, new CookielessIds(state.result()::salt));
          Endpoint ep = ctx.config().http().collector();
          return Future.all(
              // With the PROXY protocol on, Vert.x reads the header before HTTP and reports its source address
              // as the connection's remote address (a connection without one is closed). Bodies are inflated by
              // BodyReader, capped, never by the server (which would inflate them whole first).
              io.beacon.infra.SlowClients.server(vertx, new HttpServerOptions().setDecompressionSupported(false)
                      .setUseProxyProtocol(cfg.proxyProtocol()),
                  ctx.config().http(), router(), m -> Responses.problems(java.util.List.of(Problem.rejected("", m, DropReason.TIMEOUT))))
                  .listen(ep.port(), ep.host()),
              RoleStatus.register(vertx, Role.COLLECTOR, ctx.nodeName(), deploymentID()));
        });
  }

  private Router router() {
    Router router = Router.router(vertx);
    CorsHandler cors = CorsHandler.create().addOriginWithRegex(".*")
        .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.OPTIONS)).allowedHeader("Content-Type");
    router.get("/").handler(rc -> rc.response().putHeader("content-type", "text/plain")
        .end("Beacon collector on " + ctx.nodeName() + "\n"));
    router.get("/beacon.js").handler(Tracker.handler(vertx));
    // GET and POST as gtag.js and UA clients send them, OPTIONS for CORS pre-flights; anything else is a 405.
    router.route("/g/collect").method(HttpMethod.GET).method(HttpMethod.POST).method(HttpMethod.OPTIONS).handler(cors)
        .handler(body(64 * 1024)).handler(types(WEB_TYPES)).handler(rc -> {
          HttpServerRequest r = rc.request();
          String raw = r.query() == null ? "" : r.query();
          run(rc, Ga4WebParser.parse(QueryStrings.parse(raw), raw, bodyText(rc)), null, false, false);
        });
    for (String path : new String[] {"/mp/collect", "/debug/mp/collect"}) {
      boolean debug = path.startsWith("/debug");
      router.post(path)
          .handler(body(MeasurementProtocolParser.MAX_BODY_BYTES)).handler(types(JSON_TYPES))
          .handler(rc -> {
            long now = System.currentTimeMillis();
            ParseResult parsed = MeasurementProtocolParser.parse(rc.request().getParam("measurement_id"),
                rc.request().getParam("firebase_app_id"), BodyReader.body(rc).getBytes(), now, cfg.maxEventAgeMs(),
                cfg.maxClockSkewMs());
            run(rc, parsed, rc.request().getParam("api_secret"), true, debug);
          });
    }
    router.route("/collect").method(HttpMethod.GET).method(HttpMethod.POST).method(HttpMethod.OPTIONS).handler(cors)
        .handler(body(UniversalParser.MAX_HIT_BYTES)).handler(types(WEB_TYPES))
        .handler(uaHandler(body -> UniversalParser.parseSingle(body, System.currentTimeMillis(), cfg.maxEventAgeMs())));
    router.post("/batch").handler(cors)
        .handler(body(UniversalParser.MAX_BATCH_BYTES)).handler(types(WEB_TYPES))
        .handler(uaHandler(body -> UniversalParser.parseBatch(body, System.currentTimeMillis(), cfg.maxEventAgeMs())));
    // Plausible's trackers: POST (a JSON body, whatever its Content-Type, as Plausible reads it) and pre-flights.
    router.route("/api/event").method(HttpMethod.POST).method(HttpMethod.OPTIONS).handler(PlausibleEvents.cors())
        .handler(body(PlausibleParser.MAX_BODY_BYTES))
        .handler(new PlausibleEvents(properties, ingest, trustedProxies, cfg.spool().retryAfterSeconds()).handler());
    // A known path with a method it does not take: say which methods it does (Allow), as JSON like every answer.
    router.errorHandler(405, rc -> {
      Problem p = Problem.rejected("", "method " + rc.request().method() + " not allowed on " + rc.request().path(),
          DropReason.METHOD_NOT_ALLOWED);
      ingest.rejected(p);
      String path = rc.request().path();
      rc.response().putHeader("Allow", path.equals("/mp/collect") || path.equals("/debug/mp/collect")
          || path.equals("/batch") ? "POST" : path.equals("/api/event") ? "POST, OPTIONS" : "GET, POST, OPTIONS");
      Responses.json(rc, 405, Responses.problems(java.util.List.of(p)));
    });
    router.route().failureHandler(rc -> {
      int status = rc.statusCode() > 0 ? rc.statusCode() : 500;
      if (status >= 500) {
        LOG.warn("Collector request {} {} failed", rc.request().method(), rc.request().path(), rc.failure());
      }
      DropReason reason = status == 413 ? DropReason.BODY_TOO_LARGE : status >= 500 ? DropReason.INTERNAL
          : DropReason.BAD_REQUEST;
      Problem p = new Problem("", status == 413 ? "request body too large for " + rc.request().path()
          : "request failed (" + status + ")", status == 413 ? ValidationCode.VALUE_OUT_OF_BOUNDS
          : ValidationCode.VALUE_INVALID, reason);
      ingest.rejected(p);
      if (!rc.response().ended()) {
        Responses.json(rc, status, Responses.problems(java.util.List.of(p)));
      }
    });
    return router;
  }

  private io.vertx.core.Handler<RoutingContext> uaHandler(Function<String, ParseResult> parser) {
    return rc -> {
      String body = rc.request().method() == HttpMethod.GET ? rc.request().query() : bodyText(rc);
      run(rc, parser.apply(body == null ? "" : body), null, false, false);
    };
  }

  /** 415 unless the body's media type is one the endpoint reads (or there is no body type at all). */
  private io.vertx.core.Handler<RoutingContext> types(Set<String> allowed) {
    return rc -> {
      String ct = rc.request().getHeader("Content-Type");
      String media = ct == null ? null : ct.split(";")[0].trim().toLowerCase(java.util.Locale.ROOT);
      if (rc.request().method() == HttpMethod.POST && media != null && !media.isEmpty() && !allowed.contains(media)) {
        Problem p = Problem.rejected("Content-Type", "unsupported media type " + Problem.quote(media) + ", use one of " + allowed,
            DropReason.UNSUPPORTED_MEDIA_TYPE);
        ingest.rejected(p);
        Responses.json(rc, 415, Responses.problems(java.util.List.of(p)));
      } else {
        rc.next();
      }
    };
  }

  private void run(RoutingContext rc, ParseResult parsed, String apiSecret, boolean checkSecret, boolean debug) {
    HttpServerRequest r = rc.request();
    String ip = trustedProxies.clientIp(r);
    Enricher.RequestInfo info = new Enricher.RequestInfo(ip, r.getHeader("User-Agent"),
        r.getHeader("Sec-CH-UA-Mobile"), r.getHeader("Sec-CH-UA-Platform"), System.currentTimeMillis());
    // Do-Not-Track / Global Privacy Control on every browser-facing endpoint (/g/collect, the tracker's; /collect,
    // /batch), honoured per hit when its property respects them; MP (checkSecret) comes from servers, not browsers.
    boolean optOut = !checkSecret && Ingest.optsOut(r.getHeader("DNT"), r.getHeader("Sec-GPC"));
    ingest.handle(parsed, new Ingest.Request(vertx.getOrCreateContext(), info, apiSecret, checkSecret, debug, optOut))
        .onSuccess(out -> Responses.respond(rc, out, debug, cfg.spool().retryAfterSeconds()));
  }

  private static String bodyText(RoutingContext rc) {
    return BodyReader.body(rc).toString(java.nio.charset.StandardCharsets.UTF_8);
  }

  /**
   * The body of a request, at most {@code limit} bytes as sent and as inflated: the server does not inflate bodies
   * (decompression off), {@link BodyReader} does, bounded; a body over the limit, chunked or not, is answered 413
   * and its connection closed.
   */
  private BodyReader body(int limit) {
    return new BodyReader(limit, p -> ingest.rejected(p));
  }

  @Override
  public Future<?> stop() {
    if (properties != null) {
      properties.stop();
    }
    return vertx.executeBlocking(() -> {
      if (geo != null) {
        geo.close();
      }
      return null;
    });
  }
}
