package io.beacon.collector;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.collector.protocol.DropReason;
import io.beacon.collector.protocol.HitDraft;
import io.beacon.collector.protocol.MeasurementProtocolParser;
import io.beacon.collector.protocol.ParseResult;
import io.beacon.collector.protocol.Problem;
import io.beacon.collector.protocol.UniversalParser;
import io.beacon.collector.protocol.ValidationCode;
import io.beacon.model.session.SessionRules;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Bring-your-own ids (issue "Drop-in for the tools people already have"): a property carrying the stream ids its tags
 * already send to (a GA4 measurement id, a UA tracking id, a Firebase app id) takes their hits unchanged, as its own,
 * with the stream recorded; an app stream's Measurement Protocol request (firebase_app_id + app_instance_id) lands.
 */
class StreamIdsIngestTest {
  static final long NOW = IngestHarness.NOW;
  static final String APP = "1:1234567890:android:0a1b2c3d4e5f";
  static final String INSTANCE = "0123456789abcdef0123456789abcdef";
  static final PropertyInfo SHOP = new PropertyInfo("B-SHOP", "GA4streamSecret_0123", Set.of(), Set.of(), false, false,
      SessionRules.GA4, Set.of(), null, Set.of("G-SHOP12345", "UA-1234567-1", APP));

  private IngestHarness harness;

  @AfterEach
  void close() throws Exception {
    if (harness != null) {
      harness.close();
    }
  }

  private Ingest.Outcome mp(ParseResult parsed, String secret) {
    return harness.handle(parsed, new Ingest.Request(null, IngestHarness.browser("81.2.69.142", null, NOW), secret, true,
        true));
  }

  private static ParseResult mpRequest(String measurementId, String appId, String body) {
    return MeasurementProtocolParser.parse(measurementId, appId, body.getBytes(StandardCharsets.UTF_8), NOW,
        IngestHarness.H72, 600_000);
  }

  @Test
  void anAppStreamsRequestLandsAsTheAppsHitWithItsStreamAndPlatform() throws Exception {
    harness = new IngestHarness(SHOP);
    ParseResult parsed = mpRequest(null, APP, "{\"app_instance_id\":\"" + INSTANCE + "\",\"events\":[{\"name\":"
        + "\"level_up\",\"params\":{\"level\":3}}]}");
    assertThat(parsed.problems).isEmpty();
    Ingest.Outcome out = mp(parsed, "GA4streamSecret_0123");
    assertThat(out.problems).isEmpty();
    assertThat(out.accepted).isEqualTo(1);
    HitDraft d = parsed.hits.get(0);
    assertThat(d.propertyId).isEqualTo("B-SHOP");
    assertThat(d.streamId).isEqualTo(APP);
    assertThat(d.clientId).isEqualTo(INSTANCE);
    assertThat(io.beacon.model.Hit.builder().streamId(d.streamId).build().platform()).isEqualTo("Android");
  }

  @Test
  void aWebStreamsMeasurementIdAndAUaTrackingIdNameTheProperty() throws Exception {
    harness = new IngestHarness(SHOP);
    ParseResult web = mpRequest("g-shop12345", null, "{\"client_id\":\"c.1\",\"events\":[{\"name\":\"purchase\"}]}");
    assertThat(mp(web, "GA4streamSecret_0123").accepted).isEqualTo(1);
    assertThat(web.hits.get(0).propertyId).isEqualTo("B-SHOP");
    assertThat(web.hits.get(0).streamId).isEqualTo("G-SHOP12345");
    ParseResult ua = UniversalParser.parseSingle("v=1&tid=UA-1234567-1&cid=555&t=pageview&dl=https%3A%2F%2Fshop.example%2F",
        NOW, IngestHarness.H72);
    Ingest.Outcome out = harness.handle(ua, new Ingest.Request(null, IngestHarness.browser("81.2.69.142",
        IngestHarness.CHROME, NOW), null, false, true));
    assertThat(out.problems).isEmpty();
    assertThat(ua.hits.get(0).propertyId).isEqualTo("B-SHOP");
    assertThat(ua.hits.get(0).streamId).isEqualTo("UA-1234567-1");
    ParseResult direct = mpRequest("B-SHOP", null, "{\"client_id\":\"c.1\",\"events\":[{\"name\":\"purchase\"}]}");
    assertThat(mp(direct, "GA4streamSecret_0123").accepted).isEqualTo(1);
    assertThat(direct.hits.get(0).streamId).as("the property's own id is its default stream").isEqualTo("B-SHOP");
  }

  @Test
  void anUnknownAppOrAWrongSecretIsRefusedNamingTheField() throws Exception {
    harness = new IngestHarness(SHOP);
    ParseResult other = mpRequest(null, "1:999:ios:abcdef", "{\"app_instance_id\":\"" + INSTANCE + "\",\"events\":"
        + "[{\"name\":\"e\"}]}");
    assertThat(mp(other, "GA4streamSecret_0123").problems).singleElement()
        .extracting(Problem::fieldPath, Problem::reason).containsExactly("firebase_app_id", DropReason.UNKNOWN_PROPERTY);
    ParseResult wrong = mpRequest(null, APP, "{\"app_instance_id\":\"" + INSTANCE + "\",\"events\":[{\"name\":\"e\"}]}");
    assertThat(mp(wrong, "not-the-secret").problems).singleElement().extracting(Problem::reason)
        .isEqualTo(DropReason.BAD_SECRET);
  }

  @Test
  void anAppStreamsRequestIsCheckedAsGa4Documents() {
    assertThat(mpRequest(null, APP, "{\"client_id\":\"c\",\"events\":[{\"name\":\"e\"}]}").problems).singleElement()
        .extracting(Problem::fieldPath, Problem::validationCode)
        .containsExactly("app_instance_id", ValidationCode.VALUE_REQUIRED);
    assertThat(mpRequest(null, APP, "{\"app_instance_id\":\"abc\",\"events\":[{\"name\":\"e\"}]}").problems)
        .singleElement().satisfies(p -> {
          assertThat(p.validationCode()).isEqualTo(ValidationCode.VALUE_INVALID);
          assertThat(p.description()).contains("32 digit hexadecimal").contains("[3]");
        });
    assertThat(mpRequest("G-SHOP12345", APP, "{\"client_id\":\"c\",\"events\":[{\"name\":\"e\"}]}").problems)
        .singleElement().extracting(Problem::validationCode).isEqualTo(ValidationCode.VALUE_INVALID);
    assertThat(mpRequest(null, null, "{\"client_id\":\"c\",\"events\":[{\"name\":\"e\"}]}").problems).singleElement()
        .extracting(Problem::fieldPath, Problem::validationCode)
        .containsExactly("measurement_id", ValidationCode.VALUE_REQUIRED);
  }

  @Test
  void googlesDocumentedValidationExampleAnswersAsDocumented() {
    // developers.google.com/analytics/devguides/collection/protocol/ga4/validating-events: the invalid event the
    // guide sends, and the one message it shows in answer, for a web stream and for an app stream.
    String web = "{\"client_id\":\"test_id\",\"events\":[{\"name\":\"_badEventName\",\"params\":{}}]}";
    String app = "{\"app_instance_id\":\"" + INSTANCE + "\",\"events\":[{\"name\":\"_badEventName\",\"params\":{}}]}";
    for (ParseResult r : new ParseResult[] {mpRequest("G-SHOP12345", null, web), mpRequest(null, APP, app)}) {
      assertThat(r.hits).isEmpty();
      assertThat(r.problems).singleElement().satisfies(p -> {
        assertThat(p.fieldPath()).isEqualTo("events");
        assertThat(p.description())
            .isEqualTo("Event at index: [0] has invalid name [_badEventName]. Names must start with an alphabetic character.");
        assertThat(p.validationCode()).isEqualTo(ValidationCode.NAME_INVALID);
      });
    }
  }
}
