package io.beacon.collector;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;

/**
 * The per-client rate limit of a collector node: a token bucket per (property, client id) holding
 * up to a minute's allowance and refilled continuously, so a client may burst its whole minute at
 * once and is then held to the steady rate. A hit beyond it is refused with 429 and Retry-After. It
 * protects the pipeline from a runaway tracker loop or a flood under one client id; floods from one
 * IP are cut earlier by the load balancer's stick tables. Node-local (a cluster-wide count would
 * cost a cache round trip per hit): behind a load balancer that spreads one client over {@code n}
 * nodes, the effective limit is up to {@code n} times the configured one. Thread-safe.
 */
final class RateLimits {
  private final int perMinute;
  private final double tokensPerNano;
  private final Cache<String, Bucket> buckets;

  /** @param clientHitsPerMinute allowance per client and property; 0 turns the limit off */
  RateLimits(int clientHitsPerMinute, long maxClients) {
    this.perMinute = clientHitsPerMinute;
    this.tokensPerNano = clientHitsPerMinute / 60e9;
    // A bucket idle for a minute is full again: forgetting it changes nothing.
    this.buckets = Caffeine.newBuilder().maximumSize(maxClients).expireAfterAccess(Duration.ofMinutes(1)).build();
  }

  int clientHitsPerMinute() {
    return perMinute;
  }

  /** Takes one hit's token: 0 when allowed, else the whole seconds until the client may send again. */
  long tryAcquire(String propertyId, String clientId, long nowNanos) {
    if (perMinute <= 0 || clientId == null) {
      return 0;
    }
    Bucket b = buckets.get(propertyId + '|' + clientId, k -> new Bucket(perMinute, nowNanos));
    synchronized (b) {
      b.tokens = Math.min(perMinute, b.tokens + (nowNanos - b.refilledAt) * tokensPerNano);
      b.refilledAt = nowNanos;
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      return Math.max(1, (long) Math.ceil((1 - b.tokens) / tokensPerNano / 1e9));
    }
  }

  private static final class Bucket {
    double tokens;
    long refilledAt;

    Bucket(double tokens, long now) {
      this.tokens = tokens;
      this.refilledAt = now;
    }
  }
}
