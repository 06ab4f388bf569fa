package io.beacon.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.beacon.collector.protocol.DropReason;
import io.beacon.collector.protocol.Problem;
import io.beacon.collector.protocol.Protocol;
import io.beacon.infra.config.CollectorConfig;
import io.beacon.infra.config.ConfigException;
import io.beacon.infra.config.ConfigLoader;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The collector's rate-limit and de-dup window rules, and its settings, without Ignite or HTTP. */
class CollectorRulesTest {
  @Test
  void rateLimitAllowsAMinuteBurstThenTheSteadyRate() {
    RateLimits limits = new RateLimits(60, 1000);
    long t = 0;
    for (int i = 0; i < 60; i++) {
      assertThat(limits.tryAcquire("P", "c", t)).as("hit %d", i).isZero();
    }
    assertThat(limits.tryAcquire("P", "c", t)).as("61st at once").isEqualTo(1);
    assertThat(limits.tryAcquire("P", "other", t)).as("another client").isZero();
    assertThat(limits.tryAcquire("Q", "c", t)).as("same client id, other property").isZero();
    t += 1_000_000_000L; // one second refills one hit at 60 per minute
    assertThat(limits.tryAcquire("P", "c", t)).isZero();
    assertThat(limits.tryAcquire("P", "c", t)).isEqualTo(1);
  }

  @Test
  void retryAfterIsTheTimeUntilTheNextToken() {
    RateLimits limits = new RateLimits(6, 1000); // one hit per 10 s
    for (int i = 0; i < 6; i++) {
      limits.tryAcquire("P", "c", 0);
    }
    assertThat(limits.tryAcquire("P", "c", 0)).isEqualTo(10);
    assertThat(limits.tryAcquire("P", "c", 4_000_000_000L)).isEqualTo(6);
  }

  @Test
  void zeroTurnsTheLimitOff() {
    RateLimits limits = new RateLimits(0, 1000);
    for (int i = 0; i < 10_000; i++) {
      assertThat(limits.tryAcquire("P", "c", 0)).isZero();
    }
  }

  /** Issue 19: per-client limits keyed on the sender-chosen cid, so rotating it bypassed them; the IP bucket does not. */
  @Test
  void rotatingClientIdsNoLongerBypassesTheRateLimit() {
    RateLimits limits = new RateLimits(600, 120, 0, 1000);
    long t = 0;
    for (int i = 0; i < 120; i++) {
      assertThat(limits.tryAcquire("P", "rotated-" + i, "198.51.100.7", t)).as("hit %d, a new cid each", i).isNull();
    }
    RateLimits.Refusal r = limits.tryAcquire("P", "rotated-120", "198.51.100.7", t);
    assertThat(r).as("the 121st hit from the address, under a fresh cid").isNotNull();
    assertThat(r.scope()).isEqualTo(RateLimits.Scope.IP);
    assertThat(r.retryAfterSeconds()).as("120 per minute: a token every 0.5 s").isEqualTo(1);
    assertThat(limits.tryAcquire("Q", "other", "198.51.100.7", t)).as("all properties share the address's bucket")
        .isNotNull();
    assertThat(limits.tryAcquire("P", "rotated-121", "198.51.100.8", t)).as("another address").isNull();
    assertThat(limits.tryAcquire("P", "server-relayed", null, t)).as("no address (Measurement Protocol)").isNull();
  }

  @Test
  void oneFloodedPropertyIsHeldToItsPerPropertyLimit() {
    RateLimits limits = new RateLimits(600, 6000, 30, 1000);
    for (int i = 0; i < 30; i++) {
      assertThat(limits.tryAcquire("P", "c" + i, "203.0.113." + i, 0)).isNull();
    }
    RateLimits.Refusal r = limits.tryAcquire("P", "c30", "203.0.113.30", 0);
    assertThat(r.scope()).isEqualTo(RateLimits.Scope.PROPERTY);
    assertThat(r.retryAfterSeconds()).as("30 per minute: a token every 2 s").isEqualTo(2);
    assertThat(limits.tryAcquire("Q", "c30", "203.0.113.30", 0)).as("another property").isNull();
  }

  @Test
  void aHitRefusedByOneBucketTakesNoTokenFromTheOthers() {
    RateLimits limits = new RateLimits(2, 1, 0, 1000);
    assertThat(limits.tryAcquire("P", "c", "192.0.2.1", 0)).isNull();
    // The address is spent; the client's second token must survive the refusal.
    assertThat(limits.tryAcquire("P", "c", "192.0.2.1", 0).scope()).isEqualTo(RateLimits.Scope.IP);
    assertThat(limits.tryAcquire("P", "c", "192.0.2.2", 0)).as("the client's second token, from another address")
        .isNull();
    assertThat(limits.tryAcquire("P", "c", "192.0.2.3", 0).scope()).isEqualTo(RateLimits.Scope.CLIENT);
  }

  @Test
  void ipAndPropertyLimitsHaveDocumentedDefaultsAndAreValidated() {
    CollectorConfig defaults = ConfigLoader.load(null, Map.of()).collector();
    assertThat(defaults.ipHitsPerMinute()).isEqualTo(6000);
    assertThat(defaults.propertyHitsPerMinute()).isEqualTo(300_000);
    assertThat(ConfigLoader.load(null, Map.of("BEACON_COLLECTOR_IP_HITS_PER_MINUTE", "0")).collector().ipHitsPerMinute())
        .isZero();
    assertThrows(ConfigException.class,
        () -> ConfigLoader.load(null, Map.of("BEACON_COLLECTOR_PROPERTY_HITS_PER_MINUTE", "-1")));
  }

  @Test
  void derivedIdsCollapseWithinTwoMinutesByDefaultAndTheWindowIsValidated() {
    CollectorConfig defaults = ConfigLoader.load(null, Map.of()).collector();
    assertThat(defaults.derivedIdWindowMs()).isEqualTo(120_000L);
    assertThat(defaults.dedupWindowMs()).isEqualTo(86_400_000L);
    assertThat(ConfigLoader.load(null, Map.of("BEACON_COLLECTOR_DERIVED_ID_WINDOW_MS", "0")).collector().derivedIdWindowMs())
        .as("0: every copy of a payload without an id is a hit of its own").isZero();
    ConfigException negative = assertThrows(ConfigException.class,
        () -> ConfigLoader.load(null, Map.of("BEACON_COLLECTOR_DERIVED_ID_WINDOW_MS", "-1")));
    assertThat(negative.problems()).containsExactly("collector.derivedIdWindowMs: must be 0-86400000 "
        + "(collector.dedupWindowMs), was -1");
    ConfigException longer = assertThrows(ConfigException.class, () -> ConfigLoader.load(null,
        Map.of("BEACON_COLLECTOR_DERIVED_ID_WINDOW_MS", "600000", "BEACON_COLLECTOR_DEDUP_WINDOW_MS", "300000")));
    assertThat(longer.problems()).containsExactly("collector.derivedIdWindowMs: must be 0-300000 "
        + "(collector.dedupWindowMs), was 600000");
  }

  @Test
  void theFormerSessionSettingsStillLoadWhateverTheirValue() {
    // The collector assigns no sessions any more (the model does, by event time), but configs that set these keys
    // must still start a node: they load, and no value is refused.
    CollectorConfig defaults = ConfigLoader.load(null, Map.of()).collector();
    assertThat(defaults.sessionTimeoutMs()).isEqualTo(30 * 60_000L);
    assertThat(defaults.clientMemoryDays()).isEqualTo(730);
    CollectorConfig odd = ConfigLoader.load(null, Map.of("BEACON_COLLECTOR_SESSION_TIMEOUT_MS", "1000",
        "BEACON_COLLECTOR_CLIENT_MEMORY_DAYS", "0")).collector();
    assertThat(odd.sessionTimeoutMs()).isEqualTo(1000);
    assertThat(odd.clientMemoryDays()).isZero();
  }

  @Test
  void reasonsProtocolsAndCodesKeepTheirWireSpellings() {
    // Metric tags (alerts and dashboards select on them), hits' protocol column and derived request ids.
    assertThat(Arrays.stream(DropReason.values()).map(DropReason::key)).containsExactlyInAnyOrder("invalid_value",
        "missing_field", "out_of_bounds", "too_many", "invalid_name", "reserved_name", "malformed_body", "timeout",
        "method_not_allowed", "unsupported_media_type", "body_too_large", "bad_request", "unknown_property",
        "property_deleted", "missing_secret", "bad_secret", "hostname_not_allowed", "do_not_track", "rate_limited", "spool_full",
        "internal");
    assertThat(Arrays.stream(DropReason.values()).filter(DropReason::auth).map(DropReason::key))
        .containsExactlyInAnyOrder("missing_secret", "bad_secret", "hostname_not_allowed");
    assertThat(Arrays.stream(Protocol.values()).map(Protocol::wire)).containsExactly("ga4-web", "ga4-mp", "ua", "plausible");
    assertThat(Arrays.stream(Protocol.values()).filter(Protocol::serverSide)).containsExactly(Protocol.GA4_MP, Protocol.UA);
    assertThat(Arrays.stream(Protocol.values()).filter(Protocol::cookieless)).containsExactly(Protocol.PLAUSIBLE);
    assertThat(Responses.problems(List.of(Problem.tooMany("events", "at most 25"), Problem.required("cid"))).encode())
        .isEqualTo("{\"validationMessages\":[{\"fieldPath\":\"events\",\"description\":\"at most 25\","
            + "\"validationCode\":\"EXCEEDED_MAX_ENTITIES\"},{\"fieldPath\":\"cid\",\"description\":\"cid is required\","
            + "\"validationCode\":\"VALUE_REQUIRED\"}]}");
  }
}
