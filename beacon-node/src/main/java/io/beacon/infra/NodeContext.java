package io.beacon.infra;

import io.beacon.infra.cluster.SegmentationGuard;
import io.beacon.infra.clients.Clients;
import io.beacon.infra.config.BeaconConfig;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.ignite.Ignite;

/**
 * What every verticle of a node shares: the validated config, the node's Ignite instance (for
 * caches), its meter registry, its store clients and the guard that knows whether the node may
 * still act for the cluster. Passed to verticle constructors.
 */
public record NodeContext(BeaconConfig config, Ignite ignite, MeterRegistry meters, Clients clients,
    SegmentationGuard guard) {
  public String nodeName() {
    return config.node().name();
  }
}
