package io.beacon.query.auth;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where users, their roles and their API tokens are kept: {@link CassandraAccountStore} (tables {@code users},
 * {@code property_roles}, {@code user_properties}, {@code api_tokens}), or memory in tests. No caching here: that
 * is {@link Accounts}'.
 */
public interface AccountStore {

  /**
   * A dashboard user.
   *
   * @param userId             random, drawn when the user is created (null for users created before it existed): a
   *                           token is its user's only while the ids match, so a deleted user's leftover token never
   *                           serves a new user of the same email
   * @param sessionKey         random, drawn again at every password change (null before the first): a session is
   *                           valid only while it carries the current one, so a change ends every other session
   * @param mustChangePassword the user may do nothing but change the password (the generated bootstrap password, or
   *                           one an administrator set)
   */
  record UserRow(String email, String passwordHash, boolean admin, boolean disabled, boolean mustChangePassword,
      String userId, String sessionKey, Instant createdAt, Instant passwordChangedAt) {
    public UserRow withPassword(String hash, boolean mustChange, String newSessionKey, Instant at) {
      return new UserRow(email, hash, admin, disabled, mustChange, userId, newSessionKey, createdAt, at);
    }
  }

  /**
   * An API token; only the SHA-256 of the token is kept.
   *
   * @param scope     null for tokens issued before scopes ({@link TokenScope#LEGACY})
   * @param expiresAt null for tokens issued before expiry (they never expire; revoke them)
   * @param userId    the {@link UserRow#userId()} of its user when issued
   */
  record TokenRow(String tokenHash, String email, String name, TokenScope scope, Instant createdAt, Instant expiresAt,
      String userId) {
    /** The public id of the token: the first 16 hex digits of its hash (the token itself is never shown again). */
    public String id() {
      return tokenHash.substring(0, Math.min(16, tokenHash.length()));
    }

    public TokenScope effectiveScope() {
      return scope == null ? TokenScope.LEGACY : scope;
    }

    public boolean expired(Instant now) {
      return expiresAt != null && !now.isBefore(expiresAt);
    }
  }

  Future<Optional<UserRow>> user(String email);

  /** Every user (administrators list them; a few hundred at most). */
  Future<List<UserRow>> users();

  /** Creates the user unless one exists with that email; true if this call created it. */
  Future<Boolean> insertUser(UserRow user);

  /** Sets the administrator and disabled flags of an existing user; false if there is no such user. */
  Future<Boolean> updateFlags(String email, boolean admin, boolean disabled);

  /** Sets the password hash, the must-change flag and the session key of an existing user; false if none. */
  Future<Boolean> updatePassword(String email, String passwordHash, boolean mustChange, String sessionKey, Instant at);

  /** Deletes the user row (roles and tokens are deleted by the caller first). */
  Future<Void> deleteUser(String email);

  Future<Optional<PropertyRole>> role(String email, String propertyId);

  Future<Void> grant(String propertyId, String email, PropertyRole role);

  Future<Void> revoke(String propertyId, String email);

  /** The properties a user holds a role on, with the role. */
  Future<Map<String, PropertyRole>> propertiesOf(String email);

  Future<Optional<TokenRow>> token(String tokenHash);

  /** A user's tokens, expired ones included while the store keeps them. */
  Future<List<TokenRow>> tokensOf(String email);

  Future<Void> insertToken(TokenRow token);

  Future<Void> deleteToken(String tokenHash);
}
