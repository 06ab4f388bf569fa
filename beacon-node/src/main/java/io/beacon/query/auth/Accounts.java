package io.beacon.query.auth;

import com.datastax.oss.driver.api.core.cql.Row;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.beacon.query.auth.AccountStore.TokenRow;
import io.beacon.query.auth.AccountStore.UserRow;
import io.vertx.cassandra.CassandraClient;
import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Users, their roles per property and their API tokens ({@link AccountStore}: Cassandra). Passwords arrive
 * already hashed.
 *
 * <p>The lookups every request makes (token, user, role) are kept on the node for {@link #FRESH}: a report then
 * costs no account reads. A change made through this class (a revoked token, a disabled or deleted user, a removed
 * role, a new password) is forgotten at once on this node and announced to every other query instance of the cluster
 * ({@link #announceWith}: the event bus), which forget it too; a node that misses the announcement reads the change
 * within {@link #FRESH}. While Cassandra is unreachable the last answer (up to {@link #LAST_KNOWN} old) is used, so
 * dashboards keep working on cached reports during an outage; nothing can be changed then anyway, and an answer a
 * change made this node forget is never used again.
 */
public final class Accounts {
  /** How long a lookup answer is used without asking the store again. */
  public static final Duration FRESH = Duration.ofSeconds(10);
  /** How old a lookup answer may be and still be used while the store fails. */
  static final Duration LAST_KNOWN = Duration.ofMinutes(15);

  private record Known(Object value, long at) {}

  private final AccountStore store;
  /**
   * What the kept answers may hold, in bytes (estimated: {@link #weight}). Bounded by bytes, not entries: a lookup key
   * holds what a caller sent (a property id in a path, an email at login), up to 64 KB each, so 100,000 entries could
   * have been gigabytes. 16 MiB keeps ~50,000 answers of ordinary keys.
   */
  static final long MAX_KEPT_BYTES = 16L << 20;
  /** Per-entry cost beyond the key's characters: the entry, the timestamped answer and a small row. */
  static final int ENTRY_OVERHEAD_BYTES = 320;

  private final Cache<String, Known> known = Caffeine.newBuilder().maximumWeight(MAX_KEPT_BYTES)
      .weigher((String key, Known k) -> weight(key)).expireAfterWrite(LAST_KNOWN).build();
  /** Counts the forgets: a read that began before one does not keep its (maybe older) answer. */
  private final AtomicLong forgets = new AtomicLong();
  private volatile Consumer<List<String>> announce = keys -> { };

  public Accounts(CassandraClient cassandra, Duration timeout) {
    this(new CassandraAccountStore(cassandra, timeout));
  }

  public Accounts(AccountStore store) {
    this.store = store;
  }

  /** Where changes are announced to the other nodes (which then call {@link #forget}). */
  public void announceWith(Consumer<List<String>> announce) {
    this.announce = announce;
  }

  /** Drops the kept answers of these lookup keys (announced by another node's change). */
  public void forget(Collection<String> keys) {
    forgets.incrementAndGet();
    known.invalidateAll(keys);
  }

  /** The estimated bytes of one kept answer: the key's UTF-16 characters, plus the entry's fixed cost. */
  static int weight(String key) {
    return 2 * key.length() + ENTRY_OVERHEAD_BYTES;
  }

  /** The estimated bytes the kept answers hold now (tests). */
  long keptBytes() {
    known.cleanUp();
    return known.policy().eviction().orElseThrow().weightedSize().orElseThrow();
  }

  static String userKey(String email) {
    return "user|" + email;
  }

  static String roleKey(String propertyId, String email) {
    return "role|" + propertyId + "|" + email;
  }

  static String deletedKey(String propertyId) {
    return "deleted|" + propertyId;
  }

  static String tokenKey(String tokenHash) {
    return "token|" + tokenHash;
  }

  // ---- lookups of every request (kept for FRESH) ----

  public Future<Optional<UserRow>> user(String email) {
    return lookup(userKey(email), () -> store.user(email));
  }

  public Future<Optional<PropertyRole>> role(String email, String propertyId) {
    return lookup(roleKey(propertyId, email), () -> store.role(email, propertyId));
  }

  public Future<Optional<TokenRow>> token(String tokenHash) {
    return lookup(tokenKey(tokenHash), () -> store.token(tokenHash));
  }

  /**
   * When the property was moved to the trash; empty if it is not deleted (or does not exist). Kept for {@link #FRESH}
   * as roles are, and forgotten cluster-wide by {@link #setPropertyDeletedAt}: every report checks it.
   */
  public Future<Optional<Instant>> propertyDeletedAt(String propertyId) {
    return lookup(deletedKey(propertyId), () -> rows(io.beacon.store.cassandra.PropertiesTable.selectById(), propertyId)
        .map(rs -> rs.isEmpty() ? Optional.<Instant>empty()
            : Optional.ofNullable(io.beacon.store.cassandra.PropertyRecord.from(rs.get(0)).deletedAt())));
  }

  // ---- reads for the account pages (always from the store) ----

  /** The user as stored now (not a kept answer): for changes that must see the latest row. */
  public Future<Optional<UserRow>> storedUser(String email) {
    return store.user(email);
  }

  public Future<List<UserRow>> users() {
    return store.users();
  }

  /** The properties a user holds a role on, with the role. */
  public Future<Map<String, PropertyRole>> propertiesOf(String email) {
    return store.propertiesOf(email);
  }

  public Future<List<TokenRow>> tokensOf(String email) {
    return store.tokensOf(email);
  }

  // ---- changes (forgotten here and announced) ----

  /** Creates the user unless one exists with that email; true if this call created it. */
  public Future<Boolean> createUser(String email, String passwordHash, boolean admin) {
    return createUser(email, passwordHash, admin, false);
  }

  /** As {@link #createUser(String, String, boolean)}; {@code mustChange}: the first login must change the password. */
  public Future<Boolean> createUser(String email, String passwordHash, boolean admin, boolean mustChange) {
    Instant now = Instant.now();
    UserRow row = new UserRow(email, passwordHash, admin, false, mustChange, Secrets.randomToken(16),
        Secrets.randomToken(16), now, now);
    return changed(store.insertUser(row), userKey(email));
  }

  /** Sets an existing user's administrator and disabled flags; false if there is no such user. */
  public Future<Boolean> setFlags(String email, boolean admin, boolean disabled) {
    return changed(store.updateFlags(email, admin, disabled), userKey(email));
  }

  /**
   * Sets an existing user's password; every session then ends but one that takes the answered new session key.
   * Empty if there is no such user.
   */
  public Future<Optional<String>> setPassword(String email, String passwordHash, boolean mustChange) {
    String sessionKey = Secrets.randomToken(16);
    return changed(store.updatePassword(email, passwordHash, mustChange, sessionKey, Instant.now()), userKey(email))
        .map(applied -> applied ? Optional.of(sessionKey) : Optional.empty());
  }

  /**
   * Deletes a user with everything that lets anyone act as them: their tokens, then their roles, then the user
   * (in that order, so a failure half-way leaves a user an administrator can see and delete again). False if there
   * was no such user.
   */
  public Future<Boolean> deleteUser(String email) {
    return store.user(email).compose(user -> {
      if (user.isEmpty()) {
        return Future.succeededFuture(false);
      }
      List<String> keys = new ArrayList<>(List.of(userKey(email)));
      Future<Void> tokens = store.tokensOf(email).compose(list -> {
        List<Future<Void>> deletes = new ArrayList<>();
        for (TokenRow t : list) {
          keys.add(tokenKey(t.tokenHash()));
          deletes.add(store.deleteToken(t.tokenHash()));
        }
        return Future.all(deletes).mapEmpty();
      });
      Future<Void> roles = tokens.compose(v -> store.propertiesOf(email)).compose(props -> {
        List<Future<Void>> deletes = new ArrayList<>();
        for (String p : props.keySet()) {
          keys.add(roleKey(p, email));
          deletes.add(store.revoke(p, email));
        }
        return Future.all(deletes).mapEmpty();
      });
      return changed(roles.compose(v -> store.deleteUser(email)), keys).map(true);
    });
  }

  /**
   * Moves an existing property to the trash at {@code at}, or out of it ({@code at} null); false if there is no such
   * property. Forgotten here and announced, so every node's reports see it at once.
   */
  public Future<Boolean> setPropertyDeletedAt(String propertyId, Instant at) {
    return changed(rows(io.beacon.store.cassandra.PropertiesTable.updateDeletedIfExists(),
        io.beacon.store.cassandra.PropertiesTable.updateDeletedValues(propertyId, at, Instant.now()))
        .map(rs -> rs.isEmpty() || rs.get(0).getBoolean("[applied]")), deletedKey(propertyId));
  }

  public Future<Void> grant(String propertyId, String email, PropertyRole role) {
    return changed(store.grant(propertyId, email, role), roleKey(propertyId, email));
  }

  /** Removes the user's role on the property (none: nothing happens). */
  public Future<Void> revokeRole(String propertyId, String email) {
    return changed(store.revoke(propertyId, email), roleKey(propertyId, email));
  }

  public Future<Void> createToken(TokenRow token) {
    return changed(store.insertToken(token), tokenKey(token.tokenHash()));
  }

  public Future<Void> revokeToken(String tokenHash) {
    return changed(store.deleteToken(tokenHash), tokenKey(tokenHash));
  }

  /**
   * Runs a CQL statement on the account store's Cassandra session (the admin API's property statements, which
   * {@code PropertiesTable} owns).
   */
  public Future<List<Row>> rows(String cql, Object... values) {
    if (store instanceof CassandraAccountStore c) {
      return c.rows(cql, values);
    }
    return Future.failedFuture(new UnsupportedOperationException("no Cassandra behind this account store"));
  }

  private <T> Future<T> changed(Future<T> write, String key) {
    return changed(write, List.of(key));
  }

  /** Forgets the keys here and announces them, whether the write succeeded or not (it may have been applied). */
  private <T> Future<T> changed(Future<T> write, List<String> keys) {
    return write.andThen(done -> {
      forget(keys);
      announce.accept(List.copyOf(keys));
    });
  }

  /** A fresh answer kept on the node, else the store's, else (the store failing) the last known one. */
  @SuppressWarnings("unchecked")
  private <T> Future<T> lookup(String key, java.util.function.Supplier<Future<T>> read) {
    Known k = known.getIfPresent(key);
    long now = System.currentTimeMillis();
    if (k != null && now - k.at() < FRESH.toMillis()) {
      return Future.succeededFuture((T) k.value());
    }
    long before = forgets.get();
    return read.get().andThen(done -> {
      if (done.succeeded() && forgets.get() == before) {
        known.put(key, new Known(done.result(), System.currentTimeMillis()));
      }
    }).recover(e -> k != null && forgets.get() == before ? Future.succeededFuture((T) k.value())
        : Future.failedFuture(e));
  }
}
