package io.beacon.infra.config;

/**
 * Settings of the recompute role: ad-hoc reports and corrections from raw hits.
 *
 * @param maxRunning          recomputations running at once per verticle instance
 * @param maxPerProperty      of those, at most this many for one property (one heavy site cannot starve the others)
 * @param maxQueued           waiting recomputations per instance; beyond, requests answer 429 with Retry-After
 * @param fetchSize           raw-hit rows per PG-wire fetch: bounds memory whatever the range
 * @param slices              no longer used (a report's raw read is sequential, so sessions stay whole); accepted so
 *                            configs that set it still load
 * @param reportTimeoutMs     how long the query side waits for an ad-hoc report before answering 503
 * @param maxHitsPerSecond    pacing of correction jobs so they never starve ingestion; 0 = unpaced
 * @param openCacheTtlMs      a cached ad-hoc report over buckets still open to late hits is reused this long
 * @param closedCacheTtlMs    one over closed buckets (all older than the 72 h lateness window) this long
 * @param cacheRegionMb       off-heap memory of the recompute caches (entries beyond it are evicted: Cassandra keeps them)
 * @param jobLeaseMs          a correction job whose runner has not renewed its lease for this long is taken over
 * @param maxGroups           rows (distinct combinations of dimension values) an ad-hoc report may have; beyond,
 *                            the report is refused (400) instead of growing the heap with the tracked values' cardinality
 * @param maxValuesPerDimension values of a dimension with rows of their own per property and local day when a
 *                            correction rebuilds the day; the rest count under "(other)" (CardinalityCap); the Spark
 *                            job's {@code --max-values-per-dimension} must be the same; 0: no cap
 */
public record RecomputeConfig(
    int maxRunning,
    int maxPerProperty,
    int maxQueued,
    int fetchSize,
    int slices,
    long reportTimeoutMs,
    long maxHitsPerSecond,
    long openCacheTtlMs,
    long closedCacheTtlMs,
    long cacheRegionMb,
    long jobLeaseMs,
    int maxGroups,
    int maxValuesPerDimension) {

  void validate(Validator v) {
    v.require(maxRunning >= 1 && maxRunning <= 64, "recompute.maxRunning", "must be 1-64, was " + maxRunning);
    v.require(maxPerProperty >= 1 && maxPerProperty <= maxRunning, "recompute.maxPerProperty",
        "must be 1-maxRunning, was " + maxPerProperty);
    v.require(maxQueued >= 0 && maxQueued <= 10_000, "recompute.maxQueued", "must be 0-10000, was " + maxQueued);
    v.require(fetchSize >= 100 && fetchSize <= 100_000, "recompute.fetchSize", "must be 100-100000, was " + fetchSize);
    v.require(slices >= 1 && slices <= 16, "recompute.slices", "must be 1-16, was " + slices);
    v.positive(reportTimeoutMs, "recompute.reportTimeoutMs");
    v.require(maxHitsPerSecond >= 0, "recompute.maxHitsPerSecond", "must be >= 0 (0: unpaced)");
    v.positive(openCacheTtlMs, "recompute.openCacheTtlMs");
    v.positive(closedCacheTtlMs, "recompute.closedCacheTtlMs");
    v.require(cacheRegionMb >= 16, "recompute.cacheRegionMb", "must be >= 16, was " + cacheRegionMb);
    v.require(jobLeaseMs >= 1000, "recompute.jobLeaseMs", "must be >= 1000, was " + jobLeaseMs);
    v.require(maxGroups >= 1 && maxGroups <= 10_000_000, "recompute.maxGroups",
        "must be 1-10000000, was " + maxGroups);
    v.require(maxValuesPerDimension >= 0 && maxValuesPerDimension <= 1_000_000, "recompute.maxValuesPerDimension",
        "must be 0-1000000 (0: no cap), was " + maxValuesPerDimension);
  }
}
