package io.beacon.collector.protocol;

import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The longest value of every text field a hit keeps, GA4's collection limits where GA4 has one: {@code page_location}
 * 1000 characters, {@code page_referrer} 420, {@code page_title} 300, event names 40, every other value 100 (GA4's
 * parameter value limit: campaign fields, language, screen resolution, parameter values), user ids 256; Beacon's own
 * where it has none (property ids 64, as the admin API's, client ids 256, request and session ids 100, a UA page path
 * 1000 and document host 100, as UA documented). The web protocols (GA4 web, UA) truncate an over-long text value,
 * as GA does with what browsers send, and refuse a hit with an over-long id ({@code VALUE_OUT_OF_BOUNDS}: a cut id
 * would be another id); the Measurement Protocol refuses any over-long value with {@code VALUE_OUT_OF_BOUNDS}, as
 * GA's validation does ({@link MeasurementProtocolParser} checks its fields against the same limits).
 */
public final class FieldLimits {
  /** A text value: truncated by the web protocols. An id: refused. */
  enum Kind { TEXT, ID }

  /**
   * One field of the hit.
   *
   * @param name GA4's name of it (the Measurement Protocol's, where it has one)
   * @param web the GA4 web protocol's parameter, or null if it does not send the field
   * @param ua Universal Analytics' parameter, or null
   */
  record Field(String name, String web, String ua, int max, Kind kind, Function<HitDraft, String> get,
               BiConsumer<HitDraft, String> set) {
    String wire(Protocol protocol) {
      return protocol == Protocol.UA ? ua : protocol == Protocol.GA4_WEB ? web : name;
    }
  }

  public static final int MAX_PROPERTY_ID = 64;
  public static final int MAX_TEXT = 100;
  public static final int MAX_PAGE_LOCATION = 1000;
  public static final int MAX_PAGE_REFERRER = 420;
  public static final int MAX_PAGE_TITLE = 300;

  static final List<Field> FIELDS = List.of(
      new Field("measurement_id", "tid", "tid", MAX_PROPERTY_ID, Kind.ID, d -> d.propertyId, (d, v) -> d.propertyId = v),
      new Field("client_id", "cid", "cid", MeasurementProtocolParser.MAX_CLIENT_ID, Kind.ID, d -> d.clientId,
          (d, v) -> d.clientId = v),
      new Field("user_id", "uid", "uid", MeasurementProtocolParser.MAX_USER_ID, Kind.ID, d -> d.userId, (d, v) -> d.userId = v),
      new Field("request_id", "_rid", "z", MAX_TEXT, Kind.ID, d -> d.requestId, (d, v) -> d.requestId = v),
      new Field("session_id", "sid", null, MAX_TEXT, Kind.ID, d -> d.sessionId, (d, v) -> d.sessionId = v),
      new Field("name", "en", "ea", MeasurementProtocolParser.MAX_EVENT_NAME, Kind.TEXT, d -> d.eventName,
          (d, v) -> d.eventName = v),
      new Field("page_location", "dl", "dl", MAX_PAGE_LOCATION, Kind.TEXT, d -> d.pageLocation, (d, v) -> d.pageLocation = v),
      new Field("page_referrer", "dr", "dr", MAX_PAGE_REFERRER, Kind.TEXT, d -> d.pageReferrer, (d, v) -> d.pageReferrer = v),
      new Field("page_title", "dt", "dt", MAX_PAGE_TITLE, Kind.TEXT, d -> d.pageTitle, (d, v) -> d.pageTitle = v),
      new Field("hostname", null, "dh", 100, Kind.TEXT, d -> d.hostname, (d, v) -> d.hostname = v),
      new Field("page_path", null, "dp", MAX_PAGE_LOCATION, Kind.TEXT, d -> d.pagePath, (d, v) -> d.pagePath = v),
      new Field("language", "ul", "ul", MAX_TEXT, Kind.TEXT, d -> d.language, (d, v) -> d.language = v),
      new Field("screen_resolution", "sr", "sr", MAX_TEXT, Kind.TEXT, d -> d.screenResolution,
          (d, v) -> d.screenResolution = v),
      new Field("source", null, "cs", MAX_TEXT, Kind.TEXT, d -> d.source, (d, v) -> d.source = v),
      new Field("medium", null, "cm", MAX_TEXT, Kind.TEXT, d -> d.medium, (d, v) -> d.medium = v),
      new Field("campaign", null, "cn", MAX_TEXT, Kind.TEXT, d -> d.campaign, (d, v) -> d.campaign = v),
      new Field("term", null, "ck", MAX_TEXT, Kind.TEXT, d -> d.term, (d, v) -> d.term = v),
      new Field("content", null, "cc", MAX_TEXT, Kind.TEXT, d -> d.content, (d, v) -> d.content = v),
      new Field("gclid", null, "gclid", MAX_TEXT, Kind.TEXT, d -> d.gclid, (d, v) -> d.gclid = v));

  /** The limit of a Measurement Protocol event parameter that is one of the hit's own fields, else GA's 100. */
  static int mpParamMax(String param) {
    return switch (param) {
      case "page_location" -> MAX_PAGE_LOCATION;
      case "page_referrer" -> MAX_PAGE_REFERRER;
      case "page_title" -> MAX_PAGE_TITLE;
      default -> MAX_TEXT;
    };
  }

  private FieldLimits() {}

  /**
   * Holds a parsed web hit (GA4 web, UA) to the limits: over-long text values are truncated, parameter values too
   * (at 100; an MP {@code items} list is the Measurement Protocol's), an over-long id is the problem returned.
   */
  static Problem applyWeb(HitDraft d) {
    for (Field f : FIELDS) {
      String v = f.get().apply(d);
      if (v == null || v.length() <= f.max()) {
        continue;
      }
      if (f.kind() == Kind.ID) {
        String wire = f.wire(d.protocol);
        return Problem.outOfBounds(wire, wire + " longer than " + f.max() + " characters");
      }
      f.set().accept(d, truncate(v, f.max()));
    }
    for (Map.Entry<String, String> e : d.params.entrySet()) {
      if (e.getValue() != null && e.getValue().length() > MAX_TEXT) {
        e.setValue(truncate(e.getValue(), MAX_TEXT));
      }
    }
    return null;
  }

  /** At most {@code max} UTF-16 units, not cutting a surrogate pair in two. */
  static String truncate(String s, int max) {
    if (s == null || s.length() <= max) {
      return s;
    }
    int end = Character.isHighSurrogate(s.charAt(max - 1)) && Character.isLowSurrogate(s.charAt(max)) ? max - 1 : max;
    return s.substring(0, end);
  }
}
