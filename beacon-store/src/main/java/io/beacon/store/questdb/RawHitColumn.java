package io.beacon.store.questdb;

import io.beacon.model.Hit;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The columns of QuestDB's {@code hits} table ({@code schema/questdb.sql}): one constant per column, in the order a
 * line-protocol line writes them (tags, then fields, then the designated timestamp), with how each is typed, read
 * from a {@link Hit} and set on a {@link Hit.Builder}. The one owner of the raw row's layout: {@link LineProtocol},
 * {@link LineEncoder} and the recompute role's reader all go through it, and a column's name is also its field's
 * name on the hits topic ({@code HitCodec}: snake_case of the record component).
 *
 * <p>Adding a column: a component of {@link Hit} (and its builder), a constant here, and an
 * {@code ALTER TABLE hits ADD COLUMN IF NOT EXISTS} in the schema script.
 */
public enum RawHitColumn {
  // tags (SYMBOL columns)
  PROPERTY_ID("property_id", Kind.TAG, Hit::propertyId, (b, v) -> b.propertyId((String) v)),
  EVENT_NAME("event_name", Kind.TAG, Hit::eventName, (b, v) -> b.eventName((String) v)),
  HOSTNAME("hostname", Kind.TAG, Hit::hostname, (b, v) -> b.hostname((String) v)),
  MEDIUM("medium", Kind.TAG, Hit::medium, (b, v) -> b.medium((String) v)),
  DEVICE_CATEGORY("device_category", Kind.TAG, Hit::deviceCategory, (b, v) -> b.deviceCategory((String) v)),
  BROWSER("browser", Kind.TAG, Hit::browser, (b, v) -> b.browser((String) v)),
  OS("os", Kind.TAG, Hit::os, (b, v) -> b.os((String) v)),
  SCREEN_RESOLUTION("screen_resolution", Kind.TAG, Hit::screenResolution, (b, v) -> b.screenResolution((String) v)),
  LANGUAGE("language", Kind.TAG, Hit::language, (b, v) -> b.language((String) v)),
  COUNTRY("country", Kind.TAG, Hit::country, (b, v) -> b.country((String) v)),
  PROTOCOL("protocol", Kind.TAG, Hit::protocol, (b, v) -> b.protocol((String) v)),
  STREAM_ID("stream_id", Kind.TAG, Hit::streamId, (b, v) -> b.streamId((String) v)),
  // fields
  CLIENT_ID("client_id", Kind.STRING, Hit::clientId, (b, v) -> b.clientId((String) v)),
  USER_ID("user_id", Kind.STRING, Hit::userId, (b, v) -> b.userId((String) v)),
  REQUEST_ID("request_id", Kind.STRING, Hit::requestId, (b, v) -> b.requestId((String) v)),
  SESSION_ID("session_id", Kind.STRING, Hit::sessionId, (b, v) -> b.sessionId((String) v)),
  SESSION_NUMBER("session_number", Kind.INT, Hit::sessionNumber, (b, v) -> b.sessionNumber((Integer) v)),
  RECEIVED_AT("received_at", Kind.TIMESTAMP, Hit::receivedAt, (b, v) -> b.receivedAt(v == null ? 0 : (Long) v)),
  PARAMS("params", Kind.PARAMS, Hit::params, RawHitColumn::setParams),
  ENGAGEMENT_MS("engagement_ms", Kind.LONG, Hit::engagementMs, (b, v) -> b.engagementMs((Long) v)),
  SESSION_ENGAGED("session_engaged", Kind.BOOL, Hit::sessionEngaged, (b, v) -> b.sessionEngaged((Boolean) v)),
  KEY_EVENT("key_event", Kind.BOOL, Hit::keyEvent, (b, v) -> b.keyEvent((Boolean) v)),
  FIRST_VISIT("first_visit", Kind.BOOL, Hit::firstVisit, (b, v) -> b.firstVisit((Boolean) v)),
  SESSION_START("session_start", Kind.BOOL, Hit::sessionStart, (b, v) -> b.sessionStart((Boolean) v)),
  NON_INTERACTION("non_interaction", Kind.BOOL, Hit::nonInteraction, (b, v) -> b.nonInteraction((Boolean) v)),
  PAGE_LOCATION("page_location", Kind.STRING, Hit::pageLocation, (b, v) -> b.pageLocation((String) v)),
  PAGE_PATH("page_path", Kind.STRING, Hit::pagePath, (b, v) -> b.pagePath((String) v)),
  PAGE_TITLE("page_title", Kind.STRING, Hit::pageTitle, (b, v) -> b.pageTitle((String) v)),
  PAGE_REFERRER("page_referrer", Kind.STRING, Hit::pageReferrer, (b, v) -> b.pageReferrer((String) v)),
  SOURCE("source", Kind.STRING, Hit::source, (b, v) -> b.source((String) v)),
  CAMPAIGN("campaign", Kind.STRING, Hit::campaign, (b, v) -> b.campaign((String) v)),
  TERM("term", Kind.STRING, Hit::term, (b, v) -> b.term((String) v)),
  CONTENT("content", Kind.STRING, Hit::content, (b, v) -> b.content((String) v)),
  BROWSER_VERSION("browser_version", Kind.STRING, Hit::browserVersion, (b, v) -> b.browserVersion((String) v)),
  OS_VERSION("os_version", Kind.STRING, Hit::osVersion, (b, v) -> b.osVersion((String) v)),
  DEVICE_MODEL("device_model", Kind.STRING, Hit::deviceModel, (b, v) -> b.deviceModel((String) v)),
  DEVICE_BRAND("device_brand", Kind.STRING, Hit::deviceBrand, (b, v) -> b.deviceBrand((String) v)),
  REGION("region", Kind.STRING, Hit::region, (b, v) -> b.region((String) v)),
  CITY("city", Kind.STRING, Hit::city, (b, v) -> b.city((String) v)),
  IS_BOT("is_bot", Kind.BOOL, Hit::isBot, (b, v) -> b.isBot((Boolean) v)),
  /** A primitive int: written even when absent (0). */
  SCHEMA_VERSION("schema_version", Kind.INT, Hit::schemaVersion, (b, v) -> b.schemaVersion(v == null ? 0 : (Integer) v)),
  // the designated timestamp, last on the line
  TS("ts", Kind.DESIGNATED_TIMESTAMP, Hit::ts, (b, v) -> b.ts((Long) v));

  /** How a column is typed in the table and on the line. */
  public enum Kind {
    /** SYMBOL, a line-protocol tag; empty means absent. */
    TAG,
    /** VARCHAR, a quoted string field. */
    STRING,
    /** INT, an integer field. */
    INT,
    /** LONG, an integer field. */
    LONG,
    /** BOOLEAN. */
    BOOL,
    /** VARCHAR holding the params map as a JSON object (keys sorted). */
    PARAMS,
    /** TIMESTAMP field, epoch ms in the hit, microseconds on the line; 0 means absent. */
    TIMESTAMP,
    /** The designated timestamp, epoch ms in the hit, microseconds on the line. */
    DESIGNATED_TIMESTAMP
  }

  /**
   * The table's upsert keys: the designated timestamp and the columns of {@link io.beacon.model.DedupKey}, the one
   * definition of a duplicate.
   */
  public static final List<RawHitColumn> DEDUP_KEY = List.of(TS, PROPERTY_ID, CLIENT_ID, REQUEST_ID);

  private static final RawHitColumn[] ALL = values();
  private static final Map<String, RawHitColumn> BY_NAME = Map.copyOf(
      Arrays.stream(ALL).collect(java.util.stream.Collectors.toMap(RawHitColumn::column, c -> c)));

  private final String column;
  private final Kind kind;
  private final Function<Hit, ?> read;
  private final BiConsumer<Hit.Builder, Object> set;

  RawHitColumn(String column, Kind kind, Function<Hit, ?> read, BiConsumer<Hit.Builder, Object> set) {
    this.column = column;
    this.kind = kind;
    this.read = read;
    this.set = set;
  }

  /** The column's name in QuestDB, and its field's name on the hits topic. */
  public String column() {
    return column;
  }

  public Kind kind() {
    return kind;
  }

  /** Whether the column is a SYMBOL (a tag on the line). */
  public boolean isTag() {
    return kind == Kind.TAG;
  }

  /** The hit's value of this column (boxed; null when absent). */
  public Object of(Hit hit) {
    return read.apply(hit);
  }

  /** Sets this column's value (as {@link #of} returns it: String, Integer, Long, Boolean or a params map). */
  public void set(Hit.Builder builder, Object value) {
    set.accept(builder, value);
  }

  /** Every column in line order. */
  /**
   * Hit fields that are no raw column: the session settings the collector stamps for the stream (recompute
   * applies the property's current settings instead, so keeping them per row would cost bytes and mean nothing).
   */
  public static final java.util.Set<String> TRANSIT_ONLY = java.util.Set.of("session_timeout_ms", "engaged_after_ms");

  public static List<RawHitColumn> all() {
    return List.of(ALL);
  }

  /** The column of that name, or null. */
  public static RawHitColumn byName(String column) {
    return BY_NAME.get(column);
  }

  @SuppressWarnings("unchecked")
  private static void setParams(Hit.Builder b, Object v) {
    b.params((Map<String, String>) v);
  }
}
