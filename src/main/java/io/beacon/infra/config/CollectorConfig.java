package io.beacon.infra.config;

/** Settings of the collector role (ingestion). */
public record CollectorConfig(long dedupWindowMs) {
  void validate(Validator v) {
    v.require(dedupWindowMs >= 0, "collector.dedupWindowMs", "must be >= 0, was " + dedupWindowMs);
  }
}
