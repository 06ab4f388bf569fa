package io.beacon.store.cassandra;

import com.datastax.oss.driver.api.core.cql.ColumnDefinitions;
import com.datastax.oss.driver.api.core.cql.Row;
import io.beacon.model.attribution.QueryParamPolicy;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * One row of Cassandra's {@code properties} table (a tracked site or app, docs/analytics-model.md "Property"),
 * as every reader and writer of the table sees it; {@link PropertiesTable} holds its CQL.
 *
 * <p>Read with {@link #from}, which takes any of {@link PropertiesTable}'s SELECTs: columns a statement did not
 * select read as if null. Null columns read as: sets empty, booleans false, the rest null.
 *
 * @param propertyId       {@code property_id}
 * @param name             display name
 * @param timeZone         IANA zone id the property's reports use (see {@link #zone()})
 * @param allowedHostnames hostnames allowed to send hits (empty: any)
 * @param apiSecret        the Measurement Protocol secret
 * @param keyEvents        event names counted as key events
 * @param retentionDays    raw-hit retention in days; null: the node's default
 * @param respectDnt       whether the tracker honours Do Not Track
 * @param cookieless       whether the tracker runs without cookies
 * @param createdAt        when the property was created
 * @param updatedAt        when its settings last changed
 * @param sessionTimeoutMinutes  session timeout in minutes; null: GA4's default (see {@link #sessionRules()})
 * @param engagedSessionSeconds  engaged-session threshold in seconds; null: GA4's default
 * @param plausibleDomains the domains Plausible's trackers name the property by ({@link PlausibleDomains})
 * @param keptQueryParams  the query parameters its page URLs keep, as stored ({@link QueryParamPolicy#ofStored}); null:
 *     the default allow-list (see {@link #queryParamPolicy()})
 * @param streamIds        the measurement ids and Firebase app ids its existing tags send to ({@link StreamIds})
 * @param gaPropertyId     the GA4 property id (digits) Data API clients may name it by; null: none
 * @param deletedAt        when an admin moved it to the trash ({@link #TRASH_DAYS}); null: not deleted
 */
public record PropertyRecord(String propertyId, String name, String timeZone, Set<String> allowedHostnames,
    String apiSecret, Set<String> keyEvents, Integer retentionDays, boolean respectDnt, boolean cookieless,
    Instant createdAt, Instant updatedAt, Integer sessionTimeoutMinutes, Integer engagedSessionSeconds,
    Set<String> plausibleDomains, String keptQueryParams, Set<String> streamIds, String gaPropertyId,
    Instant deletedAt) {

  /**
   * How long a deleted property stays in the trash, restorable, before it may be purged: GA4's 35 days (its "Trash
   * Can"). Its hits are refused and its reports answer 404 from the moment it is deleted.
   */
  public static final int TRASH_DAYS = 35;

  /**
   * Beacon's property ids, as the admin API draws them ({@code B-} and 8 upper-case letters or digits). The purge
   * erases only properties whose id has this form, so an id reaches no SQL it was not checked for.
   */
  public static final java.util.regex.Pattern ID = java.util.regex.Pattern.compile("B-[A-Z0-9]{8}");

  /** GA4 property ids: digits (Google's are 9 or so). */
  public static final java.util.regex.Pattern GA_PROPERTY_ID = java.util.regex.Pattern.compile("[0-9]{1,20}");

  public PropertyRecord {
    allowedHostnames = allowedHostnames == null ? Set.of() : allowedHostnames;
    keyEvents = keyEvents == null ? Set.of() : keyEvents;
    plausibleDomains = plausibleDomains == null ? Set.of() : plausibleDomains;
    streamIds = streamIds == null ? Set.of() : streamIds;
  }

  /** A property without stream ids. */
  public PropertyRecord(String propertyId, String name, String timeZone, Set<String> allowedHostnames,
      String apiSecret, Set<String> keyEvents, Integer retentionDays, boolean respectDnt, boolean cookieless,
      Instant createdAt, Instant updatedAt, Integer sessionTimeoutMinutes, Integer engagedSessionSeconds,
      Set<String> plausibleDomains, String keptQueryParams) {
    this(propertyId, name, timeZone, allowedHostnames, apiSecret, keyEvents, retentionDays, respectDnt, cookieless,
        createdAt, updatedAt, sessionTimeoutMinutes, engagedSessionSeconds, plausibleDomains, keptQueryParams, Set.of(),
        null, null);
  }

  /** A property with the default query-parameter policy. */
  public PropertyRecord(String propertyId, String name, String timeZone, Set<String> allowedHostnames,
      String apiSecret, Set<String> keyEvents, Integer retentionDays, boolean respectDnt, boolean cookieless,
      Instant createdAt, Instant updatedAt, Integer sessionTimeoutMinutes, Integer engagedSessionSeconds,
      Set<String> plausibleDomains) {
    this(propertyId, name, timeZone, allowedHostnames, apiSecret, keyEvents, retentionDays, respectDnt, cookieless,
        createdAt, updatedAt, sessionTimeoutMinutes, engagedSessionSeconds, plausibleDomains, null);
  }

  /** A property without Plausible domains. */
  public PropertyRecord(String propertyId, String name, String timeZone, Set<String> allowedHostnames,
      String apiSecret, Set<String> keyEvents, Integer retentionDays, boolean respectDnt, boolean cookieless,
      Instant createdAt, Instant updatedAt, Integer sessionTimeoutMinutes, Integer engagedSessionSeconds) {
    this(propertyId, name, timeZone, allowedHostnames, apiSecret, keyEvents, retentionDays, respectDnt, cookieless,
        createdAt, updatedAt, sessionTimeoutMinutes, engagedSessionSeconds, Set.of(), null, Set.of(), null, null);
  }

  /** A property with GA4's session settings and without Plausible domains. */
  public PropertyRecord(String propertyId, String name, String timeZone, Set<String> allowedHostnames,
      String apiSecret, Set<String> keyEvents, Integer retentionDays, boolean respectDnt, boolean cookieless,
      Instant createdAt, Instant updatedAt) {
    this(propertyId, name, timeZone, allowedHostnames, apiSecret, keyEvents, retentionDays, respectDnt, cookieless,
        createdAt, updatedAt, null, null, Set.of(), null, Set.of(), null, null);
  }

  /** This property with other Plausible domains. */
  public PropertyRecord withPlausibleDomains(Set<String> domains) {
    return new PropertyRecord(propertyId, name, timeZone, allowedHostnames, apiSecret, keyEvents, retentionDays,
        respectDnt, cookieless, createdAt, updatedAt, sessionTimeoutMinutes, engagedSessionSeconds, domains,
        keptQueryParams, streamIds, gaPropertyId, deletedAt);
  }

  /** This property with other stream ids. */
  public PropertyRecord withStreamIds(Set<String> ids) {
    return new PropertyRecord(propertyId, name, timeZone, allowedHostnames, apiSecret, keyEvents, retentionDays,
        respectDnt, cookieless, createdAt, updatedAt, sessionTimeoutMinutes, engagedSessionSeconds, plausibleDomains,
        keptQueryParams, ids, gaPropertyId, deletedAt);
  }

  /** This property with another GA4 property id (null: none). */
  public PropertyRecord withGaPropertyId(String id) {
    return new PropertyRecord(propertyId, name, timeZone, allowedHostnames, apiSecret, keyEvents, retentionDays,
        respectDnt, cookieless, createdAt, updatedAt, sessionTimeoutMinutes, engagedSessionSeconds, plausibleDomains,
        keptQueryParams, streamIds, id, deletedAt);
  }

  /** This property with another api secret. */
  public PropertyRecord withApiSecret(String secret) {
    return new PropertyRecord(propertyId, name, timeZone, allowedHostnames, secret, keyEvents, retentionDays,
        respectDnt, cookieless, createdAt, updatedAt, sessionTimeoutMinutes, engagedSessionSeconds, plausibleDomains,
        keptQueryParams, streamIds, gaPropertyId, deletedAt);
  }

  /** This property with another query-parameter policy (null: the default). */
  public PropertyRecord withKeptQueryParams(QueryParamPolicy policy) {
    return new PropertyRecord(propertyId, name, timeZone, allowedHostnames, apiSecret, keyEvents, retentionDays,
        respectDnt, cookieless, createdAt, updatedAt, sessionTimeoutMinutes, engagedSessionSeconds, plausibleDomains,
        policy == null ? null : policy.stored(), streamIds, gaPropertyId, deletedAt);
  }

  /** This property in the trash since {@code at} (null: restored). */
  public PropertyRecord withDeletedAt(Instant at) {
    return new PropertyRecord(propertyId, name, timeZone, allowedHostnames, apiSecret, keyEvents, retentionDays,
        respectDnt, cookieless, createdAt, updatedAt, sessionTimeoutMinutes, engagedSessionSeconds, plausibleDomains,
        keptQueryParams, streamIds, gaPropertyId, at);
  }

  /** Whether an admin moved it to the trash. */
  public boolean deleted() {
    return deletedAt != null;
  }

  /** When a deleted property leaves the trash for good ({@link #TRASH_DAYS} after its deletion); null if not deleted. */
  public Instant purgeAfter() {
    return deletedAt == null ? null : deletedAt.plus(java.time.Duration.ofDays(TRASH_DAYS));
  }

  /** Whether it is deleted and its time in the trash is over at {@code now}: its data may be purged, no restore. */
  public boolean purgeDue(Instant now) {
    return deletedAt != null && !now.isBefore(purgeAfter());
  }

  /** The query parameters its URLs keep: the stored list, else {@link QueryParamPolicy#DEFAULT}. */
  public QueryParamPolicy queryParamPolicy() {
    return QueryParamPolicy.ofStored(keptQueryParams);
  }

  /** A row returned by one of {@link PropertiesTable}'s SELECTs. */
  public static PropertyRecord from(Row r) {
    ColumnDefinitions c = r.getColumnDefinitions();
    return new PropertyRecord(
        text(r, c, PropertiesTable.PROPERTY_ID),
        text(r, c, PropertiesTable.NAME),
        text(r, c, PropertiesTable.TIME_ZONE),
        set(r, c, PropertiesTable.ALLOWED_HOSTNAMES),
        text(r, c, PropertiesTable.API_SECRET),
        set(r, c, PropertiesTable.KEY_EVENTS),
        has(r, c, PropertiesTable.RETENTION_DAYS) ? r.getInt(PropertiesTable.RETENTION_DAYS) : null,
        has(r, c, PropertiesTable.RESPECT_DNT) && r.getBoolean(PropertiesTable.RESPECT_DNT),
        has(r, c, PropertiesTable.COOKIELESS) && r.getBoolean(PropertiesTable.COOKIELESS),
        has(r, c, PropertiesTable.CREATED_AT) ? r.getInstant(PropertiesTable.CREATED_AT) : null,
        has(r, c, PropertiesTable.UPDATED_AT) ? r.getInstant(PropertiesTable.UPDATED_AT) : null,
        has(r, c, PropertiesTable.SESSION_TIMEOUT_MINUTES) ? r.getInt(PropertiesTable.SESSION_TIMEOUT_MINUTES) : null,
        has(r, c, PropertiesTable.ENGAGED_SESSION_SECONDS) ? r.getInt(PropertiesTable.ENGAGED_SESSION_SECONDS) : null,
        set(r, c, PropertiesTable.PLAUSIBLE_DOMAINS),
        has(r, c, PropertiesTable.KEPT_QUERY_PARAMS) ? r.getString(PropertiesTable.KEPT_QUERY_PARAMS) : null,
        set(r, c, PropertiesTable.STREAM_IDS),
        text(r, c, PropertiesTable.GA_PROPERTY_ID),
        has(r, c, PropertiesTable.DELETED_AT) ? r.getInstant(PropertiesTable.DELETED_AT) : null);
  }

  /** The property's session rules: its settings, GA4's default for each one not set. */
  public io.beacon.model.session.SessionRules sessionRules() {
    return io.beacon.model.session.SessionRules.ofSettings(sessionTimeoutMinutes, engagedSessionSeconds);
  }

  /**
   * The zone days of the property's reports are days in: {@link #timeZone}, or UTC when it is missing or not
   * a valid zone id.
   */
  public ZoneId zone() {
    return zoneOf(timeZone);
  }

  /** A stored {@code time_zone} as a zone: UTC when missing or invalid. */
  public static ZoneId zoneOf(String timeZone) {
    try {
      return timeZone == null || timeZone.isBlank() ? ZoneOffset.UTC : ZoneId.of(timeZone);
    } catch (DateTimeException e) {
      return ZoneOffset.UTC;
    }
  }

  /** Whether the row has the column and it is not null. */
  private static boolean has(Row r, ColumnDefinitions c, String column) {
    return c.contains(column) && !r.isNull(column);
  }

  private static String text(Row r, ColumnDefinitions c, String column) {
    return c.contains(column) ? r.getString(column) : null;
  }

  private static Set<String> set(Row r, ColumnDefinitions c, String column) {
    Set<String> s = c.contains(column) ? r.getSet(column, String.class) : null;
    // In the stored order (Cassandra sorts sets), which the admin API shows.
    return s == null || s.isEmpty() ? Set.of() : Collections.unmodifiableSet(new LinkedHashSet<>(s));
  }
}
