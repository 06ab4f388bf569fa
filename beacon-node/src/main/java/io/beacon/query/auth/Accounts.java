package io.beacon.query.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Users, their roles per property and their API tokens, in Cassandra (prepared statements only,
 * each call with a timeout). Passwords arrive already hashed.
 *
 * <p>The lookups every request makes (token owner, user, role) are kept on the node for {@link
 * #FRESH}: a report then costs no account reads, and a change made on another node (a new grant, a
 * removed role) applies within that time. While Cassandra is unreachable the last answer (up to
 * {@link #LAST_KNOWN} old) is used, so dashboards keep working on cached reports during an outage;
 * nothing can be changed then anyway.
 */
public final class Accounts {
  /** A dashboard user. */
  public record User(String email, String passwordHash, boolean admin) {}

  private final CassandraClient cassandra;
  private final Duration timeout;
  private final Map<String, Future<PreparedStatement>> prepared = new ConcurrentHashMap<>();
  /** How long a lookup answer is used without asking Cassandra again. */
  static final Duration FRESH = Duration.ofSeconds(10);
  /** How old a lookup answer may be and still be used while Cassandra fails. */
  static final Duration LAST_KNOWN = Duration.ofMinutes(15);

  private record Known(Object value, long at) {}

  private final Cache<String, Known> known = Caffeine.newBuilder().maximumSize(100_000)
      .expireAfterWrite(LAST_KNOWN).build();

  public Accounts(CassandraClient cassandra, Duration timeout) {
    this.cassandra = cassandra;
    this.timeout = timeout;
  }

  public Future<Optional<User>> user(String email) {
    return lookup("user|" + email, () -> rows("SELECT email, password_hash, is_admin FROM users WHERE email = ?", email)
        .map(rows -> rows.stream().findFirst().map(r -> new User(r.getString("email"), r.getString("password_hash"),
            Boolean.TRUE.equals(r.getBoolean("is_admin"))))));
  }

  /** Creates the user unless one exists with that email; true if this call created it. */
  public Future<Boolean> createUser(String email, String passwordHash, boolean admin) {
    return rows("INSERT INTO users (email, password_hash, is_admin, created_at) VALUES (?, ?, ?, ?) IF NOT EXISTS",
        email, passwordHash, admin, Instant.now()).onComplete(done -> known.invalidate("user|" + email))
        .map(rows -> rows.get(0).getBoolean("[applied]"));
  }

  public Future<Optional<PropertyRole>> role(String email, String propertyId) {
    return lookup("role|" + propertyId + "|" + email, () -> rows("SELECT role FROM property_roles WHERE property_id = ? AND email = ?",
        propertyId, email).map(rows -> rows.stream().findFirst().map(r -> PropertyRole.ofKey(r.getString("role")))));
  }

  public Future<Void> grant(String propertyId, String email, PropertyRole role) {
    return Future.all(
            rows("INSERT INTO property_roles (property_id, email, role) VALUES (?, ?, ?)", propertyId, email, role.key()),
            rows("INSERT INTO user_properties (email, property_id, role) VALUES (?, ?, ?)", email, propertyId, role.key()))
        .onComplete(done -> known.invalidate("role|" + propertyId + "|" + email))
        .mapEmpty();
  }

  /** The properties a user holds a role on, with the role. */
  public Future<Map<String, PropertyRole>> propertiesOf(String email) {
    return rows("SELECT property_id, role FROM user_properties WHERE email = ?", email).map(rows -> {
      Map<String, PropertyRole> out = new java.util.TreeMap<>();
      rows.forEach(r -> out.put(r.getString("property_id"), PropertyRole.ofKey(r.getString("role"))));
      return out;
    });
  }

  public Future<Optional<String>> tokenOwner(String tokenHash) {
    return lookup("token|" + tokenHash, () -> rows("SELECT email FROM api_tokens WHERE token_hash = ?", tokenHash)
        .map(rows -> rows.stream().findFirst().map(r -> r.getString("email"))));
  }

  public Future<Void> createToken(String tokenHash, String email, String name) {
    return rows("INSERT INTO api_tokens (token_hash, email, name, created_at) VALUES (?, ?, ?, ?)",
        tokenHash, email, name, Instant.now()).onComplete(done -> known.invalidate("token|" + tokenHash)).mapEmpty();
  }

  /** A fresh answer kept on the node, else Cassandra's, else (Cassandra failing) the last known one. */
  @SuppressWarnings("unchecked")
  private <T> Future<T> lookup(String key, java.util.function.Supplier<Future<T>> read) {
    Known k = known.getIfPresent(key);
    long now = System.currentTimeMillis();
    if (k != null && now - k.at() < FRESH.toMillis()) {
      return Future.succeededFuture((T) k.value());
    }
    return read.get().andThen(done -> {
      if (done.succeeded()) {
        known.put(key, new Known(done.result(), System.currentTimeMillis()));
      }
    }).recover(e -> k != null ? Future.succeededFuture((T) k.value()) : Future.failedFuture(e));
  }

  /** Runs a prepared statement (prepared once per node) with the call's timeout. */
  public Future<List<Row>> rows(String cql, Object... values) {
    Future<PreparedStatement> ps = prepared.compute(cql, (k, f) -> f == null || f.failed() ? cassandra.prepare(cql) : f);
    return ps.compose(p -> cassandra.executeWithFullFetch(p.bind(values)))
        .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }
}
