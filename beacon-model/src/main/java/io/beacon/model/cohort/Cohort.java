package io.beacon.model.cohort;

import java.time.LocalDate;

/**
 * One cohort: the persons whose first session ever began on a day from {@code start} to {@code end} (inclusive,
 * property-local days; GA4's {@code Cohort} with {@code dimension: firstSessionDate}).
 *
 * @param name as the {@code cohort} dimension shows it (GA4's default: {@code cohort_<index>})
 */
public record Cohort(String name, LocalDate start, LocalDate end) {
  public boolean holds(LocalDate day) {
    return !day.isBefore(start) && !day.isAfter(end);
  }
}
