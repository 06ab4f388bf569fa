/**
 * The one definition of how Beacon turns hits into aggregates (docs/analytics-model.md), shared by the Spark
 * streaming job ({@code spark-job/}, which compiles this package from the root sources), the recompute
 * verticle, the query side and the tests' reference computations.
 *
 * <ul>
 *   <li>{@link io.beacon.model.aggregation.Granularity}: hour and day buckets in the property's time zone, and
 *       the Cassandra partition period (a day of hours, a month of days) that keeps partitions bounded;</li>
 *   <li>{@link io.beacon.model.aggregation.Dimension}: the precomputed single dimensions (GA4 API names) and
 *       how each is read from a hit;</li>
 *   <li>{@link io.beacon.model.aggregation.BucketKey}: property, granularity, period, bucket start,
 *       dimension (or {@link io.beacon.model.aggregation.BucketKey#TOTAL}) and value;</li>
 *   <li>{@link io.beacon.model.aggregation.MetricState}: the mergeable state of one bucket (exact sums,
 *       HLL sketches for distinct counts), its binary form, and its estimates;</li>
 *   <li>{@link io.beacon.model.aggregation.Aggregator}: hits in, buckets out;</li>
 *   <li>{@link io.beacon.model.aggregation.DerivedMetrics}: rates and averages computed at query time;</li>
 *   <li>{@link io.beacon.model.aggregation.Lateness}: which hits the stream may still count.</li>
 * </ul>
 *
 * <p>Pure Java plus Apache DataSketches: no Vert.x, Spark or infra imports.
 */
package io.beacon.model.aggregation;
