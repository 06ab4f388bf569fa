package io.beacon.model.attribution;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Referrer host to search engine name ({@code www.google.co.uk} -> {@code google}), from
 * {@code search-engines.tsv} next to this class: data, like the source categories, so adding an engine is a
 * row, not a release of rules. The file's header comment defines the pattern syntax.
 */
final class SearchEngines {
  static final String RESOURCE = "search-engines.tsv";
  /** What {@code .*} stands for: a top-level domain, or two labels where the first is short (co.uk, com.br). */
  private static final Pattern ANY_TLD = Pattern.compile("(?:[a-z]{2,3}\\.)?[a-z]{2,63}");
  private static final SearchEngines TABLE = new SearchEngines(Tsv.resource(SearchEngines.class, RESOURCE,
      "pattern", "engine"));

  private record Affix(String affix, String engine) {}

  private final Map<String, String> exact;
  /** {@code *.search.yahoo.com}: the host itself or any subdomain of it. */
  private final List<Affix> anySubdomain;
  /** {@code google.*}: the name under any top-level domain. */
  private final List<Affix> anyTld;

  private SearchEngines(List<Tsv.Row> rows) {
    Map<String, String> exact = new HashMap<>();
    List<Affix> anySubdomain = new ArrayList<>();
    List<Affix> anyTld = new ArrayList<>();
    for (Tsv.Row row : rows) {
      String pattern = SourceCategories.key(row.key());
      String engine = row.value();
      if (pattern.startsWith("*.")) {
        anySubdomain.add(new Affix(pattern.substring(2), engine));
      } else if (pattern.endsWith(".*")) {
        anyTld.add(new Affix(pattern.substring(0, pattern.length() - 2), engine));
      } else if (pattern.contains("*")) {
        throw row.error("'*' only as a leading '*.' or a trailing '.*'");
      } else if (exact.put(pattern, engine) != null) {
        throw row.error("'" + row.key() + "' is listed twice");
      }
    }
    this.exact = Map.copyOf(exact);
    this.anySubdomain = List.copyOf(anySubdomain);
    this.anyTld = List.copyOf(anyTld);
  }

  static SearchEngines parse(Reader reader, String name) throws IOException {
    return new SearchEngines(Tsv.parse(reader, name, "pattern", "engine"));
  }

  /** The engine a referrer host belongs to, empty for any other host. */
  static Optional<String> of(String host) {
    return TABLE.engineOf(host);
  }

  /** Every engine name the table can give. */
  static List<String> engines() {
    List<String> out = new ArrayList<>(TABLE.exact.values());
    TABLE.anySubdomain.forEach(a -> out.add(a.engine()));
    TABLE.anyTld.forEach(a -> out.add(a.engine()));
    return out.stream().distinct().sorted().toList();
  }

  Optional<String> engineOf(String host) {
    if (host == null || host.isBlank()) {
      return Optional.empty();
    }
    String h = SourceCategories.key(host);
    String engine = exact.get(h);
    if (engine != null) {
      return Optional.of(engine);
    }
    for (Affix a : anySubdomain) {
      if (h.equals(a.affix()) || h.endsWith("." + a.affix())) {
        return Optional.of(a.engine());
      }
    }
    for (Affix a : anyTld) {
      if (h.startsWith(a.affix() + ".") && ANY_TLD.matcher(h.substring(a.affix().length() + 1)).matches()) {
        return Optional.of(a.engine());
      }
    }
    return Optional.empty();
  }
}
