package io.beacon.query;

import io.beacon.api.ApiException;
import io.beacon.query.auth.AccountStore.UserRow;
import io.beacon.query.auth.Accounts;
import io.beacon.query.auth.Caller;
import io.beacon.query.auth.PropertyRole;
import io.beacon.query.auth.Secrets;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Comparator;
import java.util.Locale;

/**
 * The users of the admin API besides their creation ({@link AdminHandler#createUser}): list, disable, promote or
 * demote, set a temporary password, delete (global administrators only), and removing a user's role on a property
 * (the property's admins). Each change applies to the user's sessions and tokens at their next request, on every
 * node ({@link Accounts}).
 */
final class UserAdminHandler {
  private final Vertx vertx;
  private final Accounts accounts;
  private final AccessHandler access;

  UserAdminHandler(Vertx vertx, Accounts accounts, AccessHandler access) {
    this.vertx = vertx;
    this.accounts = accounts;
    this.access = access;
  }

  /** Every user with their flags (administrators; a read-only token of one may list). */
  void listUsers(RoutingContext rc) {
    Caller caller = rc.get(Caller.KEY);
    if (!caller.admin()) {
      ReportHandler.error(rc, new ApiException(403, "admin", "only administrators list users"));
      return;
    }
    respond(rc, 200, accounts.users().map(users -> {
      JsonArray out = new JsonArray();
      users.stream().sorted(Comparator.comparing(UserRow::email)).forEach(u -> out.add(json(u)));
      return new JsonObject().put("users", out);
    }));
  }

  /**
   * {@code PATCH}: {@code disabled}, {@code admin} (booleans) and {@code password} (a temporary one, 12-1024
   * characters, which the user must change at the next login) as named; the others stay. Ends the user's sessions
   * when it disables them or sets a password. An administrator cannot disable or demote themselves (someone must
   * stay able to undo it).
   */
  void updateUser(RoutingContext rc) {
    Caller caller = rc.get(Caller.KEY);
    String email = rc.pathParam("email").toLowerCase(Locale.ROOT);
    JsonObject body = ReportHandler.jsonBody(rc);
    if (body == null) {
      return;
    }
    if (!caller.administers()) {
      ReportHandler.error(rc, new ApiException(403, "admin", "only administrators change users"));
      return;
    }
    Boolean disabled;
    Boolean admin;
    String password;
    try {
      disabled = flag(body, "disabled");
      admin = flag(body, "admin");
      password = body.containsKey("password") ? password(body.getValue("password")) : null;
    } catch (ApiException e) {
      ReportHandler.error(rc, e);
      return;
    }
    if (email.equals(caller.email()) && (Boolean.TRUE.equals(disabled) || Boolean.FALSE.equals(admin))) {
      ReportHandler.error(rc, new ApiException(409, "email", "administrators cannot disable or demote themselves"));
      return;
    }
    Future<JsonObject> done = accounts.storedUser(email).compose(found -> {
      if (found.isEmpty()) {
        return Future.failedFuture(new ApiException(404, "email", "no user '" + email + "'"));
      }
      UserRow u = found.get();
      boolean newAdmin = admin != null ? admin : u.admin();
      boolean newDisabled = disabled != null ? disabled : u.disabled();
      Future<Boolean> flags = newAdmin == u.admin() && newDisabled == u.disabled() ? Future.succeededFuture(true)
          : accounts.setFlags(email, newAdmin, newDisabled);
      Future<Boolean> pw = password == null ? flags : flags.compose(ok -> vertx.executeBlocking(
              () -> Secrets.hashPassword(password), false)
          .compose(hash -> accounts.setPassword(email, hash, true)).map(key -> ok && key.isPresent()));
      return pw.compose(ok -> ok ? accounts.storedUser(email)
          : Future.failedFuture(new ApiException(404, "email", "no user '" + email + "'")))
          .compose(now -> now.isPresent() ? Future.succeededFuture(json(now.get()))
              : Future.failedFuture(new ApiException(404, "email", "no user '" + email + "'")));
    });
    respond(rc, 200, done);
  }

  /** Deletes a user, their roles and their API tokens (administrators; not themselves). */
  void deleteUser(RoutingContext rc) {
    Caller caller = rc.get(Caller.KEY);
    String email = rc.pathParam("email").toLowerCase(Locale.ROOT);
    if (!caller.administers()) {
      ReportHandler.error(rc, new ApiException(403, "admin", "only administrators delete users"));
      return;
    }
    if (email.equals(caller.email())) {
      ReportHandler.error(rc, new ApiException(409, "email", "administrators cannot delete themselves"));
      return;
    }
    accounts.deleteUser(email).onFailure(e -> AccessHandler.fail(rc, e)).onSuccess(deleted -> {
      if (!deleted) {
        ReportHandler.error(rc, new ApiException(404, "email", "no user '" + email + "'"));
        return;
      }
      rc.response().setStatusCode(204).end();
    });
  }

  /** Removes a user's role on the property (its admins); 204 also when the user held none. */
  void revokeRole(RoutingContext rc) {
    String id = rc.pathParam("id");
    String email = rc.pathParam("email").toLowerCase(Locale.ROOT);
    access.require(rc, id, PropertyRole.ADMIN).compose(v -> accounts.revokeRole(id, email))
        .onFailure(e -> AccessHandler.fail(rc, e))
        .onSuccess(v -> rc.response().setStatusCode(204).end());
  }

  private static JsonObject json(UserRow u) {
    return new JsonObject().put("email", u.email()).put("admin", u.admin()).put("disabled", u.disabled())
        .put("passwordChangeRequired", u.mustChangePassword())
        .put("createdAt", u.createdAt() == null ? null : u.createdAt().toString())
        .put("passwordChangedAt", u.passwordChangedAt() == null ? null : u.passwordChangedAt().toString());
  }

  private static Boolean flag(JsonObject body, String key) {
    Object v = body.getValue(key);
    if (v != null && !(v instanceof Boolean)) {
      throw ApiException.badRequest(key, "must be true or false");
    }
    return (Boolean) v;
  }

  private static String password(Object v) {
    if (!(v instanceof String p) || p.length() < 12 || p.length() > 1024) {
      throw ApiException.badRequest("password", "must have 12-1024 characters");
    }
    return p;
  }

  private static void respond(RoutingContext rc, int status, Future<JsonObject> result) {
    result.onSuccess(json -> rc.response().setStatusCode(status).putHeader("content-type", "application/json")
            .putHeader("Cache-Control", "no-store").end(json.encode()))
        .onFailure(e -> AccessHandler.fail(rc, e));
  }
}
