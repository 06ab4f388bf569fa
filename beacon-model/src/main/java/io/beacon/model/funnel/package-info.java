/**
 * Funnels over raw hits (docs/analytics-model.md, "Funnels"): a {@link io.beacon.model.funnel.Funnel} definition
 * (GA4's {@code runFunnelReport} shape, parsed by {@link io.beacon.model.funnel.FunnelRequest}), the per-person
 * engine ({@link io.beacon.model.funnel.FunnelPath}) and the aggregation of persons into step rows
 * ({@link io.beacon.model.funnel.FunnelAggregation}). Pure Java: the node reads the hits, this package counts them.
 */
package io.beacon.model.funnel;
