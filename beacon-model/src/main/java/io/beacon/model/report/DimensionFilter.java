package io.beacon.model.report;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A GA4 {@code FilterExpression} on dimension values: {@code filter} (stringFilter, inListFilter, numericFilter,
 * betweenFilter or emptyFilter), {@code andGroup}, {@code orGroup}, {@code notExpression}.
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

  /** {@code emptyFilter}: the field's value is "", "(not set)" or missing. */
  record Empty(String field) implements DimensionFilter {
    public boolean matches(Map<String, String> values) {
      return empty(values.get(field));
    }

    public Set<String> fields() {
      return Set.of(field);
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
    return FilterTrees.parse(node, path, depth, new FilterTrees.Builder<DimensionFilter>() {
      public DimensionFilter leaf(Map<?, ?> filter, String at) {
        return DimensionFilter.leaf(filter, at);
      }

      public DimensionFilter group(boolean and, List<DimensionFilter> parts) {
        return new Group(and, parts);
      }

      public DimensionFilter not(DimensionFilter inner) {
        return new Not(inner);
      }
    });
  }

  /** Match type names by their number in GA's {@code StringFilter.MatchType}. */
  String[] MATCH_TYPES = {"MATCH_TYPE_UNSPECIFIED", "EXACT", "BEGINS_WITH", "ENDS_WITH", "CONTAINS", "FULL_REGEXP",
      "PARTIAL_REGEXP"};

  /**
   * The values {@code emptyFilter} matches: GA's "empty values such as "(not set)" and """ (and a value the hit
   * does not have at all).
   */
  static boolean empty(String v) {
    return v == null || v.isEmpty() || v.equals("(not set)");
  }

  private static DimensionFilter leaf(Map<?, ?> f, String path) {
    String kind = FilterTrees.kindOf(f, path);
    String field = FilterTrees.fieldName(f, path);
    Object body = f.get(kind);
    if (!(body instanceof Map<?, ?> raw)) {
      throw InvalidRequestException.of(path + "." + kind, "must be an object");
    }
    Map<?, ?> spec = FilterTrees.withoutNulls(raw);
    String at = path + "." + kind;
    switch (kind) {
      case "stringFilter" -> {
        ProtoJson.only(spec, at, Set.of("matchType", "value", "caseSensitive"));
        String value = spec.get("value") instanceof String v ? v : null;
        if (value == null) {
          throw InvalidRequestException.of(at + ".value", "is required");
        }
        boolean cs = ProtoJson.bool(spec, "caseSensitive", at);
        String matchType = ProtoJson.enumName(spec.get("matchType"), at + ".matchType", MATCH_TYPES);
        matchType = matchType == null ? "EXACT" : matchType;
        String want = cs ? value : value.toLowerCase(Locale.ROOT);
        java.util.function.Function<String, String> norm = cs ? v -> v : v -> v.toLowerCase(Locale.ROOT);
        return switch (matchType) {
          case "EXACT" -> new Leaf(field, v -> norm.apply(v).equals(want));
          case "BEGINS_WITH" -> new Leaf(field, v -> norm.apply(v).startsWith(want));
          case "ENDS_WITH" -> new Leaf(field, v -> norm.apply(v).endsWith(want));
          case "CONTAINS" -> new Leaf(field, v -> norm.apply(v).contains(want));
          case "FULL_REGEXP", "PARTIAL_REGEXP" -> {
            Pattern p = regex(value, cs, at + ".value");
            yield matchType.equals("FULL_REGEXP") ? new Leaf(field, v -> p.matcher(v).matches())
                : new Leaf(field, v -> p.matcher(v).find());
          }
          default -> throw new IllegalStateException(matchType);
        };
      }
      case "inListFilter" -> {
        ProtoJson.only(spec, at, Set.of("values", "caseSensitive"));
        if (!(spec.get("values") instanceof List<?> values) || values.isEmpty()) {
          throw InvalidRequestException.of(at + ".values", "must be a non-empty array of strings");
        }
        boolean cs = ProtoJson.bool(spec, "caseSensitive", at);
        Set<String> set = new HashSet<>();
        for (int i = 0; i < values.size(); i++) {
          if (!(values.get(i) instanceof String s)) {
            throw InvalidRequestException.of(at + ".values[" + i + "]", "must be a string");
          }
          set.add(cs ? s : s.toLowerCase(Locale.ROOT));
        }
        return new Leaf(field, v -> set.contains(cs ? v : v.toLowerCase(Locale.ROOT)));
      }
      case "numericFilter", "betweenFilter" -> {
        java.util.function.Predicate<java.math.BigDecimal> test = kind.equals("numericFilter")
            ? NumericCondition.numeric(spec, at) : NumericCondition.between(spec, at);
        return new Leaf(field, v -> {
          java.math.BigDecimal n = NumericCondition.of(v);
          return n != null && test.test(n);
        });
      }
      case "emptyFilter" -> {
        ProtoJson.only(spec, at, Set.of());
        return new Empty(field);
      }
      default -> throw new IllegalStateException(kind);
    }
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
