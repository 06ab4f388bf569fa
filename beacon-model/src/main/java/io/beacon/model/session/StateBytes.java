package io.beacon.model.session;

import io.beacon.model.Hit;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The primitives of {@link ClientState}'s binary form: unsigned and zig-zag varints, and strings as references
 * into a table written once in front of the body (0 = null, n = the table's n-th string), so the values a
 * client's hits repeat (browser, country, source, page paths, parameter names ...) cost one or two bytes after
 * their first use. {@link Out} collects the body and the table; {@link Out#finish} writes version, table and
 * body. Every hit field is kept but the property and client ids, which the state holds once.
 */
final class StateBytes {
  private StateBytes() {
  }

  /** Writes the body into memory, collecting the string table as it goes. */
  static final class Out {
    private final ByteArrayOutputStream bodyBytes = new ByteArrayOutputStream(256);
    private final DataOutputStream body = new DataOutputStream(bodyBytes);
    private final Map<String, Integer> table = new LinkedHashMap<>();

    void u(long v) {
      try {
        writeUnsigned(body, v);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** A signed value (zig-zag). */
    void z(long v) {
      u((v << 1) ^ (v >> 63));
    }

    void b(int v) {
      try {
        body.writeByte(v);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** A string, possibly null, as a table reference. */
    void s(String v) {
      if (v == null) {
        u(0);
        return;
      }
      Integer ref = table.get(v);
      if (ref == null) {
        ref = table.size() + 1;
        table.put(v, ref);
      }
      u(ref);
    }

    /**
     * A hit without its property and client ids. {@code prevTs} is the previous hit's event time (the time is
     * written as the difference); returns this hit's.
     */
    long hit(Hit h, long prevTs) {
      long present = 0;
      Object[] nullable = nullables(h);
      for (int i = 0; i < nullable.length; i++) {
        if (nullable[i] != null) {
          present |= 1L << i;
        }
      }
      u(present);
      z(h.ts() - prevTs);
      z(h.receivedAt() - h.ts());
      u(h.schemaVersion());
      int bools = 0;
      int boolCount = 0;
      for (int i = 0; i < nullable.length; i++) {
        Object v = nullable[i];
        if (v == null) {
          continue;
        }
        if (v instanceof String str) {
          s(str);
        } else if (v instanceof Boolean flag) {
          bools = bools << 1 | (flag ? 1 : 0);
          boolCount++;
        } else if (v instanceof Integer n) {
          z(n);
        } else if (v instanceof Long n) {
          z(n);
        } else if (v instanceof Map<?, ?> params) {
          u(params.size());
          for (Map.Entry<?, ?> e : params.entrySet()) {
            s((String) e.getKey());
            s((String) e.getValue());
          }
        }
      }
      if (boolCount > 0) {
        b(bools); // 6 Boolean fields (at most 8 fit): one byte, in field order (last field in the lowest bit)
      }
      return h.ts();
    }

    /** Version, string table, body. */
    byte[] finish(int version) {
      try {
        ByteArrayOutputStream all = new ByteArrayOutputStream(bodyBytes.size() + 16 * table.size() + 8);
        DataOutputStream out = new DataOutputStream(all);
        out.writeByte(version);
        writeUnsigned(out, table.size());
        for (String v : table.keySet()) {
          byte[] utf8 = v.getBytes(StandardCharsets.UTF_8);
          writeUnsigned(out, utf8.length);
          out.write(utf8);
        }
        body.flush();
        bodyBytes.writeTo(out);
        out.flush();
        return all.toByteArray();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Reads what {@link Out} wrote. */
  static final class In {
    private final DataInputStream in;
    private final List<String> table;

    /** Reads the version byte (checked by the caller through {@link #version}) and the table. */
    In(byte[] bytes) {
      in = new DataInputStream(new ByteArrayInputStream(bytes));
      try {
        version = in.readUnsignedByte();
        int n = (int) readUnsigned(in);
        table = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          byte[] utf8 = new byte[(int) readUnsigned(in)];
          in.readFully(utf8);
          table.add(new String(utf8, StandardCharsets.UTF_8));
        }
      } catch (IOException e) {
        throw new IllegalArgumentException("not a client state: " + e, e);
      }
    }

    final int version;

    long u() {
      try {
        return readUnsigned(in);
      } catch (IOException e) {
        throw new IllegalArgumentException("truncated client state", e);
      }
    }

    long z() {
      long v = u();
      return (v >>> 1) ^ -(v & 1);
    }

    int b() {
      try {
        return in.readUnsignedByte();
      } catch (IOException e) {
        throw new IllegalArgumentException("truncated client state", e);
      }
    }

    String s() {
      long ref = u();
      if (ref == 0) {
        return null;
      }
      if (ref > table.size()) {
        throw new IllegalArgumentException("bad string reference " + ref);
      }
      return table.get((int) ref - 1);
    }

    boolean atEnd() {
      try {
        return in.available() == 0;
      } catch (IOException e) {
        return false;
      }
    }

    /** A hit written by {@link Out#hit}; {@code prevTs} as there. */
    Hit hit(String propertyId, String clientId, long prevTs) {
      long present = u();
      long ts = prevTs + z();
      long receivedAt = ts + z();
      int schemaVersion = (int) u();
      Object[] v = new Object[NULLABLE_KINDS.length];
      List<Integer> boolSlots = new ArrayList<>();
      for (int i = 0; i < NULLABLE_KINDS.length; i++) {
        if ((present & 1L << i) == 0) {
          continue;
        }
        switch (NULLABLE_KINDS[i]) {
          case 's' -> v[i] = s();
          case 'b' -> boolSlots.add(i);
          case 'i' -> v[i] = (int) z();
          case 'l' -> v[i] = z();
          case 'm' -> {
            int n = (int) u();
            Map<String, String> params = new HashMap<>(Math.max(4, n * 2));
            for (int k = 0; k < n; k++) {
              params.put(s(), s());
            }
            v[i] = params;
          }
          default -> throw new IllegalStateException();
        }
      }
      int bools = boolSlots.isEmpty() ? 0 : b();
      for (int k = boolSlots.size() - 1; k >= 0; k--) {
        v[boolSlots.get(k)] = (bools & 1) == 1;
        bools >>= 1;
      }
      @SuppressWarnings("unchecked")
      Map<String, String> params = (Map<String, String>) v[5];
      return Hit.builder().propertyId(propertyId).clientId(clientId).userId((String) v[0]).requestId((String) v[1])
          .sessionId((String) v[2]).sessionNumber((Integer) v[3]).ts(ts).receivedAt(receivedAt).eventName((String) v[4])
          .params(params).engagementMs((Long) v[6]).sessionEngaged((Boolean) v[7]).keyEvent((Boolean) v[8])
          .firstVisit((Boolean) v[9]).sessionStart((Boolean) v[10]).pageLocation((String) v[11])
          .hostname((String) v[12]).pagePath((String) v[13]).pageTitle((String) v[14]).pageReferrer((String) v[15])
          .source((String) v[16]).medium((String) v[17]).campaign((String) v[18]).term((String) v[19])
          .content((String) v[20]).deviceCategory((String) v[21]).browser((String) v[22])
          .browserVersion((String) v[23]).os((String) v[24]).osVersion((String) v[25])
          .screenResolution((String) v[26]).language((String) v[27]).country((String) v[28])
          .region((String) v[29]).city((String) v[30]).isBot((Boolean) v[31]).protocol((String) v[32])
          .nonInteraction((Boolean) v[33]).deviceModel((String) v[34]).deviceBrand((String) v[35])
          .sessionTimeoutMs((Long) v[36]).engagedAfterMs((Long) v[37]).streamId((String) v[38])
          .schemaVersion(schemaVersion).build();
    }
  }

  /**
   * Kind of each nullable hit field in {@link #nullables} order: s string, b Boolean, i Integer, l Long, m the
   * params map. Adding a hit field appends here and in both lists below (and bumps {@link ClientState}'s
   * format version): appended, an older state's hits (whose presence bits stop before it) read with the new
   * field null. Format 1 ended with the protocol; format 2 appended non_interaction; format 3 device_model and
   * device_brand; format 4 the session settings; format 5 the stream id.
   */
  private static final char[] NULLABLE_KINDS = ("sssi" + "sm" + "lbbbb" + "sssss" + "sssss" + "sssss" + "sssss" + "bs"
      + "b" + "ss" + "ll" + "s").toCharArray();

  /** The hit's nullable fields (all but property, client, the two times and the schema version). */
  private static Object[] nullables(Hit h) {
    return new Object[] {h.userId(), h.requestId(), h.sessionId(), h.sessionNumber(),
        h.eventName(), h.params(),
        h.engagementMs(), h.sessionEngaged(), h.keyEvent(), h.firstVisit(), h.sessionStart(),
        h.pageLocation(), h.hostname(), h.pagePath(), h.pageTitle(), h.pageReferrer(),
        h.source(), h.medium(), h.campaign(), h.term(), h.content(),
        h.deviceCategory(), h.browser(), h.browserVersion(), h.os(), h.osVersion(),
        h.screenResolution(), h.language(), h.country(), h.region(), h.city(),
        h.isBot(), h.protocol(),
        h.nonInteraction(),
        h.deviceModel(), h.deviceBrand(),
        h.sessionTimeoutMs(), h.engagedAfterMs(),
        h.streamId()};
  }

  static {
    // Property, client, the two times and the schema version are written apart; a new Hit field must be added here.
    if (NULLABLE_KINDS.length != Hit.class.getRecordComponents().length - 5) {
      throw new IllegalStateException("StateBytes does not know every Hit field");
    }
  }

  private static void writeUnsigned(DataOutputStream out, long v) throws IOException {
    while ((v & ~0x7FL) != 0) {
      out.writeByte((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.writeByte((int) v);
  }

  private static long readUnsigned(DataInputStream in) throws IOException {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException();
      }
      v |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return v;
      }
    }
    throw new IOException("varint too long");
  }
}
