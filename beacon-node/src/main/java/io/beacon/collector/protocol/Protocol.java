package io.beacon.collector.protocol;

/**
 * The wire protocol a hit came in: GA4's web protocol ({@code /g/collect}: gtag.js and Beacon's tracker), GA4's
 * Measurement Protocol ({@code /mp/collect}) or Universal Analytics v1 ({@code /collect}, {@code /batch}).
 * {@link #wire()} is its spelling in the canonical hit ({@code Hit.protocol}), the {@code protocol} tag of
 * {@code beacon_collector_accepted_total} and derived request ids.
 */
public enum Protocol {
  GA4_WEB("ga4-web", false),
  GA4_MP("ga4-mp", true),
  UA("ua", true);

  private final String wire;
  private final boolean serverSide;

  Protocol(String wire, boolean serverSide) {
    this.wire = wire;
    this.serverSide = serverSide;
  }

  public String wire() {
    return wire;
  }

  /**
   * Whether the request may come from a server relaying the user's hits (GA4 MP, UA MP) rather than from the user's
   * browser (gtag, tracker): its User-Agent header is then the relay's HTTP library, or absent, and says nothing
   * about the user's device or whether the user is a bot (docs/analytics-model.md, "Bots").
   */
  public boolean serverSide() {
    return serverSide;
  }

  @Override
  public String toString() {
    return wire;
  }
}
