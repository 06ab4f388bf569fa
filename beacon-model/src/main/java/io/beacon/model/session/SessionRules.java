package io.beacon.model.session;

import java.time.Duration;

/**
 * A property's session settings (GA4's defaults): a new Beacon-assigned session after {@code timeout} without an
 * event of the client, and a session is engaged when its engagement time exceeds {@code engagedAfter}
 * (strictly), or it has a key event, or two page views.
 *
 * @param timeoutMs inactivity that ends a session the sender gave no id for (GA4: 30 minutes)
 * @param engagedAfterMs summed engagement time a session must exceed to be engaged (GA4: 10 s)
 */
public record SessionRules(long timeoutMs, long engagedAfterMs) {
  /** GA4's defaults: 30 minutes, 10 seconds. */
  public static final SessionRules GA4 = new SessionRules(Duration.ofMinutes(30).toMillis(), 10_000);

  public SessionRules {
    if (timeoutMs <= 0 || engagedAfterMs < 0) {
      throw new IllegalArgumentException("session timeout must be > 0 and engaged-after >= 0");
    }
  }
}
