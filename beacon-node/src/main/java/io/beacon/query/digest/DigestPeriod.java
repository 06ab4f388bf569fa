package io.beacon.query.digest;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The local days one email report covers, in the property's time zone, and the period it is compared with.
 *
 * @param start    the first day
 * @param end      the last day (inclusive, as a report's date range)
 */
public record DigestPeriod(Frequency frequency, LocalDate start, LocalDate end) {
  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("d MMM", Locale.ENGLISH);
  private static final DateTimeFormatter DAY_YEAR = DateTimeFormatter.ofPattern("d MMM yyyy", Locale.ENGLISH);
  private static final DateTimeFormatter MONTH = DateTimeFormatter.ofPattern("MMMM yyyy", Locale.ENGLISH);

  /** The period starting on {@code start}. */
  public static DigestPeriod starting(Frequency f, LocalDate start) {
    return new DigestPeriod(f, start, f.next(start).minusDays(1));
  }

  /** The last period that ended before {@code today} (a local day): the one a report sent today covers. */
  public static DigestPeriod lastComplete(Frequency f, LocalDate today) {
    return starting(f, f.previous(f.startOf(today)));
  }

  /** The last complete period at {@code now} in {@code zone}. */
  public static DigestPeriod lastComplete(Frequency f, Instant now, ZoneId zone) {
    return lastComplete(f, now.atZone(zone).toLocalDate());
  }

  /** The period before this one: the report's deltas compare with it. */
  public DigestPeriod previous() {
    return starting(frequency, frequency.previous(start));
  }

  /**
   * When the report is due: {@code sendHour} o'clock local time on the day after the period (Monday morning for a
   * week). A local hour a DST change skips is taken as the hour after, as {@link java.time.ZonedDateTime} does.
   */
  public Instant dueAt(ZoneId zone, int sendHour) {
    return ZonedDateTime.of(end.plusDays(1).atTime(sendHour, 0), zone).toInstant();
  }

  /** "30 Nov - 6 Dec 2026", "28 Dec 2026 - 3 Jan 2027", or for a month "November 2026". */
  public String label() {
    if (frequency == Frequency.MONTHLY) {
      return MONTH.format(start);
    }
    return (start.getYear() == end.getYear() ? DAY.format(start) : DAY_YEAR.format(start)) + " - " + DAY_YEAR.format(end);
  }
}
