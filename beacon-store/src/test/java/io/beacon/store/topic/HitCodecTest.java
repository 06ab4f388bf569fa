package io.beacon.store.topic;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.model.Hit;
import io.beacon.store.questdb.LineEncoder;
import io.beacon.store.questdb.LineProtocol;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The hits topic's codec carries every hit field, {@code non_interaction} (UA's {@code ni=1}) and the device's model
 * and brand (MP's {@code device.model} / {@code device.brand}) included; records written before a field decode with
 * it null.
 */
class HitCodecTest {
  private static final Hit UA = Hit.builder().propertyId("UA-1").clientId("555").requestId("z1")
      .ts(1_700_000_000_000L).receivedAt(1_700_000_000_250L).eventName("scroll_depth")
      .params(Map.of("event_category", "scroll")).keyEvent(false).protocol("ua").build();

  @Test
  void nonInteractionRoundTripsUnderItsSnakeCaseNameAndIsLeftOutWhenNull() {
    Hit ni = UA.toBuilder().nonInteraction(true).build();
    String json = new String(HitCodec.encode(ni), StandardCharsets.UTF_8);
    assertThat(json).contains("\"non_interaction\":true");
    assertThat(HitCodec.decode(HitCodec.encode(ni))).isEqualTo(ni);
    Hit no = UA.toBuilder().nonInteraction(false).build();
    assertThat(HitCodec.decode(HitCodec.encode(no))).isEqualTo(no);
    // Null (an interaction) is not written; a record from before the field decodes as null.
    assertThat(new String(HitCodec.encode(UA), StandardCharsets.UTF_8)).doesNotContain("non_interaction");
    assertThat(HitCodec.decode(HitCodec.encode(UA)).nonInteraction()).isNull();
  }

  @Test
  void theRawLineCarriesItOnBothPaths() {
    Hit ni = UA.toBuilder().nonInteraction(true).build();
    String line = LineProtocol.line(ni);
    assertThat(line).contains("non_interaction=true");
    LineEncoder encoder = new LineEncoder();
    StringBuilder fast = new StringBuilder();
    encoder.append(HitCodec.encode(ni), fast);
    assertThat(encoder.fastLines()).isEqualTo(1);
    assertThat(fast.toString()).isEqualTo(line);
    assertThat(LineProtocol.line(UA)).doesNotContain("non_interaction");
  }

  private static final Hit MP = Hit.builder().propertyId("G-1").clientId("c.1").requestId("m1")
      .ts(1_700_000_000_000L).receivedAt(1_700_000_000_250L).eventName("purchase").deviceCategory("mobile")
      .os("Android").osVersion("14").keyEvent(true).isBot(false).protocol("ga4-mp").build();

  @Test
  void deviceModelAndBrandRoundTripUnderTheirSnakeCaseNamesAndAreLeftOutWhenNull() {
    Hit pixel = MP.toBuilder().deviceModel("Pixel 8").deviceBrand("Google").build();
    String json = new String(HitCodec.encode(pixel), StandardCharsets.UTF_8);
    assertThat(json).contains("\"device_model\":\"Pixel 8\"").contains("\"device_brand\":\"Google\"");
    assertThat(HitCodec.decode(HitCodec.encode(pixel))).isEqualTo(pixel);
    assertThat(new String(HitCodec.encode(MP), StandardCharsets.UTF_8)).doesNotContain("device_model")
        .doesNotContain("device_brand");
  }

  @Test
  void sessionSettingsTravelOnTheTopicButNeverReachTheRawRow() {
    Hit custom = MP.toBuilder().sessionRules(new io.beacon.model.session.SessionRules(600_000, 30_000)).build();
    String json = new String(HitCodec.encode(custom), StandardCharsets.UTF_8);
    assertThat(json).contains("\"session_timeout_ms\":600000").contains("\"engaged_after_ms\":30000")
        .doesNotContain("session_rules");
    assertThat(HitCodec.decode(HitCodec.encode(custom))).isEqualTo(custom);
    assertThat(HitCodec.decode(HitCodec.encode(custom)).sessionRules().timeoutMs()).isEqualTo(600_000);
    assertThat(LineProtocol.line(custom)).isEqualTo(LineProtocol.line(MP));
    // A record without them (GA4's defaults, or written before): the defaults.
    assertThat(new String(HitCodec.encode(MP), StandardCharsets.UTF_8)).doesNotContain("session_timeout_ms");
    assertThat(MP.sessionRules()).isEqualTo(io.beacon.model.session.SessionRules.GA4);
  }

  @Test
  void aRecordWrittenBeforeModelAndBrandDecodesWithThemNull() {
    // As the previous code wrote it (no device_model, device_brand): the same hit, both null.
    String old = "{\"property_id\":\"G-1\",\"client_id\":\"c.1\",\"request_id\":\"m1\",\"ts\":1700000000000,"
        + "\"received_at\":1700000000250,\"event_name\":\"purchase\",\"key_event\":true,\"device_category\":\"mobile\","
        + "\"os\":\"Android\",\"os_version\":\"14\",\"is_bot\":false,\"protocol\":\"ga4-mp\",\"schema_version\":1}";
    Hit decoded = HitCodec.decode(old.getBytes(StandardCharsets.UTF_8));
    assertThat(decoded).isEqualTo(MP);
    assertThat(decoded.deviceModel()).isNull();
    assertThat(decoded.deviceBrand()).isNull();
    // and the line it makes has neither column
    assertThat(LineProtocol.line(decoded)).doesNotContain("device_model").doesNotContain("device_brand");
  }

  @Test
  void theRawLineCarriesModelAndBrandOnBothPaths() {
    Hit pixel = MP.toBuilder().deviceModel("Galaxy \"S24\", Ultra=1\\x").deviceBrand("Samsung Electronics").build();
    String line = LineProtocol.line(pixel);
    assertThat(line).contains("device_model=\"Galaxy \\\"S24\\\", Ultra=1\\\\x\"")
        .contains("device_brand=\"Samsung Electronics\"");
    LineEncoder encoder = new LineEncoder();
    StringBuilder fast = new StringBuilder();
    encoder.append(HitCodec.encode(pixel), fast);
    assertThat(encoder.fastLines()).isEqualTo(1);
    assertThat(fast.toString()).isEqualTo(line);
    // A model without a brand: only its column.
    Hit modelOnly = MP.toBuilder().deviceModel("iPhone").build();
    StringBuilder one = new StringBuilder();
    encoder.append(HitCodec.encode(modelOnly), one);
    assertThat(one.toString()).isEqualTo(LineProtocol.line(modelOnly)).contains("device_model=\"iPhone\"")
        .doesNotContain("device_brand");
    assertThat(encoder.slowLines()).isZero();
  }
}
