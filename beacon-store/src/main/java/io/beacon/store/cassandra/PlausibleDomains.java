package io.beacon.store.cassandra;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * How a Plausible domain is spelled, the same for the admin API that stores a property's domains ({@code
 * properties.plausible_domains}) and the collector that looks up the domain an event names ({@code d} of Plausible's
 * Events API): trimmed, lower case, without a leading {@code www.} (Plausible strips it from what its trackers send,
 * so {@code www.example.com} and {@code example.com} are one site). A domain is a host name, optionally with a port
 * and path segments, as Plausible's sites may be ({@code example.com/blog}).
 */
public final class PlausibleDomains {
  /** The most domains one property carries. */
  public static final int MAX_PER_PROPERTY = 50;
  public static final int MAX_LENGTH = 253;
  private static final String LABEL = "[\\p{L}\\p{N}](?:[\\p{L}\\p{N}_-]*[\\p{L}\\p{N}])?";
  private static final Pattern DOMAIN = Pattern.compile(LABEL + "(?:\\." + LABEL + ")*(?::[0-9]{1,5})?"
      + "(?:/[\\p{L}\\p{N}._~-]+)*");

  private PlausibleDomains() {}

  /** The domain as stored and looked up; null stays null. */
  public static String normalize(String domain) {
    if (domain == null) {
      return null;
    }
    String d = domain.strip().toLowerCase(Locale.ROOT);
    return d.startsWith("www.") ? d.substring(4) : d;
  }

  /** Whether a normalized domain is one a property may carry. */
  public static boolean valid(String normalized) {
    return normalized != null && !normalized.isEmpty() && normalized.length() <= MAX_LENGTH
        && DOMAIN.matcher(normalized).matches();
  }
}
