package io.beacon.query;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many real-time event streams ({@code /realtime/stream}) a node holds open: at most {@code perNode} in all and
 * {@code perProperty} for one property. Each stream is a clustered event-bus consumer plus a heartbeat timer kept
 * until the client leaves, so without a bound a few clients could open them until the node ran out of memory or
 * file descriptors. Shared by the node's query verticle instances (thread-safe); a slot is released exactly once.
 */
final class StreamLimits implements AutoCloseable {
  /** Why a stream was refused: the node's bound (answered 503) or the property's (429). */
  enum Full { NODE, PROPERTY }

  private final int perNode;
  private final int perProperty;
  private final AtomicInteger open = new AtomicInteger();
  private final ConcurrentHashMap<String, AtomicInteger> byProperty = new ConcurrentHashMap<>();

  StreamLimits(int perNode, int perProperty) {
    this.perNode = perNode;
    this.perProperty = perProperty;
  }

  int perNode() {
    return perNode;
  }

  int perProperty() {
    return perProperty;
  }

  /** A held slot; {@link #release} is idempotent. */
  static final class Slot {
    private final StreamLimits limits;
    private final String propertyId;
    private final AtomicBoolean released = new AtomicBoolean();

    private Slot(StreamLimits limits, String propertyId) {
      this.limits = limits;
      this.propertyId = propertyId;
    }

    void release() {
      if (released.compareAndSet(false, true)) {
        limits.open.decrementAndGet();
        limits.byProperty.computeIfPresent(propertyId, (k, n) -> n.decrementAndGet() <= 0 ? null : n);
      }
    }
  }

  /** A result of {@link #tryOpen}: a slot, or which bound is full. */
  record Opened(Slot slot, Full full) {}

  Opened tryOpen(String propertyId) {
    if (open.incrementAndGet() > perNode) {
      open.decrementAndGet();
      return new Opened(null, Full.NODE);
    }
    boolean[] refused = {false};
    byProperty.compute(propertyId, (k, n) -> {
      AtomicInteger c = n == null ? new AtomicInteger() : n;
      if (c.get() >= perProperty) {
        refused[0] = true;
      } else {
        c.incrementAndGet();
      }
      return c.get() == 0 ? null : c;
    });
    if (refused[0]) {
      open.decrementAndGet();
      return new Opened(null, Full.PROPERTY);
    }
    return new Opened(new Slot(this, propertyId), null);
  }

  int open() {
    return open.get();
  }

  int open(String propertyId) {
    AtomicInteger n = byProperty.get(propertyId);
    return n == null ? 0 : n.get();
  }

  @Override
  public void close() {}
}
