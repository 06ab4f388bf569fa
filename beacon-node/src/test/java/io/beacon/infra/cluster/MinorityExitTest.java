package io.beacon.infra.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A node left in a minority after a healed partition (the rehearsal's NODE_PARTITION fault: Ignite kept it a cluster
 * of one for good, holding its Kafka partitions) leaves after {@code cluster.minorityExitMs}; a node still starting,
 * or one whose peers come back in time, stays.
 */
class MinorityExitTest {
  static long s(long seconds) {
    return TimeUnit.SECONDS.toNanos(seconds) + 1;
  }

  @Test
  void aNodeLeftInAMinorityForTheGraceLeaves() {
    try (SegmentationGuard g = new SegmentationGuard(10_000)) {
      assertThat(g.minorityCheck(3, 2, 30_000, s(1))).isNull();
      assertThat(g.minorityCheck(1, 2, 30_000, s(2))).isNull();
      assertThat(g.minorityCheck(1, 2, 30_000, s(31))).isNull();
      assertThat(g.minorityCheck(1, 2, 30_000, s(32))).contains("saw 1 members").contains("fewer than the 2");
    }
  }

  @Test
  void aStartingNodeOrPeersBackInTimeKeepItIn() {
    try (SegmentationGuard g = new SegmentationGuard(10_000)) {
      assertThat(g.minorityCheck(1, 2, 30_000, s(1))).as("never saw its peers: still starting").isNull();
      assertThat(g.minorityCheck(1, 2, 30_000, s(100))).isNull();
      assertThat(g.minorityCheck(2, 2, 30_000, s(101))).isNull();
      assertThat(g.minorityCheck(1, 2, 30_000, s(102))).isNull();
      assertThat(g.minorityCheck(2, 2, 30_000, s(120))).as("a peer back within the grace").isNull();
      assertThat(g.minorityCheck(1, 2, 30_000, s(125))).isNull();
      assertThat(g.minorityCheck(1, 2, 30_000, s(150))).isNull();
    }
  }
}
