package io.beacon.query;

import io.beacon.api.ApiException;
import io.beacon.infra.net.TrustedProxies;
import io.beacon.query.auth.AccountStore.TokenRow;
import io.beacon.query.auth.AccountStore.UserRow;
import io.beacon.query.auth.Accounts;
import io.beacon.query.auth.BootstrapAdmin;
import io.beacon.query.auth.Caller;
import io.beacon.query.auth.LoginLimiter;
import io.beacon.query.auth.Origins;
import io.beacon.query.auth.PropertyRole;
import io.beacon.query.auth.Secrets;
import io.beacon.query.auth.TokenScope;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.Session;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may call: dashboard users log in (Argon2id-checked password, a session cookie that is HttpOnly and
 * SameSite=Strict, plus a CSRF token for every state-changing request), tools send
 * {@code Authorization: Bearer <token>}. Every report and admin call then checks the caller's role on the property:
 * no credentials 401, another property's data 403.
 *
 * <p>Every request reads the caller's account again (kept on the node for {@link Accounts#FRESH}, forgotten at once
 * cluster-wide when it changes): a disabled or deleted user, a revoked or expired token, a session that a password
 * change ended stop working at their next request, and the administrator flag is the user's current one, not the one
 * of the login. A session carries its user's session key ({@link UserRow#sessionKey()}), which a password change
 * draws again; a token carries its user's id ({@link UserRow#userId()}), so a deleted user's token never serves a new
 * user of the same email.
 *
 * <p>Logs name no person: emails and client addresses appear as {@link Secrets#pseudonym}s.
 */
final class AccessHandler {
  private static final Logger LOG = LoggerFactory.getLogger(AccessHandler.class);
  static final String CSRF_HEADER = "X-CSRF-Token";
  static final String CSRF_COOKIE = "beacon_csrf";
  /** A new token's lifetime when the request names none (Google's advice for rotating service-account keys). */
  static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofDays(90);
  /** The longest lifetime a token may be given (a year, leap years included). */
  static final Duration MAX_TOKEN_LIFETIME = Duration.ofDays(366);
  static final String PASSWORD_PATH = "/api/v1/account/password";
  static final String LOGOUT_PATH = "/api/v1/logout";
  /** The POSTs that only read (reports): allowed to read-only tokens. */
  private static final Pattern READING_POSTS =
      Pattern.compile("^/api/v1/properties/[A-Za-z0-9_-]{1,64}:run(Realtime)?Report$");
  private static final Pattern TOKEN_ID = Pattern.compile("^[0-9a-f]{16}$");
  /** The request's token hash, for the token list's {@code current}. */
  private static final String TOKEN_HASH_KEY = "beacon.tokenHash";

  private final Vertx vertx;
  private final Accounts accounts;
  private final MeterRegistry meters;
  private final LoginLimiter limiter = LoginLimiter.standard();
  private final boolean secureCookies;
  private final TrustedProxies trustedProxies;
  /** query.adminEmail: the first administrator, whose one-time password is the setup link's code. */
  private final String adminEmail;
  /** query.adminPasswordFile: deleted once that administrator has changed the password (null: none). */
  private final java.nio.file.Path adminPasswordFile;

  /**
   * @param trustedProxies the load balancers, whose X-Forwarded-For names the client the login limits count
   * @param adminEmail     query.adminEmail, the account a setup link ({@link #setup}) opens
   */
  AccessHandler(Vertx vertx, Accounts accounts, MeterRegistry meters, boolean secureCookies,
      TrustedProxies trustedProxies, String adminEmail) {
    this(vertx, accounts, meters, secureCookies, trustedProxies, adminEmail, null);
  }

  /** @param adminPasswordFile query.adminPasswordFile, deleted once adminEmail's password has been changed */
  AccessHandler(Vertx vertx, Accounts accounts, MeterRegistry meters, boolean secureCookies,
      TrustedProxies trustedProxies, String adminEmail, java.nio.file.Path adminPasswordFile) {
    this.adminEmail = adminEmail == null ? null : adminEmail.trim().toLowerCase(Locale.ROOT);
    this.adminPasswordFile = adminPasswordFile;
    this.vertx = vertx;
    this.accounts = accounts;
    this.meters = meters;
    this.secureCookies = secureCookies;
    this.trustedProxies = trustedProxies;
  }

  /**
   * The caller's properties for the session's answer ({@link #whoAmI}): AdminHandler's list, set once it exists (it
   * takes this handler); null: the answer names none.
   */
  private volatile Function<Caller, Future<JsonArray>> propertyList;

  /** Lets {@link #whoAmI} answer the caller's properties too, as {@code GET /api/v1/admin/properties} lists them. */
  void listPropertiesWith(Function<Caller, Future<JsonArray>> list) {
    this.propertyList = list;
  }

  /** Middleware: resolves the caller or answers 401/403; puts a {@link Caller} in the context. */
  void authenticate(RoutingContext rc) {
    resolve(rc).onComplete(done -> {
      if (done.failed()) {
        fail(rc, done.cause());
        return;
      }
      rc.put(Caller.KEY, done.result());
      rc.next();
    });
  }

  /**
   * Whether the request's caller still holds {@code needed} on the property (credentials and role read again): for
   * long answers such as the real-time stream, which end when it fails.
   */
  Future<Void> recheck(RoutingContext rc, String propertyId, PropertyRole needed) {
    return resolve(rc).compose(caller -> {
      rc.put(Caller.KEY, caller);
      return require(rc, propertyId, needed);
    });
  }

  /** The request's caller as the account store says now, or a failed {@link ApiException} (401, 403, 503). */
  private Future<Caller> resolve(RoutingContext rc) {
    String auth = rc.request().getHeader("Authorization");
    if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return tokenCaller(rc, auth.substring(7).trim());
    }
    Session session = rc.session();
    String email = session == null ? null : session.get("email");
    if (email == null) {
      challenge(rc, "Bearer");
      return Future.failedFuture(new ApiException(401, "Authorization", "log in or send an API token"));
    }
    if (!safe(rc.request().method())) {
      String sent = rc.request().getHeader(CSRF_HEADER);
      if (sent == null || !sent.equals(session.get("csrf"))) {
        return Future.failedFuture(new ApiException(403, CSRF_HEADER, "missing or wrong " + CSRF_HEADER + " header"));
      }
    }
    return accounts.user(email).compose(found -> {
      UserRow user = found.orElse(null);
      if (user == null || user.disabled() || !Objects.equals(user.sessionKey(), session.get("sessionKey"))) {
        session.destroy();
        return Future.failedFuture(new ApiException(401, "Authorization", user == null || user.disabled()
            ? "the session's account was deleted or disabled" : "the session ended (the password was changed); log in again"));
      }
      String path = rc.request().path();
      if (user.mustChangePassword() && !path.equals(PASSWORD_PATH) && !path.equals(LOGOUT_PATH)) {
        return Future.failedFuture(new ApiException(403, "password",
            "change your password first (POST " + PASSWORD_PATH + ")"));
      }
      return Future.succeededFuture(new Caller(email, user.admin(), false, false));
    });
  }

  private Future<Caller> tokenCaller(RoutingContext rc, String token) {
    String hash = Secrets.sha256(token);
    rc.put(TOKEN_HASH_KEY, hash);
    return accounts.token(hash).compose(t -> {
      if (t.isEmpty()) {
        return Future.failedFuture(invalidToken(rc, "unknown or revoked API token"));
      }
      TokenRow row = t.get();
      if (row.expired(Instant.now())) {
        return Future.failedFuture(invalidToken(rc, "the API token expired at " + row.expiresAt()));
      }
      return accounts.user(row.email()).compose(u -> {
        UserRow user = u.orElse(null);
        if (user == null || user.disabled() || !Objects.equals(user.userId(), row.userId())) {
          return Future.failedFuture(invalidToken(rc, "the API token's user was deleted or disabled"));
        }
        boolean readOnly = row.effectiveScope() == TokenScope.READ;
        if (readOnly && !safe(rc.request().method()) && !READING_POSTS.matcher(rc.request().path()).matches()) {
          return Future.failedFuture(new ApiException(403, "scope",
              "this API token is read-only (scope read): it reads reports and settings, and changes nothing"));
        }
        return Future.succeededFuture(new Caller(user.email(), user.admin(), true, readOnly));
      });
    });
  }

  private static ApiException invalidToken(RoutingContext rc, String why) {
    challenge(rc, "Bearer error=\"invalid_token\"");
    return new ApiException(401, "Authorization", why);
  }

  /** The 401's WWW-Authenticate header, unless the answer has begun (a {@link #recheck} of a stream). */
  private static void challenge(RoutingContext rc, String value) {
    if (!rc.response().headWritten()) {
      rc.response().putHeader("WWW-Authenticate", value);
    }
  }

  private static boolean safe(HttpMethod m) {
    return m == HttpMethod.GET || m == HttpMethod.HEAD;
  }

  /** Succeeds if the caller holds {@code needed} on the property (global admins hold every role). */
  Future<Void> require(RoutingContext rc, String propertyId, PropertyRole needed) {
    Caller caller = rc.get(Caller.KEY);
    if (caller.readOnly() && needed != PropertyRole.VIEWER) {
      return Future.failedFuture(new ApiException(403, "scope", "this API token is read-only (scope read)"));
    }
    if (caller.admin()) {
      return Future.succeededFuture();
    }
    return accounts.role(caller.email(), propertyId).compose(role -> role.isPresent() && role.get().covers(needed)
        ? Future.succeededFuture()
        : Future.failedFuture(new ApiException(403, "property", "no " + needed.key() + " access to property '" + propertyId + "'")));
  }

  /** The refusal of a login that does not come from the dashboard's page (login CSRF), or null. */
  private static ApiException notFromTheDashboard(RoutingContext rc) {
    String why = Origins.crossSiteProblem(rc.request().getHeader("Origin"), rc.request().getHeader("Sec-Fetch-Site"),
        rc.request().getHeader("Host"));
    if (why != null) {
      return new ApiException(403, "Origin", why);
    }
    if (!Origins.isJson(rc.request().getHeader("Content-Type"))) {
      return new ApiException(415, "Content-Type", "send the body as Content-Type: application/json");
    }
    return null;
  }

  void login(RoutingContext rc) {
    ApiException refused = notFromTheDashboard(rc);
    if (refused != null) {
      meters.counter("beacon_query_login_failures_total", "reason", "cross_site").increment();
      ReportHandler.error(rc, refused);
      return;
    }
    JsonObject body = ReportHandler.jsonBody(rc);
    if (body == null) {
      return;
    }
    String email = body.getValue("email") instanceof String s ? s.trim().toLowerCase(Locale.ROOT) : null;
    String password = body.getValue("password") instanceof String s ? s : null;
    if (email == null || email.isEmpty() || email.length() > 320 || password == null || password.length() > 1024) {
      ReportHandler.error(rc, ApiException.badRequest(email == null || email.isEmpty() || email.length() > 320
          ? "email" : "password", "is required"));
      return;
    }
    // The real client (behind the load balancers, from their X-Forwarded-For), so that one client's failures
    // never count against another's.
    String ip = clientOf(rc);
    long now = System.currentTimeMillis();
    if (limiter.blocked(email, ip, now)) {
      meters.counter("beacon_query_login_failures_total", "reason", "rate_limited").increment();
      rc.response().putHeader("Retry-After", "300");
      ReportHandler.error(rc, new ApiException(429, "email", "too many failed logins; try again in a few minutes"));
      return;
    }
    // One Argon2 run whether the email has an account or not: the answer's timing tells nothing.
    accounts.user(email)
        .compose(user -> vertx.executeBlocking(() -> Secrets.checkPasswordInEqualTime(password,
            user.map(UserRow::passwordHash).orElse(null)) ? user : Optional.<UserRow>empty(), false))
        .onFailure(e -> ReportHandler.error(rc, new ApiException(503, "", "the account store is unavailable")))
        .onSuccess(user -> {
          if (user.isEmpty()) {
            limiter.failed(email, ip, now);
            meters.counter("beacon_query_login_failures_total", "reason", "bad_credentials").increment();
            LOG.info("Failed login for account {} from client {}", Secrets.pseudonym(email), Secrets.pseudonym(ip));
            ReportHandler.error(rc, new ApiException(401, "password", "wrong email or password"));
            return;
          }
          if (user.get().disabled()) {
            meters.counter("beacon_query_login_failures_total", "reason", "disabled").increment();
            ReportHandler.error(rc, new ApiException(403, "email", "this account is disabled"));
            return;
          }
          limiter.succeeded(email, ip);
          startSession(rc, user.get());
        });
  }

  /**
   * The first run's setup link ({@code /dashboard/#setup=CODE}, printed by {@code beacon up}): answers the first
   * administrator's email for the code, which is that administrator's generated one-time password, while it is still
   * unchanged. The code is the proof of ownership (whoever reaches the port first cannot claim the instance, as
   * Grafana's admin/admin or an open registration would let them); the dashboard then logs in with it and sets the
   * new password through the usual endpoints, after which the code opens nothing. Changes nothing itself; a wrong
   * code counts against the login limits like a wrong password.
   */
  void setup(RoutingContext rc) {
    ApiException refused = notFromTheDashboard(rc);
    if (refused != null) {
      ReportHandler.error(rc, refused);
      return;
    }
    JsonObject body = ReportHandler.jsonBody(rc);
    if (body == null) {
      return;
    }
    String code = body.getValue("code") instanceof String s ? s.trim() : null;
    if (code == null || code.isEmpty() || code.length() > 1024) {
      ReportHandler.error(rc, ApiException.badRequest("code", "is required"));
      return;
    }
    String ip = clientOf(rc);
    long now = System.currentTimeMillis();
    String email = adminEmail == null ? "" : adminEmail;
    if (limiter.blocked(email, ip, now)) {
      rc.response().putHeader("Retry-After", "300");
      ReportHandler.error(rc, new ApiException(429, "code", "too many failed attempts; try again in a few minutes"));
      return;
    }
    // One Argon2 run whether a first run is pending or not: the timing tells nothing.
    (adminEmail == null ? Future.succeededFuture(Optional.<UserRow>empty()) : accounts.storedUser(adminEmail))
        .map(user -> user.filter(u -> u.mustChangePassword() && !u.disabled()))
        .compose(user -> vertx.executeBlocking(() -> Secrets.checkPasswordInEqualTime(code,
            user.map(UserRow::passwordHash).orElse(null)) ? user : Optional.<UserRow>empty(), false))
        .onFailure(e -> ReportHandler.error(rc, new ApiException(503, "", "the account store is unavailable")))
        .onSuccess(user -> {
          if (user.isEmpty()) {
            limiter.failed(email, ip, now);
            LOG.info("Failed setup link from client {}", Secrets.pseudonym(ip));
            ReportHandler.error(rc, new ApiException(403, "code",
                "this setup link was used already or is wrong: log in with your email and password"));
            return;
          }
          rc.response().putHeader("content-type", "application/json").putHeader("Cache-Control", "no-store")
              .end(new JsonObject().put("email", user.get().email()).encode());
        });
  }

  /** A new session (new id: no session fixation) for the user, answered as the login's body. */
  private void startSession(RoutingContext rc, UserRow user) {
    Session session = rc.session().regenerateId();
    String csrf = Secrets.randomToken(24);
    session.put("email", user.email()).put("csrf", csrf);
    if (user.sessionKey() != null) {
      session.put("sessionKey", user.sessionKey());
    } else {
      session.remove("sessionKey");
    }
    rc.response().addCookie(Cookie.cookie(CSRF_COOKIE, csrf).setPath("/").setSameSite(CookieSameSite.STRICT)
        .setSecure(secureCookies));
    rc.response().putHeader("content-type", "application/json").putHeader("Cache-Control", "no-store")
        .end(new JsonObject().put("email", user.email()).put("admin", user.admin()).put("csrfToken", csrf)
            .put("passwordChangeRequired", user.mustChangePassword()).encode());
  }

  private String clientOf(RoutingContext rc) {
    String clientIp = trustedProxies.clientIp(rc.request());
    return clientIp == null ? "?" : clientIp;
  }

  /**
   * Who the session belongs to now, or {@code {}} when logged out or when the session has ended (200 either way,
   * for the dashboard's first look). A user who may use the dashboard (no password change pending) gets their
   * properties too, the list {@code GET /api/v1/admin/properties} answers: the dashboard's first paint waits one round
   * trip less (issue 20). Should that list fail, the answer leaves it out and the dashboard asks for it on its own.
   */
  void whoAmI(RoutingContext rc) {
    Session session = rc.session();
    String email = session == null ? null : session.get("email");
    if (email == null) {
      rc.response().putHeader("content-type", "application/json").putHeader("Cache-Control", "no-store").end("{}");
      return;
    }
    accounts.user(email).onComplete(found -> {
      if (found.failed()) {
        ReportHandler.error(rc, new ApiException(503, "", "the account store is unavailable"));
        return;
      }
      UserRow user = found.result().orElse(null);
      JsonObject who = new JsonObject();
      Future<JsonObject> answer = Future.succeededFuture(who);
      if (user != null && !user.disabled() && Objects.equals(user.sessionKey(), session.get("sessionKey"))) {
        who.put("email", email).put("admin", user.admin()).put("passwordChangeRequired", user.mustChangePassword());
        Function<Caller, Future<JsonArray>> list = propertyList;
        if (list != null && !user.mustChangePassword()) {
          answer = list.apply(new Caller(email, user.admin(), false, false))
              .map(properties -> who.put("properties", properties)).otherwise(who);
        }
      } else {
        session.destroy();
      }
      answer.onComplete(done -> rc.response().putHeader("content-type", "application/json")
          .putHeader("Cache-Control", "no-store").end(done.result().encode()));
    });
  }

  void logout(RoutingContext rc) {
    if (rc.session() != null) {
      rc.session().destroy();
    }
    rc.response().setStatusCode(204).end();
  }

  /**
   * Changes the caller's password: the current one is required (and failures count against the login limits), the
   * new one is 12-1024 characters. Every other session of the user ends; the caller's session goes on under a new
   * id. API tokens are not affected (list and revoke them).
   */
  void changePassword(RoutingContext rc) {
    Caller caller = rc.get(Caller.KEY);
    JsonObject body = ReportHandler.jsonBody(rc);
    if (body == null) {
      return;
    }
    String current = body.getValue("currentPassword") instanceof String s ? s : null;
    String next = body.getValue("newPassword") instanceof String s ? s : null;
    if (current == null || current.length() > 1024) {
      ReportHandler.error(rc, ApiException.badRequest("currentPassword", "is required"));
      return;
    }
    if (next == null || next.length() < 12 || next.length() > 1024) {
      ReportHandler.error(rc, ApiException.badRequest("newPassword", "must have 12-1024 characters"));
      return;
    }
    if (next.equals(current)) {
      ReportHandler.error(rc, ApiException.badRequest("newPassword", "must differ from the current password"));
      return;
    }
    String email = caller.email();
    String ip = clientOf(rc);
    long now = System.currentTimeMillis();
    if (limiter.blocked(email, ip, now)) {
      rc.response().putHeader("Retry-After", "300");
      ReportHandler.error(rc, new ApiException(429, "currentPassword", "too many failed attempts; try again later"));
      return;
    }
    Future<JsonObject> changed = accounts.storedUser(email)
        .compose(user -> vertx.executeBlocking(() -> Secrets.checkPasswordInEqualTime(current,
            user.map(UserRow::passwordHash).orElse(null)), false))
        .compose(ok -> {
          if (!ok) {
            limiter.failed(email, ip, now);
            LOG.info("Failed password change for account {} from client {}", Secrets.pseudonym(email),
                Secrets.pseudonym(ip));
            return Future.failedFuture(new ApiException(403, "currentPassword", "the current password is wrong"));
          }
          limiter.succeeded(email, ip);
          return vertx.executeBlocking(() -> Secrets.hashPassword(next), false)
              .compose(hash -> accounts.setPassword(email, hash, false))
              .compose(key -> key.isEmpty()
                  ? Future.failedFuture(new ApiException(401, "Authorization", "the account was deleted"))
                  : Future.succeededFuture(new JsonObject().put("sessionKey", key.get())))
              // The first administrator's one-time password, if this node wrote it, opens nothing any more.
              .compose(r -> email.equalsIgnoreCase(adminEmail)
                  ? BootstrapAdmin.deletePasswordFile(vertx, adminPasswordFile).map(r) : Future.succeededFuture(r));
        });
    changed.onFailure(e -> fail(rc, e)).onSuccess(result -> {
      if (!caller.viaToken() && rc.session() != null) {
        Session session = rc.session().regenerateId();
        session.put("sessionKey", result.getString("sessionKey"));
      }
      rc.response().setStatusCode(204).end();
    });
  }

  /**
   * Issues an API token for the logged-in user; the token is shown once, only its hash is kept. {@code scope}
   * {@code read} or {@code admin} (default, as before scopes); {@code expiresAt} an instant or a date (its start, UTC)
   * at most {@link #MAX_TOKEN_LIFETIME} ahead, default {@link #DEFAULT_TOKEN_LIFETIME} from now. Tokens are issued to
   * sessions only: a token cannot make another (and so outlive its own expiry or scope).
   */
  void createToken(RoutingContext rc) {
    Caller caller = rc.get(Caller.KEY);
    JsonObject body = ReportHandler.jsonBody(rc);
    if (body == null) {
      return;
    }
    if (caller.viaToken()) {
      ReportHandler.error(rc, new ApiException(403, "Authorization",
          "API tokens are issued to a logged-in user (a session), not to another token"));
      return;
    }
    String name = body.getValue("name") instanceof String s && !s.isBlank() && s.length() <= 100 ? s : null;
    if (name == null) {
      ReportHandler.error(rc, ApiException.badRequest("name", "is required (1-100 characters)"));
      return;
    }
    Object scopeValue = body.getValue("scope");
    TokenScope scope = scopeValue == null ? TokenScope.ADMIN
        : scopeValue instanceof String s ? TokenScope.ofKey(s) : null;
    if (scope == null) {
      ReportHandler.error(rc, ApiException.badRequest("scope", "must be 'read' or 'admin'"));
      return;
    }
    Instant now = Instant.now();
    Instant expiresAt;
    try {
      expiresAt = expiry(body.getValue("expiresAt"), now);
    } catch (ApiException e) {
      ReportHandler.error(rc, e);
      return;
    }
    String token = "bk_" + Secrets.randomToken(32);
    String hash = Secrets.sha256(token);
    accounts.user(caller.email())
        .compose(u -> u.isEmpty() ? Future.failedFuture(new ApiException(401, "Authorization", "no such user"))
            : accounts.createToken(new TokenRow(hash, caller.email(), name, scope, now, expiresAt, u.get().userId()))
                .map(v -> tokenJson(new TokenRow(hash, caller.email(), name, scope, now, expiresAt, null), null, now)
                    .put("token", token)))
        .onFailure(e -> fail(rc, e))
        .onSuccess(json -> rc.response().setStatusCode(201).putHeader("content-type", "application/json")
            .putHeader("Cache-Control", "no-store").end(json.encode()));
  }

  /** A token's expiry from the request's {@code expiresAt} (absent: the default lifetime). */
  static Instant expiry(Object value, Instant now) {
    if (value == null) {
      return now.plus(DEFAULT_TOKEN_LIFETIME);
    }
    if (!(value instanceof String s)) {
      throw ApiException.badRequest("expiresAt", "must be an ISO-8601 instant or date, e.g. 2026-06-30T00:00:00Z");
    }
    Instant at;
    try {
      at = s.length() == 10 ? LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant() : Instant.parse(s);
    } catch (DateTimeException e) {
      throw ApiException.badRequest("expiresAt", "must be an ISO-8601 instant or date, e.g. 2026-06-30T00:00:00Z");
    }
    if (!at.isAfter(now)) {
      throw ApiException.badRequest("expiresAt", "must be in the future");
    }
    if (at.isAfter(now.plus(MAX_TOKEN_LIFETIME))) {
      throw ApiException.badRequest("expiresAt", "must be at most " + MAX_TOKEN_LIFETIME.toDays() + " days ahead");
    }
    return at;
  }

  /** The caller's user's API tokens, newest first, without secrets. */
  void listTokens(RoutingContext rc) {
    Caller caller = rc.get(Caller.KEY);
    String used = rc.get(TOKEN_HASH_KEY);
    Instant now = Instant.now();
    accounts.tokensOf(caller.email()).onFailure(e -> fail(rc, e)).onSuccess(list -> {
      JsonArray out = new JsonArray();
      list.stream().sorted(Comparator.comparing(TokenRow::createdAt, Comparator.nullsLast(Comparator.reverseOrder())))
          .forEach(t -> out.add(tokenJson(t, used, now)));
      rc.response().putHeader("content-type", "application/json").putHeader("Cache-Control", "no-store")
          .end(new JsonObject().put("tokens", out).encode());
    });
  }

  private static JsonObject tokenJson(TokenRow t, String usedHash, Instant now) {
    JsonObject j = new JsonObject().put("id", t.id()).put("name", t.name()).put("scope", t.effectiveScope().key())
        .put("createdAt", t.createdAt() == null ? null : t.createdAt().toString())
        .put("expiresAt", t.expiresAt() == null ? null : t.expiresAt().toString())
        .put("expired", t.expired(now));
    if (usedHash != null) {
      j.put("current", usedHash.equals(t.tokenHash()));
    }
    return j;
  }

  /** Revokes one of the caller's user's tokens by its id (from the list); at once on this node and the cluster. */
  void revokeToken(RoutingContext rc) {
    Caller caller = rc.get(Caller.KEY);
    String id = rc.pathParam("tokenId").toLowerCase(Locale.ROOT);
    if (!TOKEN_ID.matcher(id).matches()) {
      ReportHandler.error(rc, new ApiException(404, "tokenId", "no API token '" + id + "' of yours"));
      return;
    }
    accounts.tokensOf(caller.email())
        .compose(list -> list.stream().filter(t -> t.id().equals(id)).findFirst()
            .map(t -> accounts.revokeToken(t.tokenHash()))
            .orElseGet(() -> Future.failedFuture(new ApiException(404, "tokenId", "no API token '" + id + "' of yours"))))
        .onFailure(e -> fail(rc, e))
        .onSuccess(v -> rc.response().setStatusCode(204).end());
  }

  /** Answers a failure: its own status if it is an {@link ApiException}, else 503 (the account store). */
  static void fail(RoutingContext rc, Throwable e) {
    ReportHandler.error(rc, e instanceof ApiException a ? a : new ApiException(503, "", "the account store is unavailable"));
  }
}
