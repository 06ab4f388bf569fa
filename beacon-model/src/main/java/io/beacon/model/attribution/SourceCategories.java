package io.beacon.model.attribution;

import java.io.IOException;
import java.io.Reader;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Which sources are search, social, shopping or video sites: the table GA4's default channel group rules
 * read ("source matches a list of search sites"), kept as data in {@code source-categories.tsv} next to this
 * class and loaded once, into an immutable map.
 *
 * <p>A lookup ignores case, as GA4's channel rules do, and one leading {@code www.}: Beacon drops it from
 * referral sources ({@link Attribution}), and so does GA4's list, which names {@code facebook.com} and
 * {@code linkedin.com} though desktop visits from them come from {@code www.} hosts; a {@code utm_source} of
 * {@code www.facebook.com} then lands where the referrer would. Other prefixes ({@code m.}, {@code l.}) are
 * kept: they name different hosts, which GA4's list spells out one by one ({@code m.facebook.com},
 * {@code m.youtube.com}).
 */
public final class SourceCategories {
  static final String RESOURCE = "source-categories.tsv";
  private static final Map<String, SourceCategory> TABLE = index(Tsv.resource(SourceCategories.class, RESOURCE,
      "source", "category"));

  private SourceCategories() {}

  /** The category of a session source (a name like {@code google} or a host), empty for any other source. */
  public static Optional<SourceCategory> of(String source) {
    return source == null ? Optional.empty() : Optional.ofNullable(TABLE.get(key(source)));
  }

  /** True when the source is listed under that category. */
  public static boolean is(String source, SourceCategory category) {
    return of(source).filter(category::equals).isPresent();
  }

  /** Every listed source (as looked up: lower case, no leading {@code www.}) and its category. */
  public static Map<String, SourceCategory> all() {
    return TABLE;
  }

  /** Parses a table in the resource's format (for tests of the format itself). */
  static Map<String, SourceCategory> parse(Reader reader, String name) throws IOException {
    return index(Tsv.parse(reader, name, "source", "category"));
  }

  private static Map<String, SourceCategory> index(List<Tsv.Row> rows) {
    Map<String, SourceCategory> out = new HashMap<>();
    for (Tsv.Row row : rows) {
      SourceCategory category;
      try {
        category = SourceCategory.valueOf(row.value());
      } catch (IllegalArgumentException e) {
        throw row.error("unknown category '" + row.value() + "'");
      }
      if (out.put(key(row.key()), category) != null) {
        throw row.error("'" + row.key() + "' is listed twice");
      }
    }
    return Map.copyOf(out);
  }

  /** How sources and hosts are compared in this package: lower case, one leading {@code www.} dropped. */
  static String key(String sourceOrHost) {
    String s = sourceOrHost.strip().toLowerCase(Locale.ROOT);
    return s.startsWith("www.") && s.length() > 4 ? s.substring(4) : s;
  }
}
