/**
 * Where traffic comes from, GA4's way (docs/analytics-model.md, "Attribution"):
 * <ul>
 *   <li>{@link io.beacon.model.attribution.Attribution}: a hit's source, medium, campaign, term and content,
 *       from campaign fields, a gclid or the referrer;</li>
 *   <li>{@link io.beacon.model.attribution.ChannelGroup}: GA4's default channel group of a source, medium and
 *       campaign;</li>
 *   <li>{@link io.beacon.model.attribution.SourceCategories}: which sources are search, social, shopping or video
 *       sites.</li>
 * </ul>
 * The tables the rules read are data next to these classes, not code: {@code source-categories.tsv} (GA4's
 * source categories) and {@code search-engines.tsv} (referrer host to engine name).
 *
 * <p>Pure Java: the collector, recompute and the Spark job can all call it.
 */
package io.beacon.model.attribution;
