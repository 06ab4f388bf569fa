package io.beacon.collector;

import static io.beacon.collector.IngestHarness.CHROME;
import static io.beacon.collector.IngestHarness.H72;
import static io.beacon.collector.IngestHarness.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.collector.protocol.DropReason;
import io.beacon.collector.protocol.MeasurementProtocolParser;
import io.beacon.collector.protocol.ParseResult;
import io.beacon.collector.protocol.Problem;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The collector's per-property checks of a hit (secret, hostnames, privacy settings), without the stores. */
class IngestChecksTest {
  static final PropertyInfo MP = new PropertyInfo("B-MP", "s3cr\u00e9t-0123456789", Set.of(), Set.of(), false, false);

  private IngestHarness harness;

  @AfterEach
  void close() throws Exception {
    if (harness != null) {
      harness.close();
    }
  }

  private static ParseResult mp(String propertyId) {
    return MeasurementProtocolParser.parse(propertyId, "{\"client_id\":\"c1\",\"events\":[{\"name\":\"signup\"}]}"
        .getBytes(StandardCharsets.UTF_8), NOW, H72, 600_000);
  }

  private Ingest.Outcome mpWithSecret(String secret) {
    return harness.handle(mp(MP.id()), new Ingest.Request(null, IngestHarness.browser("81.2.69.142", CHROME), secret,
        true, true));
  }

  @Test
  void apiSecretIsComparedInConstantTimeNotWithStringEquals() throws Exception {
    // Finding "api_secret is compared with String.equals": String.equals stops at the first differing character,
    // so the answer time tells how much of a guess was right. The check compares the UTF-8 bytes with
    // MessageDigest.isEqual, whose time depends on the length of the guess only.
    assertThat(Ingest.secretMatches("s3cr\u00e9t", "s3cr\u00e9t")).isTrue();
    assertThat(Ingest.secretMatches("s3cret", "s3cr\u00e9t")).as("compared as UTF-8 bytes").isFalse();
    assertThat(Ingest.secretMatches("s3cr\u00e9u", "s3cr\u00e9t")).as("last byte differs").isFalse();
    assertThat(Ingest.secretMatches("s3cr\u00e9t-", "s3cr\u00e9t")).as("longer").isFalse();
    assertThat(Ingest.secretMatches("s3cr", "s3cr\u00e9t")).as("a prefix").isFalse();
    assertThat(Ingest.secretMatches("", "s3cr\u00e9t")).isFalse();
    assertThat(Ingest.secretMatches(null, "s3cr\u00e9t")).isFalse();
    assertThat(Ingest.secretMatches("s3cr\u00e9t", null)).as("a property without a secret takes none").isFalse();

    harness = new IngestHarness(MP);
    assertThat(mpWithSecret(MP.apiSecret()).accepted).isEqualTo(1);
    Ingest.Outcome wrong = mpWithSecret("s3cr\u00e9t-0123456788");
    assertThat(wrong.accepted).isZero();
    assertThat(wrong.authStatus).isEqualTo(403);
    assertThat(wrong.problems).extracting(Problem::reason).containsExactly(DropReason.BAD_SECRET);
    Ingest.Outcome missing = mpWithSecret(null);
    assertThat(missing.authStatus).isEqualTo(401);
    assertThat(missing.problems).extracting(Problem::reason).containsExactly(DropReason.MISSING_SECRET);
  }
}
