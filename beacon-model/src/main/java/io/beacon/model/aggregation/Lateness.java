package io.beacon.model.aggregation;

import io.beacon.model.Hit;
import java.time.Duration;

/**
 * Which hits the stream still counts into their buckets. A hit is <em>too late</em> when its event time is
 * more than {@link #MAX_LATENESS} (72 h, the Measurement Protocol's limit) before the time Beacon received
 * it; such hits go to the recompute path (dirty buckets) instead.
 *
 * <p>The rule reads only the hit, never the wall clock or the stream's progress, so a replayed micro-batch
 * decides exactly as the first attempt did (a precondition of exactly-once).
 */
public final class Lateness {

  /** How far before its receipt a hit's event time may lie and still be counted by the stream. */
  public static final Duration MAX_LATENESS = Duration.ofHours(72);

  private Lateness() {
  }

  /** Whether {@code hit} is later than {@code maxLateness}; hits without {@code received_at} never are. */
  public static boolean isTooLate(Hit hit, Duration maxLateness) {
    return hit.receivedAt() > 0 && hit.receivedAt() - hit.ts() > maxLateness.toMillis();
  }
}
