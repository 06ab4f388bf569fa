package io.beacon.query.auth;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** {@link AccountStore} in memory, as Cassandra would answer (no caching); {@link #down} makes every call fail. */
public final class MemoryAccountStore implements AccountStore {
  public final Map<String, UserRow> users = new ConcurrentHashMap<>();
  public final Map<String, TokenRow> tokens = new ConcurrentHashMap<>();
  /** "propertyId|email" to role. */
  public final Map<String, PropertyRole> roles = new ConcurrentHashMap<>();
  public final AtomicBoolean down = new AtomicBoolean();
  public final AtomicInteger reads = new AtomicInteger();

  private <T> Future<T> answer(java.util.function.Supplier<T> s) {
    if (down.get()) {
      return Future.failedFuture(new IllegalStateException("store down"));
    }
    return Future.succeededFuture(s.get());
  }

  @Override
  public Future<Optional<UserRow>> user(String email) {
    reads.incrementAndGet();
    return answer(() -> Optional.ofNullable(users.get(email)));
  }

  @Override
  public Future<List<UserRow>> users() {
    return answer(() -> List.copyOf(users.values()));
  }

  @Override
  public Future<Boolean> insertUser(UserRow user) {
    return answer(() -> users.putIfAbsent(user.email(), user) == null);
  }

  @Override
  public Future<Boolean> updateFlags(String email, boolean admin, boolean disabled) {
    return answer(() -> users.computeIfPresent(email, (k, u) -> new UserRow(u.email(), u.passwordHash(), admin,
        disabled, u.mustChangePassword(), u.userId(), u.sessionKey(), u.createdAt(), u.passwordChangedAt())) != null);
  }

  @Override
  public Future<Boolean> updatePassword(String email, String passwordHash, boolean mustChange, String sessionKey,
      Instant at) {
    return answer(() -> users.computeIfPresent(email, (k, u) -> u.withPassword(passwordHash, mustChange, sessionKey,
        at)) != null);
  }

  @Override
  public Future<Void> deleteUser(String email) {
    return answer(() -> {
      users.remove(email);
      return null;
    });
  }

  @Override
  public Future<Optional<PropertyRole>> role(String email, String propertyId) {
    reads.incrementAndGet();
    return answer(() -> Optional.ofNullable(roles.get(propertyId + "|" + email)));
  }

  @Override
  public Future<Void> grant(String propertyId, String email, PropertyRole role) {
    return answer(() -> {
      roles.put(propertyId + "|" + email, role);
      return null;
    });
  }

  @Override
  public Future<Void> revoke(String propertyId, String email) {
    return answer(() -> {
      roles.remove(propertyId + "|" + email);
      return null;
    });
  }

  @Override
  public Future<Map<String, PropertyRole>> propertiesOf(String email) {
    return answer(() -> {
      Map<String, PropertyRole> out = new TreeMap<>();
      roles.forEach((k, v) -> {
        int bar = k.indexOf('|');
        if (k.substring(bar + 1).equals(email)) {
          out.put(k.substring(0, bar), v);
        }
      });
      return out;
    });
  }

  @Override
  public Future<Optional<TokenRow>> token(String tokenHash) {
    reads.incrementAndGet();
    return answer(() -> Optional.ofNullable(tokens.get(tokenHash)));
  }

  @Override
  public Future<List<TokenRow>> tokensOf(String email) {
    return answer(() -> tokens.values().stream().filter(t -> t.email().equals(email)).toList());
  }

  @Override
  public Future<Void> insertToken(TokenRow token) {
    return answer(() -> {
      tokens.put(token.tokenHash(), token);
      return null;
    });
  }

  @Override
  public Future<Void> deleteToken(String tokenHash) {
    return answer(() -> {
      tokens.remove(tokenHash);
      return null;
    });
  }
}
