package io.beacon.model.aggregation;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * Time bucket sizes of the precomputed aggregates. Buckets start at local hour or local midnight in the
 * property's time zone (so a day bucket is a day in reports), and are identified by that start as epoch ms.
 *
 * <p>The {@linkplain #period partition period} is the unit that bounds a Cassandra partition: one local day of
 * hour buckets, one local month of day buckets.
 */
public enum Granularity {
  HOUR("hour", DateTimeFormatter.ofPattern("yyyy-MM-dd")),
  DAY("day", DateTimeFormatter.ofPattern("yyyy-MM"));

  private final String code;
  private final DateTimeFormatter periodFormat;

  Granularity(String code, DateTimeFormatter periodFormat) {
    this.code = code;
    this.periodFormat = periodFormat;
  }

  /** Stable lower-case name stored in Cassandra ("hour", "day"). */
  public String code() {
    return code;
  }

  /** The granularity stored as {@code code}. */
  public static Granularity ofCode(String code) {
    for (Granularity g : values()) {
      if (g.code.equals(code)) {
        return g;
      }
    }
    throw new IllegalArgumentException("unknown granularity " + code);
  }

  /** Epoch ms of the start of the local hour or local day (in {@code zone}) that contains {@code tsMillis}. */
  public long bucketStart(long tsMillis, ZoneId zone) {
    ZonedDateTime local = Instant.ofEpochMilli(tsMillis).atZone(zone);
    ZonedDateTime start = this == HOUR
        ? local.truncatedTo(ChronoUnit.HOURS)
        // atStartOfDay, not truncatedTo(DAYS): a DST change at midnight has no 00:00 that day.
        : local.toLocalDate().atStartOfDay(zone);
    return start.toInstant().toEpochMilli();
  }

  /** The partition period of a bucket: "yyyy-MM-dd" (local day) for HOUR, "yyyy-MM" (local month) for DAY. */
  public String period(long bucketStartMillis, ZoneId zone) {
    return periodFormat.format(Instant.ofEpochMilli(bucketStartMillis).atZone(zone));
  }
}
