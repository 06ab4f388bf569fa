package io.beacon.infra.config;

/**
 * Settings of the query role (dashboard and reporting API).
 *
 * @param publicCollectorUrl the collector's public base URL, used in tracking snippets
 * @param secureCookies      mark session cookies Secure (set when served over TLS, e.g. behind HAProxy)
 * @param adminEmail         the first administrator, created at start if missing
 * @param adminPassword      its password; empty: a random one-time password is generated and logged once
 */
public record QueryConfig(String publicCollectorUrl, boolean secureCookies, String adminEmail, String adminPassword) {
  void validate(Validator v) {
    v.require(publicCollectorUrl != null && publicCollectorUrl.matches("https?://[^\\s]+"), "query.publicCollectorUrl",
        "must be an http(s) URL");
    v.require(adminEmail != null && adminEmail.matches("[^@\\s]+@[^@\\s]+"), "query.adminEmail", "must be an email address");
    v.require(adminPassword == null || adminPassword.isEmpty() || adminPassword.length() >= 12, "query.adminPassword",
        "must be empty (generate one) or have at least 12 characters");
  }
}
