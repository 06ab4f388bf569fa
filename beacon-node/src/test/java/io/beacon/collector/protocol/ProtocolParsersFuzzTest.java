package io.beacon.collector.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.PropertyDefaults;

/**
 * Property-based fuzz of the three protocol parsers (jqwik, a bounded number of tries each, a few seconds in
 * all): arbitrary text and bytes, and valid requests mutated (truncated, characters inserted, values swapped
 * for hostile ones), never make a parser throw: it answers hits and problems. Every hit it accepts is within
 * the documented limits, and a valid request's fields come back exactly as sent.
 */
@PropertyDefaults(tries = 250, shrinking = ShrinkingMode.BOUNDED)
class ProtocolParsersFuzzTest {
  static final long NOW = 1_750_000_000_000L;
  static final long MAX_AGE = 72 * 3_600_000L;
  static final long MAX_SKEW = 600_000L;
  static final Pattern MP_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]*");
  static final Pattern IP = Pattern.compile("[0-9A-Fa-f:.]{2,45}");
  static final ObjectMapper JSON = new ObjectMapper().enable(JsonGenerator.Feature.ESCAPE_NON_ASCII);

  // ------------------------------------------------------------------------------------------- arbitraries

  /** Text with every kind of trouble: metacharacters of the formats, controls, non-BMP, lone surrogates. */
  static Arbitrary<String> hostile() {
    return Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(60),
        Arbitraries.strings().withChars("&=%+#?\n\r\t ;,\"'\\<>/{}[]:.0123456789abcXYZ_-\u0000\u001f\u007f\u00ff")
            .withCharRange('\ud800', '\udfff').ofMaxLength(80),
        Arbitraries.of("", " ", "%", "%zz", "%FF%FE", "%C0%AF", "%ED%A0%80", "1e999", "NaN", "-1", "9223372036854775808",
            "<script>alert(1)</script>", "'; DROP TABLE hits; --", "a,b=c d\\\"", "\ud83c\udf89", "\ud800"),
        Arbitraries.strings().ofMinLength(90).ofMaxLength(1200));
  }

  static final List<String> GA4_KEYS = List.of("v", "tid", "cid", "en", "uid", "_rid", "sid", "sct", "_et", "seg", "_fv",
      "_ss", "dl", "dr", "dt", "ul", "sr", "ep.x", "epn.value", "ep.", "epn.", "ep.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  static final List<String> UA_KEYS = List.of("v", "tid", "cid", "uid", "t", "dl", "dh", "dp", "dt", "dr", "sr", "ul", "ua",
      "uip", "cn", "cs", "cm", "ck", "cc", "gclid", "sc", "vp", "qt", "cd", "ec", "ea", "el", "ev", "z");

  /** A query string of known and unknown keys with hostile values, encoded or raw, then maybe mutated. */
  static Arbitrary<String> queryString(List<String> keys, Map<String, String> base) {
    Arbitrary<String> key = Arbitraries.oneOf(Arbitraries.of(keys), Arbitraries.strings().ofMaxLength(8));
    Arbitrary<String> pair = Combinators.combine(key, hostile(), Arbitraries.of(true, false))
        .as((k, v, encode) -> encode ? enc(k) + "=" + enc(v) : k + "=" + v);
    Arbitrary<String> extra = pair.list().ofMaxSize(30).map(l -> String.join("&", l));
    return Combinators.combine(extra, Arbitraries.integers().between(0, base.size()), Arbitraries.of(true, false))
        .as((more, keep, prefix) -> {
          List<String> parts = new ArrayList<>();
          base.entrySet().stream().limit(keep).forEach(e -> parts.add(enc(e.getKey()) + "=" + enc(e.getValue())));
          String b = String.join("&", parts);
          return more.isEmpty() ? b : prefix ? more + "&" + b : b + "&" + more;
        }).flatMap(ProtocolParsersFuzzTest::mutate);
  }

  /** Leaves the text as is, or truncates it, inserts a hostile piece, or swaps two of its characters. */
  static Arbitrary<String> mutate(String s) {
    return Arbitraries.integers().between(0, Math.max(0, s.length())).flatMap(at -> Arbitraries.oneOf(
        Arbitraries.just(s),
        Arbitraries.just(s.substring(0, at)),
        hostile().map(h -> s.substring(0, at) + h + s.substring(at)),
        Arbitraries.just(at + 1 < s.length()
            ? s.substring(0, at) + s.charAt(at + 1) + s.charAt(at) + s.substring(at + 2) : s)));
  }

  static String enc(String s) {
    // Lone surrogates have no UTF-8 form: the encoder writes '?', as a browser's would fail: fine for fuzzing.
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  static Map<String, String> ga4Base() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("v", "2");
    m.put("tid", "G-FUZZ");
    m.put("cid", "1.2");
    m.put("en", "page_view");
    m.put("dl", "https://example.com/a?b=c");
    m.put("ep.k", "v");
    m.put("epn.n", "4.5");
    m.put("sct", "3");
    m.put("_et", "10");
    return m;
  }

  static Map<String, String> uaBase() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("v", "1");
    m.put("tid", "UA-1-1");
    m.put("cid", "c");
    m.put("t", "event");
    m.put("ec", "cat");
    m.put("ea", "Add To Cart");
    m.put("ev", "7");
    m.put("qt", "1000");
    m.put("uip", "1.2.3.4");
    return m;
  }

  // ------------------------------------------------------------------------------------------- GA4 web

  @Provide
  Arbitrary<String> ga4Query() {
    return queryString(GA4_KEYS, ga4Base());
  }

  @Provide
  Arbitrary<String> ga4Body() {
    Arbitrary<String> line = queryString(GA4_KEYS, Map.of("en", "scroll"));
    return Arbitraries.oneOf(Arbitraries.just(""), line.list().ofMaxSize(30).map(l -> String.join("\n", l)),
        line.list().ofMaxSize(5).map(l -> String.join("\r\n", l)), hostile());
  }

  @Property
  void ga4WebNeverThrowsAndKeepsItsLimits(@ForAll("ga4Query") String query, @ForAll("ga4Body") String body) {
    ParseResult r = Ga4WebParser.parse(QueryStrings.parse(query), query, body);
    assertThat(r.hits.size() + r.problems.size()).isPositive();
    assertThat(r.hits.size()).isLessThanOrEqualTo(Ga4WebParser.MAX_EVENTS);
    for (HitDraft d : r.hits) {
      assertThat(d.protocol).isEqualTo(Protocol.GA4_WEB);
      assertThat(d.propertyId).isNotBlank();
      assertThat(d.clientId).isNotBlank();
      assertThat(d.eventName).isNotBlank().hasSizeLessThanOrEqualTo(Ga4WebParser.MAX_NAME);
      assertThat(d.params).hasSizeLessThanOrEqualTo(Ga4WebParser.MAX_PARAMS);
      d.params.forEach((k, v) -> {
        assertThat(k).isNotEmpty().hasSizeLessThanOrEqualTo(Ga4WebParser.MAX_NAME);
        assertThat(v).hasSizeLessThanOrEqualTo(Ga4WebParser.MAX_VALUE);
      });
      if (d.pageLocation != null) {
        assertThat(d.pageLocation).hasSizeLessThanOrEqualTo(Ga4WebParser.MAX_URL).matches("(?i)https?://.+");
      }
      assertThat(d.pageTitle == null ? "" : d.pageTitle).hasSizeLessThanOrEqualTo(300);
      withinFieldLimits(d);
      assertThat(d.sessionNumber == null || d.sessionNumber >= 0).isTrue();
      assertThat(d.engagementMs == null || d.engagementMs >= 0).isTrue();
    }
    r.problems.forEach(ProtocolParsersFuzzTest::problemIsClear);
  }

  @Provide
  Arbitrary<Map<String, String>> ga4Valid() {
    Arbitrary<String> text = hostile().filter(s -> !s.isBlank() && s.chars().noneMatch(c -> Character.isSurrogate((char) c)));
    Arbitrary<String> shortText = text.filter(s -> s.length() <= 40);
    Arbitrary<String> id = text.filter(s -> s.length() <= 256);
    Arbitrary<String> propertyId = text.filter(s -> s.length() <= FieldLimits.MAX_PROPERTY_ID);
    return Combinators.combine(propertyId, id, shortText, text, text, text.filter(s -> s.length() <= 100), Arbitraries.integers().between(0, 9999))
        .as((tid, cid, en, title, ref, param, sct) -> {
          Map<String, String> m = new LinkedHashMap<>();
          m.put("v", "2");
          m.put("tid", tid);
          m.put("cid", cid);
          m.put("en", en);
          m.put("dt", title);
          m.put("dr", ref);
          m.put("ep.note", param);
          m.put("sct", Integer.toString(sct));
          return m;
        });
  }

  @Property(tries = 200, edgeCases = EdgeCasesMode.NONE)
  void ga4WebValidRequestsRoundTrip(@ForAll("ga4Valid") Map<String, String> p) {
    String query = form(p);
    ParseResult r = Ga4WebParser.parse(QueryStrings.parse(query), query, "");
    assertThat(r.problems).isEmpty();
    assertThat(r.hits).hasSize(1);
    HitDraft d = r.hits.get(0);
    assertThat(List.of(d.propertyId, d.clientId, d.eventName, d.pageReferrer, d.params.get("note")))
        .containsExactly(p.get("tid"), p.get("cid"), p.get("en"), FieldLimits.truncate(p.get("dr"), 420), p.get("ep.note"));
    assertThat(d.pageTitle).isEqualTo(p.get("dt").length() > 300 ? p.get("dt").substring(0, 300) : p.get("dt"));
    assertThat(d.sessionNumber).isEqualTo(Integer.parseInt(p.get("sct")));
  }

  // ------------------------------------------------------------------------------------------- Measurement Protocol

  @Provide
  Arbitrary<byte[]> mpBytes() {
    Arbitrary<String> valid = mpValid().map(ProtocolParsersFuzzTest::json);
    return Arbitraries.oneOf(
        Arbitraries.bytes().array(byte[].class).ofMaxSize(400),
        valid.flatMap(ProtocolParsersFuzzTest::mutate).map(s -> s.getBytes(StandardCharsets.UTF_8)),
        valid.map(s -> s.getBytes(StandardCharsets.UTF_8)).flatMap(b -> Arbitraries.integers().between(0, b.length - 1)
            .flatMap(i -> Arbitraries.bytes().map(x -> {
              byte[] c = b.clone();
              c[i] = x;
              return c;
            }))),
        Arbitraries.of("[", "{", "{\"client_id\":", "[[[[[[[[[[", "{\"client_id\":\"c\",\"events\":[{\"name\":\"e\",\"params\":{\"items\":[[[[]]]]}}]}")
            .flatMap(s -> Arbitraries.integers().between(1, 1200).map(n -> s.repeat(n).getBytes(StandardCharsets.UTF_8))));
  }

  @Property
  void measurementProtocolNeverThrowsAndKeepsItsLimits(@ForAll("mpBytes") byte[] body) {
    ParseResult r = MeasurementProtocolParser.parse("G-FUZZ", body, NOW, MAX_AGE, MAX_SKEW);
    assertThat(r.hits.size() + r.problems.size()).isPositive();
    assertThat(r.hits.size()).isLessThanOrEqualTo(MeasurementProtocolParser.MAX_EVENTS);
    for (HitDraft d : r.hits) {
      assertThat(d.protocol).isEqualTo(Protocol.GA4_MP);
      assertThat(d.clientId).isNotBlank();
      assertThat(d.userId == null ? "" : d.userId).hasSizeLessThanOrEqualTo(MeasurementProtocolParser.MAX_USER_ID);
      assertThat(d.eventName).hasSizeLessThanOrEqualTo(MeasurementProtocolParser.MAX_EVENT_NAME).matches(MP_NAME);
      assertThat(MeasurementProtocolParser.RESERVED_EVENTS).doesNotContain(d.eventName);
      assertThat(d.params).hasSizeLessThanOrEqualTo(MeasurementProtocolParser.MAX_PARAMS);
      d.params.forEach((k, v) -> {
        assertThat(k).hasSizeLessThanOrEqualTo(MeasurementProtocolParser.MAX_PARAM_NAME).matches(MP_NAME);
        if (!k.equals("items")) {
          assertThat(v).hasSizeLessThanOrEqualTo(MeasurementProtocolParser.MAX_PARAM_VALUE);
        }
      });
      for (String text : new String[] {d.sessionId, d.requestId, d.language, d.source, d.medium, d.campaign, d.term,
          d.content}) {
        assertThat(text == null ? "" : text).hasSizeLessThanOrEqualTo(MeasurementProtocolParser.MAX_PARAM_VALUE);
      }
      // GA4's page parameters have longer limits of their own.
      assertThat(d.pageLocation == null ? "" : d.pageLocation).hasSizeLessThanOrEqualTo(1000);
      assertThat(d.pageReferrer == null ? "" : d.pageReferrer).hasSizeLessThanOrEqualTo(420);
      assertThat(d.pageTitle == null ? "" : d.pageTitle).hasSizeLessThanOrEqualTo(300);
      assertThat(d.ts == null || (d.ts >= NOW - MAX_AGE && d.ts <= NOW + MAX_SKEW)).as("ts %s", d.ts).isTrue();
      assertThat(d.engagementMs == null || d.engagementMs >= 0).isTrue();
    }
    r.problems.forEach(ProtocolParsersFuzzTest::problemIsClear);
  }

  /** Request context (device, user_location, ip_override) and event times, with hostile and mistyped values. */
  @Provide
  Arbitrary<byte[]> mpContextBytes() {
    Arbitrary<Object> value = Arbitraries.oneOf(hostile().map(v -> (Object) v), Arbitraries.integers().map(i -> (Object) i),
        Arbitraries.of("mobile", "Smart TV", "en-US", "de_DE", "1920x1080", "0x0", "US-CA", "us", "GB-LND", "021", "019",
            "81.2.69.142", "2001:db8::1", "1.2.3.999").map(v -> (Object) v),
        Arbitraries.just((Object) List.of("x")), Arbitraries.just((Object) Map.of("a", 1)));
    Arbitrary<Map<String, Object>> device = Arbitraries.maps(Arbitraries.of("category", "language", "screen_resolution",
        "operating_system", "operating_system_version", "browser", "browser_version", "model", "brand", "x"), value).ofMaxSize(9);
    Arbitrary<Map<String, Object>> location = Arbitraries.maps(Arbitraries.of("city", "region_id", "country_id",
        "subcontinent_id", "continent_id"), value).ofMaxSize(5);
    Arbitrary<Object> micros = Arbitraries.oneOf(Arbitraries.longs().between(-2 * MAX_AGE, 2 * MAX_SKEW)
        .map(o -> (Object) ((NOW + o) * 1000)), value);
    return Combinators.combine(device.injectNull(0.2), location.injectNull(0.2), value.injectNull(0.3), micros.injectNull(0.3),
            micros.list().ofMinSize(1).ofMaxSize(4))
        .as((dev, loc, ip, ts, eventTimes) -> {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("client_id", "c");
          putIf(m, "device", dev);
          putIf(m, "user_location", loc);
          putIf(m, "ip_override", ip);
          putIf(m, "timestamp_micros", ts);
          List<Object> events = new ArrayList<>();
          for (Object t : eventTimes) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("name", "e");
            putIf(e, "timestamp_micros", t);
            events.add(e);
          }
          m.put("events", events);
          try {
            return JSON.writeValueAsBytes(m);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
  }

  private static void putIf(Map<String, Object> m, String k, Object v) {
    if (v != null) {
      m.put(k, v);
    }
  }

  @Property
  void measurementProtocolContextNeverThrowsAndKeepsOnlyValidValues(@ForAll("mpContextBytes") byte[] body) {
    ParseResult r = MeasurementProtocolParser.parse("G-FUZZ", body, NOW, MAX_AGE, MAX_SKEW);
    assertThat(r.hits.size() + r.problems.size()).isPositive();
    for (HitDraft d : r.hits) {
      assertThat(d.ts == null || (d.ts >= NOW - MAX_AGE && d.ts <= NOW + MAX_SKEW)).as("ts %s", d.ts).isTrue();
      if (d.device != null) {
        assertThat(d.device.category() == null || MeasurementProtocolParser.DEVICE_CATEGORIES.contains(d.device.category())).isTrue();
        assertThat(d.device.browserVersion() == null || d.device.browser() != null).isTrue();
        assertThat(d.device.osVersion() == null || d.device.os() != null).isTrue();
      }
      if (d.location != null) {
        assertThat(d.location.country() == null ? "US" : d.location.country()).matches("[A-Z]{2}");
        assertThat(d.location.region() == null ? "US-CA" : d.location.region()).matches("[A-Z]{2}-[A-Z0-9]{1,3}");
        assertThat(d.location.region() == null || d.location.region().startsWith(d.location.country() + "-")).isTrue();
      }
      assertThat(d.language == null ? "en" : d.language).matches("[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*");
      assertThat(d.screenResolution == null ? "1x1" : d.screenResolution).matches("[1-9][0-9]*x[1-9][0-9]*");
      assertThat(d.clientIp == null || io.beacon.collector.enrich.IpAddresses.parse(d.clientIp) != null).isTrue();
    }
    r.problems.forEach(ProtocolParsersFuzzTest::problemIsClear);
  }

  record MpEvent(String name, Map<String, Object> params) {}

  record MpBody(String clientId, String userId, Long tsMicros, List<MpEvent> events) {}

  @Provide
  Arbitrary<MpBody> mpValid() {
    Arbitrary<String> name = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(1)
        .flatMap(first -> Arbitraries.strings().withCharRange('a', 'z').withCharRange('0', '9').withChars('_')
            .ofMaxLength(39).map(rest -> first + rest))
        .filter(n -> !MeasurementProtocolParser.RESERVED_EVENTS.contains(n)
            && MeasurementProtocolParser.RESERVED_PREFIXES.stream().noneMatch(n::startsWith));
    Arbitrary<String> value = hostile().filter(s -> !s.isBlank() && s.length() <= 100);
    Arbitrary<Map<String, Object>> params = Arbitraries.maps(name.filter(n -> !Map.of("session_id", 1, "engagement_time_msec", 1,
        "items", 1).containsKey(n)), Arbitraries.oneOf(value.map(v -> (Object) v), Arbitraries.integers().map(i -> (Object) i)))
        .ofMaxSize(25);
    Arbitrary<MpEvent> event = Combinators.combine(name, params).as(MpEvent::new);
    return Combinators.combine(hostile().filter(s -> !s.isBlank() && s.length() <= 256), hostile().filter(s -> s.length() <= 256).injectNull(0.3),
            Arbitraries.longs().between(-MAX_AGE + 1000, MAX_SKEW - 1000).injectNull(0.3), event.list().ofMinSize(1).ofMaxSize(25))
        .as((cid, uid, offset, events) -> new MpBody(cid, uid, offset == null ? null : (NOW + offset) * 1000, events));
  }

  static String json(MpBody b) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("client_id", b.clientId());
    if (b.userId() != null) {
      m.put("user_id", b.userId());
    }
    if (b.tsMicros() != null) {
      m.put("timestamp_micros", b.tsMicros());
    }
    List<Object> events = new ArrayList<>();
    b.events().forEach(e -> events.add(Map.of("name", e.name(), "params", e.params())));
    m.put("events", events);
    try {
      return JSON.writeValueAsString(m);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Property(tries = 200, edgeCases = EdgeCasesMode.NONE)
  void measurementProtocolValidRequestsRoundTrip(@ForAll("mpValid") MpBody b) {
    ParseResult r = MeasurementProtocolParser.parse("G-FUZZ", json(b).getBytes(StandardCharsets.UTF_8), NOW, MAX_AGE, MAX_SKEW);
    assertThat(r.problems).isEmpty();
    assertThat(r.hits).hasSize(b.events().size());
    for (int i = 0; i < r.hits.size(); i++) {
      HitDraft d = r.hits.get(i);
      MpEvent e = b.events().get(i);
      assertThat(d.clientId).isEqualTo(b.clientId());
      assertThat(d.userId).isEqualTo(b.userId() == null || b.userId().isBlank() ? null : b.userId());
      assertThat(d.ts).isEqualTo(b.tsMicros() == null ? null : b.tsMicros() / 1000);
      assertThat(d.eventName).isEqualTo(e.name());
      e.params().forEach((k, v) -> {
        String got = switch (k) {
          case "page_location" -> d.pageLocation;
          case "page_referrer" -> d.pageReferrer;
          case "page_title" -> d.pageTitle;
          case "language" -> d.language;
          case "screen_resolution" -> d.screenResolution;
          case "request_id" -> d.requestId;
          case "campaign" -> d.campaign;
          case "source" -> d.source;
          case "medium" -> d.medium;
          case "term" -> d.term;
          case "content" -> d.content;
          default -> d.params.get(k);
        };
        assertThat(got).as(k).isEqualTo(v.toString());
      });
    }
  }

  // ------------------------------------------------------------------------------------------- Universal Analytics

  @Provide
  Arbitrary<String> uaHit() {
    return queryString(UA_KEYS, uaBase());
  }

  @Provide
  Arbitrary<String> uaBatch() {
    return Arbitraries.oneOf(uaHit().list().ofMaxSize(25).map(l -> String.join("\n", l)), hostile(),
        uaHit().list().ofMaxSize(3).map(l -> String.join("\r\n\n", l)));
  }

  @Property
  void universalNeverThrowsAndKeepsItsLimits(@ForAll("uaHit") String hit, @ForAll("uaBatch") String batch) {
    for (ParseResult r : List.of(UniversalParser.parseSingle(hit, NOW, MAX_AGE), UniversalParser.parseBatch(batch, NOW, MAX_AGE))) {
      assertThat(r.hits.size() + r.problems.size()).isPositive();
      assertThat(r.hits.size()).isLessThanOrEqualTo(UniversalParser.MAX_BATCH_HITS);
      for (HitDraft d : r.hits) {
        assertThat(d.protocol).isEqualTo(Protocol.UA);
        assertThat(d.propertyId).isNotBlank();
        assertThat(d.clientId).isNotBlank();
        assertThat(d.eventName).isNotBlank().hasSizeLessThanOrEqualTo(40);
        assertThat(d.clientIp == null || IP.matcher(d.clientIp).matches()).isTrue();
        assertThat(d.ts == null || (d.ts >= NOW - MAX_AGE && d.ts <= NOW)).isTrue();
        d.params.forEach((k, v) -> assertThat(v).as(k).hasSizeLessThanOrEqualTo(100));
        withinFieldLimits(d);
        assertThat(d.payloadForId.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(UniversalParser.MAX_HIT_BYTES);
      }
      r.problems.forEach(ProtocolParsersFuzzTest::problemIsClear);
    }
  }

  @Provide
  Arbitrary<Map<String, String>> uaValid() {
    Arbitrary<String> text = hostile().filter(s -> !s.isBlank() && s.length() <= 256 && s.chars().noneMatch(c -> Character.isSurrogate((char) c)));
    Arbitrary<String> propertyId = text.filter(s -> s.length() <= FieldLimits.MAX_PROPERTY_ID);
    return Combinators.combine(propertyId, text, text, text, text, Arbitraries.longs().between(0, MAX_AGE))
        .as((tid, cid, title, path, campaign, qt) -> {
          Map<String, String> m = new LinkedHashMap<>();
          m.put("v", "1");
          m.put("tid", tid);
          m.put("cid", cid);
          m.put("t", "pageview");
          m.put("dt", title);
          m.put("dp", path);
          m.put("cn", campaign);
          m.put("qt", Long.toString(qt));
          return m;
        });
  }

  @Property(tries = 200, edgeCases = EdgeCasesMode.NONE)
  void universalValidHitsRoundTrip(@ForAll("uaValid") Map<String, String> p) {
    ParseResult r = UniversalParser.parseSingle(form(p), NOW, MAX_AGE);
    assertThat(r.problems).isEmpty();
    HitDraft d = r.hits.get(0);
    assertThat(List.of(d.propertyId, d.clientId, d.pageTitle, d.pagePath, d.campaign, d.eventName))
        .containsExactly(p.get("tid"), p.get("cid"), p.get("dt"), p.get("dp"), FieldLimits.truncate(p.get("cn"), 100),
            "page_view");
    // qt dates the hit relative to its receipt (the enricher subtracts it from the receive time).
    assertThat(d.ts).isNull();
    assertThat(d.ageMs).isEqualTo(Long.parseLong(p.get("qt")));
  }

  // ------------------------------------------------------------------------------------------- helpers

  /** A problem names its code and says something a person can read, never an exception. */
  /** GA4 lets the page parameters be longer than other parameter values; one character more is refused. */
  @Example
  void pageParametersHaveGaLongerLimits() throws Exception {
    Map<String, Integer> limits = Map.of("page_location", 1000, "page_referrer", 420, "page_title", 300);
    for (Map.Entry<String, Integer> l : limits.entrySet()) {
      String value = "https://example.com/" + "a".repeat(l.getValue() - 20);
      for (int extra : new int[] {0, 1}) {
        Map<String, Object> event = Map.of("name", "page_view", "params", Map.of(l.getKey(), value + "b".repeat(extra)));
        byte[] body = JSON.writeValueAsBytes(Map.of("client_id", "c1", "events", List.of(event)));
        ParseResult r = MeasurementProtocolParser.parse("G-FUZZ", body, NOW, MAX_AGE, MAX_SKEW);
        if (extra == 0) {
          assertThat(r.problems).as(l.getKey()).isEmpty();
        } else {
          assertThat(r.problems).as(l.getKey()).singleElement()
              .satisfies(p -> assertThat(p.description()).contains("longer than " + l.getValue()));
        }
      }
    }
  }

  /** Found by the fuzzer: a stray character in the body is named by its code, never echoed raw. */
  @Example
  void malformedBodyNamesTheOffendingCharacterByCode() {
    for (String body : List.of("`", "{\"client_id\": `x`}", "{\"a\": tru`e}", "'")) {
      ParseResult r = MeasurementProtocolParser.parse("G-FUZZ", body.getBytes(StandardCharsets.UTF_8), NOW, MAX_AGE,
          MAX_SKEW);
      assertThat(r.problems).singleElement().satisfies(p -> {
        problemIsClear(p);
        assertThat(p.description()).startsWith("body is not valid JSON");
      });
    }
  }

  /** Every field of the table within its limit. */
  static void withinFieldLimits(HitDraft d) {
    for (FieldLimits.Field f : FieldLimits.FIELDS) {
      String v = f.get().apply(d);
      assertThat(v == null ? "" : v).as(f.name()).hasSizeLessThanOrEqualTo(f.name().equals("client_id")
          ? f.max() + 4 : f.max()); // UA's "uid:" + user id when it sends no cid
    }
  }

  static void problemIsClear(Problem p) {
    assertThat(p.validationCode()).isNotNull();
    assertThat(p.reason()).isNotNull();
    assertThat(p.description()).isNotBlank().doesNotContain("Exception").doesNotContain("`").doesNotContain("jackson")
        .doesNotContain("java.");
    assertThat(p.fieldPath()).isNotNull();
  }

  static String form(Map<String, String> p) {
    StringBuilder sb = new StringBuilder();
    p.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : "&").append(enc(k)).append('=').append(enc(v)));
    return sb.toString();
  }
}
