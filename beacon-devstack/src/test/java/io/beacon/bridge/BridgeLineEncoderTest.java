package io.beacon.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.store.questdb.LineEncoder;
import io.beacon.store.questdb.LineProtocol;
import io.beacon.model.Hit;
import io.beacon.store.topic.HitCodec;
import io.beacon.testing.HitStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The raw consumer's fast JSON-to-line encoder against the reference path
 * ({@code LineProtocol.line(HitCodec.decode(json))}): the same line for every input, or the same error.
 */
class BridgeLineEncoderTest {
  private final LineEncoder encoder = new LineEncoder();

  /** What the reference path gives: the line, or "error: " and its message. */
  private static String reference(byte[] json) {
    try {
      return LineProtocol.line(HitCodec.decode(json));
    } catch (IllegalArgumentException e) {
      return "error: " + e.getMessage();
    }
  }

  private String encoded(byte[] json) {
    StringBuilder out = new StringBuilder("previous line\n");
    try {
      encoder.append(json, out);
      assertThat(out).startsWith("previous line\n");
      return out.substring("previous line\n".length());
    } catch (IllegalArgumentException e) {
      assertThat(out).hasToString("previous line\n"); // nothing half-written
      return "error: " + e.getMessage();
    }
  }

  private void same(byte[] json) {
    assertThat(encoded(json)).as("for %s", new String(json, StandardCharsets.UTF_8)).isEqualTo(reference(json));
    assertThat(realtime(json, encoder::realtimeFields)).as("real-time fields of %s", new String(json, StandardCharsets.UTF_8))
        .isEqualTo(realtime(json, HitCodec::decode));
  }

  /** The fields the real-time view counts, or the error. */
  private static String realtime(byte[] json, java.util.function.Function<byte[], Hit> decode) {
    try {
      Hit h = decode.apply(json);
      return String.join("|", h.propertyId(), h.clientId(), h.requestId(), Long.toString(h.ts()),
          Long.toString(h.receivedAt()), h.eventName(), h.pagePath(), h.source(), h.country(), h.deviceCategory(),
          String.valueOf(h.isBot()));
    } catch (IllegalArgumentException e) {
      return "error: " + e.getMessage();
    }
  }

  private void same(String json) {
    same(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void canonicalHitsTakeTheFastPathAndMatchTheReference() {
    List<Hit> hits = new ArrayList<>(HitStream.generate(7, 300, System.currentTimeMillis()));
    for (int i = 0; i < 200; i++) {
      hits.add(BridgeTesting.fullHit("B-ENC", i, 1_700_000_000_000L + i));
    }
    hits.add(Hit.builder()
        .propertyId("B-1")
        .clientId("c")
        .requestId("r")
        .ts(1_700_000_000_000L)
        .receivedAt(0)
        .schemaVersion(0)
        .build());
    for (Hit h : hits) {
      same(HitCodec.encode(h));
    }
    assertThat(encoder.slowLines()).isZero();
    assertThat(encoder.fastLines()).isEqualTo(hits.size());
  }

  @Test
  void anyCharacterInAnyStringOrParamMatchesTheReference() {
    Random rnd = new Random(42);
    String special = "\"\\\n\r\t\b\f ,=}{:\u0000\u0001\u001f\u007f\u00e9\u20ac\ud83d\ude00/'";
    for (int n = 0; n < 2000; n++) {
      Map<String, String> params = new HashMap<>();
      int count = rnd.nextInt(6);
      for (int k = 0; k < count; k++) {
        params.put(random(rnd, special), random(rnd, special));
      }
      Hit h = Hit.builder()
          .propertyId(random(rnd, special) + "p")
          .clientId(random(rnd, special))
          .userId(rnd.nextBoolean() ? null : random(rnd, special))
          .requestId("r" + n)
          .sessionId(random(rnd, special))
          .sessionNumber(rnd.nextBoolean() ? null : rnd.nextInt())
          .ts(1 + rnd.nextLong(1L << 40))
          .receivedAt(rnd.nextLong(1L << 40))
          .eventName(random(rnd, special))
          .params(params)
          .engagementMs(rnd.nextBoolean() ? null : rnd.nextLong())
          .sessionEngaged(rnd.nextBoolean() ? null : rnd.nextBoolean())
          .firstVisit(true)
          .sessionStart(false)
          .nonInteraction(rnd.nextBoolean() ? null : rnd.nextBoolean())
          .pageLocation(random(rnd, special))
          .hostname(random(rnd, special))
          .pagePath(random(rnd, special))
          .pageTitle(random(rnd, special))
          .pageReferrer(random(rnd, special))
          .source(random(rnd, special))
          .medium(random(rnd, special))
          .campaign(random(rnd, special))
          .term(random(rnd, special))
          .content(random(rnd, special))
          .deviceCategory(random(rnd, special))
          .browser(random(rnd, special))
          .browserVersion(random(rnd, special))
          .os(random(rnd, special))
          .osVersion(random(rnd, special))
          .deviceModel(rnd.nextBoolean() ? null : random(rnd, special))
          .deviceBrand(rnd.nextBoolean() ? null : random(rnd, special))
          .screenResolution(random(rnd, special))
          .language(random(rnd, special))
          .country(random(rnd, special))
          .region(random(rnd, special))
          .city(random(rnd, special))
          .isBot(rnd.nextBoolean())
          .protocol(random(rnd, special))
          .schemaVersion(rnd.nextInt(3))
          .build();
      same(HitCodec.encode(h));
    }
    assertThat(encoder.slowLines()).isZero();
  }

  private static String random(Random rnd, String special) {
    int len = rnd.nextInt(8);
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < len; i++) {
      b.append(rnd.nextInt(3) == 0 ? special.charAt(rnd.nextInt(special.length())) : (char) ('a' + rnd.nextInt(26)));
    }
    return b.toString();
  }

  @Test
  void oddInputsGiveTheReferenceLineOrTheReferenceError() {
    String base = "\"property_id\":\"B-1\",\"client_id\":\"c\",\"request_id\":\"r\",\"ts\":1700000000000";
    List<String> inputs = List.of(
        "{" + base + "}",
        "{" + base + ",\"unknown\":{\"a\":[1,2,{\"b\":null}]},\"other\":[1]}",   // unknown fields ignored
        "{" + base + ",\"page_title\":123}",                                    // coerced by databind
        "{" + base + ",\"session_number\":\"7\"}",
        "{" + base + ",\"session_number\":3000000000}",                         // int overflow
        "{" + base + ",\"engagement_ms\":1.5}",
        "{" + base + ",\"engagement_ms\":123456789012345678901234567890}",
        "{" + base + ",\"is_bot\":\"true\"}",
        "{" + base + ",\"is_bot\":null,\"page_title\":null,\"params\":null}",
        "{" + base + ",\"params\":{\"b\":\"1\",\"a\":\"2\",\"b\":\"3\"}}",        // repeated key: last wins
        "{" + base + ",\"params\":{\"a\":null}}",
        "{" + base + ",\"params\":{\"a\":1}}",
        "{" + base + ",\"params\":{}}",
        "{" + base + ",\"params\":[]}",
        "{" + base + ",\"client_id\":\"d\"}",                                   // repeated field
        "{" + base + ",\"received_at\":null}",
        "{" + base + ",\"schema_version\":null}",
        "{" + base + ",\"received_at\":-1}",
        "{" + base + ",\"received_at\":253402300800000}",
        "{\"property_id\":\"B-1\",\"client_id\":\"c\",\"request_id\":\"r\",\"ts\":253402300800000}",
        "{\"property_id\":\"B-1\",\"client_id\":\"c\",\"request_id\":\"r\",\"ts\":0}",
        "{\"property_id\":\"B-1\",\"client_id\":\"c\",\"ts\":1}",
        "{\"property_id\":\"B-1\",\"client_id\":\"c\",\"request_id\":null,\"ts\":1}",
        "{" + base + ",\"browser\":\"\",\"page_title\":\"\"}",                  // empty tag left out
        "{" + base + "} trailing",
        "{" + base,
        "{not json",
        "[1,2]",
        "\"a string\"",
        "null",
        "",
        "{" + base + ",\"ts\":\"1700000000000\"}");
    for (String in : inputs) {
      same(in);
    }
  }
}
