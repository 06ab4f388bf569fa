package io.beacon.collector.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The Measurement Protocol's request context, parsed for real: {@code device}, {@code user_location}, {@code
 * ip_override} and the event-level {@code timestamp_micros}, each with the precedence of docs/analytics-model.md
 * ("Semantics") and a named problem for a bad value. A request-level problem rejects the whole request (no event is
 * kept without the context it was sent with); an event's bad timestamp drops that event only.
 */
class MeasurementProtocolContextTest {
  static final long NOW = 1_750_000_000_000L;
  static final long MAX_AGE = 72 * 3_600_000L;
  static final long MAX_SKEW = 600_000L;

  static ParseResult mp(String json) {
    return MeasurementProtocolParser.parse("G-CTX", json.getBytes(StandardCharsets.UTF_8), NOW, MAX_AGE, MAX_SKEW);
  }

  /** A body with the given extra request-level members and events. */
  static String body(String members, String events) {
    return "{\"client_id\":\"c1\"" + (members.isEmpty() ? "" : "," + members) + ",\"events\":[" + events + "]}";
  }

  static Problem only(ParseResult r) {
    assertThat(r.hits).as("no hit kept").isEmpty();
    assertThat(r.problems).hasSize(1);
    return r.problems.get(0);
  }

  // ------------------------------------------------------------------------------------------- device

  @Test
  void deviceFieldsReachEveryEventNormalised() {
    ParseResult r = mp(body("\"device\":{\"category\":\"Mobile\",\"language\":\"en-US\",\"screen_resolution\":\"1280x2856\","
        + "\"operating_system\":\"Android\",\"operating_system_version\":\"14\",\"model\":\"Pixel 8\",\"brand\":\"Google\","
        + "\"browser\":\"Chrome\",\"browser_version\":\"136.0.7103.60\"}", "{\"name\":\"a\"},{\"name\":\"b\"}"));
    assertThat(r.problems).isEmpty();
    assertThat(r.hits).hasSize(2).allSatisfy(d -> {
      assertThat(d.device).isEqualTo(new SenderDevice("mobile", "Chrome", "136.0.7103.60", "Android", "14",
          "Pixel 8", "Google"));
      assertThat(d.language).isEqualTo("en-US"); // lower-cased by the enricher, for every protocol
      assertThat(d.screenResolution).isEqualTo("1280x2856");
    });
  }

  @Test
  void modelAndBrandAloneAreKeptAsSentTrimmed() {
    ParseResult r = mp(body("\"device\":{\"model\":\" iPhone 15 Pro \",\"brand\":\"Apple\"}", "{\"name\":\"a\"}"));
    assertThat(r.problems).isEmpty();
    assertThat(r.hits).singleElement().extracting(d -> d.device)
        .isEqualTo(new SenderDevice(null, null, null, null, null, "iPhone 15 Pro", "Apple"));
    assertThat(r.hits.get(0).params).as("device fields, not event parameters").isEmpty();
    // A blank one is not sent.
    ParseResult blank = mp(body("\"device\":{\"model\":\" \",\"brand\":\"Samsung\"}", "{\"name\":\"a\"}"));
    assertThat(blank.hits).singleElement().extracting(d -> d.device)
        .isEqualTo(new SenderDevice(null, null, null, null, null, null, "Samsung"));
  }

  @Test
  void anEventsOwnLanguageAndResolutionWinOverTheDevices() {
    ParseResult r = mp(body("\"device\":{\"language\":\"de_DE\",\"screen_resolution\":\"800x600\"}",
        "{\"name\":\"a\",\"params\":{\"language\":\"fr-FR\",\"screen_resolution\":\"1x1\"}},{\"name\":\"b\"},"
            + "{\"name\":\"c\",\"params\":{\"language\":\" \"}}"));
    assertThat(r.problems).isEmpty();
    assertThat(r.hits).extracting(d -> d.language).containsExactly("fr-FR", "de-DE", "de-DE");
    assertThat(r.hits).extracting(d -> d.screenResolution).containsExactly("1x1", "800x600", "800x600");
    // Only language and resolution sent: nothing for the User-Agent's fields to give way to.
    assertThat(r.hits).extracting(d -> d.device).containsOnlyNulls();
  }

  @Test
  void badDeviceValuesRejectTheRequestNamingTheField() {
    String e = "{\"name\":\"a\"}";
    assertThat(only(mp(body("\"device\":\"mobile\"", e)))).extracting(Problem::fieldPath, Problem::validationCode)
        .containsExactly("device", ValidationCode.VALUE_INVALID);
    Problem cat = only(mp(body("\"device\":{\"category\":\"bot\"}", e)));
    assertThat(cat.fieldPath()).isEqualTo("device.category");
    assertThat(cat.description()).contains("desktop, mobile, tablet, smart tv").contains("'bot'");
    assertThat(only(mp(body("\"device\":{\"language\":\"english (US)\"}", e))).fieldPath()).isEqualTo("device.language");
    assertThat(only(mp(body("\"device\":{\"screen_resolution\":\"1920*1080\"}", e))))
        .extracting(Problem::fieldPath, Problem::validationCode)
        .containsExactly("device.screen_resolution", ValidationCode.VALUE_INVALID);
    assertThat(only(mp(body("\"device\":{\"browser\":42}", e))).fieldPath()).isEqualTo("device.browser");
    assertThat(only(mp(body("\"device\":{\"model\":\"" + "m".repeat(101) + "\"}", e))))
        .extracting(Problem::fieldPath, Problem::validationCode)
        .containsExactly("device.model", ValidationCode.VALUE_OUT_OF_BOUNDS);
    assertThat(only(mp(body("\"device\":{\"brand\":[\"x\"]}", e))).fieldPath()).isEqualTo("device.brand");
    // A version needs its name: it would otherwise be paired with the User-Agent's browser or system.
    assertThat(only(mp(body("\"device\":{\"browser_version\":\"1.0\"}", e))))
        .extracting(Problem::fieldPath, Problem::validationCode).containsExactly("device.browser", ValidationCode.VALUE_REQUIRED);
    assertThat(only(mp(body("\"device\":{\"operating_system_version\":\"14\"}", e))).fieldPath())
        .isEqualTo("device.operating_system");
  }

  // ------------------------------------------------------------------------------------------- user_location

  @Test
  void userLocationIsReadAndNormalised() {
    ParseResult r = mp(body("\"user_location\":{\"city\":\"Mountain View\",\"region_id\":\"us-ca\",\"country_id\":\"us\","
        + "\"subcontinent_id\":\"021\",\"continent_id\":\"019\"}", "{\"name\":\"a\"}"));
    assertThat(r.problems).isEmpty();
    assertThat(r.hits.get(0).location).isEqualTo(new SenderLocation("US", "US-CA", "Mountain View"));
    // The region's country stands in for a missing country_id.
    assertThat(mp(body("\"user_location\":{\"region_id\":\"GB-LND\"}", "{\"name\":\"a\"}")).hits.get(0).location)
        .isEqualTo(new SenderLocation("GB", "GB-LND", null));
    // Only continent / subcontinent: nothing the hit keeps, so the IP lookup still fills the place.
    assertThat(mp(body("\"user_location\":{\"continent_id\":\"150\"}", "{\"name\":\"a\"}")).hits.get(0).location).isNull();
  }

  @Test
  void badUserLocationValuesRejectTheRequestNamingTheField() {
    String e = "{\"name\":\"a\"}";
    assertThat(only(mp(body("\"user_location\":[]", e))).fieldPath()).isEqualTo("user_location");
    assertThat(only(mp(body("\"user_location\":{\"country_id\":\"USA\"}", e))))
        .extracting(Problem::fieldPath, Problem::validationCode)
        .containsExactly("user_location.country_id", ValidationCode.VALUE_INVALID);
    Problem region = only(mp(body("\"user_location\":{\"region_id\":\"California\"}", e)));
    assertThat(region.fieldPath()).isEqualTo("user_location.region_id");
    assertThat(region.description()).contains("ISO 3166-2").contains("US-CA");
    Problem mismatch = only(mp(body("\"user_location\":{\"region_id\":\"US-CA\",\"country_id\":\"FR\"}", e)));
    assertThat(mismatch.fieldPath()).isEqualTo("user_location.region_id");
    assertThat(mismatch.description()).contains("not a subdivision of country_id 'FR'");
    assertThat(only(mp(body("\"user_location\":{\"continent_id\":\"Europe\"}", e))).fieldPath())
        .isEqualTo("user_location.continent_id");
    assertThat(only(mp(body("\"user_location\":{\"subcontinent_id\":\"21\"}", e))).fieldPath())
        .isEqualTo("user_location.subcontinent_id");
    assertThat(only(mp(body("\"user_location\":{\"city\":7}", e))).fieldPath()).isEqualTo("user_location.city");
  }

  // ------------------------------------------------------------------------------------------- ip_override

  @Test
  void ipOverrideIsTheAddressLookedUp() {
    assertThat(mp(body("\"ip_override\":\"81.2.69.142\"", "{\"name\":\"a\"}")).hits.get(0).clientIp).isEqualTo("81.2.69.142");
    assertThat(mp(body("\"ip_override\":\"2001:db8::1\"", "{\"name\":\"a\"}")).hits.get(0).clientIp).isEqualTo("2001:db8::1");
    assertThat(mp(body("\"ip_override\":\"\"", "{\"name\":\"a\"}")).hits.get(0).clientIp).isNull();
    assertThat(mp(body("", "{\"name\":\"a\"}")).hits.get(0).clientIp).isNull();
  }

  @Test
  void aBadIpOverrideIsRejectedWithoutEchoingIt() {
    for (String bad : new String[] {"\"1.2.3.999\"", "\"example.com\"", "\"1.2.3\"", "17", "[\"1.2.3.4\"]"}) {
      Problem p = only(mp(body("\"ip_override\":" + bad, "{\"name\":\"a\"}")));
      assertThat(p.fieldPath()).as(bad).isEqualTo("ip_override");
      assertThat(p.validationCode()).isEqualTo(ValidationCode.VALUE_INVALID);
      assertThat(p.description()).doesNotContain("1.2.3").doesNotContain("example");
    }
  }

  // ------------------------------------------------------------------------------------------- event time

  @Test
  void anEventsOwnTimestampWinsOverTheRequests() {
    long request = NOW - 3_600_000;
    long own = NOW - 60_000;
    ParseResult r = mp(body("\"timestamp_micros\":" + request * 1000,
        "{\"name\":\"a\"},{\"name\":\"b\",\"timestamp_micros\":" + own * 1000 + "},{\"name\":\"c\",\"timestamp_micros\":\""
            + (own + 1) * 1000 + "\"}"));
    assertThat(r.problems).isEmpty();
    assertThat(r.hits).extracting(d -> d.ts).containsExactly(request, own, own + 1);
    // Without a request-level time, events without their own get the receive time (null here).
    ParseResult none = mp(body("", "{\"name\":\"a\"},{\"name\":\"b\",\"timestamp_micros\":" + own * 1000 + "}"));
    assertThat(none.hits).extracting(d -> d.ts).containsExactly(null, own);
  }

  @Test
  void aBadEventTimestampDropsThatEventOnlyAndNamesItsPath() {
    long tooOld = (NOW - MAX_AGE - 1_000) * 1000;
    long future = (NOW + MAX_SKEW + 1_000) * 1000;
    ParseResult r = mp(body("", "{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\",\"timestamp_micros\":" + tooOld + "},"
        + "{\"name\":\"d\",\"timestamp_micros\":" + future + "},{\"name\":\"e\",\"timestamp_micros\":\"soon\"},"
        + "{\"name\":\"f\",\"timestamp_micros\":1.5e15},{\"name\":\"g\",\"timestamp_micros\":99999999999999999999}"));
    assertThat(r.hits).extracting(d -> d.eventName).containsExactly("a", "b");
    // GA's validation server names the events array, and the event by its index in the description.
    assertThat(r.problems).extracting(Problem::fieldPath).containsOnly("events").hasSize(5);
    assertThat(r.problems).extracting(Problem::validationCode).containsExactly(ValidationCode.VALUE_OUT_OF_BOUNDS,
        ValidationCode.VALUE_OUT_OF_BOUNDS, ValidationCode.VALUE_INVALID, ValidationCode.VALUE_INVALID,
        ValidationCode.VALUE_INVALID);
    assertThat(r.problems.get(0).description())
        .isEqualTo("Event at index: [2] has an invalid value: timestamp_micros is more than 72 hours in the past");
    assertThat(r.problems.get(1).description())
        .isEqualTo("Event at index: [3] has an invalid value: timestamp_micros is in the future");
    assertThat(r.problems.get(2).description()).startsWith("Event at index: [4] ");
  }

  @Test
  void anEventTimestampIsCheckedEvenWhenTheRequestsIsFine() {
    ParseResult r = mp(body("\"timestamp_micros\":" + (NOW - 1_000) * 1000,
        "{\"name\":\"a\",\"timestamp_micros\":" + (NOW - MAX_AGE - 1) * 1000 + "}"));
    assertThat(only(r)).extracting(Problem::fieldPath, Problem::validationCode)
        .containsExactly("events", ValidationCode.VALUE_OUT_OF_BOUNDS);
  }

  @Test
  void aBadRequestTimestampStillRejectsTheWholeRequest() {
    ParseResult r = mp(body("\"timestamp_micros\":" + (NOW + MAX_SKEW + 1_000) * 1000,
        "{\"name\":\"a\",\"timestamp_micros\":" + NOW * 1000 + "}"));
    assertThat(only(r)).extracting(Problem::fieldPath, Problem::description)
        .containsExactly("timestamp_micros", "timestamp_micros is in the future");
  }

  // ------------------------------------------------------------------------------------------- derived ids

  @Test
  void theDerivedIdBasisHoldsTheEventAndContextButNotTheIp() {
    String event = "{\"name\":\"a\",\"timestamp_micros\":" + NOW * 1000 + "}";
    String withIp = mp(body("\"ip_override\":\"81.2.69.142\",\"device\":{\"category\":\"tablet\"}", event)).hits.get(0).payloadForId;
    String otherIp = mp(body("\"ip_override\":\"81.2.69.143\",\"device\":{\"category\":\"tablet\"}", event)).hits.get(0).payloadForId;
    String otherDevice = mp(body("\"ip_override\":\"81.2.69.142\",\"device\":{\"category\":\"mobile\"}", event)).hits.get(0).payloadForId;
    assertThat(withIp).doesNotContain("81.2.69").isEqualTo(otherIp).isNotEqualTo(otherDevice).contains(Long.toString(NOW * 1000));
  }

  // ------------------------------------------------------------------------------------------- user properties

  @Test
  void userPropertiesGoWithEveryEventAsCustomUserDimensions() {
    ParseResult r = mp(body("\"user_properties\":{\"plan\":{\"value\":\"pro\"},\"seats\":{\"value\":12},"
        + "\"gone\":{\"value\":null}}", "{\"name\":\"a\",\"params\":{\"plan\":\"event's own\"}},{\"name\":\"b\"}"));
    assertThat(r.problems).isEmpty();
    assertThat(r.hits).hasSize(2);
    assertThat(r.hits.get(0).params).containsEntry("u:plan", "pro").containsEntry("u:seats", "12")
        .containsEntry("plan", "event's own").doesNotContainKey("u:gone");
    assertThat(r.hits.get(1).params).containsEntry("u:plan", "pro").containsEntry("u:seats", "12");
    assertThat(io.beacon.model.report.CustomDimension.read("customUser:plan", r.hits.get(0).params)).isEqualTo("pro");
    assertThat(io.beacon.model.report.CustomDimension.read("customEvent:plan", r.hits.get(0).params))
        .isEqualTo("event's own");
  }

  @Test
  void gtagUserPropertiesAreCustomUserDimensionsToo() {
    String query = "v=2&tid=G-CTX&cid=1.2&en=page_view&dl=https%3A%2F%2Fexample.com%2F&up.plan=pro&upn.seats=12&ep.plan=x";
    ParseResult r = Ga4WebParser.parse(QueryStrings.parse(query), query, "");
    assertThat(r.problems).isEmpty();
    assertThat(r.hits.get(0).params).containsEntry("u:plan", "pro").containsEntry("u:seats", "12")
        .containsEntry("plan", "x");
    String bad = "v=2&tid=G-CTX&cid=1.2&en=page_view&upn.seats=many";
    assertThat(Ga4WebParser.parse(QueryStrings.parse(bad), bad, "").problems).singleElement()
        .satisfies(p -> assertThat(p.fieldPath()).isEqualTo("upn.seats"));
  }
}
