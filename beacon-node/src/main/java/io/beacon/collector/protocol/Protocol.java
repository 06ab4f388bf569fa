package io.beacon.collector.protocol;

/**
 * The wire protocol a hit came in: GA4's web protocol ({@code /g/collect}: gtag.js and Beacon's tracker), GA4's
 * Measurement Protocol ({@code /mp/collect}), Universal Analytics v1 ({@code /collect}, {@code /batch}) or
 * Plausible's Events API ({@code /api/event}: Plausible's trackers).
 * {@link #wire()} is its spelling in the canonical hit ({@code Hit.protocol}), the {@code protocol} tag of
 * {@code beacon_collector_accepted_total} and derived request ids.
 */
public enum Protocol {
  GA4_WEB("ga4-web", false),
  GA4_MP("ga4-mp", true),
  UA("ua", true),
  PLAUSIBLE("plausible", false, true);

  private final String wire;
  private final boolean serverSide;
  private final boolean cookieless;

  Protocol(String wire, boolean serverSide) {
    this(wire, serverSide, false);
  }

  Protocol(String wire, boolean serverSide, boolean cookieless) {
    this.wire = wire;
    this.serverSide = serverSide;
    this.cookieless = cookieless;
  }

  /**
   * Whether the protocol carries no client id at all (Plausible's Events API): the collector gives each of its hits
   * the cookieless daily id ({@code CookielessIds}) whatever the property's {@code cookieless} setting.
   */
  public boolean cookieless() {
    return cookieless;
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
