package io.beacon.query.auth;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Whether a browser request comes from the dashboard's own origin: the defence of the login (which has no session,
 * hence no CSRF token, yet) against login CSRF, where another site logs a visitor into an account of its choosing.
 * Tools (the CLI, curl) send neither {@code Origin} nor {@code Sec-Fetch-Site} and pass; browsers send them on every
 * cross-origin POST, and a cross-site form cannot send {@code Content-Type: application/json} (the login's other
 * check) without a CORS preflight, which no route answers.
 */
public final class Origins {
  private Origins() {}

  /**
   * Null if the request may be same-origin, else why not.
   *
   * @param origin        the {@code Origin} header (null if absent)
   * @param secFetchSite  the {@code Sec-Fetch-Site} header (null if absent)
   * @param host          the {@code Host} header the client sent (behind HAProxy, as the browser sent it)
   */
  public static String crossSiteProblem(String origin, String secFetchSite, String host) {
    if (secFetchSite != null) {
      String s = secFetchSite.trim().toLowerCase(Locale.ROOT);
      if (!s.equals("same-origin") && !s.equals("none")) {
        return "Sec-Fetch-Site is '" + s + "': the dashboard logs in from its own origin only";
      }
    }
    if (origin == null) {
      return null;
    }
    URI uri;
    try {
      uri = new URI(origin.trim());
    } catch (URISyntaxException e) {
      return "Origin is not an origin";
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (uri.getHost() == null || !(scheme.equals("http") || scheme.equals("https"))) {
      return "Origin '" + (origin.length() > 100 ? origin.substring(0, 100) : origin) + "' is not this dashboard's";
    }
    int defaultPort = scheme.equals("https") ? 443 : 80;
    String originHost = uri.getHost().toLowerCase(Locale.ROOT);
    int originPort = uri.getPort() == -1 ? defaultPort : uri.getPort();
    if (host == null || host.isBlank()) {
      return "Origin sent without Host";
    }
    String h = host.trim().toLowerCase(Locale.ROOT);
    String hostName = h;
    int hostPort = defaultPort;
    int colon = h.lastIndexOf(':');
    if (colon > h.lastIndexOf(']')) { // a port, not part of an IPv6 literal
      hostName = h.substring(0, colon);
      try {
        hostPort = Integer.parseInt(h.substring(colon + 1));
      } catch (NumberFormatException e) {
        return "Host has a bad port";
      }
    }
    if (originHost.equals(hostName) && originPort == hostPort) {
      return null;
    }
    return "Origin is another site than this dashboard's (" + hostName + ")";
  }

  /** Whether a Content-Type header names JSON (parameters such as charset aside). */
  public static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    int semi = contentType.indexOf(';');
    return (semi < 0 ? contentType : contentType.substring(0, semi)).trim().equalsIgnoreCase("application/json");
  }
}
