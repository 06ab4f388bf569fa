package io.beacon.infra.config;

/** Settings of the bridge role (Kafka to QuestDB, real-time state). */
public record BridgeConfig(int rawBatchSize) {
  void validate(Validator v) {
    v.require(rawBatchSize >= 1 && rawBatchSize <= 100_000, "bridge.rawBatchSize", "must be 1-100000, was " + rawBatchSize);
  }
}
