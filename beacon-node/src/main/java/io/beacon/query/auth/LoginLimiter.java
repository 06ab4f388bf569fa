package io.beacon.query.auth;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts failed logins over a sliding window, keyed on the real client address (behind the load balancers:
 * {@code query.trustedProxies}); beyond a limit, logins are refused (429) until the window passes.
 *
 * <ul>
 *   <li>per account and client address ({@code perAccountFromClient}, 5): someone guessing one account's
 *       password from one address is stopped, while the account's owner, from any other address, still logs in
 *       with the right password;
 *   <li>per client address, over all accounts ({@code perClient}, 20): one address trying many accounts
 *       (credential stuffing) is stopped; higher than the first so that an office behind one NAT address is not
 *       locked out by a few colleagues' typos.
 * </ul>
 *
 * <p>There is deliberately no limit per account alone: anyone could then lock any user out by failing on
 * purpose, which is what keying on the balancer's address did to everyone. Guessing one account from many
 * addresses is slowed by the Argon2id cost of each attempt and by HAProxy's per-address login rate. A success
 * clears the (account, address) count only, so logging into one's own account does not reset an address's count.
 *
 * <p>Per node: the cluster's nodes count apart (HAProxy's stick table limits login attempts per address across
 * the edge too). Memory stays bounded by the window: keys whose failures have all expired are dropped.
 */
public final class LoginLimiter {
  /** Above this many keys, {@link #failed} drops the keys whose failures have all expired (at most once a second). */
  private static final int PRUNE_ABOVE = 10_000;
  private static final long PRUNE_EVERY_MS = 1_000;

  private final int perAccountFromClient;
  private final int perClient;
  private final long windowMs;
  private final Map<String, Deque<Long>> failures = new ConcurrentHashMap<>();
  private volatile long lastPrune;

  public LoginLimiter(int perAccountFromClient, int perClient, long windowMs) {
    this.perAccountFromClient = perAccountFromClient;
    this.perClient = perClient;
    this.windowMs = windowMs;
  }

  /** The defaults: 5 failures per account and address, 20 per address, in 5 minutes. */
  public static LoginLimiter standard() {
    return new LoginLimiter(5, 20, 5 * 60_000);
  }

  /** Whether a login for {@code account} from {@code client} must be refused now, before checking its password. */
  public boolean blocked(String account, String client, long now) {
    return count(clientKey(client), now) >= perClient || count(pairKey(account, client), now) >= perAccountFromClient;
  }

  public void failed(String account, String client, long now) {
    if (failures.size() > PRUNE_ABOVE && now - lastPrune >= PRUNE_EVERY_MS) {
      lastPrune = now;
      prune(now);
    }
    add(clientKey(client), now, perClient);
    add(pairKey(account, client), now, perAccountFromClient);
  }

  public void succeeded(String account, String client) {
    failures.remove(pairKey(account, client));
  }

  /** Keys currently held (for tests of the bound). */
  int size() {
    return failures.size();
  }

  private static String clientKey(String client) {
    return "c\n" + client;
  }

  private static String pairKey(String account, String client) {
    return "a\n" + account + "\n" + client;
  }

  private int count(String key, long now) {
    Deque<Long> d = failures.get(key);
    if (d == null) {
      return 0;
    }
    synchronized (d) {
      expire(d, now);
      if (d.isEmpty()) {
        failures.remove(key, d);
      }
      return d.size();
    }
  }

  private void add(String key, long now, int limit) {
    while (true) {
      Deque<Long> d = failures.computeIfAbsent(key, k -> new ArrayDeque<>());
      synchronized (d) {
        if (failures.get(key) != d) {
          continue; // emptied and dropped by another thread meanwhile: count in the new one
        }
        d.addLast(now);
        // Only whether the limit is reached matters: keep a little more than it.
        while (d.size() > limit * 2) {
          d.pollFirst();
        }
        return;
      }
    }
  }

  private void expire(Deque<Long> d, long now) {
    while (!d.isEmpty() && now - d.peekFirst() >= windowMs) {
      d.pollFirst();
    }
  }

  private void prune(long now) {
    failures.forEach((key, d) -> {
      synchronized (d) {
        expire(d, now);
        if (d.isEmpty()) {
          failures.remove(key, d);
        }
      }
    });
  }
}
