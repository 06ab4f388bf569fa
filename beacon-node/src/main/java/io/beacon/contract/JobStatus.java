package io.beacon.contract;

/**
 * Where a correction job is: {@code queued}, {@code running}, {@code done}, {@code failed} or {@code cancelled}.
 * {@link #wire()} is its spelling everywhere outside Java: the job JSON, {@code recompute_jobs.status} in
 * Cassandra, the {@code status} tag of {@code beacon_recompute_jobs_total}.
 */
public enum JobStatus {
  QUEUED("queued"),
  RUNNING("running"),
  DONE("done"),
  FAILED("failed"),
  CANCELLED("cancelled");

  private final String wire;

  JobStatus(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  /** Whether the job ended (nothing more will happen to it). */
  public boolean finished() {
    return this == DONE || this == FAILED || this == CANCELLED;
  }

  /** @throws IllegalArgumentException for a spelling no status has */
  public static JobStatus ofWire(String wire) {
    for (JobStatus s : values()) {
      if (s.wire.equals(wire)) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown recompute job status '" + wire + "'");
  }

  @Override
  public String toString() {
    return wire;
  }
}
