package io.beacon.collector.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every text field a hit keeps has a length limit, for every protocol (FieldLimits' table). */
class FieldLimitsTest {
  static final long NOW = 1_750_000_000_000L;
  static final long H72 = 72 * 3_600_000L;
  static final ObjectMapper JSON = new ObjectMapper();

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** A value {@code extra} characters over the field's limit (a URL for the page location). */
  static String tooLong(FieldLimits.Field f, int extra) {
    String prefix = f.name().equals("page_location") || f.name().equals("page_referrer") ? "https://a.example/" : "";
    return prefix + "x".repeat(f.max() + extra - prefix.length());
  }

  @Test
  void trackedValuesHaveLengthLimitsTruncatedForWebProtocolsRejectedForIds() {
    // Finding "tracked values have no length limits": the page referrer, UA's page path, host and title, campaign
    // fields, language, screen resolution, request and session ids and property ids were kept at any length.
    List<String> checked = new ArrayList<>();
    for (FieldLimits.Field f : FieldLimits.FIELDS) {
      for (Protocol protocol : List.of(Protocol.GA4_WEB, Protocol.UA)) {
        String wire = protocol == Protocol.UA ? f.ua() : f.web();
        if (wire == null || (protocol == Protocol.UA && f.name().equals("name"))) {
          continue; // the protocol does not send it (UA's event name is made from ea, cut at 40 as before)
        }
        for (int extra : new int[] {0, 1, 50}) {
          String value = tooLong(f, extra);
          ParseResult r = protocol == Protocol.UA
              ? UniversalParser.parseSingle(uaBase(wire) + "&" + wire + "=" + enc(value), NOW, H72)
              : web(webBase(wire) + "&" + wire + "=" + enc(value));
          String what = protocol + " " + wire + " +" + extra;
          boolean refusedBefore = protocol == Protocol.GA4_WEB && Set.of("dl", "en", "cid", "uid").contains(wire);
          if (extra == 0) {
            assertThat(r.problems).as(what).isEmpty();
            assertThat(f.get().apply(r.hits.get(0))).as(what).isEqualTo(value);
          } else if (f.kind() == FieldLimits.Kind.ID || refusedBefore
              || (protocol == Protocol.UA && Set.of("cid", "uid").contains(wire))) {
            // Ids (and GA4 web's page location and event name, as before) refuse the hit: a cut id is another id.
            assertThat(r.hits).as(what).isEmpty();
            assertThat(r.problems).as(what).singleElement().satisfies(p -> {
              assertThat(p.fieldPath()).isEqualTo(wire);
              assertThat(p.validationCode()).isIn(ValidationCode.VALUE_OUT_OF_BOUNDS, ValidationCode.VALUE_INVALID);
            });
          } else {
            assertThat(r.problems).as(what).isEmpty();
            assertThat(f.get().apply(r.hits.get(0))).as(what + ": truncated as GA does").isEqualTo(value.substring(0, f.max()));
          }
        }
        checked.add(protocol + ":" + wire);
      }
    }
    assertThat(checked).contains("ga4-web:dr", "ga4-web:ul", "ga4-web:sr", "ga4-web:tid", "ga4-web:_rid", "ga4-web:sid",
        "ua:dl", "ua:dr", "ua:dt", "ua:dh", "ua:dp", "ua:cn", "ua:cs", "ua:cm", "ua:ck", "ua:cc", "ua:gclid", "ua:tid",
        "ua:z", "ua:ul", "ua:sr");

    // Parameters: GA4 web's were cut at 100 already; UA's viewport was kept whole.
    ParseResult vp = UniversalParser.parseSingle(uaBase("vp") + "&vp=" + "9".repeat(500), NOW, H72);
    assertThat(vp.hits.get(0).params.get("viewport_size")).hasSize(100);
    // A cut never splits a character outside the BMP in two.
    ParseResult emoji = web(webBase("dt") + "&dt=" + enc("a".repeat(299) + "\ud83c\udf89"));
    assertThat(emoji.hits.get(0).pageTitle).isEqualTo("a".repeat(299));
  }

  @Test
  void theMeasurementProtocolRefusesOverLongValuesWithGasValidationCode() throws Exception {
    ParseResult id = MeasurementProtocolParser.parse("G-" + "X".repeat(63), body(Map.of()), NOW, H72, 600_000);
    assertThat(id.problems).singleElement().satisfies(p -> {
      assertThat(p.fieldPath()).isEqualTo("measurement_id");
      assertThat(p.validationCode()).isEqualTo(ValidationCode.VALUE_OUT_OF_BOUNDS);
    });
    for (String param : List.of("page_referrer", "page_title", "campaign", "source", "medium", "term", "content",
        "language", "screen_resolution", "session_id", "request_id", "anything")) {
      int max = FieldLimits.mpParamMax(param);
      assertThat(MeasurementProtocolParser.parse("G-1", body(Map.of(param, "x".repeat(max))), NOW, H72, 600_000).problems)
          .as(param).isEmpty();
      assertThat(MeasurementProtocolParser.parse("G-1", body(Map.of(param, "x".repeat(max + 1))), NOW, H72, 600_000)
          .problems).as(param).singleElement()
          .satisfies(p -> assertThat(p.validationCode()).isEqualTo(ValidationCode.VALUE_OUT_OF_BOUNDS));
    }
    // items: GA's 200 per event, their values 100 characters, scalar.
    List<Map<String, Object>> many = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      many.add(Map.of("item_id", "SKU_" + i));
    }
    assertThat(MeasurementProtocolParser.parse("G-1", body(Map.of("items", many)), NOW, H72, 600_000).problems).isEmpty();
    many.add(Map.of("item_id", "one more"));
    assertThat(MeasurementProtocolParser.parse("G-1", body(Map.of("items", many)), NOW, H72, 600_000).problems)
        .singleElement().satisfies(p -> assertThat(p.validationCode()).isEqualTo(ValidationCode.EXCEEDED_MAX_ENTITIES));
    assertThat(MeasurementProtocolParser.parse("G-1", body(Map.of("items", List.of(Map.of("item_name", "x".repeat(101))))),
        NOW, H72, 600_000).problems).singleElement().satisfies(p -> {
          assertThat(p.fieldPath()).isEqualTo("events");
          assertThat(p.description()).startsWith("Event at index: [0] has an invalid params.items[0].item_name: ");
          assertThat(p.validationCode()).isEqualTo(ValidationCode.VALUE_OUT_OF_BOUNDS);
        });
    assertThat(MeasurementProtocolParser.parse("G-1", body(Map.of("items", List.of(Map.of("nested", Map.of("a", "b"))))),
        NOW, H72, 600_000).problems).singleElement()
        .satisfies(p -> assertThat(p.validationCode()).isEqualTo(ValidationCode.VALUE_INVALID));
  }

  static byte[] body(Map<String, Object> params) throws Exception {
    return JSON.writeValueAsBytes(Map.of("client_id", "c1", "events", List.of(Map.of("name", "purchase", "params", params))));
  }

  static ParseResult web(String query) {
    return Ga4WebParser.parse(QueryStrings.parse(query), query, "");
  }

  /** A valid GA4 web hit without {@code wire}. */
  static String webBase(String wire) {
    StringBuilder q = new StringBuilder("v=2");
    for (String[] kv : new String[][] {{"tid", "B-1"}, {"cid", "c"}, {"en", "page_view"}, {"dl", "https://a.example/"}}) {
      if (!kv[0].equals(wire)) {
        q.append('&').append(kv[0]).append('=').append(enc(kv[1]));
      }
    }
    return q.toString();
  }

  /** A valid UA hit without {@code wire}. */
  static String uaBase(String wire) {
    StringBuilder q = new StringBuilder("v=1&t=pageview");
    for (String[] kv : new String[][] {{"tid", "UA-1"}, {"cid", "c"}}) {
      if (!kv[0].equals(wire)) {
        q.append('&').append(kv[0]).append('=').append(kv[1]);
      }
    }
    return q.toString();
  }
}
