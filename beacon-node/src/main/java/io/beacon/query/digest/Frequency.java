package io.beacon.query.digest;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.temporal.TemporalAdjusters;

/** How often a subscriber receives a property's email report: each for the last complete period. */
public enum Frequency {
  /** Monday to Sunday, as Plausible's weekly report. */
  WEEKLY,
  /** A calendar month. */
  MONTHLY;

  /** The first day of the period holding {@code day}. */
  LocalDate startOf(LocalDate day) {
    return this == WEEKLY ? day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY)) : day.withDayOfMonth(1);
  }

  /** The first day of the period after the one starting on {@code start}. */
  LocalDate next(LocalDate start) {
    return this == WEEKLY ? start.plusWeeks(1) : start.plusMonths(1);
  }

  /** The first day of the period before the one starting on {@code start}. */
  LocalDate previous(LocalDate start) {
    return this == WEEKLY ? start.minusWeeks(1) : start.minusMonths(1);
  }

  /** "weekly" or "monthly", as a subject says it. */
  public String adjective() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /** The frequency named {@code s} (any case), or null. */
  public static Frequency parse(String s) {
    for (Frequency f : values()) {
      if (f.name().equalsIgnoreCase(s)) {
        return f;
      }
    }
    return null;
  }
}
