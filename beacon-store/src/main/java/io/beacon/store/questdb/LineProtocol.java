package io.beacon.store.questdb;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.beacon.model.Hit;
import java.util.Map;
import java.util.TreeMap;

/**
 * One {@link Hit} as one InfluxDB line-protocol line for QuestDB's {@code hits} table
 * ({@code schema/questdb.sql}; columns and their order: {@link RawHitColumn}). SYMBOL columns are tags, everything else fields,
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
    for (RawHitColumn c : RawHitColumn.all()) {
      if (c.isTag()) {
        tag(b, c.column(), (String) c.of(h));
      }
    }
    Fields f = new Fields(b);
    for (RawHitColumn c : RawHitColumn.all()) {
      Object v = c.of(h);
      switch (c.kind()) {
        case TAG, DESIGNATED_TIMESTAMP -> {
          // written above and below
        }
        case STRING -> f.str(c.column(), (String) v);
        case INT, LONG -> f.integer(c.column(), v == null ? null : ((Number) v).longValue());
        case BOOL -> f.bool(c.column(), (Boolean) v);
        case PARAMS -> f.str(c.column(), params(castParams(v)));
        case TIMESTAMP -> {
          long ms = (Long) v;
          if (ms > 0) {
            f.raw(c.column(), (ms * 1000) + "t");
          }
        }
      }
    }
    if (f.count == 0) {
      throw new IllegalArgumentException("hit has no field columns");
    }
    return b.append(' ').append(h.ts() * 1000).toString();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> castParams(Object v) {
    return (Map<String, String>) v;
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
