package io.beacon.query.auth;

/**
 * Who is calling: a dashboard user (session) or a tool (API token) acting for a user.
 *
 * @param email    the user
 * @param admin    the user's administrator flag as it is now (read again at every request, never fixed at login)
 * @param viaToken an API token, not a session
 * @param readOnly a {@link TokenScope#READ} token: it reads reports and settings, never changes anything, holds no
 *                 property's admin role (so sees no api secret) whatever its user holds
 */
public record Caller(String email, boolean admin, boolean viaToken, boolean readOnly) {
  public static final String KEY = "beacon.caller";

  /** Whether the caller may act as a global administrator now (an administrator, and not a read-only token). */
  public boolean administers() {
    return admin && !readOnly;
  }
}
