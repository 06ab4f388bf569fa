package io.beacon.query.auth;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts failed logins per client address and per account over a sliding window; beyond the
 * limit, logins are refused (429) until the window passes. Per node: HAProxy's stick table limits
 * login attempts per address across the whole edge too.
 */
public final class LoginLimiter {
  private final int maxFailures;
  private final long windowMs;
  private final Map<String, Deque<Long>> failures = new ConcurrentHashMap<>();

  public LoginLimiter(int maxFailures, long windowMs) {
    this.maxFailures = maxFailures;
    this.windowMs = windowMs;
  }

  public boolean blocked(String key, long now) {
    Deque<Long> d = failures.get(key);
    if (d == null) {
      return false;
    }
    synchronized (d) {
      while (!d.isEmpty() && now - d.peekFirst() > windowMs) {
        d.pollFirst();
      }
      if (d.isEmpty()) {
        failures.remove(key, d);
      }
      return d.size() >= maxFailures;
    }
  }

  public void failed(String key, long now) {
    Deque<Long> d = failures.computeIfAbsent(key, k -> new ArrayDeque<>());
    synchronized (d) {
      d.addLast(now);
      while (d.size() > maxFailures * 2) {
        d.pollFirst();
      }
    }
  }

  public void succeeded(String key) {
    failures.remove(key);
  }
}
