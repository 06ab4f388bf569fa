package io.beacon.collector;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a small, real MaxMind DB (format 2.0, IPv4 tree, 24-bit records) in the GeoIP2 City
 * layout, so tests read it with MaxMind's own reader. No licensed data is involved: the networks
 * and places are made up by the test. (MaxMind's Java writer is not on Maven Central.)
 */
public final class TestMmdb {
  private final List<int[]> nodes = new ArrayList<>();
  private final ByteArrayOutputStream data = new ByteArrayOutputStream();
  private static final int EMPTY = -1;

  public TestMmdb() {
    nodes.add(new int[] {EMPTY, EMPTY});
  }

  /** Maps an IPv4 network to a city record (country ISO code, first subdivision, city, all English names). */
  public TestMmdb city(String cidr, String country, String region, String city) throws IOException {
    Map<String, Object> rec = new LinkedHashMap<>();
    rec.put("country", Map.of("iso_code", country, "names", Map.of("en", country)));
    rec.put("subdivisions", List.of(Map.of("names", Map.of("en", region))));
    rec.put("city", Map.of("names", Map.of("en", city)));
    int offset = data.size();
    encode(rec, data);
    String[] parts = cidr.split("/");
    byte[] ip = InetAddress.getByName(parts[0]).getAddress();
    int bits = Integer.parseInt(parts[1]);
    int node = 0;
    for (int i = 0; i < bits; i++) {
      int bit = (ip[i / 8] >> (7 - i % 8)) & 1;
      if (i == bits - 1) {
        nodes.get(node)[bit] = -2 - offset; // data marker, resolved at write time
      } else {
        int current = nodes.get(node)[bit];
        if (current < 0) {
          // empty, or a wider network's data: a more specific network splits it
          nodes.add(new int[] {current, current});
          nodes.get(node)[bit] = nodes.size() - 1;
        }
        node = nodes.get(node)[bit];
      }
    }
    return this;
  }

  public void write(Path file) throws IOException {
    int n = nodes.size();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int[] node : nodes) {
      for (int r : node) {
        int v = r == EMPTY ? n : r <= -2 ? n + 16 + (-2 - r) : r;
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
      }
    }
    out.write(new byte[16]);
    data.writeTo(out);
    out.write(new byte[] {(byte) 0xAB, (byte) 0xCD, (byte) 0xEF});
    out.write("MaxMind.com".getBytes(StandardCharsets.US_ASCII));
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("binary_format_major_version", new U16(2));
    meta.put("binary_format_minor_version", new U16(0));
    meta.put("build_epoch", new U64(System.currentTimeMillis() / 1000));
    meta.put("database_type", "GeoIP2-City");
    meta.put("description", Map.of("en", "Beacon test database"));
    meta.put("ip_version", new U16(4));
    meta.put("languages", List.of("en"));
    meta.put("node_count", new U32(n));
    meta.put("record_size", new U16(24));
    encode(meta, out);
    Files.createDirectories(file.getParent());
    Files.write(file, out.toByteArray());
  }

  private record U16(int v) {}

  private record U32(long v) {}

  private record U64(long v) {}

  private static void encode(Object o, ByteArrayOutputStream out) throws IOException {
    if (o instanceof String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      control(2, b.length, out);
      out.write(b);
    } else if (o instanceof Map<?, ?> m) {
      control(7, m.size(), out);
      for (Map.Entry<?, ?> e : m.entrySet()) {
        encode(e.getKey(), out);
        encode(e.getValue(), out);
      }
    } else if (o instanceof List<?> l) {
      control(11, l.size(), out);
      for (Object x : l) {
        encode(x, out);
      }
    } else if (o instanceof U16 u) {
      uint(5, u.v(), out);
    } else if (o instanceof U32 u) {
      uint(6, u.v(), out);
    } else if (o instanceof U64 u) {
      uint(9, u.v(), out);
    } else {
      throw new IllegalArgumentException("unsupported " + o);
    }
  }

  private static void uint(int type, long v, ByteArrayOutputStream out) {
    int len = 0;
    for (long x = v; x != 0; x >>>= 8) {
      len++;
    }
    control(type, len, out);
    for (int i = len - 1; i >= 0; i--) {
      out.write((int) (v >>> (8 * i)));
    }
  }

  private static void control(int type, int size, ByteArrayOutputStream out) {
    int t = type <= 7 ? type << 5 : 0;
    if (size < 29) {
      out.write(t | size);
      if (type > 7) {
        out.write(type - 7);
      }
    } else if (size < 285) {
      out.write(t | 29);
      if (type > 7) {
        out.write(type - 7);
      }
      out.write(size - 29);
    } else {
      throw new IllegalArgumentException("too large for this test writer: " + size);
    }
  }
}
