package io.beacon.model.funnel;

import io.beacon.model.report.DimensionFilter;

/**
 * One step: the events that count for it, and how it must follow the step before.
 *
 * @param name              as the report shows it (GA4 prefixes its number: "2. Add to cart")
 * @param directlyFollowed  GA4's {@code isDirectlyFollowedBy}: the step's event must be the very next event of the
 *                          person (within the funnel's scope) after the prior step's event
 * @param withinMs          GA4's {@code withinDurationFromPriorStep} in ms, inclusive; -1: no limit
 * @param condition         what an event must match, over the dimension values of the event ({@code eventName},
 *                          {@code pagePath}, {@code customEvent:<param>}, ...)
 */
public record FunnelStep(String name, boolean directlyFollowed, long withinMs, DimensionFilter condition) {
}
