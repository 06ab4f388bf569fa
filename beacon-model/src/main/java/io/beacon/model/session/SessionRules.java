package io.beacon.model.session;

import java.time.Duration;

/**
 * A property's session settings (GA4's defaults): a new Beacon-assigned session after {@code timeout} without an
 * event of the client, and a session is engaged when its engagement time exceeds {@code engagedAfter}
 * (strictly), or it has a key event, or two page views (docs/analytics-model.md, "Sessions" and "Engagement").
 *
 * @param timeoutMs inactivity that ends a session the sender gave no id for (GA4: 30 minutes)
 * @param engagedAfterMs summed engagement time a session must exceed to be engaged (GA4: 10 s)
 */
public record SessionRules(long timeoutMs, long engagedAfterMs) {
  /** GA4's defaults: 30 minutes, 10 seconds. */
  public static final SessionRules GA4 = new SessionRules(Duration.ofMinutes(30).toMillis(), 10_000);
  /** The session timeouts a property may set, in minutes: GA4's range (5 minutes to 7 hours 55 minutes). */
  public static final int MIN_TIMEOUT_MINUTES = 5;
  public static final int MAX_TIMEOUT_MINUTES = 7 * 60 + 55;
  /** The engaged-session thresholds a property may set, in seconds: GA4's range. */
  public static final int MIN_ENGAGED_SECONDS = 10;
  public static final int MAX_ENGAGED_SECONDS = 60;

  public SessionRules {
    if (timeoutMs <= 0 || engagedAfterMs < 0) {
      throw new IllegalArgumentException("session timeout must be > 0 and engaged-after >= 0");
    }
  }

  /** The rules of a hit or a stored property: each null part takes GA4's default. */
  public static SessionRules of(Long timeoutMs, Long engagedAfterMs) {
    if (timeoutMs == null && engagedAfterMs == null) {
      return GA4;
    }
    return new SessionRules(timeoutMs != null ? timeoutMs : GA4.timeoutMs,
        engagedAfterMs != null ? engagedAfterMs : GA4.engagedAfterMs);
  }

  /** The rules a property's settings name (minutes, seconds; null: the default). */
  public static SessionRules ofSettings(Integer timeoutMinutes, Integer engagedSeconds) {
    return of(timeoutMinutes == null ? null : Duration.ofMinutes(timeoutMinutes).toMillis(),
        engagedSeconds == null ? null : Duration.ofSeconds(engagedSeconds).toMillis());
  }
}
