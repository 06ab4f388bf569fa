package io.beacon.collector;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.collector.SimStorage.Fault;
import io.beacon.collector.SimStorage.Killed;
import io.beacon.collector.SimStorage.PowerLoss;
import io.beacon.collector.SimStorage.Survivors;
import io.beacon.collector.handoff.Spool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.PropertyDefaults;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.constraints.IntRange;

/**
 * The spool under injected I/O failures, kill -9 and power losses at every step ({@link SimStorage}), driven the
 * way {@code KafkaHandoff} drives it: append groups then fsync (policy {@code always}) or not ({@code never}),
 * answer the hits only if all of that succeeded; read a batch, send it, commit it; rewind after a failure.
 *
 * <p>What must hold, whatever failed and wherever the process died or the power went: every acknowledged hit
 * is read back and sent, first in the order it was acknowledged (with {@code never}: as long as only the
 * process dies, not the machine); the spool never hands out a hit again once a commit covering it returned (so
 * an acknowledged hit is sent twice only when the process died or the send failed between sending and
 * committing it, and downstream de-duplicates those by request id); reads come in append order; a hit refused
 * for lack of space is never read, nor one whose append failed once a later append was acknowledged; no read
 * fails on a torn record, and a restart never drops a later hit.
 */
@PropertyDefaults(tries = 120, shrinking = ShrinkingMode.BOUNDED)
class SpoolCrashTest {

  sealed interface Op permits Append, Drain, Commit, Rewind, Kill, WriteBack {}

  /** Appends groups of {@code n} hits, then fsyncs (policy always); acknowledged if all of it succeeded. */
  record Append(List<Integer> groups) implements Op {}

  /** Reads up to {@code max} hits and sends them. */
  record Drain(int max) implements Op {}

  /** Commits everything read and sent. */
  record Commit() implements Op {}

  /** Rewinds to the last commit (a send failed). */
  record Rewind() implements Op {}

  /** kill -9 and restart. */
  record Kill() implements Op {}

  /** The kernel writes its dirty pages back on its own. */
  record WriteBack() implements Op {}

  @Provide
  Arbitrary<List<Op>> ops() {
    Arbitrary<Op> op = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(5, Arbitraries.integers().between(1, 4).list().ofMinSize(1).ofMaxSize(3).map(Append::new)),
        net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(1, 5).map(Drain::new)),
        net.jqwik.api.Tuple.of(3, Arbitraries.just(new Commit())),
        net.jqwik.api.Tuple.of(1, Arbitraries.just(new Rewind())),
        net.jqwik.api.Tuple.of(1, Arbitraries.just(new Kill())),
        net.jqwik.api.Tuple.of(1, Arbitraries.just(new WriteBack())));
    return op.list().ofMinSize(1).ofMaxSize(24);
  }

  /**
   * fsync {@code always}: runs the operations once without a fault to count the steps, then once per step k and
   * per fault at k (I/O error, a run of them, short write then error, kill -9, power loss keeping none, all or
   * some of the writes not yet forced); every run ends with a power loss, a restart and a full drain.
   */
  @Property
  void withFsyncAlwaysNoAcknowledgedHitIsLostOrDuplicatedWhateverFailsOrCrashes(@ForAll("ops") List<Op> ops,
      @ForAll long seed, @ForAll @IntRange(min = 120, max = 1200) int maxBytes) {
    int steps = new Run(ops, seed, maxBytes, true, -1, null, null).execute();
    for (int k = 1; k <= steps; k++) {
      for (Fault f : List.of(Fault.IO_ERROR, Fault.IO_ERROR_BURST, Fault.SHORT_WRITE, Fault.KILL)) {
        new Run(ops, seed + k, maxBytes, true, k, f, null).execute();
      }
      for (Survivors s : Survivors.values()) { // NONE, ALL, RANDOM (a prefix), SUBSET (in any order)
        new Run(ops, seed + k, maxBytes, true, k, Fault.CRASH, s).execute();
      }
    }
  }

  /** fsync {@code never}: the same with faults and kill -9 only (a power loss may lose hits, by definition). */
  @Property
  void withFsyncNeverNoAcknowledgedHitIsLostOrDuplicatedWhateverFailsOrTheProcessDies(@ForAll("ops") List<Op> ops,
      @ForAll long seed, @ForAll @IntRange(min = 120, max = 1200) int maxBytes) {
    int steps = new Run(ops, seed, maxBytes, false, -1, null, null).execute();
    for (int k = 1; k <= steps; k++) {
      for (Fault f : List.of(Fault.IO_ERROR, Fault.IO_ERROR_BURST, Fault.SHORT_WRITE, Fault.KILL)) {
        new Run(ops, seed + k, maxBytes, false, k, f, null).execute();
      }
    }
  }

  /**
   * Finding "the spool's position file is never fsynced while the data file is truncated and reused": the
   * drained file is reused for new hits, fsynced and acknowledged; the power goes before the kernel wrote the
   * new position back, so the disk still holds the position of an earlier commit, in the middle of the new hits.
   */
  @Example
  void positionFileNotFsyncedBeforeReuseLosesNoHitOnPowerLoss() throws IOException {
    SimStorage sim = new SimStorage(new Random(1));
    List<String> acked = new ArrayList<>();
    Spool s1 = Spool.open(sim, 1 << 20);
    s1.append(List.of(hit("a1", 40), hit("a2", 40), hit("a3", 40)));
    s1.force();
    s1.commit(s1.read(2).get(1).end());
    sim.writeBackAll(); // the kernel writes everything back some time after that commit
    s1.commit(s1.read(1).get(0).end()); // all drained: the file is emptied and reused
    List<Spool.Entry> later = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      later.add(hit("b" + i, 20));
      acked.add("b" + i);
    }
    s1.append(later);
    s1.force(); // fsync always: b0..b9 are acknowledged now
    sim.powerLoss(Survivors.NONE);
    try (Spool s = Spool.open(sim, 1 << 20)) {
      assertThat(keys(s.read(100))).containsExactlyElementsOf(acked);
    }
  }

  /**
   * Finding "an IOException mid-append leaves a torn record behind acknowledged ones": the disk fills up in the
   * middle of an append (a short write, then an error); the next append, acknowledged, must be readable, and
   * survive a restart.
   */
  @Example
  void ioExceptionMidAppendLeavesNoTornRecord() throws IOException {
    SimStorage sim = new SimStorage(new Random(2));
    Spool s1 = Spool.open(sim, 1 << 20);
    s1.append(List.of(hit("a1", 30)));
    s1.force();
    sim.arm(sim.steps() + 1, Fault.SHORT_WRITE);
    try {
      s1.append(List.of(hit("failed1", 30), hit("failed2", 30)));
      s1.force();
      throw new AssertionError("the append should have failed");
    } catch (IOException expected) {
      // the client is answered with an error; failed1 and failed2 were not acknowledged
    }
    sim.disarm();
    s1.append(List.of(hit("a2", 30)));
    s1.force();
    assertThat(keys(s1.read(10))).containsExactly("a1", "a2"); // no "corrupt spool record", no torn bytes read
    sim.kill(); // and a restart does not cut a2 off
    try (Spool s = Spool.open(sim, 1 << 20)) {
      assertThat(keys(s.read(10))).containsExactly("a1", "a2");
    }
  }

  private static Spool.Entry hit(String key, int size) {
    byte[] v = new byte[size];
    Arrays.fill(v, (byte) key.hashCode());
    return new Spool.Entry(key, v, 0);
  }

  private static List<String> keys(List<Spool.Entry> entries) {
    return entries.stream().map(Spool.Entry::key).toList();
  }

  /** One run of the operations with at most one fault; checks the guarantees as it goes and at the end. */
  private static final class Run {
    private final List<Op> ops;
    private final Random random;
    private final int maxBytes;
    private final boolean fsyncAlways;
    private final Fault fault;
    private final Survivors survivors;
    private final SimStorage sim;
    private Spool spool;
    private long nextId = 1;
    private final List<Long> acked = new ArrayList<>();
    private final Set<Long> appended = new HashSet<>();
    private final Set<Long> refused = new HashSet<>();
    /** Hits whose append threw, since the last acknowledged append. */
    private final Set<Long> failedInAppend = new HashSet<>();
    /** Hits whose append threw before a later append was acknowledged: the spool cut them off. */
    private final Set<Long> cutOff = new HashSet<>();
    private final List<Long> sent = new ArrayList<>();
    private final List<Spool.Entry> readNotCommitted = new ArrayList<>();
    private long lastCommitted;
    private long lastRead;
    private final String what;

    Run(List<Op> ops, long seed, int maxBytes, boolean fsyncAlways, int faultAt, Fault fault, Survivors survivors) {
      this.ops = ops;
      this.random = new Random(seed);
      this.maxBytes = maxBytes;
      this.fsyncAlways = fsyncAlways;
      this.fault = fault;
      this.survivors = survivors;
      this.sim = new SimStorage(new Random(seed ^ 0x5DEECE66DL));
      sim.arm(faultAt, fault);
      this.what = "fsync " + (fsyncAlways ? "always" : "never") + ", " + (fault == null ? "no fault"
          : fault + (survivors == null ? "" : " keeping " + survivors) + " at step " + faultAt) + ", maxBytes "
          + maxBytes + ", " + ops;
    }

    /** Returns the number of steps before the final restart. */
    int execute() {
      try {
        open();
        for (Op op : ops) {
          try {
            apply(op);
          } catch (PowerLoss p) {
            sim.powerLoss(survivors);
            restart();
          } catch (Killed k) {
            sim.kill();
            restart();
          }
        }
        int steps = sim.steps();
        sim.disarm();
        if (fsyncAlways) {
          sim.powerLoss(Survivors.values()[random.nextInt(Survivors.values().length)]);
        } else {
          sim.kill();
        }
        restart();
        for (int i = 0; i < 1000; i++) {
          List<Spool.Entry> batch = read(1 + random.nextInt(6));
          if (batch.isEmpty()) {
            break;
          }
          spool.commit(batch.get(batch.size() - 1).end());
          lastCommitted = lastRead;
        }
        assertThat(spool.isDrained()).as("drained").isTrue();
        assertThat(spool.pendingBytes()).as("pending bytes").isZero();
        // Every acknowledged hit was sent, the first time in the order it was acknowledged.
        List<Long> firstSent = new ArrayList<>(new LinkedHashSet<>(sent));
        firstSent.retainAll(new HashSet<>(acked));
        assertThat(firstSent).as("acknowledged hits, in the order first sent").containsExactlyElementsOf(acked);
        spool.close();
        return steps;
      } catch (IOException e) {
        throw new AssertionError(what + ": unexpected " + e + "\n" + String.join("\n", sim.log()), e);
      } catch (AssertionError e) {
        throw new AssertionError(what + ": " + e.getMessage() + "\n" + String.join("\n", sim.log()), e);
      }
    }

    private void open() throws IOException {
      for (int attempt = 0; ; attempt++) {
        try {
          spool = Spool.open(sim, maxBytes);
          return;
        } catch (IOException e) {
          if (attempt > 3) {
            throw e; // faults are one-shot (or a run of three): a later attempt must succeed
          }
        } catch (PowerLoss p) {
          sim.powerLoss(survivors);
        } catch (Killed k) {
          sim.kill();
        }
      }
    }

    private void restart() throws IOException {
      readNotCommitted.clear();
      failedInAppend.clear(); // the process died: those hits' bytes may be whole in the file, and read after all
      lastRead = lastCommitted;
      open();
    }

    private void apply(Op op) throws IOException {
      if (op instanceof Append a) {
        List<Long> written = new ArrayList<>();
        try {
          for (int n : a.groups()) {
            List<Spool.Entry> entries = new ArrayList<>();
            List<Long> ids = new ArrayList<>();
            for (int i = 0; i < n; i++) {
              long id = nextId++;
              ids.add(id);
              entries.add(new Spool.Entry(key(id), value(id), 0));
            }
            appended.addAll(ids);
            failedInAppend.addAll(ids);
            if (spool.append(entries)) {
              written.addAll(ids);
            } else {
              refused.addAll(ids);
            }
            failedInAppend.removeAll(ids);
          }
          if (fsyncAlways && !written.isEmpty()) {
            spool.force();
          }
          acked.addAll(written);
          if (!written.isEmpty()) {
            cutOff.addAll(failedInAppend);
            failedInAppend.clear();
          }
        } catch (IOException e) {
          // not acknowledged: the client gets an error (these hits may still reach Kafka, at most once)
        }
      } else if (op instanceof Drain d) {
        try {
          readNotCommitted.addAll(read(d.max()));
        } catch (IOException e) {
          rewind();
        }
      } else if (op instanceof Commit) {
        if (!readNotCommitted.isEmpty()) {
          try {
            spool.commit(readNotCommitted.get(readNotCommitted.size() - 1).end());
            lastCommitted = lastRead;
            readNotCommitted.clear();
          } catch (IOException e) {
            rewind();
          }
        }
      } else if (op instanceof Rewind) {
        rewind();
      } else if (op instanceof Kill) {
        sim.kill();
        restart();
      } else if (op instanceof WriteBack) {
        sim.writeBackAll();
      }
    }

    private void rewind() {
      spool.rewind();
      readNotCommitted.clear();
      lastRead = lastCommitted;
    }

    /** Reads and sends a batch, checking what the spool hands out. */
    private List<Spool.Entry> read(int max) throws IOException {
      List<Spool.Entry> batch = spool.read(max);
      for (Spool.Entry e : batch) {
        long id = Long.parseLong(e.key().substring(1));
        assertThat(appended).as("a hit that was appended").contains(id);
        assertThat(refused).as("hits refused for lack of space").doesNotContain(id);
        assertThat(cutOff).as("hits of a failed append followed by an acknowledged one").doesNotContain(id);
        assertThat(e.value()).as("value of h" + id).isEqualTo(value(id));
        assertThat(id).as("read after h" + lastRead + " (in order, nothing committed comes back)")
            .isGreaterThan(lastRead);
        lastRead = id;
        sent.add(id);
      }
      return batch;
    }

    /**
     * Keys of one length and values of three: a stale record of an earlier use of the file often starts right
     * where a new one ends, as a reader that trusted offsets or lengths alone would be fooled by.
     */
    private static String key(long id) {
      return String.format("h%06d", id);
    }

    private static byte[] value(long id) {
      return (String.format("v%06d", id) + "x".repeat((int) (id % 3) * 5)).getBytes(StandardCharsets.UTF_8);
    }
  }
}
