package io.beacon.infra;

import io.beacon.infra.clients.Clients;
import io.beacon.infra.config.BeaconConfig;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.ignite.Ignite;

/**
 * What every verticle of a node shares: the validated config, the node's Ignite instance (for
 * caches), its meter registry and its store clients. Passed to verticle constructors.
 */
public record NodeContext(BeaconConfig config, Ignite ignite, MeterRegistry meters, Clients clients) {
  public String nodeName() {
    return config.node().name();
  }
}
