package io.beacon.store.questdb;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.beacon.model.Hit;
import io.beacon.store.topic.HitCodec;
import java.io.IOException;
import java.util.Arrays;

/**
 * Turns the JSON of a hit (a Kafka value, as {@link HitCodec} writes it) straight into its line-protocol
 * line, appended to a batch buffer: the raw consumer's hot path. It streams the JSON once with Jackson's
 * parser into reusable slots (no {@code Hit}, no per-field {@code String}) and writes the line in
 * {@link LineProtocol}'s column order and escaping.
 *
 * <p>The result is by construction the same as {@code LineProtocol.line(HitCodec.decode(json))}: whatever
 * the fast path does not handle exactly as Jackson databind would (a value of an unexpected JSON type that
 * databind would coerce, a duplicate field, a missing required field, a timestamp out of range, malformed
 * JSON...) falls back to that reference path, which writes the same line or throws the same
 * {@link IllegalArgumentException} (the caller dead-letters the record with its message). A unit test
 * compares both paths on many hits. Not thread-safe: one instance per consumer thread.
 */
public final class LineEncoder {
  private static final JsonFactory JSON = new JsonFactory();

  // Slots: the columns' ordinals (RawHitColumn, the raw row's one owner), in the order the line is written:
  // tags first, then fields, then the timestamp. The slot sets below are bit masks, so at most 64 columns.
  private static final int PROPERTY_ID = RawHitColumn.PROPERTY_ID.ordinal();
  private static final int EVENT_NAME = RawHitColumn.EVENT_NAME.ordinal();
  private static final int HOSTNAME = RawHitColumn.HOSTNAME.ordinal();
  private static final int MEDIUM = RawHitColumn.MEDIUM.ordinal();
  private static final int DEVICE_CATEGORY = RawHitColumn.DEVICE_CATEGORY.ordinal();
  private static final int BROWSER = RawHitColumn.BROWSER.ordinal();
  private static final int OS = RawHitColumn.OS.ordinal();
  private static final int SCREEN_RESOLUTION = RawHitColumn.SCREEN_RESOLUTION.ordinal();
  private static final int LANGUAGE = RawHitColumn.LANGUAGE.ordinal();
  private static final int COUNTRY = RawHitColumn.COUNTRY.ordinal();
  private static final int PROTOCOL = RawHitColumn.PROTOCOL.ordinal();
  private static final int CLIENT_ID = RawHitColumn.CLIENT_ID.ordinal();
  private static final int USER_ID = RawHitColumn.USER_ID.ordinal();
  private static final int REQUEST_ID = RawHitColumn.REQUEST_ID.ordinal();
  private static final int SESSION_ID = RawHitColumn.SESSION_ID.ordinal();
  private static final int SESSION_NUMBER = RawHitColumn.SESSION_NUMBER.ordinal();
  private static final int RECEIVED_AT = RawHitColumn.RECEIVED_AT.ordinal();
  private static final int PARAMS = RawHitColumn.PARAMS.ordinal();
  private static final int ENGAGEMENT_MS = RawHitColumn.ENGAGEMENT_MS.ordinal();
  private static final int SESSION_ENGAGED = RawHitColumn.SESSION_ENGAGED.ordinal();
  private static final int KEY_EVENT = RawHitColumn.KEY_EVENT.ordinal();
  private static final int FIRST_VISIT = RawHitColumn.FIRST_VISIT.ordinal();
  private static final int SESSION_START = RawHitColumn.SESSION_START.ordinal();
  private static final int PAGE_LOCATION = RawHitColumn.PAGE_LOCATION.ordinal();
  private static final int PAGE_PATH = RawHitColumn.PAGE_PATH.ordinal();
  private static final int PAGE_TITLE = RawHitColumn.PAGE_TITLE.ordinal();
  private static final int PAGE_REFERRER = RawHitColumn.PAGE_REFERRER.ordinal();
  private static final int SOURCE = RawHitColumn.SOURCE.ordinal();
  private static final int CAMPAIGN = RawHitColumn.CAMPAIGN.ordinal();
  private static final int TERM = RawHitColumn.TERM.ordinal();
  private static final int CONTENT = RawHitColumn.CONTENT.ordinal();
  private static final int BROWSER_VERSION = RawHitColumn.BROWSER_VERSION.ordinal();
  private static final int OS_VERSION = RawHitColumn.OS_VERSION.ordinal();
  private static final int REGION = RawHitColumn.REGION.ordinal();
  private static final int CITY = RawHitColumn.CITY.ordinal();
  private static final int IS_BOT = RawHitColumn.IS_BOT.ordinal();
  private static final int SCHEMA_VERSION = RawHitColumn.SCHEMA_VERSION.ordinal();
  private static final int TS = RawHitColumn.TS.ordinal();
  private static final int SLOTS = RawHitColumn.values().length;
  private static final int TAGS = (int) RawHitColumn.all().stream().filter(RawHitColumn::isTag).count();

  static {
    if (SLOTS > 64 || TS != SLOTS - 1) {
      throw new ExceptionInInitializerError("LineEncoder's masks need at most 64 columns, ts last");
    }
    for (int s = 0; s < SLOTS; s++) {
      if (RawHitColumn.values()[s].isTag() != (s < TAGS)) {
        throw new ExceptionInInitializerError("RawHitColumn must list its tags first");
      }
    }
  }

  private static final long ALL = -1L;
  /** The string slots {@link #realtimeFields} returns (numbers and booleans, such as is_bot, are always read). */
  private static final long REALTIME = 1L << PROPERTY_ID | 1L << CLIENT_ID | 1L << REQUEST_ID | 1L << EVENT_NAME
      | 1L << PAGE_PATH | 1L << SOURCE | 1L << COUNTRY | 1L << DEVICE_CATEGORY;

  private static final String[] NAMES = RawHitColumn.all().stream().map(RawHitColumn::column)
      .toArray(String[]::new);

  private enum Kind { STRING, INT, LONG, BOOL, PARAMS }

  private static final Kind[] KINDS = new Kind[SLOTS];

  static {
    for (RawHitColumn c : RawHitColumn.all()) {
      KINDS[c.ordinal()] = switch (c.kind()) {
        case TAG, STRING -> Kind.STRING;
        case INT -> Kind.INT;
        case LONG, TIMESTAMP, DESIGNATED_TIMESTAMP -> Kind.LONG;
        case BOOL -> Kind.BOOL;
        case PARAMS -> Kind.PARAMS;
      };
    }
  }

  /** Thrown inside the fast path when the input needs the reference path. */
  private static final class Fallback extends Exception {
    static final Fallback INSTANCE = new Fallback();

    private Fallback() {
      super(null, null, false, false);
    }
  }

  // Values of the current hit: strings as ranges of chars, numbers and booleans as longs.
  private long seen;          // bit per slot: the field appeared (even as null)
  private long present;       // bit per slot: a non-null value
  private final int[] start = new int[SLOTS];
  private final int[] length = new int[SLOTS];
  private final long[] number = new long[SLOTS];
  private char[] chars = new char[4096];
  private int used;
  // params: key and value ranges in chars, in JSON order
  private int[] params = new int[64];
  private int paramCount;
  private int[] order = new int[16];

  /** Fast-path lines written (the rest went through the reference path); for tests and tuning. */
  long fastLines;
  long slowLines;

  /** Lines written by the streaming path so far (tests check which path a record took). */
  public long fastLines() {
    return fastLines;
  }

  /** Lines written through {@link LineProtocol} (the reference path) so far. */
  public long slowLines() {
    return slowLines;
  }

  /**
   * Appends the hit's line (no trailing newline) to {@code out}.
   *
   * @throws IllegalArgumentException if the bytes are not a writable hit; {@code out} is then unchanged
   */
  public void append(byte[] json, StringBuilder out) {
    int mark = out.length();
    try {
      parse(json, ALL);
      write(out);
      fastLines++;
    } catch (Fallback | IOException | RuntimeException e) {
      out.setLength(mark);
      // The reference path: same line, or the IllegalArgumentException the record is dead-lettered with.
      out.append(LineProtocol.line(HitCodec.decode(json)));
      slowLines++;
    }
  }

  /**
   * The fields the real-time view counts (property, client and request ids, ts, received_at, event name,
   * page path, source, country, device category, is_bot) as a {@link Hit} with everything else null, for the
   * same records and with the same values as {@link HitCodec#decode}, in a fraction of its time.
   *
   * @throws IllegalArgumentException as {@link HitCodec#decode} does
   */
  public Hit realtimeFields(byte[] json) {
    try {
      parse(json, REALTIME);
    } catch (Fallback | IOException | RuntimeException e) {
      return HitCodec.decode(json);
    }
    return Hit.builder()
        .propertyId(string(PROPERTY_ID))
        .clientId(string(CLIENT_ID))
        .requestId(string(REQUEST_ID))
        .ts(number[TS])
        .receivedAt((present & (1L << RECEIVED_AT)) == 0 ? 0 : number[RECEIVED_AT])
        .eventName(string(EVENT_NAME))
        .pagePath(string(PAGE_PATH))
        .source(string(SOURCE))
        .deviceCategory(string(DEVICE_CATEGORY))
        .country(string(COUNTRY))
        // Bots count in no real-time number, as in no report: the bridge needs the flag.
        .isBot((present & (1L << IS_BOT)) == 0 ? null : number[IS_BOT] != 0)
        .schemaVersion((present & (1L << SCHEMA_VERSION)) == 0 ? 0 : (int) number[SCHEMA_VERSION])
        .build();
  }

  private String string(int slot) {
    return (present & (1L << slot)) == 0 ? null : new String(chars, start[slot], length[slot]);
  }

  /**
   * Parses and checks every field as the reference path would; copies the characters only of the string
   * slots in {@code copy} (a bit per slot), the others are checked for their type and skipped.
   */
  private void parse(byte[] json, long copy) throws IOException, Fallback {
    seen = 0;
    present = 0;
    used = 0;
    paramCount = 0;
    try (JsonParser p = JSON.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw Fallback.INSTANCE;
      }
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        int slot = slot(p.currentName());
        JsonToken v = p.nextToken();
        if (slot < 0) {
          p.skipChildren(); // unknown field: ignored, as databind does
          continue;
        }
        long bit = 1L << slot;
        if ((seen & bit) != 0) {
          throw Fallback.INSTANCE; // databind keeps the last one; rare enough to leave to it
        }
        seen |= bit;
        if (v == JsonToken.VALUE_NULL) {
          if (slot == TS || slot == RECEIVED_AT || slot == SCHEMA_VERSION) {
            throw Fallback.INSTANCE; // primitives: databind's default for null
          }
          continue;
        }
        switch (KINDS[slot]) {
          case STRING -> {
            if (v != JsonToken.VALUE_STRING) {
              throw Fallback.INSTANCE;
            }
            if ((copy & bit) != 0) {
              start[slot] = copy(p);
              length[slot] = used - start[slot];
            }
          }
          case INT, LONG -> {
            if (v != JsonToken.VALUE_NUMBER_INT) {
              throw Fallback.INSTANCE;
            }
            JsonParser.NumberType type = p.getNumberType();
            if (type == JsonParser.NumberType.BIG_INTEGER
                || (KINDS[slot] == Kind.INT && type != JsonParser.NumberType.INT)) {
              throw Fallback.INSTANCE;
            }
            number[slot] = p.getLongValue();
          }
          case BOOL -> {
            if (v == JsonToken.VALUE_TRUE) {
              number[slot] = 1;
            } else if (v == JsonToken.VALUE_FALSE) {
              number[slot] = 0;
            } else {
              throw Fallback.INSTANCE;
            }
          }
          case PARAMS -> {
            if (v != JsonToken.START_OBJECT) {
              throw Fallback.INSTANCE;
            }
            readParams(p, (copy & bit) != 0);
          }
        }
        present |= bit;
      }
      if (t != JsonToken.END_OBJECT) {
        throw Fallback.INSTANCE;
      }
    }
    // HitCodec.decode's and LineProtocol.line's checks: when one fails, the reference path says why.
    if ((present & (1L << PROPERTY_ID)) == 0 || (present & (1L << CLIENT_ID)) == 0
        || (present & (1L << REQUEST_ID)) == 0 || (present & (1L << TS)) == 0) {
      throw Fallback.INSTANCE;
    }
    long ts = number[TS];
    long receivedAt = (present & (1L << RECEIVED_AT)) == 0 ? 0 : number[RECEIVED_AT];
    if (ts <= 0 || ts > LineProtocol.MAX_EPOCH_MS || receivedAt < 0 || receivedAt > LineProtocol.MAX_EPOCH_MS) {
      throw Fallback.INSTANCE;
    }
  }

  private void readParams(JsonParser p, boolean copy) throws IOException, Fallback {
    JsonToken t;
    while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
      if (!copy) {
        if (p.nextToken() != JsonToken.VALUE_STRING) {
          throw Fallback.INSTANCE;
        }
        continue;
      }
      if (paramCount * 4 + 4 > params.length) {
        params = Arrays.copyOf(params, params.length * 2);
      }
      int k = paramCount * 4;
      params[k] = copyName(p);
      params[k + 1] = used - params[k];
      if (p.nextToken() != JsonToken.VALUE_STRING) {
        throw Fallback.INSTANCE; // a null or non-string value: databind's coercions decide
      }
      params[k + 2] = copy(p);
      params[k + 3] = used - params[k + 2];
      paramCount++;
    }
    if (t != JsonToken.END_OBJECT) {
      throw Fallback.INSTANCE;
    }
  }

  private int copy(JsonParser p) throws IOException {
    return copy(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
  }

  private int copyName(JsonParser p) throws IOException {
    String name = p.currentName();
    int at = used;
    ensure(name.length());
    name.getChars(0, name.length(), chars, used);
    used += name.length();
    return at;
  }

  private int copy(char[] src, int offset, int len) {
    int at = used;
    ensure(len);
    System.arraycopy(src, offset, chars, used, len);
    used += len;
    return at;
  }

  private void ensure(int more) {
    if (used + more > chars.length) {
      chars = Arrays.copyOf(chars, Math.max(chars.length * 2, used + more));
    }
  }

  private static int slot(String name) {
    RawHitColumn c = RawHitColumn.byName(name);
    return c == null ? -1 : c.ordinal();
  }

  // ---- writing, in LineProtocol's order and escaping ----

  private void write(StringBuilder b) {
    b.append(LineProtocol.TABLE);
    for (int s = 0; s < TAGS; s++) {
      // An empty tag value is a syntax error in line protocol: absent and empty both mean null.
      if ((present & (1L << s)) != 0 && length[s] > 0) {
        b.append(',').append(NAMES[s]).append('=');
        tagChars(b, start[s], length[s]);
      }
    }
    boolean first = true;
    for (int s = TAGS; s < TS; s++) {
      boolean has = (present & (1L << s)) != 0;
      if (s == SCHEMA_VERSION) {
        // a primitive int: 0 when absent, always written
        b.append(first ? ' ' : ',').append(NAMES[s]).append('=').append(has ? number[s] : 0).append('i');
        first = false;
        continue;
      }
      if (!has || (s == RECEIVED_AT && number[s] == 0) || (s == PARAMS && paramCount == 0)) {
        continue;
      }
      b.append(first ? ' ' : ',').append(NAMES[s]).append('=');
      first = false;
      switch (KINDS[s]) {
        case STRING -> {
          b.append('"');
          strChars(b, start[s], length[s]);
          b.append('"');
        }
        // received_at is a timestamp field in microseconds (> 0 here, so ms * 1000 is ms then "000")
        case INT, LONG -> b.append(number[s]).append(s == RECEIVED_AT ? "000t" : "i");
        case BOOL -> b.append(number[s] != 0 ? "true" : "false");
        case PARAMS -> {
          b.append('"');
          paramsJson(b);
          b.append('"');
        }
      }
    }
    b.append(' ').append(number[TS]).append("000");
  }

  private void tagChars(StringBuilder b, int from, int len) {
    for (int i = from, end = from + len; i < end; i++) {
      char c = chars[i];
      switch (c) {
        case ' ', ',', '=', '\\', '\n', '\r' -> b.append('\\').append(c);
        default -> b.append(c);
      }
    }
  }

  private void strChars(StringBuilder b, int from, int len) {
    for (int i = from, end = from + len; i < end; i++) {
      strChar(b, chars[i]);
    }
  }

  private static void strChar(StringBuilder b, char c) {
    switch (c) {
      case '"', '\\', '\n', '\r' -> b.append('\\').append(c);
      default -> b.append(c);
    }
  }

  /**
   * The params as {@link LineProtocol#params} writes them (Jackson, keys sorted, a repeated key keeps its
   * last value), escaped for a line-protocol string.
   */
  private void paramsJson(StringBuilder b) {
    if (order.length < paramCount) {
      order = new int[Math.max(paramCount, order.length * 2)];
    }
    for (int i = 0; i < paramCount; i++) {
      order[i] = i;
    }
    // Stable insertion sort by key (few keys): equal keys keep their JSON order.
    for (int i = 1; i < paramCount; i++) {
      int x = order[i];
      int j = i - 1;
      while (j >= 0 && compareKeys(order[j], x) > 0) {
        order[j + 1] = order[j];
        j--;
      }
      order[j + 1] = x;
    }
    strChar(b, '{');
    boolean first = true;
    for (int i = 0; i < paramCount; i++) {
      if (i + 1 < paramCount && compareKeys(order[i], order[i + 1]) == 0) {
        continue; // a later value of the same key wins
      }
      int k = order[i] * 4;
      if (!first) {
        strChar(b, ',');
      }
      first = false;
      jsonString(b, params[k], params[k + 1]);
      strChar(b, ':');
      jsonString(b, params[k + 2], params[k + 3]);
    }
    strChar(b, '}');
  }

  private int compareKeys(int a, int b) {
    int ka = a * 4;
    int kb = b * 4;
    return Arrays.compare(chars, params[ka], params[ka] + params[ka + 1], chars, params[kb], params[kb] + params[kb + 1]);
  }

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  /** A JSON string as Jackson writes it by default (quote, backslash and control characters escaped). */
  private void jsonString(StringBuilder b, int from, int len) {
    strChar(b, '"');
    for (int i = from, end = from + len; i < end; i++) {
      char c = chars[i];
      if (c == '"' || c == '\\') {
        strChar(b, '\\');
        strChar(b, c);
      } else if (c < 0x20) {
        strChar(b, '\\');
        switch (c) {
          case '\b' -> strChar(b, 'b');
          case '\t' -> strChar(b, 't');
          case '\f' -> strChar(b, 'f');
          case '\n' -> strChar(b, 'n');
          case '\r' -> strChar(b, 'r');
          default -> b.append("u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
        }
      } else {
        strChar(b, c);
      }
    }
    strChar(b, '"');
  }
}
