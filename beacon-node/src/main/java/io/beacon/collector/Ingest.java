package io.beacon.collector;

import io.beacon.model.DedupKey;
import io.beacon.collector.enrich.Enricher;
import io.beacon.collector.enrich.RequestId;
import io.beacon.collector.handoff.KafkaHandoff;
import io.beacon.collector.protocol.DropReason;
import io.beacon.collector.protocol.HitDraft;
import io.beacon.collector.protocol.ParseResult;
import io.beacon.collector.protocol.Problem;
import io.beacon.collector.protocol.Protocol;
import io.beacon.collector.protocol.ValidationCode;
import io.beacon.model.Hit;
import io.beacon.store.topic.HitCodec;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The protocol-independent part of taking in hits: property checks (exists, api_secret, allowed
 * hostnames, Do-Not-Track), cookieless client ids ({@link CookielessIds}), the per-client rate limit, enrichment,
 * de-duplication and the hand-off to Kafka (no session assignment: a hit without a sender session id keeps none, the
 * model sessions it by event time). A request's hits are handled one after the other, so they reach Kafka in the
 * order they were sent.
 */
final class Ingest {
  private static final Logger LOG = LoggerFactory.getLogger(Ingest.class);
  /** How long a retry waits for a concurrent first attempt's hand-off (Kafka ack, else the spool) to settle. */
  private static final long IN_FLIGHT_WAIT_MS = 3_000;

  /** How a request's hits fared: accepted, duplicates (accepted, not produced) and problems. */
  static final class Outcome {
    int accepted;
    int duplicates;
    final List<Problem> problems = new ArrayList<>();
    boolean spoolFull;
    int authStatus;
    /** Set when hits were refused by a rate limit: when the client may send again. */
    long retryAfterSeconds;
    /** Hits dropped because the browser opted out (DNT / GPC) and their property honours it: answered as taken. */
    int optedOut;
  }

  /**
   * What the caller knows about the request beyond the payload.
   *
   * @param optOut the request came from a browser that asks not to be tracked ({@link #optsOut}); only the
   *     browser-facing endpoints set it (a Measurement Protocol sender is a server, not the user's browser)
   */
  record Request(Context ctx, Enricher.RequestInfo info, String apiSecret, boolean checkSecret, boolean dryRun,
                 boolean optOut) {
    Request(Context ctx, Enricher.RequestInfo info, String apiSecret, boolean checkSecret, boolean dryRun) {
      this(ctx, info, apiSecret, checkSecret, dryRun, false);
    }
  }

  /** Whether a browser's request opts out of tracking: {@code DNT: 1} (Do Not Track) or {@code Sec-GPC: 1} (GPC). */
  static boolean optsOut(String dnt, String secGpc) {
    return "1".equals(dnt == null ? null : dnt.trim()) || "1".equals(secGpc == null ? null : secGpc.trim());
  }

  private final PropertyRegistry properties;
  private final ClusterState state;
  private final Enricher enricher;
  private final KafkaHandoff handoff;
  private final RateLimits limits;
  private final MeterRegistry meters;
  private final long maxAgeMs;
  private final long maxSkewMs;
  private final Counter duplicates;
  private final Timer handoffTimer;
  private final Map<String, Counter> accepted = new HashMap<>();
  private final Supplier<String> unfit;
  private final CookielessIds cookieless;
  private String lastUnfit;

  Ingest(PropertyRegistry properties, ClusterState state, Enricher enricher, KafkaHandoff handoff, RateLimits limits,
      MeterRegistry meters, long maxAgeMs, long maxSkewMs, Supplier<String> unfit, CookielessIds cookieless) {
    this.unfit = unfit;
    this.cookieless = cookieless;
    this.properties = properties;
    this.state = state;
    this.enricher = enricher;
    this.handoff = handoff;
    this.limits = limits;
    this.meters = meters;
    this.maxAgeMs = maxAgeMs;
    this.maxSkewMs = maxSkewMs;
    this.duplicates = Counter.builder("beacon_collector_duplicates_total")
        .description("Retried hits acknowledged without being produced again").register(meters);
    this.handoffTimer = Timer.builder("beacon_collector_handoff_seconds")
        .description("From a hit's arrival to Kafka's (or the spool's) acknowledgement")
        // Histogram buckets (ms) for the ingest dashboard's percentiles; few, to keep the series count small.
        .serviceLevelObjectives(java.util.stream.LongStream.of(1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000)
            .mapToObj(java.time.Duration::ofMillis).toArray(java.time.Duration[]::new))
        .register(meters);
  }

  void rejected(Problem p) {
    meters.counter("beacon_collector_rejected_total", "reason", p.reason().key()).increment();
  }

  /** Handles every hit of a parsed request; never fails (problems land in the outcome). */
  Future<Outcome> handle(ParseResult parsed, Request req) {
    Outcome out = new Outcome();
    parsed.problems.forEach(p -> add(out, p));
    Future<Void> chain = Future.succeededFuture();
    for (HitDraft d : parsed.hits) {
      chain = chain.compose(v -> one(d, req, out)).recover(e -> {
        if (e instanceof NodeUnfitException) {
          // Once per reason: a node waking from a freeze refuses its whole backlog at once.
          if (!e.getMessage().equals(lastUnfit)) {
            lastUnfit = e.getMessage();
            LOG.warn("Refusing hits (503) from {} on: this node is {}", Problem.quote(d.requestId), e.getMessage());
          }
        } else if (e instanceof PropertyRegistry.LookupThrottledException) {
          // A flood of ids not in memory (made up, or properties just created): answered 503, logged per hit at debug.
          LOG.debug("Hit {} of property {} refused (503): {}", Problem.quote(d.requestId), Problem.quote(d.propertyId),
              e.getMessage());
        } else {
          // The sender's ids are its text: quoted (control characters escaped), so they cannot forge log lines.
          LOG.warn("Hit {} of property {} ({}) failed", Problem.quote(d.requestId), Problem.quote(d.propertyId),
              d.protocol, e);
        }
        // The client learns that this hit was not taken, not why: internals stay in the log.
        add(out, Problem.rejected("", "the hit could not be taken; retry later", DropReason.INTERNAL));
        return Future.succeededFuture();
      });
    }
    return chain.map(out);
  }

  private Future<Void> one(HitDraft d, Request req, Outcome out) {
    return properties.get(d.propertyId).compose(property -> {
      if (property != null && !property.deleted() && req.optOut() && property.respectDnt()) {
        // The property honours Do-Not-Track / Global Privacy Control: acknowledged (204), not stored.
        out.optedOut++;
        rejected(Problem.rejected("", "do not track", DropReason.DO_NOT_TRACK));
        return Future.succeededFuture();
      }
      Problem p = check(d, property, req, out);
      if (p != null) {
        add(out, p);
        return Future.succeededFuture();
      }
      // The hit names its property by the property's id or by one of its stream ids (G-…, UA-…, a Firebase app id):
      // the stream is the id as named, the hit is the property's from here on (its key, de-duplication, limits).
      if (d.streamId == null) {
        d.streamId = d.propertyId.equals(property.id()) ? property.id() : streamOf(property, d.propertyId);
      }
      d.propertyId = property.id();
      // A cookieless property keeps no client state across a browser's requests: the collector gives its hits a
      // daily client id of its own (CookielessIds), as it does to every hit of a protocol that carries no client id
      // (Plausible's). Measurement Protocol senders are servers: their ids stay theirs.
      return (property.cookieless() || d.protocol.cookieless()) && !req.checkSecret()
          ? cookieless.apply(req.ctx(), d, req.info()).compose(v -> take(d, property, req, out))
          : take(d, property, req, out);
    });
  }

  /** The stream id a hit named its property by, as the property stores it (else the property's own id). */
  private static String streamOf(PropertyInfo property, String named) {
    if (property.streamIds().contains(named)) {
      return named;
    }
    String normalized = io.beacon.store.cassandra.StreamIds.normalize(named);
    return property.streamIds().contains(normalized) ? normalized : property.id();
  }

  /** The rate limit, enrichment and hand-off of a hit that passed the property's checks. */
  private Future<Void> take(HitDraft d, PropertyInfo property, Request req, Outcome out) {
    if (req.dryRun()) {
      out.accepted++;
      return Future.succeededFuture();
    }
    // The IP bucket takes the connection's real address (trusted proxies resolved), never a sender-given one (UA's
    // uip, MP's ip_override); MP hits skip it: their sender is a server relaying many users (RateLimits).
    RateLimits.Refusal refused = limits.tryAcquire(d.propertyId, d.clientId,
        req.checkSecret() ? null : req.info().clientIp(), System.nanoTime());
    if (refused != null) {
      out.retryAfterSeconds = Math.max(out.retryAfterSeconds, refused.retryAfterSeconds());
      add(out, switch (refused.scope()) {
        case CLIENT -> Problem.rejected(d.protocol == Protocol.GA4_MP ? "client_id" : "cid", "too many hits from client '"
            + d.clientId + "' of property " + d.propertyId + ": at most " + refused.perMinute() + " per minute",
            DropReason.RATE_LIMITED);
        // The address is the client's own: not repeated in the answer (nor logged).
        case IP -> Problem.rejected("", "too many hits from this IP address: at most " + refused.perMinute()
            + " per minute", DropReason.RATE_LIMITED);
        case PROPERTY -> Problem.rejected(d.protocol == Protocol.GA4_MP ? "measurement_id" : "tid",
            "too many hits for property " + d.propertyId + ": at most " + refused.perMinute() + " per minute",
            DropReason.RATE_LIMITED);
      });
      return Future.succeededFuture();
    }
    // The sender's session id, or none: the collector assigns no sessions, the model does, by event time
    // (docs/analytics-model.md, "Semantics"); session_start, first_visit and session_number stay as sent (a
    // cookieless property's were dropped with the browser's client id).
    return produce(enricher.enrich(d, req.info(), property), d.ts == null, Enricher.requestId(d), req, out);
  }

  private Problem check(HitDraft d, PropertyInfo property, Request req, Outcome out) {
    String idField = d.protocol != Protocol.GA4_MP ? "tid" : d.appStream ? "firebase_app_id" : "measurement_id";
    if (property == null) {
      return Problem.rejected(idField, "unknown property " + Problem.quote(d.propertyId), DropReason.UNKNOWN_PROPERTY);
    }
    if (property.deleted()) {
      // The unknown property's status (the sender learns nothing it could not before), a reason of its own: a site
      // still sending to a deleted property is told why, and restoring the property is the fix.
      return Problem.rejected(idField, "property deleted: " + Problem.quote(property.id()) + " is in the trash"
          + " (restorable for " + io.beacon.store.cassandra.PropertyRecord.TRASH_DAYS + " days after its deletion)",
          DropReason.PROPERTY_DELETED);
    }
    if (req.checkSecret()) {
      if (req.apiSecret() == null || req.apiSecret().isBlank()) {
        out.authStatus = 401;
        return new Problem("api_secret", "api_secret is required", ValidationCode.VALUE_REQUIRED,
            DropReason.MISSING_SECRET);
      }
      if (!secretMatches(req.apiSecret(), property.apiSecret())) {
        out.authStatus = 403;
        return Problem.rejected("api_secret", "api_secret does not match the property's secret", DropReason.BAD_SECRET);
      }
    } else {
      // The protocols without credentials (GA4 web and the tracker, UA): the allow-list is their only gate, so a hit
      // of a property with one must name an allowed host (dl; UA also dh), whichever protocol it came in. Measurement
      // Protocol hits are authenticated by the api_secret and name no host: the allow-list does not apply to them.
      String host = Enricher.hostname(d);
      if (!property.allowsHost(host)) {
        out.authStatus = 403;
        String field = d.protocol == Protocol.GA4_WEB || d.pageLocation != null ? "dl" : "dh";
        return Problem.rejected(field, host == null
            ? "the hit names no hostname (" + (d.protocol == Protocol.GA4_WEB ? "dl" : "dl or dh") + "); property "
                + property.id() + " accepts hits from its allowed hostnames only"
            : "hostname " + Problem.quote(host) + " is not allowed for property " + property.id(),
            DropReason.HOSTNAME_NOT_ALLOWED);
      }
    }
    long now = req.info().nowMs();
    if (d.ts != null && (d.ts < now - maxAgeMs || d.ts > now + maxSkewMs)) {
      return Problem.outOfBounds("ts", "event time outside the accepted window (" + (maxAgeMs / 3_600_000) + " h back, "
          + (maxSkewMs / 1000) + " s ahead)");
    }
    return null;
  }

  /**
   * Whether the request's api_secret is the property's, in constant time: {@link MessageDigest#isEqual} compares
   * every byte whatever the first difference, its time depending on the length of {@code given} only (the caller's
   * own), so neither how much of a guess matched nor the secret's length shows in the answer time.
   */
  static boolean secretMatches(String given, String expected) {
    return given != null && expected != null
        && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Claims the hit's request id and hands the hit over. The claim's key is the id as the sender gave it or as derived
   * from the payload ({@code rid}); its mark lasts {@code collector.dedupWindowMs} for a sender's id and {@code
   * collector.derivedIdWindowMs} for a derived one ({@link RequestId}).
   */
  /** @param timeFromReceipt the hit's event time is its receive time (less UA's qt), not one the sender stated */
  private Future<Void> produce(Hit received, boolean timeFromReceipt, RequestId rid, Request req, Outcome out) {
    DedupKey key = new DedupKey(received.propertyId(), received.clientId(), rid.value());
    long deadline = System.currentTimeMillis() + IN_FLIGHT_WAIT_MS;
    return claim(req.ctx(), key, rid.origin(), received.receivedAt(), deadline).compose(result -> {
      ClusterState.Claim claim = result.claim();
      // A retry produced again carries its first attempt's receive time (and event time, where the collector set
      // it from the receive time), so both copies are one row in the raw store and one hit to the stream. A derived
      // id also takes that time into the produced request_id: copies within the mark's window are one hit, identical
      // hits further apart (the mark expired, a new first attempt) are two.
      long first = result.firstReceivedAt();
      // An event time taken from the receipt (less UA's qt) moves with it; a time the sender stated stays.
      Hit timed = first == received.receivedAt() ? received
          : received.withTimes(timeFromReceipt ? first - (received.receivedAt() - received.ts()) : received.ts(), first);
      Hit hit = rid.origin() == RequestId.Origin.SENDER ? timed
          : timed.toBuilder().requestId(rid.produced(first)).build();
      if (claim == ClusterState.Claim.DUPLICATE) {
        duplicates.increment();
        out.duplicates++;
        out.accepted++;
        return Future.succeededFuture();
      }
      // PRODUCE, or a retry whose first attempt is still in flight after the wait: produce it (at least once
      // beats losing a hit; the raw store de-duplicates on the request id).
      boolean claimed = claim == ClusterState.Claim.PRODUCE;
      // A node waking from a freeze may hold a stale view of the dedup marks (its peers may have dropped it and
      // produced the client's retry meanwhile): it answers 503 rather than produce a second copy.
      String why = unfit.get();
      if (why != null) {
        if (claimed) {
          state.forget(key);
        }
        return Future.failedFuture(new NodeUnfitException(why));
      }
      long start = System.nanoTime();
      return handoff.submit(req.ctx(), hit.kafkaKey(), HitCodec.encode(hit))
          .<Void>map(v -> {
            if (claimed) {
              state.produced(req.ctx(), key, rid.origin(), first);
            }
            handoffTimer.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
            accepted.computeIfAbsent(hit.protocol(), pr -> Counter.builder("beacon_collector_accepted_total")
                .description("Hits handed over to Kafka (or the spool)").tag("protocol", pr).register(meters)).increment();
            out.accepted++;
            return null;
          })
          .recover(e -> {
            // Not handed over: forget the request id so the client's retry is produced.
            if (claimed) {
              state.forget(key);
            }
            if (e instanceof KafkaHandoff.SpoolFullException) {
              out.spoolFull = true;
              add(out, Problem.rejected("", "the collector cannot take hits right now, retry later", DropReason.SPOOL_FULL));
              return Future.succeededFuture();
            }
            return Future.failedFuture(e);
          });
    });
  }

  /** Claims the request id, waiting while another live node hands the same hit over (until {@code deadline}). */
  private Future<ClusterState.ClaimResult> claim(Context ctx, DedupKey key, RequestId.Origin origin, long receivedAt,
                                                  long deadline) {
    return state.claim(ctx, key, origin, receivedAt).compose(c -> {
      if (c.claim() != ClusterState.Claim.IN_FLIGHT || System.currentTimeMillis() >= deadline) {
        return Future.succeededFuture(c);
      }
      Promise<Void> later = Promise.promise();
      ctx.owner().setTimer(50, t -> later.complete());
      return later.future().compose(v -> claim(ctx, key, origin, receivedAt, deadline));
    });
  }

  private void add(Outcome out, Problem p) {
    rejected(p);
    out.problems.add(p);
  }

  /** This node must not hand hits over now (see {@code SegmentationGuard#unfitReason}); the client retries. */
  static final class NodeUnfitException extends RuntimeException {
    NodeUnfitException(String why) {
      super(why, null, false, false);
    }
  }
}
