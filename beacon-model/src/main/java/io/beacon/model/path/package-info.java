/**
 * Path exploration over raw hits (docs/analytics-model.md, "Path exploration"): a request
 * ({@link io.beacon.model.path.PathRequest}), the per-person walk of each session from its anchor
 * ({@link io.beacon.model.path.PathWalk}) and the counting of the walks into a Sankey's nodes and links
 * ({@link io.beacon.model.path.PathAggregation}). Pure Java: the node reads the hits, this package counts them.
 */
package io.beacon.model.path;
