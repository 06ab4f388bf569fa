package io.beacon.collector.protocol;

/**
 * Why (part of) a request was rejected, in GA's Measurement Protocol validation shape: the field it
 * concerns, a human description, and GA's validation code (VALUE_INVALID, VALUE_REQUIRED,
 * NAME_INVALID, NAME_RESERVED, VALUE_OUT_OF_BOUNDS, EXCEEDED_MAX_ENTITIES, NAME_DUPLICATED). The
 * {@code reason} is the metric tag of {@code beacon_collector_rejected_total}.
 */
public record Problem(String fieldPath, String description, String validationCode, String reason) {
  public static Problem invalid(String field, String description) {
    return new Problem(field, description, "VALUE_INVALID", "invalid_value");
  }

  public static Problem required(String field) {
    return new Problem(field, field + " is required", "VALUE_REQUIRED", "missing_field");
  }

  public static Problem outOfBounds(String field, String description) {
    return new Problem(field, description, "VALUE_OUT_OF_BOUNDS", "out_of_bounds");
  }

  public static Problem tooMany(String field, String description) {
    return new Problem(field, description, "EXCEEDED_MAX_ENTITIES", "too_many");
  }

  public static Problem nameInvalid(String field, String description) {
    return new Problem(field, description, "NAME_INVALID", "invalid_name");
  }

  public static Problem nameReserved(String field, String description) {
    return new Problem(field, description, "NAME_RESERVED", "reserved_name");
  }
}
