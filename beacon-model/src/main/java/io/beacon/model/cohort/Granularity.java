package io.beacon.model.cohort;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;

/**
 * GA4's {@code CohortsRange.granularity}: the length of a cohort report's periods, each a whole calendar day, week
 * (Sunday to Saturday, Beacon: in every locale) or month of the property's zone (docs/analytics-model.md,
 * "Retention cohorts").
 */
public enum Granularity {
  DAILY("cohortNthDay", 1),
  WEEKLY("cohortNthWeek", 7),
  MONTHLY("cohortNthMonth", 30);

  /** The dimension numbering the periods. */
  public final String dimension;
  /** GA4's days per offset of the extended reporting range (a month is 30 days there). */
  public final int offsetDays;

  Granularity(String dimension, int offsetDays) {
    this.dimension = dimension;
    this.offsetDays = offsetDays;
  }

  /** The first day of the period holding {@code day}. */
  public LocalDate periodStart(LocalDate day) {
    return switch (this) {
      case DAILY -> day;
      case WEEKLY -> day.with(TemporalAdjusters.previousOrSame(DayOfWeek.SUNDAY));
      case MONTHLY -> day.withDayOfMonth(1);
    };
  }

  /** Which period after the one holding {@code cohortStart} holds {@code day} (0: the same; negative: before). */
  public long index(LocalDate cohortStart, LocalDate day) {
    LocalDate a = periodStart(cohortStart);
    LocalDate b = periodStart(day);
    return switch (this) {
      case DAILY -> ChronoUnit.DAYS.between(a, b);
      case WEEKLY -> ChronoUnit.DAYS.between(a, b) / 7;
      case MONTHLY -> ChronoUnit.MONTHS.between(a, b);
    };
  }

  /** The first day of period {@code n} of a cohort starting on {@code cohortStart}. */
  public LocalDate nth(LocalDate cohortStart, long n) {
    LocalDate a = periodStart(cohortStart);
    return switch (this) {
      case DAILY -> a.plusDays(n);
      case WEEKLY -> a.plusWeeks(n);
      case MONTHLY -> a.plusMonths(n);
    };
  }
}
