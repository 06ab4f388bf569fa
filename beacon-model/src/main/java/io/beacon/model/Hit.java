package io.beacon.model;

import java.util.Map;

/**
 * The canonical hit: one message on the hits topic (beacon.hits) and one row in the raw store,
 * built by the collector from any accepted protocol (docs/analytics-model.md, "Hit"). Field names
 * on the wire are the snake_case names of the model; absent values are null and left out of the
 * JSON, never "". Shared by the app and the Spark job through the store module's HitCodec; bump {@link
 * #SCHEMA_VERSION} on any incompatible change.
 *
 * <p>beacon-model's pom has no Vert.x, Kafka, Cassandra or Ignite dependency: the compiler keeps it pure.
 */
public record Hit(
    // identity
    String propertyId,
    String clientId,
    String userId,
    String requestId,
    String sessionId,
    Integer sessionNumber,
    // time (epoch ms, UTC)
    long ts,
    long receivedAt,
    // event
    String eventName,
    Map<String, String> params,
    Long engagementMs,
    Boolean sessionEngaged,
    Boolean keyEvent,
    Boolean firstVisit,
    Boolean sessionStart,
    // UA's ni=1: the hit is not an interaction (null: it is one); see io.beacon.model.session.Sessions, "Engaged"
    Boolean nonInteraction,
    // page
    String pageLocation,
    String hostname,
    String pagePath,
    String pageTitle,
    String pageReferrer,
    // acquisition
    String source,
    String medium,
    String campaign,
    String term,
    String content,
    // device
    String deviceCategory,
    String browser,
    String browserVersion,
    String os,
    String osVersion,
    // the device's model and brand as a server-side sender names them (MP's device.model / device.brand)
    String deviceModel,
    String deviceBrand,
    String screenResolution,
    String language,
    // geo
    String country,
    String region,
    String city,
    // flags and provenance
    Boolean isBot,
    String protocol,
    // The stream the sender addressed: the measurement id (G-…, UA-…-…, or the Beacon property id) or the Firebase
    // app id (an app stream) it named, as the property carries it (docs/analytics-model.md, "Streams").
    String streamId,
    // The property's session settings when the collector took the hit (null: GA4's defaults): the stream's
    // session rules, carried with the hit so that a replay decides as the first run did. Transit only: not a raw
    // column (recompute applies the property's current settings; docs/analytics-model.md, "Sessions").
    Long sessionTimeoutMs,
    Long engagedAfterMs,
    int schemaVersion) {

  public static final int SCHEMA_VERSION = 1;

  /**
   * This hit with other event and receive times: the copy a collector produces for a retry of a hit whose first
   * attempt was received (and possibly produced) at another time, so both copies are the same row.
   */
  public Hit withTimes(long newTs, long newReceivedAt) {
    return toBuilder().ts(newTs).receivedAt(newReceivedAt).build();
  }

  /** The session rules this hit was collected under: its own settings, or GA4's defaults. */
  public io.beacon.model.session.SessionRules sessionRules() {
    return io.beacon.model.session.SessionRules.of(sessionTimeoutMs, engagedAfterMs);
  }

  /**
   * GA4's {@code platform} of the stream the hit came through: {@code Android} or {@code iOS} for a Firebase app id
   * naming that platform ({@code 1:123456789:android:…}), else {@code web} (web streams, the tracker, UA, Plausible).
   */
  public String platform() {
    if (streamId != null && streamId.indexOf(':') > 0) {
      if (streamId.contains(":android:")) {
        return "Android";
      }
      if (streamId.contains(":ios:")) {
        return "iOS";
      }
    }
    return "web";
  }

  /** Kafka key: property + client, so one client's hits stay ordered in one partition. */
  public String kafkaKey() {
    return kafkaKey(propertyId, clientId);
  }

  public static String kafkaKey(String propertyId, String clientId) {
    return propertyId + "/" + clientId;
  }

  /** A builder: name the fields a hit has; the rest stay null (0 for the times, {@link #SCHEMA_VERSION}). */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this hit's fields. */
  public Builder toBuilder() {
    return new Builder()
        .propertyId(propertyId)
        .clientId(clientId)
        .userId(userId)
        .requestId(requestId)
        .sessionId(sessionId)
        .sessionNumber(sessionNumber)
        .ts(ts)
        .receivedAt(receivedAt)
        .eventName(eventName)
        .params(params)
        .engagementMs(engagementMs)
        .sessionEngaged(sessionEngaged)
        .keyEvent(keyEvent)
        .firstVisit(firstVisit)
        .sessionStart(sessionStart)
        .nonInteraction(nonInteraction)
        .pageLocation(pageLocation)
        .hostname(hostname)
        .pagePath(pagePath)
        .pageTitle(pageTitle)
        .pageReferrer(pageReferrer)
        .source(source)
        .medium(medium)
        .campaign(campaign)
        .term(term)
        .content(content)
        .deviceCategory(deviceCategory)
        .browser(browser)
        .browserVersion(browserVersion)
        .os(os)
        .osVersion(osVersion)
        .deviceModel(deviceModel)
        .deviceBrand(deviceBrand)
        .screenResolution(screenResolution)
        .language(language)
        .country(country)
        .region(region)
        .city(city)
        .isBot(isBot)
        .protocol(protocol)
        .streamId(streamId)
        .sessionTimeoutMs(sessionTimeoutMs)
        .engagedAfterMs(engagedAfterMs)
        .schemaVersion(schemaVersion);
  }

  /**
   * Builds a {@link Hit} by field name, so that adding a column changes this class and the raw-row codec, not
   * every place that makes a hit.
   */
  public static final class Builder {
    private String propertyId;
    private String clientId;
    private String userId;
    private String requestId;
    private String sessionId;
    private Integer sessionNumber;
    private long ts;
    private long receivedAt;
    private String eventName;
    private Map<String, String> params;
    private Long engagementMs;
    private Boolean sessionEngaged;
    private Boolean keyEvent;
    private Boolean firstVisit;
    private Boolean sessionStart;
    private Boolean nonInteraction;
    private String pageLocation;
    private String hostname;
    private String pagePath;
    private String pageTitle;
    private String pageReferrer;
    private String source;
    private String medium;
    private String campaign;
    private String term;
    private String content;
    private String deviceCategory;
    private String browser;
    private String browserVersion;
    private String os;
    private String osVersion;
    private String deviceModel;
    private String deviceBrand;
    private String screenResolution;
    private String language;
    private String country;
    private String region;
    private String city;
    private Boolean isBot;
    private String protocol;
    private String streamId;
    private Long sessionTimeoutMs;
    private Long engagedAfterMs;
    private int schemaVersion = SCHEMA_VERSION;

    private Builder() {
    }

    public Builder propertyId(String propertyId) {
      this.propertyId = propertyId;
      return this;
    }

    public Builder clientId(String clientId) {
      this.clientId = clientId;
      return this;
    }

    public Builder userId(String userId) {
      this.userId = userId;
      return this;
    }

    public Builder requestId(String requestId) {
      this.requestId = requestId;
      return this;
    }

    public Builder sessionId(String sessionId) {
      this.sessionId = sessionId;
      return this;
    }

    public Builder sessionNumber(Integer sessionNumber) {
      this.sessionNumber = sessionNumber;
      return this;
    }

    public Builder ts(long ts) {
      this.ts = ts;
      return this;
    }

    public Builder receivedAt(long receivedAt) {
      this.receivedAt = receivedAt;
      return this;
    }

    public Builder eventName(String eventName) {
      this.eventName = eventName;
      return this;
    }

    public Builder params(Map<String, String> params) {
      this.params = params;
      return this;
    }

    public Builder engagementMs(Long engagementMs) {
      this.engagementMs = engagementMs;
      return this;
    }

    public Builder sessionEngaged(Boolean sessionEngaged) {
      this.sessionEngaged = sessionEngaged;
      return this;
    }

    public Builder keyEvent(Boolean keyEvent) {
      this.keyEvent = keyEvent;
      return this;
    }

    public Builder firstVisit(Boolean firstVisit) {
      this.firstVisit = firstVisit;
      return this;
    }

    public Builder sessionStart(Boolean sessionStart) {
      this.sessionStart = sessionStart;
      return this;
    }

    public Builder nonInteraction(Boolean nonInteraction) {
      this.nonInteraction = nonInteraction;
      return this;
    }

    public Builder pageLocation(String pageLocation) {
      this.pageLocation = pageLocation;
      return this;
    }

    public Builder hostname(String hostname) {
      this.hostname = hostname;
      return this;
    }

    public Builder pagePath(String pagePath) {
      this.pagePath = pagePath;
      return this;
    }

    public Builder pageTitle(String pageTitle) {
      this.pageTitle = pageTitle;
      return this;
    }

    public Builder pageReferrer(String pageReferrer) {
      this.pageReferrer = pageReferrer;
      return this;
    }

    public Builder source(String source) {
      this.source = source;
      return this;
    }

    public Builder medium(String medium) {
      this.medium = medium;
      return this;
    }

    public Builder campaign(String campaign) {
      this.campaign = campaign;
      return this;
    }

    public Builder term(String term) {
      this.term = term;
      return this;
    }

    public Builder content(String content) {
      this.content = content;
      return this;
    }

    public Builder deviceCategory(String deviceCategory) {
      this.deviceCategory = deviceCategory;
      return this;
    }

    public Builder browser(String browser) {
      this.browser = browser;
      return this;
    }

    public Builder browserVersion(String browserVersion) {
      this.browserVersion = browserVersion;
      return this;
    }

    public Builder os(String os) {
      this.os = os;
      return this;
    }

    public Builder osVersion(String osVersion) {
      this.osVersion = osVersion;
      return this;
    }

    public Builder deviceModel(String deviceModel) {
      this.deviceModel = deviceModel;
      return this;
    }

    public Builder deviceBrand(String deviceBrand) {
      this.deviceBrand = deviceBrand;
      return this;
    }

    public Builder screenResolution(String screenResolution) {
      this.screenResolution = screenResolution;
      return this;
    }

    public Builder language(String language) {
      this.language = language;
      return this;
    }

    public Builder country(String country) {
      this.country = country;
      return this;
    }

    public Builder region(String region) {
      this.region = region;
      return this;
    }

    public Builder city(String city) {
      this.city = city;
      return this;
    }

    public Builder isBot(Boolean isBot) {
      this.isBot = isBot;
      return this;
    }

    public Builder protocol(String protocol) {
      this.protocol = protocol;
      return this;
    }

    public Builder streamId(String streamId) {
      this.streamId = streamId;
      return this;
    }

    public Builder sessionTimeoutMs(Long sessionTimeoutMs) {
      this.sessionTimeoutMs = sessionTimeoutMs;
      return this;
    }

    public Builder engagedAfterMs(Long engagedAfterMs) {
      this.engagedAfterMs = engagedAfterMs;
      return this;
    }

    /** The session settings of {@code rules}; GA4's defaults are left out (null), as the collector sends them. */
    public Builder sessionRules(io.beacon.model.session.SessionRules rules) {
      boolean dflt = rules == null || rules.equals(io.beacon.model.session.SessionRules.GA4);
      this.sessionTimeoutMs = dflt ? null : rules.timeoutMs();
      this.engagedAfterMs = dflt ? null : rules.engagedAfterMs();
      return this;
    }

    public Builder schemaVersion(int schemaVersion) {
      this.schemaVersion = schemaVersion;
      return this;
    }

    public Hit build() {
      return new Hit(propertyId, clientId, userId, requestId, sessionId, sessionNumber, ts, receivedAt, eventName,
          params, engagementMs, sessionEngaged, keyEvent, firstVisit, sessionStart, nonInteraction, pageLocation,
          hostname, pagePath,
          pageTitle, pageReferrer, source, medium, campaign, term, content, deviceCategory, browser, browserVersion,
          os, osVersion, deviceModel, deviceBrand, screenResolution, language, country, region, city, isBot, protocol,
          streamId, sessionTimeoutMs, engagedAfterMs, schemaVersion);
    }
  }
}
