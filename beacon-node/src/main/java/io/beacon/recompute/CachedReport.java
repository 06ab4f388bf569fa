package io.beacon.recompute;

import java.io.Serializable;

/**
 * An ad-hoc report computed from raw hits: every row, unordered and unpaged (the runReport JSON, gzipped), as
 * stored in the Ignite cache and in Cassandra's {@code report_cache}. A plain class, not a record: Ignite 2.17's
 * binary marshaller does not round-trip records.
 */
public final class CachedReport implements Serializable {
  private static final long serialVersionUID = 1L;

  public String propertyId;
  /** gzip of the runReport JSON with all rows */
  public byte[] report;
  public long hitsScanned;
  public long computedAt;
  /** epoch ms after which the report must be computed again */
  public long validUntil;

  public CachedReport() {}

  CachedReport(String propertyId, byte[] report, long hitsScanned, long computedAt, long validUntil) {
    this.propertyId = propertyId;
    this.report = report;
    this.hitsScanned = hitsScanned;
    this.computedAt = computedAt;
    this.validUntil = validUntil;
  }
}
