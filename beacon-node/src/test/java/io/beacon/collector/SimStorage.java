package io.beacon.collector;

import io.beacon.collector.handoff.SpoolStorage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * An in-memory {@link SpoolStorage} that models what survives a power loss, and fails on demand.
 *
 * <p>Each file has a volatile content (the page cache: what reads see, what survives a kill -9) and a durable one
 * (what the last successful {@code force} persisted), plus the writes and truncates made since, in order. A
 * power loss keeps the durable content plus some of those operations ({@link Survivors}): none, all, a prefix
 * whose last write may be torn (only a prefix of its bytes written), or any subset, each write maybe torn (the
 * kernel writes dirty pages back in any order). Files created or
 * deleted since the last {@code syncDirectory} are lost or come back. {@link #writeBackAll} is the kernel writing
 * everything back on its own, which it may do at any time.
 *
 * <p>Every mutating call (create, write, truncate, force, delete, directory fsync) is a numbered step; a fault can
 * be armed at step k: an I/O error (a write may have written a prefix first), a short write followed by an
 * error on the next write (a disk filling up), a run of errors, or the process dying after the step
 * ({@link Killed}: kill -9, the page cache survives) or the machine losing power after it ({@link PowerLoss}).
 */
final class SimStorage implements SpoolStorage {
  /** Thrown at the step after which the machine loses power; the caller then calls {@link #powerLoss}. */
  static final class PowerLoss extends Error {
    PowerLoss() {
      super("power loss", null, false, false);
    }
  }

  /** Thrown at the step after which the process is killed; the caller then calls {@link #kill}. */
  static final class Killed extends Error {
    Killed() {
      super("killed", null, false, false);
    }
  }

  enum Fault { IO_ERROR, IO_ERROR_BURST, SHORT_WRITE, KILL, CRASH }

  /**
   * What a power loss keeps of the operations not yet forced: none, all, a random prefix (the last one maybe
   * torn), or a random subset (writeback in any order; each kept write maybe torn).
   */
  enum Survivors { NONE, ALL, RANDOM, SUBSET }

  /** A write ({@code bytes} non-null) or a truncate, not yet forced. */
  private record Op(long pos, byte[] bytes, long size) {}

  private static final class Node {
    byte[] content = new byte[0];
    byte[] durable = new byte[0];
    final List<Op> unforced = new ArrayList<>();
  }

  private final Random random;
  private Map<String, Node> names = new HashMap<>();
  private Map<String, Node> durableNames = new HashMap<>();
  private int generation;
  private int steps;
  private int faultAt = -1;
  private Fault fault;
  private boolean failNextWrite;
  private final List<String> log = new ArrayList<>();

  SimStorage(Random random) {
    this.random = random;
  }

  /** Arms {@code fault} at step {@code k} (1-based); -1 disarms. */
  void arm(int k, Fault f) {
    faultAt = k;
    fault = f;
    failNextWrite = false;
  }

  void disarm() {
    arm(-1, null);
  }

  int steps() {
    return steps;
  }

  /** Every step so far, for failure messages. */
  List<String> log() {
    return log;
  }

  /** kill -9: the page cache survives; handles of the dead process stop working. */
  void kill() {
    generation++;
    failNextWrite = false;
    log.add("-- kill");
  }

  /** The kernel writes everything back. */
  void writeBackAll() {
    for (Node n : names.values()) {
      n.durable = n.content.clone();
      n.unforced.clear();
    }
    durableNames = new HashMap<>(names);
    log.add("-- write back");
  }

  /** The machine loses power: only what was durable survives, plus some of what was not (see the class comment). */
  void powerLoss(Survivors survivors) {
    generation++;
    failNextWrite = false;
    names = new HashMap<>(durableNames);
    StringBuilder what = new StringBuilder("-- power loss, " + survivors + ":");
    for (Map.Entry<String, Node> e : names.entrySet()) {
      Node n = e.getValue();
      byte[] c = n.durable.clone();
      int keep = switch (survivors) {
        case NONE -> 0;
        case ALL, SUBSET -> n.unforced.size();
        case RANDOM -> random.nextInt(n.unforced.size() + 1);
      };
      int kept = 0;
      for (int i = 0; i < keep; i++) {
        Op op = n.unforced.get(i);
        if (survivors != Survivors.SUBSET) {
          c = apply(c, op, -1);
          kept++;
        } else if (random.nextBoolean()) {
          c = apply(c, op, op.bytes() != null && random.nextInt(4) == 0 ? random.nextInt(op.bytes().length + 1) : -1);
          kept++;
        }
      }
      String torn = "";
      if (survivors == Survivors.RANDOM && keep < n.unforced.size() && n.unforced.get(keep).bytes() != null
          && random.nextBoolean()) {
        int len = random.nextInt(n.unforced.get(keep).bytes().length + 1);
        c = apply(c, n.unforced.get(keep), len);
        torn = " + torn " + len + " bytes";
      }
      what.append(' ').append(e.getKey()).append(" keeps ").append(kept).append('/').append(n.unforced.size())
          .append(torn);
      n.content = c;
      n.durable = c.clone();
      n.unforced.clear();
    }
    log.add(what.toString());
  }

  /** Applies {@code op} to {@code c}; a write of only its first {@code len} bytes when {@code len >= 0}. */
  private static byte[] apply(byte[] c, Op op, int len) {
    if (op.bytes() == null) {
      return op.size() < c.length ? Arrays.copyOf(c, (int) op.size()) : c;
    }
    int n = len < 0 ? op.bytes().length : len;
    int end = (int) op.pos() + n;
    byte[] out = end > c.length ? Arrays.copyOf(c, end) : c;
    System.arraycopy(op.bytes(), 0, out, (int) op.pos(), n);
    return out;
  }

  /** Content as reads see it (null if the file does not exist). */
  byte[] content(String name) {
    Node n = names.get(name);
    return n == null ? null : n.content.clone();
  }

  /** Counts a step; returns the fault to apply at it, or null. */
  private Fault step(String what) {
    steps++;
    log.add(steps + " " + what);
    if (steps == faultAt) {
      return fault;
    }
    if (fault == Fault.IO_ERROR_BURST && steps > faultAt && steps <= faultAt + 2) {
      return Fault.IO_ERROR;
    }
    return null;
  }

  private static IOException ioError(String what) {
    return new IOException("injected I/O error: " + what);
  }

  /** After the step took effect: kill or power loss if armed. */
  private static void after(Fault f) {
    if (f == Fault.KILL) {
      throw new Killed();
    }
    if (f == Fault.CRASH) {
      throw new PowerLoss();
    }
  }

  @Override
  public File open(String name) throws IOException {
    Node n = names.get(name);
    if (n == null) {
      Fault f = step("create " + name);
      if (f == Fault.IO_ERROR || f == Fault.IO_ERROR_BURST || f == Fault.SHORT_WRITE) {
        throw ioError("create " + name);
      }
      n = new Node();
      names.put(name, n);
      after(f);
    }
    return new SimFile(name, n, generation);
  }

  @Override
  public boolean exists(String name) {
    return names.containsKey(name);
  }

  @Override
  public void delete(String name) throws IOException {
    if (!names.containsKey(name)) {
      return;
    }
    Fault f = step("delete " + name);
    if (f == Fault.IO_ERROR || f == Fault.IO_ERROR_BURST || f == Fault.SHORT_WRITE) {
      throw ioError("delete " + name);
    }
    names.remove(name);
    after(f);
  }

  @Override
  public void syncDirectory() throws IOException {
    Fault f = step("sync directory");
    if (f == Fault.IO_ERROR || f == Fault.IO_ERROR_BURST || f == Fault.SHORT_WRITE) {
      throw ioError("sync directory");
    }
    durableNames = new HashMap<>(names);
    after(f);
  }

  @Override
  public String toString() {
    return "sim";
  }

  private final class SimFile implements File {
    private final String name;
    private final Node node;
    private final int gen;

    SimFile(String name, Node node, int gen) {
      this.name = name;
      this.node = node;
      this.gen = gen;
    }

    private void live() {
      if (gen != generation) {
        throw new IllegalStateException(name + " used by a process that died");
      }
    }

    @Override
    public long size() {
      live();
      return node.content.length;
    }

    @Override
    public int read(ByteBuffer dst, long position) {
      live();
      if (position >= node.content.length) {
        return -1;
      }
      int n = (int) Math.min(dst.remaining(), node.content.length - position);
      dst.put(node.content, (int) position, n);
      return n;
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
      live();
      int len = src.remaining();
      Fault f = step("write " + name + " @" + position + " " + len + " bytes");
      if (failNextWrite) {
        failNextWrite = false;
        throw ioError("write after a short write (disk full)");
      }
      if (f == Fault.IO_ERROR || f == Fault.IO_ERROR_BURST || (f == Fault.SHORT_WRITE && len < 2)) {
        int n = random.nextInt(len + 1); // an error may come after part of the bytes were written
        put(src, position, n);
        throw ioError("write " + name);
      }
      if (f == Fault.SHORT_WRITE) {
        int n = 1 + random.nextInt(len - 1);
        put(src, position, n);
        failNextWrite = true;
        return n;
      }
      put(src, position, len);
      after(f);
      return len;
    }

    private void put(ByteBuffer src, long position, int n) {
      byte[] b = new byte[n];
      src.get(b);
      Op op = new Op(position, b, 0);
      node.content = apply(node.content, op, -1);
      node.unforced.add(op);
    }

    @Override
    public void truncate(long size) throws IOException {
      live();
      Fault f = step("truncate " + name + " to " + size);
      if (f == Fault.IO_ERROR || f == Fault.IO_ERROR_BURST || f == Fault.SHORT_WRITE) {
        throw ioError("truncate " + name);
      }
      if (size < node.content.length) {
        Op op = new Op(0, null, size);
        node.content = apply(node.content, op, -1);
        node.unforced.add(op);
      }
      after(f);
    }

    @Override
    public void force() throws IOException {
      live();
      Fault f = step("force " + name);
      if (f == Fault.IO_ERROR || f == Fault.IO_ERROR_BURST || f == Fault.SHORT_WRITE) {
        throw ioError("force " + name);
      }
      node.durable = node.content.clone();
      node.unforced.clear();
      after(f);
    }

    @Override
    public boolean tryLock() {
      live();
      return true;
    }

    @Override
    public void close() {
      // Nothing to release; a closed handle of a live process would still see the same node.
    }
  }
}
