package io.beacon.infra.config;

import io.beacon.infra.net.TrustedProxies;
import java.util.List;

/**
 * Settings of the query role (dashboard and reporting API).
 *
 * @param publicCollectorUrl the collector's public base URL, used in tracking snippets
 * @param secureCookies      mark session cookies Secure (set when served over TLS, e.g. behind HAProxy)
 * @param adminEmail         the first administrator, created at start if missing
 * @param adminPassword      its password; empty: a random one-time password is generated, which the first login must
 *                           change
 * @param adminPasswordFile  where the generated one-time password is written (owner-only, 0600), on the node that
 *                           created the administrator; it is never logged
 * @param trustedProxies     peers whose {@code X-Forwarded-For} is believed on the dashboard port (the load
 *                           balancers), IP addresses or CIDR ranges: the login limits count per client address
 * @param proxyProtocol      the dashboard port expects a PROXY protocol header on every connection (as
 *                           {@code collector.proxyProtocol})
 * @param maxPropertiesPerUser how many properties a user who is not an administrator may administer and still
 *                           create another; 0: only administrators create properties
 * @param maxRealtimeStreams  real-time event streams a node holds open (beyond: 503 + Retry-After)
 * @param maxRealtimeStreamsPerProperty ...of which for one property (beyond: 429 + Retry-After)
 * @param reportsPerMinute    reports one user may ask of one node per minute (beyond: 429 + Retry-After); 0: no quota
 */
public record QueryConfig(String publicCollectorUrl, boolean secureCookies, String adminEmail, String adminPassword,
    String adminPasswordFile, List<String> trustedProxies, boolean proxyProtocol, int maxPropertiesPerUser,
    int maxRealtimeStreams, int maxRealtimeStreamsPerProperty, int reportsPerMinute) {
  void validate(Validator v) {
    v.require(publicCollectorUrl != null && publicCollectorUrl.matches("https?://[^\\s]+"), "query.publicCollectorUrl",
        "must be an http(s) URL");
    v.require(adminEmail != null && adminEmail.matches("[^@\\s]+@[^@\\s]+"), "query.adminEmail", "must be an email address");
    v.require(adminPassword == null || adminPassword.isEmpty() || adminPassword.length() >= 12, "query.adminPassword",
        "must be empty (generate one) or have at least 12 characters");
    v.require(adminPasswordFile != null && !adminPasswordFile.isBlank(), "query.adminPasswordFile", "is required");
    v.require(maxPropertiesPerUser >= 0, "query.maxPropertiesPerUser", "must be >= 0 (0: administrators only), was "
        + maxPropertiesPerUser);
    v.require(maxRealtimeStreams >= 1, "query.maxRealtimeStreams", "must be >= 1, was " + maxRealtimeStreams);
    v.require(maxRealtimeStreamsPerProperty >= 1 && maxRealtimeStreamsPerProperty <= maxRealtimeStreams,
        "query.maxRealtimeStreamsPerProperty", "must be 1-" + maxRealtimeStreams + " (query.maxRealtimeStreams), was "
            + maxRealtimeStreamsPerProperty);
    v.require(reportsPerMinute >= 0, "query.reportsPerMinute", "must be >= 0 (0: no quota), was " + reportsPerMinute);
    v.require(trustedProxies != null, "query.trustedProxies", "is required (may be empty)");
    if (trustedProxies != null) {
      for (String p : trustedProxies) {
        String why = TrustedProxies.problem(p);
        v.require(why == null, "query.trustedProxies", why);
      }
    }
  }
}
