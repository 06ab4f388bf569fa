package io.beacon.query.auth;

/** Who is calling: a dashboard user (session) or a tool (API token) acting for a user. */
public record Caller(String email, boolean admin, boolean viaToken) {
  public static final String KEY = "beacon.caller";
}
