package io.beacon.query.auth;

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
 */
public final class Accounts {
  /** A dashboard user. */
  public record User(String email, String passwordHash, boolean admin) {}

  private final CassandraClient cassandra;
  private final Duration timeout;
  private final Map<String, Future<PreparedStatement>> prepared = new ConcurrentHashMap<>();

  public Accounts(CassandraClient cassandra, Duration timeout) {
    this.cassandra = cassandra;
    this.timeout = timeout;
  }

  public Future<Optional<User>> user(String email) {
    return rows("SELECT email, password_hash, is_admin FROM users WHERE email = ?", email)
        .map(rows -> rows.stream().findFirst().map(r -> new User(r.getString("email"), r.getString("password_hash"),
            Boolean.TRUE.equals(r.getBoolean("is_admin")))));
  }

  /** Creates the user unless one exists with that email; true if this call created it. */
  public Future<Boolean> createUser(String email, String passwordHash, boolean admin) {
    return rows("INSERT INTO users (email, password_hash, is_admin, created_at) VALUES (?, ?, ?, ?) IF NOT EXISTS",
        email, passwordHash, admin, Instant.now()).map(rows -> rows.get(0).getBoolean("[applied]"));
  }

  public Future<Optional<PropertyRole>> role(String email, String propertyId) {
    return rows("SELECT role FROM property_roles WHERE property_id = ? AND email = ?", propertyId, email)
        .map(rows -> rows.stream().findFirst().map(r -> PropertyRole.ofKey(r.getString("role"))));
  }

  public Future<Void> grant(String propertyId, String email, PropertyRole role) {
    return Future.all(
            rows("INSERT INTO property_roles (property_id, email, role) VALUES (?, ?, ?)", propertyId, email, role.key()),
            rows("INSERT INTO user_properties (email, property_id, role) VALUES (?, ?, ?)", email, propertyId, role.key()))
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
    return rows("SELECT email FROM api_tokens WHERE token_hash = ?", tokenHash)
        .map(rows -> rows.stream().findFirst().map(r -> r.getString("email")));
  }

  public Future<Void> createToken(String tokenHash, String email, String name) {
    return rows("INSERT INTO api_tokens (token_hash, email, name, created_at) VALUES (?, ?, ?, ?)",
        tokenHash, email, name, Instant.now()).mapEmpty();
  }

  /** Runs a prepared statement (prepared once per node) with the call's timeout. */
  public Future<List<Row>> rows(String cql, Object... values) {
    Future<PreparedStatement> ps = prepared.compute(cql, (k, f) -> f == null || f.failed() ? cassandra.prepare(cql) : f);
    return ps.compose(p -> cassandra.executeWithFullFetch(p.bind(values)))
        .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }
}
