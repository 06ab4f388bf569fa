package io.beacon.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.beacon.devstack.LocalStack;
import io.beacon.faults.SoakPipeline.Identity;
import io.beacon.testing.NodeProcess;
import io.beacon.testing.RealStack;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Soak and fault injection on the real stack: two clustered Beacon nodes, the Spark job and a steady stream of
 * tracker hits (a tenth of them bots) over both collectors, with client retries ({@link SoakPipeline}).
 *
 * <p>First a soak ({@code -Dsoak.seconds}, default 60): the stream alone, then the accounting identity and a live
 * heap that stays flat after warm-up. Then, one at a time while the stream goes on, a {@code kill -9} and restart
 * of Kafka, Cassandra, QuestDB, the Spark job and one node, and a node frozen (SIGSTOP) past the cluster's failure
 * detection, which must leave (exit 75) rather than serve as a cluster of its own, and is restarted. Each phase
 * sends to a property of its own, so the identity of a phase (every hit acknowledged during that fault counted
 * exactly once in Kafka, QuestDB, Cassandra and the report API) is checked in the background while the next
 * fault runs; all are asserted at the end, with a table of the numbers.
 */
@ExtendWith(RealStack.class)
class PipelineFaultTest {

  private static final int HITS_PER_SECOND = 50;
  /** How long a phase's numbers may take to settle after its fault (a later fault may be under way meanwhile). */
  private static final Duration SETTLE = Duration.ofMinutes(5);
  private static final List<String> PHASES =
      List.of("soak", "kafka", "cassandra", "questdb", "spark", "nodekill", "freeze");

  private final ExecutorService checker = Executors.newSingleThreadExecutor();
  private final Map<String, CompletableFuture<Identity>> checks = new LinkedHashMap<>();
  private final Map<String, String> faultNotes = new LinkedHashMap<>();
  private SoakPipeline p;

  @Test
  void everyAcknowledgedHitIsCountedExactlyOnceThroughASoakAndFaults(LocalStack stack) throws Exception {
    long begin = System.nanoTime();
    try (SoakPipeline pipeline = SoakPipeline.start(stack, Path.of("target", "faults"), PHASES, HITS_PER_SECOND)) {
      p = pipeline;
      SoakPipeline.SoakResult soak = p.soak(Duration.ofSeconds(Long.getLong("soak.seconds", 60)));
      System.out.println("soak: " + soak.toJson().encode());
      assertThat(soak.heapGrowth()).as("live heap after warm-up vs at the end of the soak").isEmpty();

      fault("kafka", () -> {
        stack.kafka().kill();
        stack.kafka().restart();
      });
      fault("cassandra", () -> {
        p.flushCassandraSchema(); // see there: the test stack's Cassandra keeps its schema in memory only
        stack.cassandra().kill();
        stack.cassandra().restart();
      });
      fault("questdb", () -> {
        stack.questdb().kill();
        stack.questdb().restart();
      });
      fault("spark", p::killAndRestartSpark);
      fault("nodekill", () -> {
        p.expectedDown.add(p.b);
        try {
          p.b.kill();
          SoakPipeline.restartLikeASupervisor(p.b);
        } finally {
          p.expectedDown.remove(p.b);
        }
        awaitTwoMembers();
      });
      fault("freeze", this::freezeNodeB);

      List<String> failures = new ArrayList<>();
      StringBuilder table = new StringBuilder("phase numbers:\n");
      for (Map.Entry<String, CompletableFuture<Identity>> c : checks.entrySet()) {
        try {
          Identity id = c.getValue().get(SETTLE.toSeconds() * 2, TimeUnit.SECONDS);
          table.append("  ").append(id).append('\n');
        } catch (java.util.concurrent.ExecutionException e) {
          failures.add(e.getCause().getMessage());
          table.append("  ").append(c.getKey()).append(": FAILED ").append(e.getCause().getMessage()).append('\n');
        }
      }
      faultNotes.forEach((phase, note) -> table.append("  ").append(phase).append(": ").append(note).append('\n'));
      System.out.print(table);
      System.out.printf("PipelineFaultTest: %.1f s in all%n", (System.nanoTime() - begin) / 1e9);
      assertThat(failures).as(table.toString()).isEmpty();
      assertThat(p.unexpectedExits).as("processes that exited on their own").isEmpty();
    } finally {
      checker.shutdownNow();
    }
  }

  /** The body of a fault: injects it and returns once the pipeline is whole again. */
  @FunctionalInterface
  private interface Fault {
    void run() throws Exception;
  }

  /**
   * Runs one fault with the stream sending to the phase's own property, keeps streaming until hits are acknowledged
   * again afterwards, then queues the phase's identity check. Stops first if an earlier check already failed for
   * any reason other than the known Spark duplicate gap (the later faults would only bury the first failure).
   */
  private void fault(String phase, Fault fault) throws Exception {
    for (Map.Entry<String, CompletableFuture<Identity>> c : checks.entrySet()) {
      if (c.getValue().isCompletedExceptionally()) {
        try {
          c.getValue().join();
        } catch (CompletionException e) {
          if (!(e.getCause() instanceof SoakPipeline.Overcount o && o.getMessage().contains("sparkdedup"))) {
            throw new AssertionError("stopping before the " + phase + " fault: " + c.getKey() + " failed: "
                + e.getCause().getMessage(), e.getCause());
          }
        }
      }
    }
    String property = p.property(phase);
    p.hits().switchTo(property);
    if (!checks.containsKey("soak")) {
      checks.put("soak", check("soak"));
    }
    long t0 = System.nanoTime();
    fault.run();
    double recovered = (System.nanoTime() - t0) / 1e9;
    // The phase also covers a second of stream after recovery, so its check sees the pipeline working again.
    int ackedAtRecovery = p.hits().ledger(property).acknowledged();
    await(phase + ": hits acknowledged after recovery").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
        .until(() -> p.hits().ledger(property).acknowledged() >= ackedAtRecovery + HITS_PER_SECOND);
    String note = String.format("fault injected and recovered in %.1f s", recovered);
    faultNotes.merge(phase, note, (earlier, added) -> added + "; " + earlier);
    System.out.println(phase + ": " + note);
    // Off this phase's property before its check starts counting (the next phase's, or no more hits at all).
    int next = PHASES.indexOf(phase) + 1;
    if (next < PHASES.size()) {
      p.hits().switchTo(p.property(PHASES.get(next)));
    } else {
      p.hits().stopSending();
    }
    checks.put(phase, check(phase));
  }

  /** Queues the phase's identity check; its outcome is printed as soon as it is known. */
  private CompletableFuture<Identity> check(String phase) {
    return CompletableFuture.supplyAsync(() -> p.awaitIdentity(phase, SETTLE), checker).whenComplete((id, e) ->
        System.out.println(id != null ? "identity holds: " + id : "identity FAILED: " + e.getMessage()));
  }

  /**
   * SIGSTOP of soak-b until soak-a has dropped it, then SIGCONT: soak-b must notice it was cut off and exit 75
   * without ever answering ready as a one-member cluster meanwhile; it is then restarted into the cluster.
   */
  private void freezeNodeB() throws Exception {
    NodeProcess b = p.b;
    p.expectedDown.add(b);
    List<String> splitBrain = Collections.synchronizedList(new ArrayList<>());
    int polls;
    try {
      signal(b, "STOP");
      try {
        await("soak-a dropping the frozen soak-b").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
            .until(() -> SoakPipeline.members(p.a) == 1);
      } finally {
        signal(b, "CONT");
      }
      // From the moment it runs again until it exits: never a one-member cluster that answers ready.
      int[] count = new int[1];
      await("soak-b leaving after it was cut off").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
          .until(() -> {
            if (!b.process().isAlive()) {
              return true;
            }
            count[0]++;
            int members = SoakPipeline.members(b);
            if (members == 1) {
              try {
                int ready = b.get("/ready").statusCode();
                if (ready == 200) {
                  splitBrain.add("soak-b answered /ready 200 as a cluster of " + members);
                }
              } catch (java.io.IOException e) {
                // exiting
              }
            }
            return false;
          });
      polls = count[0];
      assertThat(b.process().exitValue()).as("soak-b's exit code after it was cut off:\n" + b.logTail())
          .isEqualTo(75);
      SoakPipeline.restartLikeASupervisor(b);
    } finally {
      p.expectedDown.remove(b);
    }
    assertThat(splitBrain).as("soak-b serving as a split-off cluster").isEmpty();
    faultNotes.put("freeze", "soak-b exited 75 after SIGCONT; polled " + polls + " times meanwhile, never ready alone");
    awaitTwoMembers();
  }

  private void awaitTwoMembers() {
    await("both nodes in one cluster again").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
        .until(() -> SoakPipeline.members(p.a) == 2 && SoakPipeline.members(p.b) == 2);
  }

  private static void signal(NodeProcess n, String signal) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(n.process().pid())).inheritIO().start();
    assertThat(kill.waitFor()).as("kill -" + signal).isZero();
  }
}
