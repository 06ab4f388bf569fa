package io.beacon.loadgen;

/**
 * One simulated browser or app install: its client id and what stays the same across its hits (device, network,
 * language, screen).
 *
 * @param clientId the pseudonymous id it sends (cid / client_id), the same across its sessions
 * @param agent its User-Agent and what that string is expected to say
 * @param network where it connects from
 * @param ip its address (sent as X-Forwarded-For, or UA's uip, when the node is told to believe it)
 * @param language browser language, lower case as the tracker sends it
 * @param screen screen resolution, WIDTHxHEIGHT
 */
public record Visitor(String clientId, UserAgentTable.Agent agent, GeoTable.Network network, String ip,
    String language, String screen) {}
