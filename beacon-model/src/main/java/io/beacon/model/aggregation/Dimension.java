package io.beacon.model.aggregation;

import io.beacon.model.Hit;
import java.util.Map;
import java.util.function.Function;

/**
 * The single dimensions the stream precomputes, by GA4 Data API name ({@link #apiName()}), and how each is
 * read from a hit. A missing value is {@link #NOT_SET} ("(not set)", as in GA4), never null or "".
 *
 * <p>Scope caveats of a per-hit stream (recompute from raw hits gives the session-scoped answer):
 * <ul>
 *   <li>{@link #LANDING_PAGE}: only hits with {@code session_start} contribute (the session's first page), so
 *       its rows count sessions, users and new users by landing page, plus the landing hits' own events;</li>
 *   <li>the session acquisition dimensions read the hit's {@code source}/{@code medium}/{@code campaign},
 *       which the collector stamps with the session's acquisition.</li>
 * </ul>
 */
public enum Dimension {
  PAGE_PATH("pagePath", Hit::pagePath),
  PAGE_TITLE("pageTitle", Hit::pageTitle),
  LANDING_PAGE("landingPage", h -> Boolean.TRUE.equals(h.sessionStart()) ? orNotSet(h.pagePath()) : null),
  HOST_NAME("hostName", Hit::hostname),
  PAGE_REFERRER("pageReferrer", Hit::pageReferrer),
  SESSION_SOURCE("sessionSource", Hit::source),
  SESSION_MEDIUM("sessionMedium", Hit::medium),
  SESSION_CAMPAIGN_NAME("sessionCampaignName", Hit::campaign),
  SESSION_SOURCE_MEDIUM("sessionSourceMedium", h -> orNotSet(h.source()) + " / " + orNotSet(h.medium())),
  DEVICE_CATEGORY("deviceCategory", Hit::deviceCategory),
  BROWSER("browser", Hit::browser),
  OPERATING_SYSTEM("operatingSystem", Hit::os),
  SCREEN_RESOLUTION("screenResolution", Hit::screenResolution),
  LANGUAGE("language", Hit::language),
  COUNTRY("country", Hit::country),
  REGION("region", Hit::region),
  CITY("city", Hit::city),
  EVENT_NAME("eventName", Hit::eventName);

  /** GA4's value for a dimension the hit does not carry. */
  public static final String NOT_SET = "(not set)";

  private static final Map<String, Dimension> BY_API_NAME;

  static {
    Map<String, Dimension> map = new java.util.HashMap<>();
    for (Dimension d : values()) {
      map.put(d.apiName, d);
    }
    BY_API_NAME = Map.copyOf(map);
  }

  private final String apiName;
  private final Function<Hit, String> raw;

  Dimension(String apiName, Function<Hit, String> raw) {
    this.apiName = apiName;
    this.raw = raw;
  }

  /** The GA4 Data API name, e.g. "pagePath"; also the {@code dimension} column in Cassandra. */
  public String apiName() {
    return apiName;
  }

  /** The dimension named {@code apiName}, or null if the stream does not precompute it. */
  public static Dimension ofApiName(String apiName) {
    return BY_API_NAME.get(apiName);
  }

  /**
   * This dimension's value for {@code hit}: the hit's field, {@link #NOT_SET} if absent or blank, or null if
   * the hit does not contribute to this dimension at all (only {@link #LANDING_PAGE}, for non-landing hits).
   */
  public String valueOf(Hit hit) {
    if (this == LANDING_PAGE) {
      return raw.apply(hit);
    }
    return orNotSet(raw.apply(hit));
  }

  private static String orNotSet(String value) {
    return value == null || value.isBlank() ? NOT_SET : value;
  }
}
