package io.beacon.collector;

import io.beacon.collector.enrich.Enricher;
import io.beacon.collector.protocol.HitDraft;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * Client ids of cookieless properties, kept by no device: the collector replaces the id a browser sent with a hash
 * of a daily salt, the property, the browser's IP address and its User-Agent (as Plausible does), so the hits of one
 * browser on one day share a client id and nothing links them to another day's. The salt is drawn at random for
 * each UTC day, shared by every collector node through Ignite, kept in memory only and dropped after two days
 * ({@link ClusterState#salt}): once it is gone, no one can recompute an id from an address. The IP address and
 * User-Agent are the ones the hit is enriched with (UA's {@code uip} / {@code ua} when a relay forwards them, else
 * the connection's, behind trusted proxies). What the browser keeps across requests is dropped as well: its session
 * id and number and its first-visit and session-start flags (the tracker, told {@code data-cookieless}, forgets
 * them at every page load); the model assigns sessions and first visits by event time instead
 * (docs/analytics-model.md, "Semantics"). A sender's user id stays: the site, not the device, keeps it. Plausible's
 * events carry no client id at all: every one gets this id, whatever the property's setting (the property the
 * event's domain names stands for Plausible's domain in the hash).
 */
final class CookielessIds {
  static final String PREFIX = "cookieless:";
  private static final long DAY_MS = Duration.ofDays(1).toMillis();

  /** The salt of a UTC epoch day, the same on every node. */
  interface Salts {
    Future<byte[]> salt(Context ctx, long epochDay);
  }

  private final Salts salts;

  CookielessIds(Salts salts) {
    this.salts = salts;
  }

  /** Gives the hit its cookieless client id (of the day it was received) and drops the browser's session state. */
  Future<Void> apply(Context ctx, HitDraft d, Enricher.RequestInfo req) {
    return salts.salt(ctx, Math.floorDiv(req.nowMs(), DAY_MS)).map(salt -> {
      d.clientId = clientId(salt, d.propertyId, d.clientIp != null ? d.clientIp : req.clientIp(),
          d.userAgent != null ? d.userAgent : req.userAgent());
      d.sessionId = null;
      d.sessionNumber = null;
      d.sessionStart = null;
      d.firstVisit = null;
      return null;
    });
  }

  /** {@link #PREFIX} and the first 128 bits of SHA-256(salt, property, IP, User-Agent), in hex. */
  static String clientId(byte[] salt, String propertyId, String ip, String userAgent) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    sha.update(salt);
    for (String part : new String[] {propertyId, ip, userAgent}) {
      sha.update((byte) 0); // a separator: ("ab", "c") and ("a", "bc") are different inputs
      sha.update((part == null ? "" : part).getBytes(StandardCharsets.UTF_8));
    }
    return PREFIX + HexFormat.of().formatHex(sha.digest(), 0, 16);
  }
}
