package io.beacon.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.beacon.infra.cluster.IgniteConfigFactory;
import io.beacon.infra.config.BeaconConfig;
import io.beacon.infra.config.ConfigLoader;
import io.beacon.infra.config.Role;
import io.beacon.testing.FreePorts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.apache.ignite.Ignite;
import org.apache.ignite.Ignition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hardening finding "the raw-write gate has no owner", on real Ignite nodes in this JVM: a node that leaves the
 * cluster while it holds the gate, or while one of its writes is in flight, must not stop raw ingest or later
 * erasures cluster-wide.
 */
class WriteGateLeaseTest {
  private static final Duration SOON = Duration.ofSeconds(30);
  @TempDir
  Path work;
  private Ignite a;
  private Ignite b;
  private Ignite c;

  @BeforeEach
  void start() throws Exception {
    int disco = FreePorts.block(4);
    int comm = FreePorts.block(4);
    BeaconConfig cfg = ConfigLoader.load(null, Map.of(
        "BEACON_CLUSTER_DISCOVERY_PORT", Integer.toString(disco),
        "BEACON_CLUSTER_DISCOVERY_PORT_RANGE", "4",
        "BEACON_CLUSTER_MEMBERS", "127.0.0.1:" + disco + ".." + (disco + 3),
        "BEACON_CLUSTER_COMMUNICATION_PORT", Integer.toString(comm),
        "BEACON_CLUSTER_COMMUNICATION_PORT_RANGE", "4",
        "BEACON_CLUSTER_WORK_DIR", work.resolve("ignite").toString()));
    a = node(cfg, "gate-a");
    b = node(cfg, "gate-b");
    c = node(cfg, "gate-c");
  }

  private Ignite node(BeaconConfig cfg, String name) throws Exception {
    return Ignition.start(IgniteConfigFactory.create(cfg.cluster(), name, Set.of(Role.BRIDGE), 32, 32)
        .setWorkDirectory(Files.createDirectories(work.resolve(name)).toString()));
  }

  @AfterEach
  void stop() {
    for (Ignite n : new Ignite[] {c, b, a}) {
      if (n != null) {
        try {
          n.close();
        } catch (RuntimeException ignored) {
          // already stopped by the test
        }
      }
    }
  }

  /** Stops a node at once, cancelling its jobs (as close to a crash as an in-process node gets). */
  private static void kill(Ignite n) {
    Ignition.stop(n.name(), true);
  }

  @Test
  void rawWriteGateClosedByANodeThatLeftOpensAndWritesResume() {
    IgniteWriteGate onA = new IgniteWriteGate(a);
    IgniteWriteGate onB = new IgniteWriteGate(b);
    assertThat(onA.close()).isTrue();
    assertThatThrownBy(onB::enter).isInstanceOf(StoreUnavailableException.class);
    assertThat(new IgniteWriteGate(c).close()).as("held by a live node").isFalse();

    kill(a); // dies mid-erasure, gate closed

    await().atMost(SOON).ignoreExceptionsInstanceOf(StoreUnavailableException.class).untilAsserted(() -> {
      onB.enter();
      onB.exit();
    });
    IgniteWriteGate onC = new IgniteWriteGate(c);
    assertThat(onC.close()).as("the next erasure takes the gate").isTrue();
    assertThatThrownBy(onB::enter).isInstanceOf(StoreUnavailableException.class);
    onC.open();
    onB.enter();
    onB.exit();
  }

  @Test
  void rawWriteGateInFlightWriteOfANodeThatLeftDoesNotBlockTheNextErasure() {
    IgniteWriteGate onA = new IgniteWriteGate(a);
    IgniteWriteGate onB = new IgniteWriteGate(b);
    onB.enter(); // a write starts on b ...
    assertThat(onA.close()).isTrue();
    assertThat(onA.drained().getAsBoolean()).as("b's write is in flight").isFalse();

    kill(b); // ... and b dies before it ends

    await().atMost(SOON).until(() -> onA.drained().getAsBoolean());
    onA.open();
    IgniteWriteGate onC = new IgniteWriteGate(c);
    onC.enter();
    assertThat(onA.close()).isTrue();
    assertThat(onA.drained().getAsBoolean()).as("a live writer is still waited for").isFalse();
    onC.exit();
    await().atMost(SOON).until(() -> onA.drained().getAsBoolean());
    onA.open();
  }
}
