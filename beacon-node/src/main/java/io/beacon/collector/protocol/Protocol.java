package io.beacon.collector.protocol;

/**
 * The wire protocol a hit came in: GA4's web protocol ({@code /g/collect}: gtag.js and Beacon's tracker), GA4's
 * Measurement Protocol ({@code /mp/collect}) or Universal Analytics v1 ({@code /collect}, {@code /batch}).
 * {@link #wire()} is its spelling in the canonical hit ({@code Hit.protocol}), the {@code protocol} tag of
 * {@code beacon_collector_accepted_total} and derived request ids.
 */
public enum Protocol {
  GA4_WEB("ga4-web"),
  GA4_MP("ga4-mp"),
  UA("ua");

  private final String wire;

  Protocol(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  @Override
  public String toString() {
    return wire;
  }
}
