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
    String screenResolution,
    String language,
    // geo
    String country,
    String region,
    String city,
    // flags and provenance
    Boolean isBot,
    String protocol,
    int schemaVersion) {

  public static final int SCHEMA_VERSION = 1;

  /** Kafka key: property + client, so one client's hits stay ordered in one partition. */
  /**
   * This hit with other event and receive times: the copy a collector produces for a retry of a hit whose first
   * attempt was received (and possibly produced) at another time, so both copies are the same row.
   */
  public Hit withTimes(long newTs, long newReceivedAt) {
    return new Hit(propertyId, clientId, userId, requestId, sessionId, sessionNumber, newTs, newReceivedAt, eventName,
        params, engagementMs, sessionEngaged, keyEvent, firstVisit, sessionStart, pageLocation, hostname, pagePath,
        pageTitle, pageReferrer, source, medium, campaign, term, content, deviceCategory, browser, browserVersion, os,
        osVersion, screenResolution, language, country, region, city, isBot, protocol, schemaVersion);
  }

  public String kafkaKey() {
    return kafkaKey(propertyId, clientId);
  }

  public static String kafkaKey(String propertyId, String clientId) {
    return propertyId + "/" + clientId;
  }
}
