package io.beacon.model.report;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A GA4 {@code FilterExpression} on dimension values: {@code filter} (stringFilter or
 * inListFilter), {@code andGroup}, {@code orGroup}, {@code notExpression}.
 */
public sealed interface DimensionFilter {
  boolean matches(Map<String, String> dimensionValues);

  /** The dimension names this filter reads. */
  Set<String> fields();

  record Leaf(String field, java.util.function.Predicate<String> test) implements DimensionFilter {
    public boolean matches(Map<String, String> values) {
      String v = values.get(field);
      return v != null && test.test(v);
    }

    public Set<String> fields() {
      return Set.of(field);
    }
  }

  record Group(boolean and, List<DimensionFilter> parts) implements DimensionFilter {
    public boolean matches(Map<String, String> values) {
      return and ? parts.stream().allMatch(p -> p.matches(values)) : parts.stream().anyMatch(p -> p.matches(values));
    }

    public Set<String> fields() {
      Set<String> s = new HashSet<>();
      parts.forEach(p -> s.addAll(p.fields()));
      return s;
    }
  }

  record Not(DimensionFilter inner) implements DimensionFilter {
    public boolean matches(Map<String, String> values) {
      return !inner.matches(values);
    }

    public Set<String> fields() {
      return inner.fields();
    }
  }

  /** Parses a FilterExpression; {@code path} names it in errors (e.g. "dimensionFilter.andGroup.expressions[1]"). */
  static DimensionFilter parse(Object node, String path, int depth) {
    if (!(node instanceof Map<?, ?> json)) {
      throw InvalidRequestException.of(path, "must be an object");
    }
    if (depth > 10) {
      throw InvalidRequestException.of(path, "is nested too deeply (at most 10 levels)");
    }
    if (json.size() != 1) {
      throw InvalidRequestException.of(path, "must have exactly one of filter, andGroup, orGroup, notExpression");
    }
    if (!(json.keySet().iterator().next() instanceof String kind)) {
      throw InvalidRequestException.of(path, "must be an object");
    }
    Object body = json.get(kind);
    return switch (kind) {
      case "filter" -> leaf(body, path + ".filter");
      case "andGroup", "orGroup" -> {
        if (!(body instanceof Map<?, ?> g) || !(g.get("expressions") instanceof List<?> exprs) || exprs.isEmpty()) {
          throw InvalidRequestException.of(path + "." + kind + ".expressions", "must be a non-empty array");
        }
        List<DimensionFilter> parts = new ArrayList<>();
        for (int i = 0; i < exprs.size(); i++) {
          parts.add(parse(exprs.get(i), path + "." + kind + ".expressions[" + i + "]", depth + 1));
        }
        yield new Group(kind.equals("andGroup"), parts);
      }
      case "notExpression" -> new Not(parse(body, path + ".notExpression", depth + 1));
      default -> throw InvalidRequestException.of(path + "." + kind, "unknown filter expression kind");
    };
  }

  private static DimensionFilter leaf(Object body, String path) {
    if (!(body instanceof Map<?, ?> f)) {
      throw InvalidRequestException.of(path, "must be an object");
    }
    String field = f.get("fieldName") instanceof String s && !s.isBlank() ? s : null;
    if (field == null) {
      throw InvalidRequestException.of(path + ".fieldName", "is required");
    }
    if (f.get("stringFilter") instanceof Map<?, ?> sf) {
      String value = sf.get("value") instanceof String v ? v : null;
      if (value == null) {
        throw InvalidRequestException.of(path + ".stringFilter.value", "is required");
      }
      boolean cs = Boolean.TRUE.equals(sf.get("caseSensitive"));
      String matchType = sf.get("matchType") instanceof String mt ? mt : "EXACT";
      String want = cs ? value : value.toLowerCase(Locale.ROOT);
      java.util.function.Function<String, String> norm = cs ? v -> v : v -> v.toLowerCase(Locale.ROOT);
      return switch (matchType) {
        case "EXACT" -> new Leaf(field, v -> norm.apply(v).equals(want));
        case "BEGINS_WITH" -> new Leaf(field, v -> norm.apply(v).startsWith(want));
        case "ENDS_WITH" -> new Leaf(field, v -> norm.apply(v).endsWith(want));
        case "CONTAINS" -> new Leaf(field, v -> norm.apply(v).contains(want));
        case "FULL_REGEXP", "PARTIAL_REGEXP" -> {
          Pattern p = regex(value, cs, path + ".stringFilter.value");
          yield matchType.equals("FULL_REGEXP") ? new Leaf(field, v -> p.matcher(v).matches())
              : new Leaf(field, v -> p.matcher(v).find());
        }
        default -> throw InvalidRequestException.of(path + ".stringFilter.matchType",
            "'" + matchType + "' is not one of EXACT, BEGINS_WITH, ENDS_WITH, CONTAINS, FULL_REGEXP, PARTIAL_REGEXP");
      };
    }
    if (f.get("inListFilter") instanceof Map<?, ?> lf) {
      if (!(lf.get("values") instanceof List<?> values) || values.isEmpty()) {
        throw InvalidRequestException.of(path + ".inListFilter.values", "must be a non-empty array of strings");
      }
      boolean cs = Boolean.TRUE.equals(lf.get("caseSensitive"));
      Set<String> set = new HashSet<>();
      for (int i = 0; i < values.size(); i++) {
        if (!(values.get(i) instanceof String s)) {
          throw InvalidRequestException.of(path + ".inListFilter.values[" + i + "]", "must be a string");
        }
        set.add(cs ? s : s.toLowerCase(Locale.ROOT));
      }
      return new Leaf(field, v -> set.contains(cs ? v : v.toLowerCase(Locale.ROOT)));
    }
    throw InvalidRequestException.of(path, "needs a stringFilter or an inListFilter");
  }

  /**
   * Compiles a filter's regular expression with RE2/J. The values it runs against are tracked by anyone (page paths,
   * titles, parameters), so matching must take linear time whatever the pattern: RE2 never backtracks, where
   * java.util.regex takes seconds on e.g. {@code (.*a){12}$}. RE2 is also the syntax GA4's regular expression
   * filters use; what it lacks (backreferences, lookaround, possessive quantifiers) is refused as in GA4.
   */
  private static Pattern regex(String value, boolean caseSensitive, String field) {
    if (value.length() > 500) {
      throw InvalidRequestException.of(field, "regular expression longer than 500 characters");
    }
    // Before compiling: RE2/J expands counted repetitions, so a nested one could exhaust the heap.
    if (RegexSize.of(value) > RegexSize.MAX) {
      throw InvalidRequestException.of(field, "regular expression too large once its counted repetitions ({n,m})"
          + " are expanded (at most " + RegexSize.MAX + " characters and classes)");
    }
    try {
      return Pattern.compile(value, caseSensitive ? 0 : Pattern.CASE_INSENSITIVE);
    } catch (PatternSyntaxException e) {
      // RE2/J names the offending part, or the whole pattern with the (?i) it prefixes for case-insensitivity.
      String at = !caseSensitive && e.getPattern().equals("(?i)" + value) ? value : e.getPattern();
      throw InvalidRequestException.of(field, "invalid regular expression: " + e.getDescription() + ": `" + at
          + "` (RE2 syntax, as in GA4: no backreferences, lookaround or possessive quantifiers)");
    }
  }
}
