package io.beacon.model.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The shape of a GA4 {@code FilterExpression}, shared by dimension and metric filters: exactly one of
 * {@code filter}, {@code andGroup}, {@code orGroup} ({@code {"expressions": [...]}}) and {@code notExpression},
 * at most 10 levels deep. What a {@code filter} leaf is, is the caller's.
 */
final class FilterTrees {
  private FilterTrees() {}

  interface Builder<T> {
    /** A {@code Filter} object (not null), at {@code path} (e.g. "metricFilter.filter"). */
    T leaf(Map<?, ?> filter, String path);

    T group(boolean and, List<T> parts);

    T not(T inner);
  }

  static <T> T parse(Object node, String path, int depth, Builder<T> builder) {
    if (!(node instanceof Map<?, ?> json)) {
      throw InvalidRequestException.of(path, "must be an object");
    }
    if (depth > 10) {
      throw InvalidRequestException.of(path, "is nested too deeply (at most 10 levels)");
    }
    json = withoutNulls(json);
    if (json.size() != 1) {
      throw InvalidRequestException.of(path, "must have exactly one of filter, andGroup, orGroup, notExpression");
    }
    if (!(json.keySet().iterator().next() instanceof String kind)) {
      throw InvalidRequestException.of(path, "must be an object");
    }
    Object body = json.get(kind);
    return switch (kind) {
      case "filter" -> {
        if (!(body instanceof Map<?, ?> f)) {
          throw InvalidRequestException.of(path + ".filter", "must be an object");
        }
        yield builder.leaf(withoutNulls(f), path + ".filter");
      }
      case "andGroup", "orGroup" -> {
        if (body instanceof Map<?, ?> g) {
          ProtoJson.only(g, path + "." + kind, Set.of("expressions"));
        }
        if (!(body instanceof Map<?, ?> g) || !(g.get("expressions") instanceof List<?> exprs) || exprs.isEmpty()) {
          throw InvalidRequestException.of(path + "." + kind + ".expressions", "must be a non-empty array");
        }
        List<T> parts = new ArrayList<>();
        for (int i = 0; i < exprs.size(); i++) {
          parts.add(parse(exprs.get(i), path + "." + kind + ".expressions[" + i + "]", depth + 1, builder));
        }
        yield builder.group(kind.equals("andGroup"), parts);
      }
      case "notExpression" -> builder.not(parse(body, path + ".notExpression", depth + 1, builder));
      default -> throw InvalidRequestException.of(path + "." + kind,
          "unknown field (a FilterExpression has filter, andGroup, orGroup, notExpression)");
    };
  }

  /** The object without its null fields (proto JSON: a null field is an absent one). */
  static Map<?, ?> withoutNulls(Map<?, ?> m) {
    boolean nulls = false;
    for (Object v : m.values()) {
      nulls |= v == null;
    }
    if (!nulls) {
      return m; // (Map.of(...).containsValue(null) would throw)
    }
    Map<Object, Object> out = new java.util.LinkedHashMap<>();
    m.forEach((k, v) -> {
      if (v != null) {
        out.put(k, v);
      }
    });
    return out;
  }

  /** The name of the one filter kind a {@code Filter} sets besides {@code fieldName}. */
  static String kindOf(Map<?, ?> f, String path) {
    ProtoJson.only(f, path, Set.of("fieldName", "stringFilter", "inListFilter", "numericFilter", "betweenFilter",
        "emptyFilter"));
    List<String> kinds = new ArrayList<>();
    for (Object k : f.keySet()) {
      if (!k.equals("fieldName")) {
        kinds.add((String) k);
      }
    }
    if (kinds.size() != 1) {
      throw InvalidRequestException.of(path, "needs exactly one of stringFilter, inListFilter, numericFilter,"
          + " betweenFilter, emptyFilter" + (kinds.isEmpty() ? "" : " (has " + String.join(", ", kinds) + ")"));
    }
    return kinds.get(0);
  }

  /** A {@code Filter}'s {@code fieldName}. */
  static String fieldName(Map<?, ?> f, String path) {
    String field = f.get("fieldName") instanceof String s && !s.isBlank() ? s : null;
    if (field == null) {
      throw InvalidRequestException.of(path + ".fieldName", "is required");
    }
    return field;
  }
}
