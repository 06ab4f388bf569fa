package io.beacon.collector;

import io.beacon.infra.TokenBuckets;

/**
 * The rate limits of a collector node, three token buckets a hit must all pass: per (property, client id), per real
 * client IP address (the connection's peer, or the address a trusted proxy forwarded: {@code collector.trustedProxies})
 * and per property. Each holds up to a minute's allowance and is refilled continuously, so a sender may burst its
 * whole minute at once and is then held to the steady rate. A hit beyond any of them is refused with 429 and
 * Retry-After and takes no token from the others.
 *
 * <p>The client bucket stops a runaway tracker loop; it keys on the sender-chosen client id, so a flood rotating ids
 * passes it: the IP bucket stops that one (a sender cannot choose its address once the proxies are trusted), and the
 * property bucket keeps one property's flood, from however many addresses, from taking the whole node. Measurement
 * Protocol hits skip the IP bucket: their sender is a server relaying many users (authenticated by the api_secret).
 * Node-local (a cluster-wide count would cost a cache round trip per hit): behind a load balancer that spreads one
 * sender over {@code n} nodes, the effective limit is up to {@code n} times the configured one. Thread-safe.
 */
final class RateLimits {
  /** Which bucket refused a hit. */
  enum Scope { CLIENT, IP, PROPERTY }

  /** A refusal: the bucket that refused and the whole seconds until it has a token again. */
  record Refusal(Scope scope, long retryAfterSeconds, int perMinute) {}

  private final TokenBuckets clients;
  private final TokenBuckets ips;
  private final TokenBuckets properties;

  /** Only the per-client limit (tests of it). */
  RateLimits(int clientHitsPerMinute, long maxClients) {
    this(clientHitsPerMinute, 0, 0, maxClients);
  }

  /**
   * @param clientHitsPerMinute allowance per client and property; 0 turns that limit off
   * @param ipHitsPerMinute allowance per client IP address (all properties); 0: off
   * @param propertyHitsPerMinute allowance per property (all clients); 0: off
   * @param maxKeys buckets kept per kind (least recently used forgotten first: a forgotten bucket starts full)
   */
  RateLimits(int clientHitsPerMinute, int ipHitsPerMinute, int propertyHitsPerMinute, long maxKeys) {
    this.clients = new TokenBuckets(clientHitsPerMinute, maxKeys);
    this.ips = new TokenBuckets(ipHitsPerMinute, maxKeys);
    this.properties = new TokenBuckets(propertyHitsPerMinute, maxKeys);
  }

  int clientHitsPerMinute() {
    return clients.perMinute();
  }

  /** Takes one hit's token of the client's bucket only: 0 when allowed, else the whole seconds until it may send again. */
  long tryAcquire(String propertyId, String clientId, long nowNanos) {
    Refusal r = tryAcquire(propertyId, clientId, null, nowNanos);
    return r == null ? 0 : r.retryAfterSeconds();
  }

  /**
   * Takes one token of each bucket the hit falls in: null when allowed, else the first bucket that refused (the hit
   * takes no token then).
   *
   * @param ip the real client address, null for none (Measurement Protocol hits: see above)
   */
  Refusal tryAcquire(String propertyId, String clientId, String ip, long nowNanos) {
    String clientKey = clientId == null ? null : propertyId + '|' + clientId;
    long wait = clients.take(clientKey, nowNanos);
    if (wait > 0) {
      return new Refusal(Scope.CLIENT, wait, clients.perMinute());
    }
    wait = ips.take(ip, nowNanos);
    if (wait > 0) {
      clients.giveBack(clientKey);
      return new Refusal(Scope.IP, wait, ips.perMinute());
    }
    wait = properties.take(propertyId, nowNanos);
    if (wait > 0) {
      clients.giveBack(clientKey);
      ips.giveBack(ip);
      return new Refusal(Scope.PROPERTY, wait, properties.perMinute());
    }
    return null;
  }
}
