package io.beacon.infra.cluster;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.ignite.Ignite;
import org.apache.ignite.events.DiscoveryEvent;
import org.apache.ignite.events.EventType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Guards against a node that was cut off from the cluster and came back on its own. It must not
 * go on serving as a one-node cluster with stale state, so once cut off it is unfit for good
 * (readiness and liveness turn false at once) and {@code onSegmented} runs, which stops the node
 * so its supervisor restarts it into the real cluster.
 *
 * <p>Two ways a node learns it was the one cut off:
 * <ul>
 *   <li>Ignite reports a local segmentation ({@code EVT_NODE_SEGMENTED});</li>
 *   <li>the node was frozen (SIGSTOP, a long GC or VM stall) for longer than half the failure
 *       detection timeout and, right after, sees its peers "fail". A frozen node wakes up to find
 *       everyone silent and Ignite makes it a one-node cluster of its own; the peers are in fact
 *       alive and have already dropped it. A peer failing while this node runs normally (kill -9
 *       of the peer) does not trip the guard.</li>
 * </ul>
 * A network partition without a pause is covered by {@code cluster.minMembers} in readiness; and, with {@code
 * cluster.minorityExitMs}, a node left in a minority that long (having seen {@code minMembers} before) is cut off
 * too: Ignite does not merge the sides of a healed partition, so it would otherwise stay alone and unready for good,
 * holding its Kafka partitions (the rehearsal's partition fault found 245 acknowledged hits left unwritten so).
 */
public final class SegmentationGuard implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SegmentationGuard.class);
  private static final long TICK_MS = 100;

  private final long pauseThresholdMs;
  private final long recentPauseWindowMs;
  private final AtomicReference<String> segmentedReason = new AtomicReference<>();
  private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "beacon-pause-detector");
    t.setDaemon(true);
    return t;
  });
  private volatile long lastTickNanos = System.nanoTime();
  private volatile long lastPauseEndNanos;
  private volatile long lastPauseMs;

  public SegmentationGuard(long failureDetectionTimeoutMs) {
    this.pauseThresholdMs = failureDetectionTimeoutMs / 2;
    this.recentPauseWindowMs = failureDetectionTimeoutMs * 2;
    ticker.scheduleAtFixedRate(this::tick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
  }

  private void tick() {
    long now = System.nanoTime();
    long gapMs = TimeUnit.NANOSECONDS.toMillis(now - lastTickNanos);
    if (gapMs >= pauseThresholdMs) {
      lastPauseMs = gapMs;
      lastPauseEndNanos = now;
      LOG.warn("This node was paused for {} ms (failure detection allows {} ms)", gapMs, pauseThresholdMs * 2);
    }
    lastTickNanos = now;
  }

  /**
   * Length of a pause (longer than half the failure detection timeout) this node is in the middle of waking from,
   * or that ended within twice the failure detection timeout; 0 if none. While it is not 0 the node cannot know
   * yet whether the cluster dropped it (Ignite's failure events reach the guard only later), so it must not
   * answer ready.
   */
  public long recentPauseMs() {
    long now = System.nanoTime();
    long sinceTick = TimeUnit.NANOSECONDS.toMillis(now - lastTickNanos);
    if (sinceTick >= pauseThresholdMs) {
      return sinceTick; // woken before the ticker ran again
    }
    boolean recent = lastPauseEndNanos != 0
        && TimeUnit.NANOSECONDS.toMillis(now - lastPauseEndNanos) <= recentPauseWindowMs;
    return recent ? lastPauseMs : 0;
  }

  /**
   * Watches the cluster's size once a second (off any event loop): {@link #minorityCheck} decides. Does nothing when
   * {@code minorityExitMs} is 0.
   */
  public void watchMinority(Ignite ignite, int minMembers, long minorityExitMs, Runnable onSegmented) {
    if (minorityExitMs <= 0) {
      return;
    }
    Object self = ignite.cluster().localNode().consistentId();
    ticker.scheduleAtFixedRate(() -> {
      int members = ignite.cluster().nodes().size();
      String why = minorityCheck(members, minMembers, minorityExitMs, System.nanoTime());
      if (why != null) {
        trip(why, self, onSegmented);
      }
    }, 1, 1, TimeUnit.SECONDS);
  }

  private volatile boolean sawQuorum;
  private volatile long minoritySinceNanos;

  /**
   * Why this node must leave, or null: it saw {@code minMembers} members once and has seen fewer for {@code
   * minorityExitMs} since (a node still starting, which never saw them, waits for its peers instead).
   */
  String minorityCheck(int members, int minMembers, long minorityExitMs, long nowNanos) {
    if (members >= minMembers) {
      sawQuorum = true;
      minoritySinceNanos = 0;
      return null;
    }
    if (!sawQuorum) {
      return null;
    }
    if (minoritySinceNanos == 0) {
      minoritySinceNanos = nowNanos;
      return null;
    }
    long ms = TimeUnit.NANOSECONDS.toMillis(nowNanos - minoritySinceNanos);
    return ms >= minorityExitMs ? "saw " + members + " members for " + ms + " ms, fewer than the " + minMembers
        + " it needs: the minority side of a partition" : null;
  }

  public void install(Ignite ignite, Runnable onSegmented) {
    Object self = ignite.cluster().localNode().consistentId();
    ignite.events().localListen(event -> {
      if (event.type() == EventType.EVT_NODE_SEGMENTED) {
        trip("Ignite reported this node segmented", self, onSegmented);
      } else if (event instanceof DiscoveryEvent de) {
        long pause = recentPauseMs();
        if (pause > 0) {
          trip("peer " + de.eventNode().consistentId() + " seemed to fail right after this node was paused for "
              + pause + " ms: the cluster dropped this node", self, onSegmented);
        }
      }
      return true;
    }, EventType.EVT_NODE_SEGMENTED, EventType.EVT_NODE_FAILED);
  }

  private void trip(String reason, Object self, Runnable onSegmented) {
    if (segmentedReason.compareAndSet(null, reason)) {
      LOG.error("Node {} is cut off from its cluster ({}); refusing traffic and leaving so it can rejoin", self, reason);
      onSegmented.run();
    }
  }

  /** True once this node was cut off; it never becomes healthy again without a restart. */
  public boolean isSegmented() {
    return segmentedReason.get() != null;
  }

  /**
   * Why this node must not act for the cluster right now (hand a hit to Kafka on the strength of its cache
   * state), or null when it may: it was cut off, or it is waking from a pause and cannot tell yet whether its
   * peers dropped it and took its work over.
   */
  public String unfitReason() {
    String segmented = segmentedReason.get();
    if (segmented != null) {
      return "cut off from the cluster: " + segmented;
    }
    long pause = recentPauseMs();
    return pause > 0 ? "waking from a " + pause + " ms pause" : null;
  }

  /** Why the node was judged cut off, or null. */
  public String reason() {
    return segmentedReason.get();
  }

  @Override
  public void close() {
    ticker.shutdownNow();
  }
}
