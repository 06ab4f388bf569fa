package io.beacon.collector.protocol;

/**
 * GA's Measurement Protocol validation codes, as the collector answers them in {@code validationMessages}
 * ({@link #name()} is the wire spelling).
 */
public enum ValidationCode {
  VALUE_INVALID,
  VALUE_REQUIRED,
  NAME_INVALID,
  NAME_RESERVED,
  VALUE_OUT_OF_BOUNDS,
  EXCEEDED_MAX_ENTITIES,
  NAME_DUPLICATED
}
