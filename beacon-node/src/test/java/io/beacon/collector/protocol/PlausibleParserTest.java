package io.beacon.collector.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.beacon.collector.PropertyInfo;
import io.beacon.collector.enrich.Enricher;
import io.beacon.collector.enrich.GeoLookup;
import io.beacon.collector.enrich.UserAgents;
import io.beacon.model.Hit;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Plausible's Events API as the parser reads it: the fields under their short and long names, props and revenue as
 * an object or a JSON string, Plausible's validation errors word for word, and the canonical hit an event becomes.
 */
class PlausibleParserTest {
  static final long NOW = 1_750_000_000_000L;
  static final String CHROME_WIN = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
      + "Chrome/131.0.0.0 Safari/537.36";
  static final String SAFARI_IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
      + "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
  static final PropertyInfo PROPERTY = new PropertyInfo("B-PL", null, Set.of(), Set.of(), false, false,
      Set.of("shop.example"));

  static GeoLookup noGeo;
  static Enricher enricher;

  @BeforeAll
  static void open() throws Exception {
    noGeo = GeoLookup.open("");
    enricher = new Enricher(new UserAgents(), noGeo);
  }

  @AfterAll
  static void close() throws Exception {
    noGeo.close();
  }

  static PlausibleParser.Result parse(String json) {
    return PlausibleParser.parse(json.getBytes(StandardCharsets.UTF_8));
  }

  static PlausibleParser.Event event(String json) {
    PlausibleParser.Result r = parse(json);
    assertThat(r.errors()).as(json).isEmpty();
    return r.event();
  }

  /** The errors as Plausible's answer groups them: field to messages. */
  static Map<String, List<String>> errors(String json) {
    PlausibleParser.Result r = parse(json);
    assertThat(r.ok()).as(json).isFalse();
    assertThat(r.event()).isNull();
    return r.errors().stream().collect(Collectors.groupingBy(PlausibleParser.Error::field, java.util.LinkedHashMap::new,
        Collectors.mapping(PlausibleParser.Error::message, Collectors.toList())));
  }

  static Hit hit(PlausibleParser.Event e, String userAgent) {
    HitDraft d = e.draft(PROPERTY.id(), 0, "nonce");
    d.clientId = "cookieless:test"; // the collector's, given by Ingest
    return enricher.enrich(d, new Enricher.RequestInfo("81.2.69.142", userAgent, null, null, NOW), PROPERTY);
  }

  @Test
  void aTrackersPageviewWithItsShortNames() {
    PlausibleParser.Event e = event("{\"n\":\"pageview\",\"u\":\"https://www.shop.example/pricing?plan=pro\","
        + "\"d\":\"shop.example\",\"r\":\"https://news.ycombinator.com/item?id=1\",\"w\":1280,\"h\":0}");
    assertThat(e.domains()).containsExactly("shop.example");
    assertThat(e.name()).isEqualTo("page_view");
    Hit h = hit(e, CHROME_WIN);
    assertThat(h.eventName()).isEqualTo("page_view");
    assertThat(h.protocol()).isEqualTo("plausible");
    // plan=pro is on no allow-list: the default query-parameter policy strips it (as Plausible keeps only the path).
    assertThat(h.pageLocation()).isEqualTo("https://www.shop.example/pricing");
    assertThat(h.hostname()).isEqualTo("www.shop.example");
    assertThat(h.pagePath()).isEqualTo("/pricing");
    assertThat(h.pageReferrer()).isEqualTo("https://news.ycombinator.com/item?id=1");
    assertThat(h.source()).isEqualTo("news.ycombinator.com");
    assertThat(h.medium()).isEqualTo("referral");
    assertThat(h.deviceCategory()).isEqualTo("desktop");
    assertThat(h.browser()).isEqualTo("Chrome");
    assertThat(h.params()).isNull();
    assertThat(h.isBot()).isFalse();
    assertThat(h.nonInteraction()).isNull();
  }

  @Test
  void theLongNamesWorkToo() {
    PlausibleParser.Event e = event("{\"name\":\"Signup\",\"url\":\"https://shop.example/#/join\",\"domain\":\"shop.example\","
        + "\"referrer\":\"https://www.google.com/\",\"hashMode\":1,\"props\":{\"tier\":\"pro\"},\"interactive\":false}");
    Hit h = hit(e, CHROME_WIN);
    assertThat(h.eventName()).isEqualTo("Signup");
    assertThat(h.pagePath()).isEqualTo("/#/join");
    assertThat(h.source()).isEqualTo("google");
    assertThat(h.medium()).isEqualTo("organic");
    assertThat(h.params()).containsExactly(entry("tier", "pro"));
    assertThat(h.nonInteraction()).isTrue();
  }

  @Test
  void hashModeKeepsTheFragmentInThePathAndOnlyThen() {
    assertThat(hit(event("{\"n\":\"pageview\",\"u\":\"https://shop.example/app#/settings/profile\",\"h\":1}"), CHROME_WIN)
        .pagePath()).isEqualTo("/app#/settings/profile");
    assertThat(hit(event("{\"n\":\"pageview\",\"u\":\"https://shop.example#/a\",\"h\":\"1\"}"), CHROME_WIN).pagePath())
        .isEqualTo("/#/a");
    Hit plain = hit(event("{\"n\":\"pageview\",\"u\":\"https://shop.example/app#/settings\",\"h\":0}"), CHROME_WIN);
    assertThat(plain.pagePath()).isEqualTo("/app");
    assertThat(plain.pageLocation()).as("the URL is kept without its fragment").isEqualTo("https://shop.example/app");
    assertThat(hit(event("{\"n\":\"pageview\",\"u\":\"https://shop.example/app\",\"h\":1}"), CHROME_WIN).pagePath())
        .isEqualTo("/app");
  }

  @Test
  void domainsAreAListNormalizedAsStoredElseTheUrlsHost() {
    assertThat(event("{\"n\":\"pageview\",\"u\":\"https://a.example/\",\"d\":\" WWW.Shop.Example , rollup.example,shop.example\"}")
        .domains()).containsExactly("shop.example", "rollup.example");
    assertThat(event("{\"n\":\"pageview\",\"u\":\"https://www.a.example:8443/x\"}").domains()).containsExactly("a.example");
    assertThat(event("{\"n\":\"pageview\",\"u\":\"https://a.example/\",\"d\":\"a.example,\"}").domains())
        .as("an empty entry is kept: no property has it, so it is dropped like an unknown site").containsExactly("a.example", "");
  }

  @Test
  void propsAsAnObjectOrAJsonStringBecomeEventParameters() {
    String object = "{\"n\":\"Signup\",\"u\":\"https://shop.example/\",\"p\":{\"tier\":\"pro\",\"seats\":3,\"trial\":true,\"ratio\":0.5}}";
    String string = "{\"n\":\"Signup\",\"u\":\"https://shop.example/\",\"p\":\"{\\\"tier\\\":\\\"pro\\\",\\\"seats\\\":3,"
        + "\\\"trial\\\":true,\\\"ratio\\\":0.5}\"}";
    for (String json : List.of(object, string)) {
      assertThat(event(json).params()).as(json).containsExactly(entry("tier", "pro"), entry("seats", "3"),
          entry("trial", "true"), entry("ratio", "0.5"));
    }
    assertThat(event("{\"n\":\"Signup\",\"u\":\"https://shop.example/\",\"meta\":{\"a\":\"1\"}}").params())
        .containsExactly(entry("a", "1"));
  }

  @Test
  void propsPlausibleWouldNotKeepAreDropped() {
    assertThat(event("{\"n\":\"Signup\",\"u\":\"https://shop.example/\",\"p\":{\"list\":[\"a\"],\"map\":{\"b\":1},"
        + "\"nil\":null,\"empty\":\"\",\"blank\":\"   \",\"  \":\"key blank\",\"u:plan\":\"a user property's key\",\"ok\":\"yes\"}}")
        .params()).containsExactly(entry("ok", "yes"));
    assertThat(event("{\"n\":\"Signup\",\"u\":\"https://shop.example/\",\"p\":\"\\\"show-more:button\\\"\"}").params())
        .as("a string that is not an object: no props").isEmpty();
    assertThat(event("{\"n\":\"Signup\",\"u\":\"https://shop.example/\",\"p\":[1,2]}").params()).isEmpty();
    StringBuilder many = new StringBuilder("{\"n\":\"Signup\",\"u\":\"https://shop.example/\",\"p\":{");
    for (int i = 0; i < 40; i++) {
      many.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"v").append(i).append('"');
    }
    PlausibleParser.Event e = event(many.append("}}").toString());
    assertThat(e.params()).hasSize(30).containsKeys("k0", "k29").doesNotContainKey("k30");
  }

  @Test
  void revenueAsAnObjectOrAJsonStringIsTheValueAndCurrencyParameters() {
    assertThat(event("{\"n\":\"Purchase\",\"u\":\"https://shop.example/\",\"revenue\":{\"amount\":15.99,\"currency\":\"EUR\"}}")
        .params()).containsExactly(entry("value", "15.99"), entry("currency", "EUR"));
    assertThat(event("{\"n\":\"Purchase\",\"u\":\"https://shop.example/\",\"$\":\"{\\\"amount\\\":\\\"10\\\",\\\"currency\\\":\\\"USD\\\"}\"}")
        .params()).containsExactly(entry("value", "10"), entry("currency", "USD"));
    assertThat(event("{\"n\":\"Purchase\",\"u\":\"https://shop.example/\",\"p\":{\"value\":\"from props\"},"
        + "\"revenue\":{\"amount\":\"2.5\",\"currency\":\"JPY\"}}").params())
        .as("revenue wins over a prop of its name").containsExactly(entry("value", "2.5"), entry("currency", "JPY"));
    for (String bad : List.of("{\"amount\":\"1831d\",\"currency\":\"USD\"}", "{\"amount\":10,\"currency\":\"ADSIE\"}",
        "{\"amount\":10,\"currency\":\"usd\"}", "{\"amount\":10,\"currency\":\"XYZ\"}", "{\"amount\":10}",
        "{\"amount\":[1],\"currency\":\"USD\"}", "\"not an object\"", "12")) {
      assertThat(event("{\"n\":\"Purchase\",\"u\":\"https://shop.example/\",\"revenue\":" + bad + "}").params())
          .as("ignored, as Plausible ignores it: %s", bad).isEmpty();
    }
  }

  @Test
  void theWindowWidthIsTheDeviceCategoryByPlausiblesBuckets() {
    Map<Integer, String> buckets = Map.of(0, "mobile", 390, "mobile", 575, "mobile", 576, "tablet", 800, "tablet",
        991, "tablet", 992, "desktop", 1440, "desktop", 2560, "desktop");
    buckets.forEach((w, category) -> {
      Hit h = hit(event("{\"n\":\"pageview\",\"u\":\"https://shop.example/\",\"w\":" + w + "}"), CHROME_WIN);
      assertThat(h.deviceCategory()).as("w=%d", w).isEqualTo(category);
      assertThat(h.browser()).as("the rest is the User-Agent's").isEqualTo("Chrome");
    });
    assertThat(hit(event("{\"n\":\"pageview\",\"u\":\"https://shop.example/\"}"), SAFARI_IPHONE).deviceCategory())
        .as("no width: the User-Agent's, as today's Plausible").isEqualTo("mobile");
    for (String junk : List.of("\"wide\"", "-1", "null", "{}")) {
      assertThat(hit(event("{\"n\":\"pageview\",\"u\":\"https://shop.example/\",\"w\":" + junk + "}"), CHROME_WIN)
          .deviceCategory()).as("w=%s is ignored", junk).isEqualTo("desktop");
    }
    assertThat(hit(event("{\"n\":\"pageview\",\"u\":\"https://shop.example/\",\"screen_width\":480}"), CHROME_WIN)
        .deviceCategory()).isEqualTo("mobile");
  }

  @Test
  void engagementEventsCarryTheirTimeAndScrollDepth() {
    Hit h = hit(event("{\"n\":\"engagement\",\"u\":\"https://shop.example/\",\"d\":\"shop.example\",\"sd\":130,\"e\":4200,\"v\":36}"),
        CHROME_WIN);
    assertThat(h.eventName()).isEqualTo("user_engagement");
    assertThat(h.engagementMs()).isEqualTo(4200L);
    assertThat(h.params()).containsExactly(entry("percent_scrolled", "100"));
    assertThat(hit(event("{\"n\":\"engagement\",\"u\":\"https://shop.example/\",\"e\":\"900\"}"), CHROME_WIN)
        .engagementMs()).isEqualTo(900L);
    assertThat(event("{\"n\":\"pageview\",\"u\":\"https://shop.example/\",\"e\":900,\"sd\":10}").params())
        .as("only an engagement's").isEmpty();
    assertThat(errors("{\"n\":\"engagement\",\"u\":\"https://shop.example/\",\"e\":0,\"sd\":-1}"))
        .containsExactly(entry("event_name", List.of(PlausibleParser.ENGAGEMENT_ERROR)));
  }

  @Test
  void aNumericNameIsText() {
    assertThat(event("{\"n\":404,\"u\":\"https://shop.example/missing\",\"p\":{\"path\":\"/missing\"}}").name())
        .isEqualTo("404");
  }

  @Test
  void beaconsLimitsHoldTheHit() {
    String name = "n".repeat(120);
    Hit h = hit(event("{\"n\":\"" + name + "\",\"u\":\"https://shop.example/\",\"r\":\"https://ref.example/" + "r".repeat(1500)
        + "\",\"p\":{\"long\":\"" + "v".repeat(2000) + "\"}}"), CHROME_WIN);
    assertThat(h.eventName()).as("Plausible takes 120 characters, GA4 and Beacon 40").isEqualTo("n".repeat(MeasurementProtocolParser.MAX_EVENT_NAME));
    assertThat(h.pageReferrer()).hasSize(FieldLimits.MAX_PAGE_REFERRER);
    assertThat(h.params().get("long")).hasSize(FieldLimits.MAX_TEXT);
  }

  @Test
  void eachRequestIsItsOwnEventSoIdenticalEventsAreNotCollapsed() {
    PlausibleParser.Event e = event("{\"n\":\"pageview\",\"u\":\"https://shop.example/\"}");
    HitDraft a = e.draft("B-PL", 0, "first request");
    HitDraft b = e.draft("B-PL", 0, "second request");
    a.clientId = b.clientId = "cookieless:x";
    assertThat(Enricher.requestId(a).value()).isNotEqualTo(Enricher.requestId(b).value());
    assertThat(Enricher.requestId(a).origin()).as("the short de-dup window of derived ids")
        .isEqualTo(io.beacon.collector.enrich.RequestId.Origin.DERIVED);
    assertThat(e.draft("B-PL", 0, "n").clientId).as("no client id: the collector derives one").isNull();
    assertThat(e.draft("B-PL", 0, "n").protocol.cookieless()).isTrue();
  }

  @Test
  void badInputIsAnsweredWithPlausiblesErrors() {
    Map<String, Map<String, List<String>>> cases = new java.util.LinkedHashMap<>();
    String request = "Unable to parse request body as json";
    cases.put("", Map.of("request", List.of(request)));
    cases.put("not json", Map.of("request", List.of(request)));
    cases.put("[{\"n\":\"pageview\"}]", Map.of("request", List.of(request)));
    cases.put("{\"n\":\"pageview\",\"u\":\"https://a.example/\"} trailing", Map.of("request", List.of(request)));
    cases.put("{\"n\":\"pageview\",\"d\":\"a.example\"}", Map.of("url", List.of("is required")));
    cases.put("{\"n\":\"pageview\",\"u\":42,\"d\":\"a.example\"}", Map.of("url", List.of("must be a valid url")));
    cases.put("{\"n\":\"pageview\",\"u\":\"https://a.example/" + "x".repeat(2000) + "\",\"d\":\"a.example\"}",
        Map.of("url", List.of("must be a valid url")));
    cases.put("{\"n\":\"pageview\",\"u\":\"data:text/html,hi\",\"d\":\"a.example\"}",
        Map.of("url", List.of("scheme is not allowed")));
    cases.put("{\"u\":\"https://a.example/\"}", Map.of("event_name", List.of("can't be blank")));
    cases.put("{\"n\":\"  \",\"u\":\"https://a.example/\"}", Map.of("event_name", List.of("can't be blank")));
    cases.put("{\"n\":{\"x\":1},\"u\":\"https://a.example/\"}", Map.of("event_name", List.of("is invalid")));
    cases.put("{\"n\":1.5,\"u\":\"https://a.example/\"}", Map.of("event_name", List.of("is invalid")));
    cases.put("{\"n\":\"" + "x".repeat(121) + "\",\"u\":\"https://a.example/\"}",
        Map.of("event_name", List.of("should be at most 120 character(s)")));
    cases.put("{\"n\":\"pageview\",\"u\":\"https://a.example/\",\"h\":\"yes\"}", Map.of("hash_mode", List.of("is invalid")));
    cases.put("{\"n\":\"pageview\",\"u\":\"https://a.example/\",\"d\":\"  \"}", Map.of("domain", List.of("can't be blank")));
    cases.put("{\"n\":\"pageview\",\"u\":\"about:blank\"}", Map.of("domain", List.of("can't be blank")));
    cases.put("{\"n\":\"pageview\",\"u\":\"https://a.example/\",\"p\":{\"" + "k".repeat(301) + "\":\"v\"}}",
        Map.of("props", List.of(PlausibleParser.PROPS_ERROR)));
    cases.put("{\"n\":\"pageview\",\"u\":\"https://a.example/\",\"p\":{\"k\":\"" + "é".repeat(1001) + "\"}}",
        Map.of("props", List.of("keys should have at most 300 bytes and values 2000 bytes")));
    cases.put("{\"d\":\"a.example\"}", Map.of("url", List.of("is required"), "event_name", List.of("can't be blank")));
    cases.put("{}", Map.of("url", List.of("is required"), "event_name", List.of("can't be blank"),
        "domain", List.of("can't be blank")));
    cases.forEach((json, expected) -> assertThat(errors(json)).as(json).isEqualTo(expected));
    // Each names its reason for the rejected-hits metric.
    assertThat(parse("nope").errors().get(0).reason()).isEqualTo(DropReason.MALFORMED_BODY);
    assertThat(parse("{\"n\":\"pageview\",\"d\":\"a.example\"}").errors().get(0).reason()).isEqualTo(DropReason.MISSING_FIELD);
  }

  @Test
  void falseAndNullFallBackToTheLongNameAsPlausibleReadsThem() {
    assertThat(event("{\"n\":null,\"name\":\"pageview\",\"u\":false,\"url\":\"https://a.example/\"}").name())
        .isEqualTo("page_view");
    assertThat(event("{\"n\":\"pageview\",\"u\":\"https://a.example/\",\"i\":true}").nonInteraction()).isNull();
  }
}
