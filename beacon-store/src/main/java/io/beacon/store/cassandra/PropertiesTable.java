package io.beacon.store.cassandra;

import java.time.Instant;
import java.util.List;

/**
 * The one owner of Cassandra's {@code properties} table (schema/cassandra.cql) besides the schema: its columns
 * and the CQL of every statement Beacon runs on it; a row is a {@link PropertyRecord}. Readers: the collector
 * (the properties it accepts hits for), the node's time-zone lookup, the bridge's raw retention, the admin API
 * and the Spark job (each property's zone); the admin API is the only writer.
 *
 * <p>Statements without a keyspace are for sessions bound to Beacon's keyspace (the node's); the Spark job's
 * session is bound to none and passes its keyspace. Values are bound in the order the {@code *Values} methods
 * return them.
 */
public final class PropertiesTable {
  public static final String TABLE = "properties";

  public static final String PROPERTY_ID = "property_id";
  public static final String NAME = "name";
  public static final String TIME_ZONE = "time_zone";
  public static final String ALLOWED_HOSTNAMES = "allowed_hostnames";
  public static final String API_SECRET = "api_secret";
  public static final String KEY_EVENTS = "key_events";
  public static final String RETENTION_DAYS = "retention_days";
  public static final String RESPECT_DNT = "respect_dnt";
  public static final String COOKIELESS = "cookieless";
  public static final String CREATED_AT = "created_at";
  public static final String UPDATED_AT = "updated_at";
  public static final String SESSION_TIMEOUT_MINUTES = "session_timeout_minutes";
  public static final String ENGAGED_SESSION_SECONDS = "engaged_session_seconds";
  public static final String PLAUSIBLE_DOMAINS = "plausible_domains";
  public static final String KEPT_QUERY_PARAMS = "kept_query_params";
  public static final String STREAM_IDS = "stream_ids";
  public static final String GA_PROPERTY_ID = "ga_property_id";
  public static final String DELETED_AT = "deleted_at";

  /** Every column, in {@link PropertyRecord}'s order. */
  public static final List<String> COLUMNS = List.of(PROPERTY_ID, NAME, TIME_ZONE, ALLOWED_HOSTNAMES, API_SECRET,
      KEY_EVENTS, RETENTION_DAYS, RESPECT_DNT, COOKIELESS, CREATED_AT, UPDATED_AT, SESSION_TIMEOUT_MINUTES,
      ENGAGED_SESSION_SECONDS, PLAUSIBLE_DOMAINS, KEPT_QUERY_PARAMS, STREAM_IDS, GA_PROPERTY_ID, DELETED_AT);
  /** The settings an admin changes ({@link #updateSettingsIfExists}), in {@link PropertyRecord}'s order. */
  private static final List<String> SETTINGS = List.of(NAME, TIME_ZONE, ALLOWED_HOSTNAMES, KEY_EVENTS,
      RETENTION_DAYS, RESPECT_DNT, COOKIELESS, SESSION_TIMEOUT_MINUTES, ENGAGED_SESSION_SECONDS, PLAUSIBLE_DOMAINS,
      KEPT_QUERY_PARAMS, STREAM_IDS, GA_PROPERTY_ID);

  private PropertiesTable() {}

  /** Every property, every column. */
  public static String selectAll() {
    return "SELECT " + String.join(", ", COLUMNS) + " FROM " + TABLE;
  }

  /** One property by id ({@code property_id = ?}), every column. */
  public static String selectById() {
    return selectAll() + " WHERE property_id = ?";
  }

  /** Every property's id and zone. */
  public static String selectZones() {
    return selectZones(null);
  }

  public static String selectZones(String keyspace) {
    return "SELECT " + PROPERTY_ID + ", " + TIME_ZONE + " FROM " + table(keyspace);
  }

  /**
   * What reports need of one property ({@code property_id = ?}): its id, zone, key-event names and session
   * settings.
   */
  public static String selectReportingById() {
    return "SELECT " + String.join(", ", PROPERTY_ID, TIME_ZONE, KEY_EVENTS, SESSION_TIMEOUT_MINUTES,
        ENGAGED_SESSION_SECONDS) + " FROM " + TABLE + " WHERE property_id = ?";
  }

  /** Every property's id and Plausible domains (the admin API's check that a domain has one property). */
  public static String selectPlausibleDomains() {
    return "SELECT " + PROPERTY_ID + ", " + PLAUSIBLE_DOMAINS + " FROM " + TABLE;
  }

  /** Every property's id and stream ids (the admin API's check that a stream id has one property). */
  public static String selectStreamIds() {
    return "SELECT " + PROPERTY_ID + ", " + STREAM_IDS + " FROM " + TABLE;
  }

  /** Every property's id and GA4 property id (the Data API's lookup of a GA4 id, the admin API's uniqueness check). */
  public static String selectGaPropertyIds() {
    return "SELECT " + PROPERTY_ID + ", " + GA_PROPERTY_ID + " FROM " + TABLE;
  }

  /** Every property's id and deletion time (null: not deleted): the purge's look for properties due. */
  public static String selectDeletions() {
    return "SELECT " + PROPERTY_ID + ", " + DELETED_AT + " FROM " + TABLE;
  }

  /**
   * Deletes a property's row ({@code property_id = ?}; a lightweight transaction, applied only where there was a
   * row): the purge's last step, once every other store holds nothing of it.
   */
  public static String deleteIfExists() {
    return "DELETE FROM " + TABLE + " WHERE " + PROPERTY_ID + " = ? IF EXISTS";
  }

  /** Every property's id and raw-hit retention. */
  public static String selectRetentions() {
    return "SELECT " + PROPERTY_ID + ", " + RETENTION_DAYS + " FROM " + TABLE;
  }

  /** Creates a property unless one has its id (a lightweight transaction); values: {@link #insertValues}. */
  public static String insertIfNotExists() {
    return "INSERT INTO " + TABLE + " (" + String.join(", ", COLUMNS) + ") VALUES ("
        + String.join(", ", COLUMNS.stream().map(c -> "?").toList()) + ") IF NOT EXISTS";
  }

  public static Object[] insertValues(PropertyRecord p) {
    return new Object[] {p.propertyId(), p.name(), p.timeZone(), p.allowedHostnames(), p.apiSecret(),
        p.keyEvents(), p.retentionDays(), p.respectDnt(), p.cookieless(), p.createdAt(), p.updatedAt(),
        p.sessionTimeoutMinutes(), p.engagedSessionSeconds(), p.plausibleDomains(), p.keptQueryParams(),
        p.streamIds(), p.gaPropertyId(), p.deletedAt()};
  }

  /**
   * Replaces an existing property's settings and {@code updated_at} (a lightweight transaction: a property
   * deleted meanwhile is not recreated); values: {@link #updateSettingsValues}.
   */
  public static String updateSettingsIfExists() {
    return "UPDATE " + TABLE + " SET " + String.join(", ", SETTINGS.stream().map(c -> c + " = ?").toList())
        + ", " + UPDATED_AT + " = ? WHERE " + PROPERTY_ID + " = ? IF EXISTS";
  }

  /** The settings of {@code p}, its {@code updatedAt} and its id; its secret and creation time are not used. */
  public static Object[] updateSettingsValues(PropertyRecord p) {
    return new Object[] {p.name(), p.timeZone(), p.allowedHostnames(), p.keyEvents(), p.retentionDays(),
        p.respectDnt(), p.cookieless(), p.sessionTimeoutMinutes(), p.engagedSessionSeconds(), p.plausibleDomains(),
        p.keptQueryParams(), p.streamIds(), p.gaPropertyId(), p.updatedAt(), p.propertyId()};
  }

  /** Replaces an existing property's api secret and {@code updated_at}; values: {@link #updateSecretValues}. */
  public static String updateSecretIfExists() {
    return "UPDATE " + TABLE + " SET " + API_SECRET + " = ?, " + UPDATED_AT + " = ? WHERE " + PROPERTY_ID
        + " = ? IF EXISTS";
  }

  public static Object[] updateSecretValues(String propertyId, String apiSecret, Instant updatedAt) {
    return new Object[] {apiSecret, updatedAt, propertyId};
  }

  /**
   * Moves an existing property to the trash ({@code deleted_at} set) or out of it ({@code deleted_at} null), and sets
   * {@code updated_at} (a lightweight transaction: a row removed meanwhile is not recreated); values: {@link
   * #updateDeletedValues}.
   */
  public static String updateDeletedIfExists() {
    return "UPDATE " + TABLE + " SET " + DELETED_AT + " = ?, " + UPDATED_AT + " = ? WHERE " + PROPERTY_ID
        + " = ? IF EXISTS";
  }

  /** @param deletedAt when it was moved to the trash; null: restored */
  public static Object[] updateDeletedValues(String propertyId, Instant deletedAt, Instant updatedAt) {
    return new Object[] {deletedAt, updatedAt, propertyId};
  }

  private static String table(String keyspace) {
    return keyspace == null || keyspace.isEmpty() ? TABLE : keyspace + "." + TABLE;
  }
}
