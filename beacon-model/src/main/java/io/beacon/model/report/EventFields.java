package io.beacon.model.report;

import io.beacon.model.Hit;
import io.beacon.model.aggregation.Dimension;
import io.beacon.model.session.Scope;
import java.util.function.BiFunction;

/**
 * How the explorations (funnels, cohorts) read a dimension's value from one event and the session it belongs to:
 * a Beacon dimension ({@link Dimension}) or a custom parameter ({@code customEvent:<param>}); a missing value is
 * {@link Dimension#NOT_SET}, as report filters see it.
 */
public final class EventFields {
  private EventFields() {}

  /** The reader of dimension {@code name}; IllegalArgumentException if it is neither kind. */
  public static BiFunction<Hit, Scope, String> reader(String name) {
    Dimension d = Dimension.ofApiName(name);
    if (d != null) {
      return d::valueOf;
    }
    if (CustomDimension.of(name).isPresent()) {
      return (hit, scope) -> {
        String v = CustomDimension.read(name, hit.params());
        return v == null || v.isBlank() ? Dimension.NOT_SET : v;
      };
    }
    throw new IllegalArgumentException("not an event field: " + name);
  }
}
