package io.beacon.loadgen;

/**
 * One simulated browser, app install or server-side sender's end user: its client id and what stays the same across
 * its hits (device, network, language, screen, and what its sender tells the collector about them).
 *
 * @param clientId the pseudonymous id it sends (cid / client_id), the same across its sessions
 * @param agent its User-Agent and what that string is expected to say; null: its sender knows none (a server-side
 *     Measurement Protocol or UA sender that sends no User-Agent at all)
 * @param network where it connects from
 * @param ip its address (sent as X-Forwarded-For, UA's uip or MP's ip_override)
 * @param language browser language as its sender writes it (MP and UA may send "en-GB"; the reports lower-case it)
 * @param screen screen resolution, WIDTHxHEIGHT
 * @param device MP only: the request's {@code device} object, which wins over the User-Agent (null: none)
 * @param location MP only: the request's {@code user_location}, which wins over the address (null: none)
 * @param ipOverride MP only: the address goes in the body's {@code ip_override}, not in X-Forwarded-For
 * @param proxyHeader UA only: the server-side sender sends its own User-Agent header (the browser's travels in
 *     {@code ua}); false: no User-Agent header at all
 */
public record Visitor(String clientId, UserAgentTable.Agent agent, GeoTable.Network network, String ip,
    String language, String screen, MpDevice device, UserLocation location, boolean ipOverride, boolean proxyHeader) {

  /** A browser: its User-Agent in the header, nothing else. */
  public Visitor(String clientId, UserAgentTable.Agent agent, GeoTable.Network network, String ip, String language,
      String screen) {
    this(clientId, agent, network, ip, language, screen, null, null, false, true);
  }

  /** A crawler is known only by its User-Agent: without one, a hit is never a bot. */
  public boolean bot() {
    return agent != null && agent.bot();
  }

  /**
   * GA4 Measurement Protocol's {@code device} object; every field as sent (null: not sent).
   */
  public record MpDevice(String category, String language, String screenResolution, String operatingSystem,
      String operatingSystemVersion, String model, String brand, String browser, String browserVersion) {}

  /** GA4 Measurement Protocol's {@code user_location}: city name, ISO 3166-2 region, ISO 3166-1 alpha-2 country. */
  public record UserLocation(String city, String regionId, String countryId) {}
}
