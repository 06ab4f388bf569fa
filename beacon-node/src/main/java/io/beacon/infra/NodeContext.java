package io.beacon.infra;

import io.beacon.infra.cluster.SegmentationGuard;
import io.beacon.infra.clients.Clients;
import io.beacon.infra.config.BeaconConfig;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.ignite.Ignite;

/**
 * What every verticle of a node shares: the validated config, the node's Ignite instance (for
 * caches), its meter registry, its store clients, the guard that knows whether the node may
 * still act for the cluster, and the node's other shared resources. Passed to verticle constructors; the node
 * ({@code BeaconNode}) owns and closes all of it, in one place.
 */
public record NodeContext(BeaconConfig config, Ignite ignite, MeterRegistry meters, Clients clients,
    SegmentationGuard guard, NodeResources resources) {
  public String nodeName() {
    return config.node().name();
  }
}
