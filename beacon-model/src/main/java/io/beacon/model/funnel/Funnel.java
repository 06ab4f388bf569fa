package io.beacon.model.funnel;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A funnel: 2 to {@value #MAX_STEPS} steps a person passes in order (docs/analytics-model.md, "Funnels").
 *
 * @param open       GA4's {@code isOpenFunnel}: a person may enter at any step (closed: only at the first)
 * @param scope      where a person's steps must lie: the whole date range, one session, or N days from entry
 * @param withinDays for {@link Scope#DAYS}: the days (24 h each) from the entry step within which every later step of
 *                   the same pass must happen; 0 otherwise
 */
public record Funnel(List<FunnelStep> steps, boolean open, Scope scope, int withinDays) {
  public static final int MIN_STEPS = 2;
  public static final int MAX_STEPS = 10;
  /** The longest {@code withinDays} (as long as a report's range may usefully be for a funnel). */
  public static final int MAX_WITHIN_DAYS = 90;

  /** Where one pass through the funnel must lie. */
  public enum Scope {
    /** Anywhere in the date range (GA4's funnels: the default). */
    RANGE,
    /** Within one session (Beacon: GA4's Data API has no such field). */
    SESSION,
    /** Within {@code withinDays} days of the step the person entered at (Beacon). */
    DAYS
  }

  public Funnel {
    steps = List.copyOf(steps);
    if (steps.size() < MIN_STEPS || steps.size() > MAX_STEPS) {
      throw new IllegalArgumentException("a funnel has " + MIN_STEPS + " to " + MAX_STEPS + " steps");
    }
  }

  /** The window of {@link Scope#DAYS} in ms; {@link Long#MAX_VALUE} for the other scopes. */
  public long windowMs() {
    return scope == Scope.DAYS ? withinDays * 86_400_000L : Long.MAX_VALUE;
  }

  /** The dimension names the steps' conditions read. */
  public Set<String> fields() {
    Set<String> out = new LinkedHashSet<>();
    steps.forEach(s -> out.addAll(s.condition().fields()));
    return out;
  }
}
