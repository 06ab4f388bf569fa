package io.beacon.collector;

import io.beacon.model.attribution.QueryParamPolicy;
import io.beacon.model.session.SessionRules;
import io.beacon.store.cassandra.PropertyRecord;
import java.util.Set;

/**
 * What the collector needs to know about a property (a row of the Cassandra {@code properties}
 * table): the Measurement Protocol secret, the hostnames allowed to send hits (empty: any), the
 * event names that are key events, the tracker's privacy settings, the session settings the collector stamps on each
 * hit for the stream (io.beacon.model.Hit#sessionRules), the domains Plausible's trackers name it by (normalized:
 * {@link io.beacon.store.cassandra.PlausibleDomains}), the query parameters its URLs keep, and the stream ids its
 * existing tags send to ({@link io.beacon.store.cassandra.StreamIds}), and whether it is in the trash ({@code deleted}:
 * its hits are refused as "property deleted", with an unknown property's status, until an admin restores it).
 */
public record PropertyInfo(String id, String apiSecret, Set<String> allowedHostnames, Set<String> keyEvents,
    boolean respectDnt, boolean cookieless, SessionRules sessionRules, Set<String> plausibleDomains,
    QueryParamPolicy queryParams, Set<String> streamIds, boolean deleted) {

  public PropertyInfo {
    sessionRules = sessionRules == null ? SessionRules.GA4 : sessionRules;
    plausibleDomains = plausibleDomains == null ? Set.of() : plausibleDomains;
    queryParams = queryParams == null ? QueryParamPolicy.DEFAULT : queryParams;
    streamIds = streamIds == null ? Set.of() : streamIds;
  }

  /** A property that is not deleted. */
  public PropertyInfo(String id, String apiSecret, Set<String> allowedHostnames, Set<String> keyEvents,
      boolean respectDnt, boolean cookieless, SessionRules sessionRules, Set<String> plausibleDomains,
      QueryParamPolicy queryParams, Set<String> streamIds) {
    this(id, apiSecret, allowedHostnames, keyEvents, respectDnt, cookieless, sessionRules, plausibleDomains, queryParams,
        streamIds, false);
  }

  /** A property without stream ids. */
  public PropertyInfo(String id, String apiSecret, Set<String> allowedHostnames, Set<String> keyEvents,
      boolean respectDnt, boolean cookieless, SessionRules sessionRules, Set<String> plausibleDomains,
      QueryParamPolicy queryParams) {
    this(id, apiSecret, allowedHostnames, keyEvents, respectDnt, cookieless, sessionRules, plausibleDomains, queryParams,
        Set.of());
  }

  /** A property with the default query-parameter policy. */
  public PropertyInfo(String id, String apiSecret, Set<String> allowedHostnames, Set<String> keyEvents,
      boolean respectDnt, boolean cookieless, SessionRules sessionRules, Set<String> plausibleDomains) {
    this(id, apiSecret, allowedHostnames, keyEvents, respectDnt, cookieless, sessionRules, plausibleDomains, null);
  }

  /** A property with GA4's default session settings and without Plausible domains. */
  public PropertyInfo(String id, String apiSecret, Set<String> allowedHostnames, Set<String> keyEvents,
      boolean respectDnt, boolean cookieless) {
    this(id, apiSecret, allowedHostnames, keyEvents, respectDnt, cookieless, SessionRules.GA4, Set.of());
  }

  /** A property with GA4's default session settings. */
  public PropertyInfo(String id, String apiSecret, Set<String> allowedHostnames, Set<String> keyEvents,
      boolean respectDnt, boolean cookieless, Set<String> plausibleDomains) {
    this(id, apiSecret, allowedHostnames, keyEvents, respectDnt, cookieless, SessionRules.GA4, plausibleDomains);
  }

  /** The collector's part of a stored property. */
  public static PropertyInfo of(PropertyRecord p) {
    return new PropertyInfo(p.propertyId(), p.apiSecret(), Set.copyOf(p.allowedHostnames()), Set.copyOf(p.keyEvents()),
        p.respectDnt(), p.cookieless(), p.sessionRules(), Set.copyOf(p.plausibleDomains()), p.queryParamPolicy(),
        Set.copyOf(p.streamIds()), p.deleted());
  }

  /** True when the hostname may send hits: no allow-list, or it is on it (or a subdomain of an entry). */
  public boolean allowsHost(String hostname) {
    if (allowedHostnames.isEmpty()) {
      return true;
    }
    if (hostname == null) {
      return false;
    }
    String h = hostname.toLowerCase(java.util.Locale.ROOT);
    for (String allowed : allowedHostnames) {
      String a = allowed.toLowerCase(java.util.Locale.ROOT);
      if (h.equals(a) || h.endsWith("." + a)) {
        return true;
      }
    }
    return false;
  }
}
