package io.beacon.query;

import io.beacon.infra.net.TrustedProxies;
import io.beacon.query.auth.Accounts;
import io.beacon.query.auth.Caller;
import io.beacon.query.auth.LoginLimiter;
import io.beacon.query.auth.PropertyRole;
import io.beacon.query.auth.Secrets;
import io.beacon.api.ApiException;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.Session;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may call: dashboard users log in (Argon2id-checked password, a session cookie that is
 * HttpOnly and SameSite=Strict, plus a CSRF token for every state-changing request), tools send
 * {@code Authorization: Bearer <token>}. Every report and admin call then checks the caller's
 * role on the property: no credentials 401, another property's data 403.
 */
final class AccessHandler {
  private static final Logger LOG = LoggerFactory.getLogger(AccessHandler.class);
  static final String CSRF_HEADER = "X-CSRF-Token";
  static final String CSRF_COOKIE = "beacon_csrf";

  private final Vertx vertx;
  private final Accounts accounts;
  private final MeterRegistry meters;
  private final LoginLimiter limiter = LoginLimiter.standard();
  private final boolean secureCookies;
  private final TrustedProxies trustedProxies;

  /** @param trustedProxies the load balancers, whose X-Forwarded-For names the client the login limits count */
  AccessHandler(Vertx vertx, Accounts accounts, MeterRegistry meters, boolean secureCookies,
      TrustedProxies trustedProxies) {
    this.vertx = vertx;
    this.accounts = accounts;
    this.meters = meters;
    this.secureCookies = secureCookies;
    this.trustedProxies = trustedProxies;
  }

  /** Middleware: resolves the caller or answers 401/403; puts a {@link Caller} in the context. */
  void authenticate(RoutingContext rc) {
    String auth = rc.request().getHeader("Authorization");
    if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      accounts.tokenOwner(Secrets.sha256(auth.substring(7).trim()))
          .compose(owner -> owner.isEmpty() ? Future.succeededFuture(Optional.<Accounts.User>empty()) : accounts.user(owner.get()))
          .onSuccess(user -> admit(rc, user, true))
          .onFailure(e -> ReportHandler.error(rc, new ApiException(503, "", "the account store is unavailable")));
      return;
    }
    Session session = rc.session();
    String email = session == null ? null : session.get("email");
    if (email == null) {
      rc.response().putHeader("WWW-Authenticate", "Bearer");
      ReportHandler.error(rc, new ApiException(401, "Authorization", "log in or send an API token"));
      return;
    }
    if (rc.request().method() != HttpMethod.GET && rc.request().method() != HttpMethod.HEAD) {
      String sent = rc.request().getHeader(CSRF_HEADER);
      if (sent == null || !sent.equals(session.get("csrf"))) {
        ReportHandler.error(rc, new ApiException(403, CSRF_HEADER, "missing or wrong " + CSRF_HEADER + " header"));
        return;
      }
    }
    rc.put(Caller.KEY, new Caller(email, Boolean.TRUE.equals(session.get("admin")), false));
    rc.next();
  }

  private void admit(RoutingContext rc, Optional<Accounts.User> user, boolean viaToken) {
    if (user.isEmpty()) {
      rc.response().putHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
      ReportHandler.error(rc, new ApiException(401, "Authorization", "unknown or revoked API token"));
      return;
    }
    rc.put(Caller.KEY, new Caller(user.get().email(), user.get().admin(), viaToken));
    rc.next();
  }

  /** Succeeds if the caller holds {@code needed} on the property (global admins hold every role). */
  Future<Void> require(RoutingContext rc, String propertyId, PropertyRole needed) {
    Caller caller = rc.get(Caller.KEY);
    if (caller.admin()) {
      return Future.succeededFuture();
    }
    return accounts.role(caller.email(), propertyId).compose(role -> role.isPresent() && role.get().covers(needed)
        ? Future.succeededFuture()
        : Future.failedFuture(new ApiException(403, "property", "no " + needed.key() + " access to property '" + propertyId + "'")));
  }

  void login(RoutingContext rc) {
    JsonObject body = ReportHandler.jsonBody(rc);
    if (body == null) {
      return;
    }
    String email = body.getValue("email") instanceof String s ? s.trim().toLowerCase(java.util.Locale.ROOT) : null;
    String password = body.getValue("password") instanceof String s ? s : null;
    if (email == null || email.isEmpty() || password == null || password.length() > 1024) {
      ReportHandler.error(rc, ApiException.badRequest(email == null || email.isEmpty() ? "email" : "password", "is required"));
      return;
    }
    // The real client (behind the load balancers, from their X-Forwarded-For), so that one client's failures
    // never count against another's.
    String clientIp = trustedProxies.clientIp(rc.request());
    String ip = clientIp == null ? "?" : clientIp;
    long now = System.currentTimeMillis();
    if (limiter.blocked(email, ip, now)) {
      meters.counter("beacon_query_login_failures_total", "reason", "rate_limited").increment();
      rc.response().putHeader("Retry-After", "300");
      ReportHandler.error(rc, new ApiException(429, "email", "too many failed logins; try again in a few minutes"));
      return;
    }
    accounts.user(email)
        .compose(user -> vertx.executeBlocking(() -> user.filter(u -> Secrets.checkPassword(password, u.passwordHash())), false))
        .onFailure(e -> ReportHandler.error(rc, new ApiException(503, "", "the account store is unavailable")))
        .onSuccess(user -> {
          if (user.isEmpty()) {
            limiter.failed(email, ip, now);
            meters.counter("beacon_query_login_failures_total", "reason", "bad_credentials").increment();
            LOG.info("Failed login for {} from {}", email, ip);
            ReportHandler.error(rc, new ApiException(401, "password", "wrong email or password"));
            return;
          }
          limiter.succeeded(email, ip);
          Session session = rc.session().regenerateId(); // no session fixation
          String csrf = Secrets.randomToken(24);
          session.put("email", email).put("admin", user.get().admin()).put("csrf", csrf);
          rc.response().addCookie(Cookie.cookie(CSRF_COOKIE, csrf).setPath("/").setSameSite(CookieSameSite.STRICT)
              .setSecure(secureCookies));
          rc.response().putHeader("content-type", "application/json").end(new JsonObject()
              .put("email", email).put("admin", user.get().admin()).put("csrfToken", csrf).encode());
        });
  }

  /** Who the session belongs to, or {@code {}} when logged out (200 either way, for the dashboard's first look). */
  void whoAmI(RoutingContext rc) {
    Session session = rc.session();
    JsonObject who = new JsonObject();
    if (session != null && session.get("email") != null) {
      who.put("email", (String) session.get("email")).put("admin", Boolean.TRUE.equals(session.get("admin")));
    }
    rc.response().putHeader("content-type", "application/json").putHeader("Cache-Control", "no-store").end(who.encode());
  }

  void logout(RoutingContext rc) {
    if (rc.session() != null) {
      rc.session().destroy();
    }
    rc.response().setStatusCode(204).end();
  }

  /** Issues an API token for the logged-in user; the token is shown once, only its hash is kept. */
  void createToken(RoutingContext rc) {
    Caller caller = rc.get(Caller.KEY);
    JsonObject body = ReportHandler.jsonBody(rc);
    if (body == null) {
      return;
    }
    String name = body.getValue("name") instanceof String s && !s.isBlank() && s.length() <= 100 ? s : null;
    if (name == null) {
      ReportHandler.error(rc, ApiException.badRequest("name", "is required (1-100 characters)"));
      return;
    }
    String token = "bk_" + Secrets.randomToken(32);
    accounts.createToken(Secrets.sha256(token), caller.email(), name)
        .onFailure(e -> ReportHandler.error(rc, new ApiException(503, "", "the account store is unavailable")))
        .onSuccess(v -> rc.response().setStatusCode(201).putHeader("content-type", "application/json")
            .end(new JsonObject().put("name", name).put("token", token).encode()));
  }
}
