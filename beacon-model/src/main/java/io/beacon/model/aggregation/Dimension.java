package io.beacon.model.aggregation;

import io.beacon.model.Hit;
import io.beacon.model.attribution.ChannelGroup;
import io.beacon.model.session.Scope;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The dimensions Beacon counts by, by GA4 Data API name ({@link #apiName()}), and how each is read from an event
 * and its {@link Scope} (docs/analytics-model.md, "Semantics"). A missing value is {@link #NOT_SET} ("(not set)",
 * as in GA4), never null or "".
 *
 * <p>Event-scoped dimensions (page, device, place, event name) read the event; session-scoped ones (acquisition,
 * landing page, new vs returning) read the scope, so every event of a session counts under its session's value;
 * user-scoped ones ({@code firstUser*}) the client's first session. {@link #precomputed()} ones have rows in
 * {@code agg_buckets}; the others are answered by recompute from raw hits.
 */
public enum Dimension {
  PAGE_PATH("pagePath", true, (h, s) -> h.pagePath()),
  PAGE_TITLE("pageTitle", true, (h, s) -> h.pageTitle()),
  LANDING_PAGE("landingPage", true, (h, s) -> s.landingPage()),
  HOST_NAME("hostName", true, (h, s) -> h.hostname()),
  PAGE_REFERRER("pageReferrer", true, (h, s) -> h.pageReferrer()),
  SESSION_SOURCE("sessionSource", true, (h, s) -> s.source()),
  SESSION_MEDIUM("sessionMedium", true, (h, s) -> s.medium()),
  SESSION_CAMPAIGN_NAME("sessionCampaignName", true, (h, s) -> s.campaign()),
  SESSION_SOURCE_MEDIUM("sessionSourceMedium", true, (h, s) -> orNotSet(s.source()) + " / " + orNotSet(s.medium())),
  SESSION_DEFAULT_CHANNEL_GROUP("sessionDefaultChannelGroup", true,
      (h, s) -> ChannelGroup.of(s.source(), s.medium(), s.campaign()).apiValue()),
  SESSION_MANUAL_TERM("sessionManualTerm", false, (h, s) -> s.term()),
  SESSION_MANUAL_AD_CONTENT("sessionManualAdContent", false, (h, s) -> s.content()),
  NEW_VS_RETURNING("newVsReturning", true, (h, s) -> s.firstVisitSession() ? "new" : "returning"),
  FIRST_USER_SOURCE("firstUserSource", true, (h, s) -> s.firstUserSource()),
  FIRST_USER_MEDIUM("firstUserMedium", true, (h, s) -> s.firstUserMedium()),
  FIRST_USER_CAMPAIGN_NAME("firstUserCampaignName", false, (h, s) -> s.firstUserCampaign()),
  DEVICE_CATEGORY("deviceCategory", true, (h, s) -> h.deviceCategory()),
  BROWSER("browser", true, (h, s) -> h.browser()),
  OPERATING_SYSTEM("operatingSystem", true, (h, s) -> h.os()),
  SCREEN_RESOLUTION("screenResolution", true, (h, s) -> h.screenResolution()),
  // The sender's device.model / device.brand (GA4 MP); not precomputed: answered by recompute from raw hits.
  MOBILE_DEVICE_MODEL("mobileDeviceModel", false, (h, s) -> h.deviceModel()),
  MOBILE_DEVICE_BRANDING("mobileDeviceBranding", false, (h, s) -> h.deviceBrand()),
  LANGUAGE("language", true, (h, s) -> h.language()),
  COUNTRY("country", true, (h, s) -> h.country()),
  REGION("region", true, (h, s) -> h.region()),
  CITY("city", true, (h, s) -> h.city()),
  EVENT_NAME("eventName", true, (h, s) -> h.eventName()),
  // The stream the event came through (a measurement id or Firebase app id) and its platform (web, Android, iOS):
  // answered by recompute from raw hits.
  STREAM_ID("streamId", false, (h, s) -> h.streamId()),
  PLATFORM("platform", false, (h, s) -> h.platform());

  /** GA4's value for a dimension the event does not carry. */
  public static final String NOT_SET = "(not set)";

  private static final Map<String, Dimension> BY_API_NAME;
  private static final Dimension[] PRECOMPUTED;

  static {
    Map<String, Dimension> map = new java.util.HashMap<>();
    for (Dimension d : values()) {
      map.put(d.apiName, d);
    }
    BY_API_NAME = Map.copyOf(map);
    PRECOMPUTED = java.util.Arrays.stream(values()).filter(Dimension::precomputed).toArray(Dimension[]::new);
  }

  private final String apiName;
  private final boolean precomputed;
  private final BiFunction<Hit, Scope, String> raw;

  Dimension(String apiName, boolean precomputed, BiFunction<Hit, Scope, String> raw) {
    this.apiName = apiName;
    this.precomputed = precomputed;
    this.raw = raw;
  }

  /** The GA4 Data API name, e.g. "pagePath"; also the {@code dimension} column in Cassandra. */
  public String apiName() {
    return apiName;
  }

  /** Whether the stream keeps rows for it ({@code agg_buckets}); the others come from recompute. */
  public boolean precomputed() {
    return precomputed;
  }

  /** The dimensions with rows in {@code agg_buckets}, in declaration order (a fresh array). */
  public static Dimension[] precomputedValues() {
    return PRECOMPUTED.clone();
  }

  /** The dimension named {@code apiName}, or null if Beacon has no such (non-time, non-custom) dimension. */
  public static Dimension ofApiName(String apiName) {
    return BY_API_NAME.get(apiName);
  }

  /** This dimension's value for an event counted with {@code scope}: never null, {@link #NOT_SET} if absent. */
  public String valueOf(Hit hit, Scope scope) {
    return orNotSet(raw.apply(hit, scope));
  }

  private static String orNotSet(String value) {
    return value == null || value.isBlank() ? NOT_SET : value;
  }
}
