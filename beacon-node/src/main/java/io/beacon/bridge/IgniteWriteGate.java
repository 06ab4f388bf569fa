package io.beacon.bridge;

import java.util.function.BooleanSupplier;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteAtomicLong;

/**
 * The cluster-wide raw-write gate, on two Ignite atomic longs (backed up, so a node loss keeps them):
 * {@code closed} (an erasure holds it) and {@code inFlight} (writes started and not finished). A
 * writer increments inFlight BEFORE it looks at closed, and the closer sets closed BEFORE it waits
 * for inFlight to reach 0: whichever order they interleave in, either the writer sees the gate
 * closed and backs off, or the closer waits for that write. (A node that dies mid-write leaves
 * inFlight too high: the erasure then times out without changing anything; see RawErasure.)
 */
public final class IgniteWriteGate implements WriteGate {
  private final IgniteAtomicLong closed;
  private final IgniteAtomicLong inFlight;

  /** Blocking (creates the atomics on first use). */
  public IgniteWriteGate(Ignite ignite) {
    closed = ignite.atomicLong("beacon-raw-gate-closed", 0, true);
    inFlight = ignite.atomicLong("beacon-raw-gate-inflight", 0, true);
  }

  @Override
  public void enter() {
    inFlight.incrementAndGet();
    if (closed.get() != 0) {
      inFlight.decrementAndGet();
      throw new StoreUnavailableException("raw writes paused for an erasure", null);
    }
  }

  @Override
  public void exit() {
    inFlight.decrementAndGet();
  }

  /** Closes the gate; false if another job holds it. */
  public boolean close() {
    return closed.compareAndSet(0, 1);
  }

  public void open() {
    closed.getAndSet(0);
  }

  /** Whether no write is in flight (valid once closed). */
  public BooleanSupplier drained() {
    return () -> inFlight.get() <= 0;
  }
}
