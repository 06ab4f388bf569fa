package io.beacon.collector.protocol;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Parses {@code application/x-www-form-urlencoded} text (query strings, UA/GA4 hit lines). */
public final class QueryStrings {
  private QueryStrings() {}

  /** Decodes {@code a=1&b=2}; the last value of a repeated name wins; malformed escapes are kept raw. */
  public static Map<String, String> parse(String qs) {
    Map<String, String> out = new LinkedHashMap<>();
    if (qs == null || qs.isEmpty()) {
      return out;
    }
    for (String pair : qs.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = decode(eq < 0 ? pair : pair.substring(0, eq));
      String v = eq < 0 ? "" : decode(pair.substring(eq + 1));
      if (!k.isEmpty()) {
        out.put(k, v);
      }
    }
    return out;
  }

  static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return s;
    }
  }

  /** Empty strings are "absent" in the hit model. */
  static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
