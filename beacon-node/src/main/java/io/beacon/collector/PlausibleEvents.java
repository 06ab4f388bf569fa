package io.beacon.collector;

import io.beacon.collector.enrich.Enricher;
import io.beacon.collector.protocol.DropReason;
import io.beacon.collector.protocol.ParseResult;
import io.beacon.collector.protocol.PlausibleParser;
import io.beacon.collector.protocol.Problem;
import io.beacon.infra.net.TrustedProxies;
import io.beacon.store.cassandra.PlausibleDomains;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * {@code POST /api/event}: Plausible's Events API ({@link PlausibleParser}), so Plausible's trackers and server-side
 * senders reach Beacon unchanged, pointed at the collector ({@code apiHost} / {@code endpoint}). Each domain the event
 * names is looked up among the properties' Plausible domains ({@link PropertyRegistry#byDomain}); the event becomes
 * one hit per property found (two domains of one property: one hit), which the usual checks take from there ({@link
 * Ingest}: allowed hostnames, Do-Not-Track / GPC, the rate limit, the cookieless daily client id every hit of this
 * protocol gets, enrichment, hand-off). Answers as Plausible's own server does:
 * <ul>
 *   <li>202 {@code ok} (text) when the event was taken, and also when it was dropped for a reason of the site's
 *       (a domain no property has, a host the property does not allow, the rate limit), with {@code
 *       x-plausible-dropped: <count>} as Plausible sets it; a browser opting out (DNT / GPC) is answered as taken;</li>
 *   <li>400 {@code {"errors": {field: [message]}}} for an invalid event;</li>
 *   <li>Beacon's own where Plausible has no answer: 503 with {@code Retry-After} when the collector could not take
 *       the event (spool full, a store failing, the node stopping), and the collector's 413 / 415 / 400 for bodies
 *       over {@link PlausibleParser#MAX_BODY_BYTES} or badly encoded ({@link BodyReader}).</li>
 * </ul>
 * Every answer carries the CORS headers of Plausible's endpoint (cors_plug's defaults: any origin), and a
 * pre-flight {@code OPTIONS} is answered 204 with them, so a tracker on any site may send.
 */
final class PlausibleEvents {
  /** The headers Plausible's server answers every request with (cors_plug's defaults). */
  static final Map<String, String> CORS = Map.of(
      "Access-Control-Allow-Origin", "*",
      "Access-Control-Allow-Credentials", "true");
  /** ...and a pre-flight request besides. */
  static final Map<String, String> PREFLIGHT = Map.of(
      "Access-Control-Max-Age", "1728000",
      "Access-Control-Allow-Headers", "Authorization,Content-Type,Accept,Origin,User-Agent,DNT,Cache-Control,"
          + "X-Mx-ReqToken,Keep-Alive,X-Requested-With,If-Modified-Since,X-CSRF-Token",
      "Access-Control-Allow-Methods", "GET,POST,PUT,PATCH,DELETE,OPTIONS");

  private final PropertyRegistry properties;
  private final Ingest ingest;
  private final TrustedProxies trustedProxies;
  private final int retryAfterSeconds;

  PlausibleEvents(PropertyRegistry properties, Ingest ingest, TrustedProxies trustedProxies, int retryAfterSeconds) {
    this.properties = properties;
    this.ingest = ingest;
    this.trustedProxies = trustedProxies;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** First on the route: the CORS headers on every answer (the body limit's too); a pre-flight ends here. */
  static Handler<RoutingContext> cors() {
    return rc -> {
      HttpServerResponse res = rc.response();
      CORS.forEach(res::putHeader);
      if (rc.request().method() == HttpMethod.OPTIONS) {
        PREFLIGHT.forEach(res::putHeader);
        res.setStatusCode(204).end();
      } else {
        rc.next();
      }
    };
  }

  /** The event in the body ({@link BodyReader} has read it). */
  Handler<RoutingContext> handler() {
    return rc -> {
      PlausibleParser.Result parsed = PlausibleParser.parse(BodyReader.body(rc).getBytes());
      if (!parsed.ok()) {
        Map<String, List<String>> byField = new LinkedHashMap<>();
        for (PlausibleParser.Error e : parsed.errors()) {
          byField.computeIfAbsent(e.field(), f -> new ArrayList<>()).add(e.message());
        }
        PlausibleParser.Error first = parsed.errors().get(0);
        ingest.rejected(Problem.rejected(first.field(), first.message(), first.reason()));
        errors(rc, 400, byField);
        return;
      }
      take(rc, parsed.event());
    };
  }

  private void take(RoutingContext rc, PlausibleParser.Event event) {
    HttpServerRequest r = rc.request();
    long now = System.currentTimeMillis();
    Enricher.RequestInfo info = new Enricher.RequestInfo(trustedProxies.clientIp(r), r.getHeader("User-Agent"),
        r.getHeader("Sec-CH-UA-Mobile"), r.getHeader("Sec-CH-UA-Platform"), now);
    boolean optOut = Ingest.optsOut(r.getHeader("DNT"), r.getHeader("Sec-GPC"));
    // The domains one after the other: an unknown one may wait for a reload of the properties.
    Set<String> propertyIds = new LinkedHashSet<>();
    int[] unknown = {0};
    Future<Void> chain = Future.succeededFuture();
    for (String domain : event.domains()) {
      chain = chain.compose(v -> !PlausibleDomains.valid(domain) ? Future.<PropertyInfo>succeededFuture(null)
          : properties.byDomain(domain)).map(p -> {
            if (p == null) {
              unknown[0]++;
              ingest.rejected(Problem.rejected("d", "no property has the domain", DropReason.UNKNOWN_PROPERTY));
            } else {
              propertyIds.add(p.id());
            }
            return null;
          });
    }
    chain.compose(v -> {
      ParseResult hits = new ParseResult();
      String nonce = UUID.randomUUID().toString();
      int i = 0;
      for (String id : propertyIds) {
        hits.hits.add(event.draft(id, i++, nonce));
      }
      return ingest.handle(hits, new Ingest.Request(rc.vertx().getOrCreateContext(), info, null, false, false, optOut));
    }).onComplete(done -> {
      if (done.failed()) {
        // The properties could not be read: the site may well exist.
        busy(rc, 1);
        return;
      }
      Ingest.Outcome out = done.result();
      if (out.spoolFull || out.problems.stream().anyMatch(p -> p.reason() == DropReason.INTERNAL
          || p.reason() == DropReason.SPOOL_FULL)) {
        busy(rc, Math.max(out.spoolFull ? retryAfterSeconds : 1, out.retryAfterSeconds));
        return;
      }
      int dropped = unknown[0] + out.problems.size();
      HttpServerResponse res = rc.response();
      if (dropped > 0) {
        res.putHeader("x-plausible-dropped", Integer.toString(dropped));
      }
      res.setStatusCode(202).putHeader("Content-Type", "text/plain; charset=utf-8").end("ok");
    });
  }

  private static void busy(RoutingContext rc, long retryAfter) {
    rc.response().putHeader("Retry-After", Long.toString(retryAfter));
    errors(rc, 503, Map.of("request", List.of("the event could not be taken; retry later")));
  }

  private static void errors(RoutingContext rc, int status, Map<String, List<String>> byField) {
    JsonObject errors = new JsonObject();
    byField.forEach((field, messages) -> errors.put(field, new JsonArray(messages)));
    rc.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("errors", errors).encode());
  }
}
