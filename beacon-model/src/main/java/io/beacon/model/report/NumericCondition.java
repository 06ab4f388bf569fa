package io.beacon.model.report;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The numeric leaves of a GA4 {@code Filter}: {@code numericFilter} ({@code EQUAL}, {@code LESS_THAN},
 * {@code LESS_THAN_OR_EQUAL}, {@code GREATER_THAN}, {@code GREATER_THAN_OR_EQUAL} a {@code NumericValue}) and
 * {@code betweenFilter} ({@code fromValue} to {@code toValue}, both inclusive), compared exactly (decimal, not
 * binary floating point). A dimension value is a number when it reads as one ("20260307", "05", "-1.5"); any other
 * value ("(not set)", "/home") matches no numeric condition.
 */
public final class NumericCondition {
  private NumericCondition() {}

  /** Operation names by their number in GA's {@code NumericFilter.Operation}. */
  static final String[] OPERATIONS = {"OPERATION_UNSPECIFIED", "EQUAL", "LESS_THAN", "LESS_THAN_OR_EQUAL",
      "GREATER_THAN", "GREATER_THAN_OR_EQUAL"};
  private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d{1,4})?");

  /** A dimension value as a number, or null if it is not one. */
  public static BigDecimal of(String value) {
    if (value == null || value.length() > 100 || !DECIMAL.matcher(value).matches()) {
      return null;
    }
    return new BigDecimal(value.startsWith("+") ? value.substring(1) : value);
  }

  /** A metric value as a number, or null if it is not finite. */
  public static BigDecimal of(Number value) {
    if (value instanceof Double || value instanceof Float) {
      double d = value.doubleValue();
      return Double.isFinite(d) ? BigDecimal.valueOf(d) : null;
    }
    return value == null ? null : new BigDecimal(value.toString());
  }

  /** {@code numericFilter} at {@code path}. */
  static Predicate<BigDecimal> numeric(Map<?, ?> f, String path) {
    ProtoJson.only(f, path, Set.of("operation", "value"));
    String op = ProtoJson.enumName(f.get("operation"), path + ".operation", OPERATIONS);
    if (op == null) {
      throw InvalidRequestException.of(path + ".operation", "is required (" + String.join(", ",
          java.util.Arrays.asList(OPERATIONS).subList(1, OPERATIONS.length)) + ")");
    }
    BigDecimal want = ProtoJson.numericValue(f.get("value"), path + ".value");
    return switch (op) {
      case "EQUAL" -> v -> v.compareTo(want) == 0;
      case "LESS_THAN" -> v -> v.compareTo(want) < 0;
      case "LESS_THAN_OR_EQUAL" -> v -> v.compareTo(want) <= 0;
      case "GREATER_THAN" -> v -> v.compareTo(want) > 0;
      case "GREATER_THAN_OR_EQUAL" -> v -> v.compareTo(want) >= 0;
      default -> throw new IllegalStateException(op);
    };
  }

  /** {@code betweenFilter} at {@code path}: inclusive at both ends. */
  static Predicate<BigDecimal> between(Map<?, ?> f, String path) {
    ProtoJson.only(f, path, Set.of("fromValue", "toValue"));
    BigDecimal from = ProtoJson.numericValue(f.get("fromValue"), path + ".fromValue");
    BigDecimal to = ProtoJson.numericValue(f.get("toValue"), path + ".toValue");
    return v -> v.compareTo(from) >= 0 && v.compareTo(to) <= 0;
  }
}
