package io.beacon.infra;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;

/**
 * Token buckets of one kind, one per key (a client, an address, a property, a user): each holds up to a minute's
 * allowance and is refilled continuously, so a key may burst its whole minute at once and is then held to the steady
 * rate. At most {@code maxKeys} buckets are kept (least recently used forgotten first; a bucket idle for a minute is
 * full again, so forgetting it changes nothing). Thread-safe; node-local. The collector's rate limits and the query
 * role's report quota use it.
 */
public final class TokenBuckets {
  private final int perMinute;
  private final double tokensPerNano;
  private final Cache<String, Bucket> buckets;

  /** @param perMinute the allowance per key and minute; 0 or less: no limit */
  public TokenBuckets(int perMinute, long maxKeys) {
    this.perMinute = perMinute;
    this.tokensPerNano = perMinute / 60e9;
    this.buckets = Caffeine.newBuilder().maximumSize(maxKeys).expireAfterAccess(Duration.ofMinutes(1)).build();
  }

  public int perMinute() {
    return perMinute;
  }

  /**
   * Takes one token of {@code key}'s bucket: 0 when allowed (always, for a null key or no limit), else the whole
   * seconds until the bucket has a token again (at least 1).
   */
  public long take(String key, long nowNanos) {
    if (perMinute <= 0 || key == null) {
      return 0;
    }
    Bucket b = buckets.get(key, k -> new Bucket(perMinute, nowNanos));
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

  /** Returns a token taken for something another limit refused. */
  public void giveBack(String key) {
    if (perMinute <= 0 || key == null) {
      return;
    }
    Bucket b = buckets.getIfPresent(key);
    if (b != null) {
      synchronized (b) {
        b.tokens = Math.min(perMinute, b.tokens + 1);
      }
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
