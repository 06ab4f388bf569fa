package io.beacon.collector.enrich;

import com.maxmind.db.CHMCache;
import com.maxmind.db.Reader;
import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;

/**
 * Country/region/city of an (already anonymised) IP from a MaxMind-format City database (GeoLite2
 * or GeoIP2 City layout), read with MaxMind's own reader over a memory map: lookups are in-memory
 * and fast enough for an event loop.
 */
public final class GeoLookup implements Closeable {
  /** ISO country code, first subdivision name, city name; any may be null. */
  public record Geo(String country, String region, String city) {
    static final Geo NONE = new Geo(null, null, null);
  }

  private final Reader reader;

  private GeoLookup(Reader reader) {
    this.reader = reader;
  }

  /** Opens the database; null path or blank means no geo enrichment ({@link #lookup} answers nothing). */
  public static GeoLookup open(String path) throws IOException {
    return new GeoLookup(path == null || path.isBlank() ? null : new Reader(new File(path), new CHMCache()));
  }

  @SuppressWarnings("unchecked")
  public Geo lookup(InetAddress address) {
    if (reader == null || address == null) {
      return Geo.NONE;
    }
    try {
      Map<String, Object> rec = reader.get(address, Map.class);
      if (rec == null) {
        return Geo.NONE;
      }
      String country = string(rec.get("country"), "iso_code");
      String region = null;
      Object subs = rec.get("subdivisions");
      if (subs instanceof List<?> list && !list.isEmpty()) {
        region = name(list.get(0));
      }
      return new Geo(country, region, name(rec.get("city")));
    } catch (IOException | RuntimeException e) {
      return Geo.NONE;
    }
  }

  private static String name(Object node) {
    if (node instanceof Map<?, ?> m && m.get("names") instanceof Map<?, ?> names && names.get("en") instanceof String s) {
      return s;
    }
    return null;
  }

  private static String string(Object node, String key) {
    return node instanceof Map<?, ?> m && m.get(key) instanceof String s ? s : null;
  }

  @Override
  public void close() throws IOException {
    if (reader != null) {
      reader.close();
    }
  }
}
