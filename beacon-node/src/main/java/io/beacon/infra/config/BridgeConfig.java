package io.beacon.infra.config;

/**
 * Settings of the bridge role (Kafka to QuestDB, real-time state).
 *
 * @param rawBatchSize hits per QuestDB write (and max records per Kafka poll of the raw consumer)
 * @param rawWriteConcurrency QuestDB writes (batches) in flight at once per raw consumer; offsets are still
 *     committed only once every batch up to them is written
 * @param rawWriteStalledMs a raw consumer that has not managed to write for this long makes /ready answer 503
 * @param rawWriteTimeoutMs HTTP timeout of one QuestDB write; a timeout is a transient failure (retried)
 * @param retryMinBackoffMs first pause after a transient failure (QuestDB down, 5xx); doubles up to the max
 * @param retryMaxBackoffMs longest pause between retries of the same batch
 * @param realtimeWindowMinutes the real-time window (active users "in the last N minutes")
 * @param realtimeFlushMs how often the real-time consumer pushes changed buckets to Ignite (freshness)
 * @param realtimePublishMs minimum interval between two event-bus updates of one property
 * @param retentionDays raw hits older than this are dropped (whole UTC days) unless their property sets its own
 *     {@code retention_days}; 0 keeps them forever
 * @param retentionCheckMs how often the retention drop runs
 */
public record BridgeConfig(
    int rawBatchSize,
    int rawWriteConcurrency,
    long rawWriteTimeoutMs,
    long rawWriteStalledMs,
    long retryMinBackoffMs,
    long retryMaxBackoffMs,
    int realtimeWindowMinutes,
    long realtimeFlushMs,
    long realtimePublishMs,
    int retentionDays,
    long retentionCheckMs) {
  void validate(Validator v) {
    v.require(rawBatchSize >= 1 && rawBatchSize <= 100_000, "bridge.rawBatchSize", "must be 1-100000, was " + rawBatchSize);
    v.require(rawWriteConcurrency >= 1 && rawWriteConcurrency <= 16, "bridge.rawWriteConcurrency",
        "must be 1-16, was " + rawWriteConcurrency);
    v.require(rawWriteStalledMs >= 1000, "bridge.rawWriteStalledMs", "must be >= 1000, was " + rawWriteStalledMs);
    v.require(rawWriteTimeoutMs >= 100, "bridge.rawWriteTimeoutMs", "must be >= 100, was " + rawWriteTimeoutMs);
    v.require(retryMinBackoffMs >= 1, "bridge.retryMinBackoffMs", "must be >= 1, was " + retryMinBackoffMs);
    v.require(retryMaxBackoffMs >= retryMinBackoffMs, "bridge.retryMaxBackoffMs",
        "must be >= bridge.retryMinBackoffMs, was " + retryMaxBackoffMs);
    v.require(realtimeWindowMinutes >= 1 && realtimeWindowMinutes <= 24 * 60, "bridge.realtimeWindowMinutes",
        "must be 1-1440, was " + realtimeWindowMinutes);
    v.require(realtimeFlushMs >= 10, "bridge.realtimeFlushMs", "must be >= 10, was " + realtimeFlushMs);
    v.require(realtimePublishMs >= 100, "bridge.realtimePublishMs", "must be >= 100, was " + realtimePublishMs);
    v.require(retentionDays >= 0, "bridge.retentionDays", "must be >= 0 (0 keeps everything), was " + retentionDays);
    v.require(retentionCheckMs >= 1000, "bridge.retentionCheckMs", "must be >= 1000, was " + retentionCheckMs);
  }
}
