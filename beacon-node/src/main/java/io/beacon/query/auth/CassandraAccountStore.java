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
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The one owner of the account tables besides the schema ({@code schema/cassandra.cql}): {@code users},
 * {@code property_roles} and {@code user_properties} (a role, readable both ways), {@code api_tokens} (by hash, and
 * by user through the index {@code api_tokens_by_email}). Prepared statements only, each call with a timeout.
 *
 * <p>Changes of an existing user are lightweight transactions ({@code IF EXISTS}): a plain {@code UPDATE} would
 * bring a deleted user back as a row without a password. A token row lives until 30 days after its expiry (TTL), so
 * the list shows recently expired tokens and the table does not keep dead ones.
 */
public final class CassandraAccountStore implements AccountStore {
  /** How long a token row is kept after its expiry (it then no longer authenticates, but is listed). */
  static final Duration KEPT_AFTER_EXPIRY = Duration.ofDays(30);

  static final String USER_COLUMNS = "email, password_hash, is_admin, disabled, must_change_password, user_id,"
      + " session_key, created_at, password_changed_at";
  static final String TOKEN_COLUMNS = "token_hash, email, name, scope, created_at, expires_at, user_id";
  static final String USER = "SELECT " + USER_COLUMNS + " FROM users WHERE email = ?";
  static final String USERS = "SELECT " + USER_COLUMNS + " FROM users";
  static final String INSERT_USER = "INSERT INTO users (" + USER_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
      + " IF NOT EXISTS";
  static final String UPDATE_FLAGS = "UPDATE users SET is_admin = ?, disabled = ? WHERE email = ? IF EXISTS";
  static final String UPDATE_PASSWORD = "UPDATE users SET password_hash = ?, must_change_password = ?,"
      + " session_key = ?, password_changed_at = ? WHERE email = ? IF EXISTS";
  static final String DELETE_USER = "DELETE FROM users WHERE email = ? IF EXISTS";
  static final String ROLE = "SELECT role FROM property_roles WHERE property_id = ? AND email = ?";
  static final String GRANT_BY_PROPERTY = "INSERT INTO property_roles (property_id, email, role) VALUES (?, ?, ?)";
  static final String GRANT_BY_USER = "INSERT INTO user_properties (email, property_id, role) VALUES (?, ?, ?)";
  static final String REVOKE_BY_PROPERTY = "DELETE FROM property_roles WHERE property_id = ? AND email = ?";
  static final String REVOKE_BY_USER = "DELETE FROM user_properties WHERE email = ? AND property_id = ?";
  static final String PROPERTIES_OF = "SELECT property_id, role FROM user_properties WHERE email = ?";
  /** The accounts holding a role on a property ({@code property_id = ?}): the purge of a deleted property. */
  public static final String ROLE_HOLDERS = "SELECT email FROM property_roles WHERE property_id = ?";
  /** Every role on a property ({@code property_id = ?}): the purge, once each holder's {@link #PURGE_BY_USER} is done. */
  public static final String PURGE_BY_PROPERTY = "DELETE FROM property_roles WHERE property_id = ?";
  /** One account's role on a purged property ({@code email = ? AND property_id = ?}). */
  public static final String PURGE_BY_USER = REVOKE_BY_USER;
  static final String TOKEN = "SELECT " + TOKEN_COLUMNS + " FROM api_tokens WHERE token_hash = ?";
  static final String TOKENS_OF = "SELECT " + TOKEN_COLUMNS + " FROM api_tokens WHERE email = ?";
  static final String INSERT_TOKEN_TTL = "INSERT INTO api_tokens (" + TOKEN_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)"
      + " USING TTL ?";
  static final String INSERT_TOKEN = "INSERT INTO api_tokens (" + TOKEN_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)";
  static final String DELETE_TOKEN = "DELETE FROM api_tokens WHERE token_hash = ?";
  /** Every statement, for the test that holds them to the schema. */
  static final List<String> STATEMENTS = List.of(USER, USERS, INSERT_USER, UPDATE_FLAGS, UPDATE_PASSWORD, DELETE_USER,
      ROLE, GRANT_BY_PROPERTY, GRANT_BY_USER, REVOKE_BY_PROPERTY, REVOKE_BY_USER, PROPERTIES_OF, TOKEN, TOKENS_OF,
      INSERT_TOKEN_TTL, INSERT_TOKEN, DELETE_TOKEN, ROLE_HOLDERS, PURGE_BY_PROPERTY);

  private final CassandraClient cassandra;
  private final Duration timeout;
  private final Map<String, Future<PreparedStatement>> prepared = new ConcurrentHashMap<>();

  public CassandraAccountStore(CassandraClient cassandra, Duration timeout) {
    this.cassandra = cassandra;
    this.timeout = timeout;
  }

  @Override
  public Future<Optional<UserRow>> user(String email) {
    return rows(USER, email).map(rows -> rows.stream().findFirst().map(CassandraAccountStore::user));
  }

  @Override
  public Future<List<UserRow>> users() {
    return rows(USERS).map(rows -> rows.stream().map(CassandraAccountStore::user).toList());
  }

  private static UserRow user(Row r) {
    return new UserRow(r.getString("email"), r.getString("password_hash"), r.getBoolean("is_admin"),
        r.getBoolean("disabled"), r.getBoolean("must_change_password"), r.getString("user_id"),
        r.getString("session_key"), r.getInstant("created_at"), r.getInstant("password_changed_at"));
  }

  @Override
  public Future<Boolean> insertUser(UserRow u) {
    return rows(INSERT_USER, u.email(), u.passwordHash(), u.admin(), u.disabled(), u.mustChangePassword(), u.userId(),
        u.sessionKey(), u.createdAt(), u.passwordChangedAt()).map(CassandraAccountStore::applied);
  }

  @Override
  public Future<Boolean> updateFlags(String email, boolean admin, boolean disabled) {
    return rows(UPDATE_FLAGS, admin, disabled, email).map(CassandraAccountStore::applied);
  }

  @Override
  public Future<Boolean> updatePassword(String email, String passwordHash, boolean mustChange, String sessionKey,
      Instant at) {
    return rows(UPDATE_PASSWORD, passwordHash, mustChange, sessionKey, at, email).map(CassandraAccountStore::applied);
  }

  @Override
  public Future<Void> deleteUser(String email) {
    return rows(DELETE_USER, email).mapEmpty();
  }

  @Override
  public Future<Optional<PropertyRole>> role(String email, String propertyId) {
    return rows(ROLE, propertyId, email)
        .map(rows -> rows.stream().findFirst().map(r -> PropertyRole.ofKey(r.getString("role"))));
  }

  @Override
  public Future<Void> grant(String propertyId, String email, PropertyRole role) {
    return Future.all(rows(GRANT_BY_PROPERTY, propertyId, email, role.key()), rows(GRANT_BY_USER, email, propertyId, role.key()))
        .mapEmpty();
  }

  @Override
  public Future<Void> revoke(String propertyId, String email) {
    return Future.all(rows(REVOKE_BY_PROPERTY, propertyId, email), rows(REVOKE_BY_USER, email, propertyId)).mapEmpty();
  }

  @Override
  public Future<Map<String, PropertyRole>> propertiesOf(String email) {
    return rows(PROPERTIES_OF, email).map(rows -> {
      Map<String, PropertyRole> out = new TreeMap<>();
      rows.forEach(r -> out.put(r.getString("property_id"), PropertyRole.ofKey(r.getString("role"))));
      return out;
    });
  }

  @Override
  public Future<Optional<TokenRow>> token(String tokenHash) {
    return rows(TOKEN, tokenHash).map(rows -> rows.stream().findFirst().map(CassandraAccountStore::token));
  }

  @Override
  public Future<List<TokenRow>> tokensOf(String email) {
    return rows(TOKENS_OF, email).map(rows -> rows.stream().map(CassandraAccountStore::token).toList());
  }

  private static TokenRow token(Row r) {
    return new TokenRow(r.getString("token_hash"), r.getString("email"), r.getString("name"),
        TokenScope.ofKey(r.getString("scope")), r.getInstant("created_at"), r.getInstant("expires_at"),
        r.getString("user_id"));
  }

  @Override
  public Future<Void> insertToken(TokenRow t) {
    String scope = t.scope() == null ? null : t.scope().key();
    if (t.expiresAt() == null) {
      return rows(INSERT_TOKEN, t.tokenHash(), t.email(), t.name(), scope, t.createdAt(), null, t.userId()).mapEmpty();
    }
    long ttl = Duration.between(Instant.now(), t.expiresAt().plus(KEPT_AFTER_EXPIRY)).toSeconds();
    return rows(INSERT_TOKEN_TTL, t.tokenHash(), t.email(), t.name(), scope, t.createdAt(), t.expiresAt(), t.userId(),
        (int) Math.max(1, Math.min(Integer.MAX_VALUE, ttl))).mapEmpty();
  }

  @Override
  public Future<Void> deleteToken(String tokenHash) {
    return rows(DELETE_TOKEN, tokenHash).mapEmpty();
  }

  private static boolean applied(List<Row> rows) {
    return !rows.isEmpty() && rows.get(0).getBoolean("[applied]");
  }

  /** Runs a prepared statement (prepared once per node) with the call's timeout. */
  public Future<List<Row>> rows(String cql, Object... values) {
    Future<PreparedStatement> ps = prepared.compute(cql, (k, f) -> f == null || f.failed() ? cassandra.prepare(cql) : f);
    return ps.compose(p -> cassandra.executeWithFullFetch(p.bind(values)))
        .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }
}
