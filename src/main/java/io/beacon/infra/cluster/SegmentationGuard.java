package io.beacon.infra.cluster;

import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.ignite.Ignite;
import org.apache.ignite.events.DiscoveryEvent;
import org.apache.ignite.events.EventType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Guards against a node that was cut off from the cluster (frozen or partitioned past the failure
 * detection timeout) and came back on its own: Ignite reports that as a local segmentation. Such a
 * node must not go on serving as a one-node cluster with stale state, so the guard marks it unfit
 * (readiness turns false at once) and hands over to {@code onSegmented}, which stops the node so
 * its supervisor restarts it and it rejoins the real cluster.
 */
public final class SegmentationGuard {
  private static final Logger LOG = LoggerFactory.getLogger(SegmentationGuard.class);
  private final AtomicBoolean segmented = new AtomicBoolean();

  public void install(Ignite ignite, Runnable onSegmented) {
    ignite.events().localListen(event -> {
      if (event instanceof DiscoveryEvent de && segmented.compareAndSet(false, true)) {
        LOG.error("Node {} was segmented from the cluster (topology version {}); refusing traffic and leaving",
            ignite.cluster().localNode().consistentId(), de.topologyVersion());
        onSegmented.run();
      }
      return true;
    }, EventType.EVT_NODE_SEGMENTED);
  }

  /** True once this node was cut off; it never becomes healthy again without a restart. */
  public boolean isSegmented() {
    return segmented.get();
  }
}
