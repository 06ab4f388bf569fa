package io.beacon.model.report;

import io.beacon.model.aggregation.Granularity;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Optional;

/** GA4's time dimensions, read from a bucket's start in the property's zone. */
public enum TimeDimension {
  DATE("date", "yyyyMMdd", Granularity.DAY),
  DATE_HOUR("dateHour", "yyyyMMddHH", Granularity.HOUR),
  HOUR("hour", "HH", Granularity.HOUR);

  private final String apiName;
  private final DateTimeFormatter format;
  private final Granularity granularity;

  TimeDimension(String apiName, String pattern, Granularity granularity) {
    this.apiName = apiName;
    this.format = DateTimeFormatter.ofPattern(pattern);
    this.granularity = granularity;
  }

  public String apiName() {
    return apiName;
  }

  /** The bucket size this dimension needs. */
  public Granularity granularity() {
    return granularity;
  }

  public String format(long bucketStart, ZoneId zone) {
    return format.format(Instant.ofEpochMilli(bucketStart).atZone(zone));
  }

  public static Optional<TimeDimension> ofApiName(String name) {
    return Arrays.stream(values()).filter(t -> t.apiName.equals(name)).findFirst();
  }
}
