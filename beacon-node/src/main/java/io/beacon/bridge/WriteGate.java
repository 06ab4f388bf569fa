package io.beacon.bridge;

/**
 * Lets a maintenance job (the erasure) stop raw writes cluster-wide and know when none is in flight.
 * A writer calls {@link #enter()} before a write and {@link #exit()} after it, whatever happened.
 */
public interface WriteGate {
  /** @throws StoreUnavailableException when writes are paused: the caller retries later, as for an outage */
  void enter();

  void exit();

  WriteGate OPEN = new WriteGate() {
    @Override
    public void enter() {}

    @Override
    public void exit() {}
  };
}
