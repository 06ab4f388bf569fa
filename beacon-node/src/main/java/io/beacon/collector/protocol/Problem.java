package io.beacon.collector.protocol;

/**
 * Why (part of) a request was rejected, in GA's Measurement Protocol validation shape: the field it
 * concerns, a human description, and GA's validation code. The {@code reason} is the metric tag of
 * {@code beacon_collector_rejected_total}.
 */
public record Problem(String fieldPath, String description, ValidationCode validationCode, DropReason reason) {
  public static Problem invalid(String field, String description) {
    return new Problem(field, description, ValidationCode.VALUE_INVALID, DropReason.INVALID_VALUE);
  }

  public static Problem required(String field) {
    return new Problem(field, field + " is required", ValidationCode.VALUE_REQUIRED, DropReason.MISSING_FIELD);
  }

  public static Problem outOfBounds(String field, String description) {
    return new Problem(field, description, ValidationCode.VALUE_OUT_OF_BOUNDS, DropReason.OUT_OF_BOUNDS);
  }

  public static Problem tooMany(String field, String description) {
    return new Problem(field, description, ValidationCode.EXCEEDED_MAX_ENTITIES, DropReason.TOO_MANY);
  }

  public static Problem nameInvalid(String field, String description) {
    return new Problem(field, description, ValidationCode.NAME_INVALID, DropReason.INVALID_NAME);
  }

  public static Problem nameReserved(String field, String description) {
    return new Problem(field, description, ValidationCode.NAME_RESERVED, DropReason.RESERVED_NAME);
  }

  /** A problem the request's content has that no other factory names: VALUE_INVALID, with its own reason. */
  public static Problem rejected(String field, String description, DropReason reason) {
    return new Problem(field, description, ValidationCode.VALUE_INVALID, reason);
  }

  /**
   * A sender's value as a description may quote it: in single quotes, at most 40 characters, with control
   * characters, quotes and backticks named by their code point ({@code U+0060}), so a hostile value cannot forge
   * markup or log lines through an error message.
   */
  public static String quote(String value) {
    if (value == null) {
      return "null";
    }
    return "'" + bracketed(value) + "'";
  }

  /** {@link #quote}'s text without its quotes, for GA's own descriptions, which show a value in brackets. */
  public static String bracketed(String value) {
    if (value == null) {
      return "null";
    }
    StringBuilder b = new StringBuilder();
    int shown = 0;
    for (int i = 0; i < value.length(); ) {
      int cp = value.codePointAt(i);
      i += Character.charCount(cp);
      if (shown++ == 40) {
        b.append("...");
        break;
      }
      if (Character.isISOControl(cp) || cp == '`' || cp == '\'' || cp == '"' || cp == '\\'
          || Character.getType(cp) == Character.FORMAT) {
        b.append(String.format("U+%04X", cp));
      } else {
        b.appendCodePoint(cp);
      }
    }
    return b.toString();
  }

  /** The same problem about a field of an enclosing element ({@code prefix} + field path). */
  public Problem under(String prefix) {
    return new Problem(prefix + fieldPath, description, validationCode, reason);
  }
}
