package io.beacon.model.report;

import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One resolved date range of a report: local dates (inclusive) in the property's time zone, as
 * the GA4 Data API writes them: {@code YYYY-MM-DD}, {@code today}, {@code yesterday} or
 * {@code NdaysAgo}.
 */
public record DateRangeSpec(String name, LocalDate start, LocalDate end) {
  private static final Pattern DAYS_AGO = Pattern.compile("(\\d{1,5})daysAgo");

  public long days() {
    return ChronoUnit.DAYS.between(start, end) + 1;
  }

  /** Parses one GA4 date expression relative to {@code today} in the property's zone. */
  static LocalDate parseDate(String value, LocalDate today, String field) {
    if (value == null || value.isBlank()) {
      throw InvalidRequestException.of(field, "is required (YYYY-MM-DD, today, yesterday or NdaysAgo)");
    }
    if (value.equals("today")) {
      return today;
    }
    if (value.equals("yesterday")) {
      return today.minusDays(1);
    }
    Matcher m = DAYS_AGO.matcher(value);
    if (m.matches()) {
      return today.minusDays(Long.parseLong(m.group(1)));
    }
    try {
      return LocalDate.parse(value);
    } catch (DateTimeParseException e) {
      throw InvalidRequestException.of(field, "'" + value + "' is not a date (YYYY-MM-DD, today, yesterday or NdaysAgo)");
    }
  }

  /** Resolves one range of GA4 date expressions; {@code field} names it in errors (e.g. "dateRanges[0]"). */
  public static DateRangeSpec resolve(String name, String startDate, String endDate, ZoneId zone, LocalDate today,
      String field, int maxDays) {
    LocalDate start = parseDate(startDate, today, field + ".startDate");
    LocalDate end = parseDate(endDate, today, field + ".endDate");
    if (start.isAfter(end)) {
      throw InvalidRequestException.of(field, "startDate " + start + " is after endDate " + end);
    }
    DateRangeSpec r = new DateRangeSpec(name, start, end);
    if (r.days() > maxDays) {
      throw InvalidRequestException.of(field, "spans " + r.days() + " days; at most " + maxDays + " are allowed");
    }
    return r;
  }
}
