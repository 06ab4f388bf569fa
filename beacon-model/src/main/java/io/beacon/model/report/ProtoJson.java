package io.beacon.model.report;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * How the GA4 Data API's JSON requests are read, as Google's JSON mapping of its protos writes them: enums by name
 * or by number (Google's Java and other REST clients send numbers: {@code $alt=json;enum-encoding=int}), int64 as a
 * string or a number, a field at its default value the same as an absent one, and a field the message does not
 * have refused (GA answers 400 for it; ignoring it would answer a question the client did not ask).
 */
public final class ProtoJson {
  private ProtoJson() {}

  private static final Pattern INT = Pattern.compile("-?\\d{1,19}");

  /** {@code parent.key}, or {@code key} at the top level. */
  public static String at(String parent, String key) {
    return parent == null || parent.isEmpty() ? key : parent + "." + key;
  }

  /** Refuses every key of {@code object} that is not a field of its message. */
  public static void only(Map<?, ?> object, String path, Set<String> fields) {
    for (Object k : object.keySet()) {
      if (!fields.contains(k)) {
        throw InvalidRequestException.of(at(path, String.valueOf(k)), "unknown field (this message has "
            + String.join(", ", new java.util.TreeSet<>(fields)) + ")");
      }
    }
  }

  /** A bool field: absent or null is false. */
  public static boolean bool(Map<?, ?> object, String key, String path) {
    Object v = object.get(key);
    if (v == null) {
      return false;
    }
    if (!(v instanceof Boolean b)) {
      throw InvalidRequestException.of(at(path, key), "must be true or false, was '" + v + "'");
    }
    return b;
  }

  /** A string field: absent or null is "". */
  public static String string(Map<?, ?> object, String key, String path) {
    Object v = object.get(key);
    if (v == null) {
      return "";
    }
    if (!(v instanceof String s)) {
      throw InvalidRequestException.of(at(path, key), "must be a string");
    }
    return s;
  }

  /** A message field: absent or null is null. */
  public static Map<?, ?> message(Map<?, ?> object, String key, String path) {
    Object v = object.get(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Map<?, ?> m)) {
      throw InvalidRequestException.of(at(path, key), "must be an object");
    }
    return m;
  }

  /**
   * An enum value by name or number; the zero value ({@code *_UNSPECIFIED}) is returned as null.
   *
   * @param names the enum's names by number (index), null where a number is unused
   */
  public static String enumName(Object v, String field, String... names) {
    if (v == null) {
      return null;
    }
    String name = null;
    if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && n.intValue() >= 0
        && n.intValue() < names.length) {
      name = names[n.intValue()];
    } else if (v instanceof String s) {
      for (String candidate : names) {
        if (s.equals(candidate)) {
          name = s;
        }
      }
    }
    if (name == null) {
      StringBuilder known = new StringBuilder();
      for (int i = 1; i < names.length; i++) {
        if (names[i] != null) {
          known.append(known.length() == 0 ? "" : ", ").append(names[i]).append(" (").append(i).append(')');
        }
      }
      throw InvalidRequestException.of(field, "'" + v + "' is not one of " + known);
    }
    return name.equals(names[0]) ? null : name;
  }

  /** An int64 field (a JSON number or a decimal string), or {@code dflt} when absent. */
  public static long int64(Map<?, ?> object, String key, String path, long dflt) {
    Object v = object.get(key);
    if (v == null) {
      return dflt;
    }
    if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && !(n instanceof Double d && Math.abs(d) > 9e15)) {
      return n.longValue();
    }
    if (v instanceof String s && INT.matcher(s).matches()) {
      try {
        return Long.parseLong(s);
      } catch (NumberFormatException e) {
        // out of range: below
      }
    }
    throw InvalidRequestException.of(at(path, key), "must be an integer, was '" + v + "'");
  }

  /**
   * A {@code NumericValue} ({@code {"int64Value": "5"}} or {@code {"doubleValue": 1.5}}), exactly.
   */
  public static BigDecimal numericValue(Object node, String path) {
    if (!(node instanceof Map<?, ?> m)) {
      throw InvalidRequestException.of(path, "is required: {\"int64Value\": ...} or {\"doubleValue\": ...}");
    }
    only(m, path, Set.of("int64Value", "doubleValue"));
    if (m.get("int64Value") != null && m.get("doubleValue") != null) {
      throw InvalidRequestException.of(path, "has both int64Value and doubleValue; set one");
    }
    if (m.get("int64Value") != null) {
      return BigDecimal.valueOf(int64(m, "int64Value", path, 0));
    }
    Object d = m.get("doubleValue");
    if (d == null) {
      throw InvalidRequestException.of(path, "needs int64Value or doubleValue");
    }
    try {
      double value = d instanceof Number n ? n.doubleValue() : Double.parseDouble(d.toString());
      if (!Double.isFinite(value)) {
        throw new NumberFormatException();
      }
      return d instanceof Number n && !(n instanceof Double || n instanceof Float) ? new BigDecimal(n.toString())
          : d instanceof String s ? new BigDecimal(s.trim()) : BigDecimal.valueOf(value);
    } catch (NumberFormatException e) {
      throw InvalidRequestException.of(path + ".doubleValue", "must be a finite number, was '" + d + "'");
    }
  }
}
