package io.beacon.infra.config;

import io.beacon.infra.net.TrustedProxies;
import java.util.List;

/**
 * Settings of the collector role (ingestion).
 *
 * @param dedupWindowMs a retried hit (same property, client and request id) within this window is
 *     acknowledged but not produced again (Ignite cache with a creation expiry); for the sender's own request ids
 *     (tracker {@code _rid}, MP {@code request_id}, UA {@code z})
 * @param derivedIdWindowMs the same for request ids the collector derives from the payload (the sender gave none):
 *     only copies of one request retried within this window collapse, identical hits further apart are two hits
 *     (docs/analytics-model.md, "Duplicates"); at most {@code dedupWindowMs}
 * @param sessionTimeoutMs no longer used by the collector, still accepted (with any value) so that existing
 *     configs load: the collector assigns no sessions; a hit without a sender session id keeps none, and the stream
 *     and recompute form its session by event time (docs/analytics-model.md, "Semantics"; the timeout is the
 *     model's {@code SessionRules})
 * @param clientMemoryDays no longer used by the collector, still accepted (with any value): the collector keeps no
 *     client state, sessions and first visits are decided by the stream and recompute (the stream's client memory
 *     is the Spark job's {@code --client-memory})
 * @param stateRegionMb per-node off-heap memory for de-duplication (Ignite region evicting the least recently used
 *     entries when full)
 * @param clientHitsPerMinute per-client (and property) rate limit of each node; 0: none
 * @param ipHitsPerMinute per-client-IP rate limit of each node (the real address, {@code trustedProxies} resolved;
 *     Measurement Protocol hits are exempt); 0: none
 * @param propertyHitsPerMinute per-property rate limit of each node; 0: none
 * @param maxEventAgeMs oldest accepted event time (GA's Measurement Protocol allows 72 h)
 * @param maxClockSkewMs how far in the future an event time may be (sender clocks drift)
 * @param propertyRefreshMs how often the property cache reloads the {@code properties} table
 * @param geoDatabase path of a MaxMind-format (.mmdb) City database; empty: no geo enrichment
 * @param trustedProxies peers whose {@code X-Forwarded-For} is believed (the load balancers): IP addresses or CIDR
 *     ranges ({@link TrustedProxies})
 * @param proxyProtocol the collector port expects a PROXY protocol (v1 or v2) header on every connection and takes
 *     the client address from it (behind haproxy-l4.cfg's {@code send-proxy-v2}); a connection without one is
 *     closed
 * @param kafkaAckTimeoutMs a hit Kafka has not acknowledged within this time goes to the spool
 * @param lingerMs Kafka producer linger (batching)
 * @param spool the local disk spool used while Kafka is unreachable or slow
 */
public record CollectorConfig(
    long dedupWindowMs,
    long derivedIdWindowMs,
    long sessionTimeoutMs,
    int clientMemoryDays,
    long stateRegionMb,
    int clientHitsPerMinute,
    int ipHitsPerMinute,
    int propertyHitsPerMinute,
    long maxEventAgeMs,
    long maxClockSkewMs,
    long propertyRefreshMs,
    String geoDatabase,
    List<String> trustedProxies,
    boolean proxyProtocol,
    long kafkaAckTimeoutMs,
    int lingerMs,
    SpoolConfig spool) {

  /**
   * @param dir directory of the spools: each node uses {@code dir/<node.name>} (give nodes stable
   *     names so a restarted node drains what it spooled before)
   * @param maxBytes spool size at which the collector answers 503 with Retry-After
   * @param fsync {@code always} (fsync before answering: survives a machine crash), {@code interval}
   *     (fsync every {@code fsyncIntervalMs}), {@code never} (page cache: survives kill -9 only)
   * @param fsyncIntervalMs period of the {@code interval} policy
   * @param retryAfterSeconds value of Retry-After when the spool is full
   */
  public record SpoolConfig(String dir, long maxBytes, FsyncPolicy fsync, long fsyncIntervalMs, int retryAfterSeconds) {}

  void validate(Validator v) {
    v.require(dedupWindowMs >= 0, "collector.dedupWindowMs", "must be >= 0, was " + dedupWindowMs);
    v.require(derivedIdWindowMs >= 0 && derivedIdWindowMs <= dedupWindowMs, "collector.derivedIdWindowMs",
        "must be 0-" + dedupWindowMs + " (collector.dedupWindowMs), was " + derivedIdWindowMs);
    // sessionTimeoutMs, clientMemoryDays: unused (see above), so no value is refused.
    v.require(stateRegionMb >= 16, "collector.stateRegionMb", "must be >= 16, was " + stateRegionMb);
    v.require(clientHitsPerMinute >= 0, "collector.clientHitsPerMinute", "must be >= 0 (0: no limit), was " + clientHitsPerMinute);
    v.require(ipHitsPerMinute >= 0, "collector.ipHitsPerMinute", "must be >= 0 (0: no limit), was " + ipHitsPerMinute);
    v.require(propertyHitsPerMinute >= 0, "collector.propertyHitsPerMinute",
        "must be >= 0 (0: no limit), was " + propertyHitsPerMinute);
    v.positive(maxEventAgeMs, "collector.maxEventAgeMs");
    v.require(maxClockSkewMs >= 0, "collector.maxClockSkewMs", "must be >= 0, was " + maxClockSkewMs);
    v.require(propertyRefreshMs >= 100, "collector.propertyRefreshMs", "must be >= 100, was " + propertyRefreshMs);
    v.require(geoDatabase != null, "collector.geoDatabase", "is required (empty string: no geo enrichment)");
    v.require(trustedProxies != null, "collector.trustedProxies", "is required (may be empty)");
    if (trustedProxies != null) {
      for (String p : trustedProxies) {
        String why = TrustedProxies.problem(p);
        v.require(why == null, "collector.trustedProxies", why);
      }
    }
    v.require(kafkaAckTimeoutMs >= 50, "collector.kafkaAckTimeoutMs", "must be >= 50, was " + kafkaAckTimeoutMs);
    v.require(lingerMs >= 0 && lingerMs <= 1000, "collector.lingerMs", "must be 0-1000, was " + lingerMs);
    v.require(spool != null, "collector.spool", "is required");
    if (spool != null) {
      v.notBlank(spool.dir(), "collector.spool.dir");
      v.require(spool.maxBytes() >= 4096, "collector.spool.maxBytes", "must be >= 4096, was " + spool.maxBytes());
      v.require(spool.fsync() != null, "collector.spool.fsync", "must be one of always, interval, never, was 'null'");
      v.positive(spool.fsyncIntervalMs(), "collector.spool.fsyncIntervalMs");
      v.positive(spool.retryAfterSeconds(), "collector.spool.retryAfterSeconds");
    }
  }
}
