package io.beacon.store.questdb;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.beacon.model.Hit;
import java.util.Map;
import java.util.TreeMap;

/**
 * One {@link Hit} as one InfluxDB line-protocol line for QuestDB's {@code hits} table
 * ({@code src/main/resources/schema/questdb.sql}). SYMBOL columns are tags, everything else fields,
 * typed as the table wants them: longs and ints with {@code i}, booleans as {@code true/false},
 * {@code received_at} as a QuestDB timestamp field ({@code t}, microseconds), strings quoted, the
 * params map as a JSON string, and {@code ts} as the designated timestamp in microseconds (the
 * writer sends with precision {@code us}).
 *
 * <p>Escaping follows QuestDB's own clients: in tags a backslash precedes space, comma, equals,
 * backslash, CR and LF; in quoted strings a backslash precedes double quote, backslash, CR and LF.
 * Other control characters are not special to the protocol and are kept. Because one malformed
 * line makes QuestDB reject a whole request, anything we can tell is unwritable is rejected here
 * (caller dead-letters it) rather than sent.
 */
public final class LineProtocol {
  public static final String TABLE = "hits";

  /** Latest ts / received_at accepted (year 9999): beyond that the microsecond value is meaningless. */
  public static final long MAX_EPOCH_MS = 253_402_300_799_999L;

  private static final ObjectMapper JSON = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  private LineProtocol() {}

  /**
   * @throws IllegalArgumentException if the hit cannot be a row (timestamps out of range)
   */
  public static String line(Hit h) {
    if (h.ts() <= 0 || h.ts() > MAX_EPOCH_MS) {
      throw new IllegalArgumentException("ts out of range: " + h.ts());
    }
    if (h.receivedAt() < 0 || h.receivedAt() > MAX_EPOCH_MS) {
      throw new IllegalArgumentException("received_at out of range: " + h.receivedAt());
    }
    StringBuilder b = new StringBuilder(512).append(TABLE);
    tag(b, "property_id", h.propertyId());
    tag(b, "event_name", h.eventName());
    tag(b, "hostname", h.hostname());
    tag(b, "medium", h.medium());
    tag(b, "device_category", h.deviceCategory());
    tag(b, "browser", h.browser());
    tag(b, "os", h.os());
    tag(b, "screen_resolution", h.screenResolution());
    tag(b, "language", h.language());
    tag(b, "country", h.country());
    tag(b, "protocol", h.protocol());
    Fields f = new Fields(b);
    f.str("client_id", h.clientId());
    f.str("user_id", h.userId());
    f.str("request_id", h.requestId());
    f.str("session_id", h.sessionId());
    f.integer("session_number", h.sessionNumber() == null ? null : h.sessionNumber().longValue());
    if (h.receivedAt() > 0) {
      f.raw("received_at", (h.receivedAt() * 1000) + "t");
    }
    f.str("params", params(h.params()));
    f.integer("engagement_ms", h.engagementMs());
    f.bool("session_engaged", h.sessionEngaged());
    f.bool("key_event", h.keyEvent());
    f.bool("first_visit", h.firstVisit());
    f.bool("session_start", h.sessionStart());
    f.str("page_location", h.pageLocation());
    f.str("page_path", h.pagePath());
    f.str("page_title", h.pageTitle());
    f.str("page_referrer", h.pageReferrer());
    f.str("source", h.source());
    f.str("campaign", h.campaign());
    f.str("term", h.term());
    f.str("content", h.content());
    f.str("browser_version", h.browserVersion());
    f.str("os_version", h.osVersion());
    f.str("region", h.region());
    f.str("city", h.city());
    f.bool("is_bot", h.isBot());
    f.integer("schema_version", (long) h.schemaVersion());
    if (f.count == 0) {
      throw new IllegalArgumentException("hit has no field columns");
    }
    return b.append(' ').append(h.ts() * 1000).toString();
  }

  /** The params map as the JSON object stored in the VARCHAR column (keys sorted), or null if empty. */
  public static String params(Map<String, String> params) {
    if (params == null || params.isEmpty()) {
      return null;
    }
    try {
      return JSON.writeValueAsString(new TreeMap<>(params));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("params not encodable: " + e.getOriginalMessage(), e);
    }
  }

  // An empty tag value is a syntax error in line protocol; absent and empty both mean null.
  private static void tag(StringBuilder b, String name, String value) {
    if (value == null || value.isEmpty()) {
      return;
    }
    b.append(',').append(name).append('=');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case ' ', ',', '=', '\\', '\n', '\r' -> b.append('\\').append(c);
        default -> b.append(c);
      }
    }
  }

  private static final class Fields {
    private final StringBuilder b;
    private int count;

    Fields(StringBuilder b) {
      this.b = b;
    }

    private StringBuilder next(String name) {
      return b.append(count++ == 0 ? ' ' : ',').append(name).append('=');
    }

    void raw(String name, String value) {
      next(name).append(value);
    }

    void integer(String name, Long value) {
      if (value != null) {
        next(name).append(value.longValue()).append('i');
      }
    }

    void bool(String name, Boolean value) {
      if (value != null) {
        next(name).append(value ? "true" : "false");
      }
    }

    void str(String name, String value) {
      if (value == null) {
        return;
      }
      StringBuilder out = next(name).append('"');
      for (int i = 0; i < value.length(); i++) {
        char c = value.charAt(i);
        switch (c) {
          case '"', '\\', '\n', '\r' -> out.append('\\').append(c);
          default -> out.append(c);
        }
      }
      out.append('"');
    }
  }
}
