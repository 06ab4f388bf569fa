package io.beacon.collector;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.collector.protocol.DropReason;
import io.beacon.collector.protocol.Ga4WebParser;
import io.beacon.collector.protocol.HitDraft;
import io.beacon.collector.protocol.MeasurementProtocolParser;
import io.beacon.collector.protocol.ParseResult;
import io.beacon.collector.protocol.Problem;
import io.beacon.collector.protocol.QueryStrings;
import io.beacon.collector.protocol.UniversalParser;
import io.beacon.collector.protocol.ValidationCode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The protocol parsers alone: each wire format to drafts, and GA's limits to named problems. */
class CollectorProtocolTest {
  static final long NOW = 1_764_000_000_000L;
  static final long H72 = 72 * 3_600_000L;

  /** A gtag.js-style request: shared parameters in the query, two events in the body. */
  static final String GTAG_QUERY = "v=2&tid=B-TEST&gtm=45je4&_p=1700000000000&cid=1234567890.1700000000"
      + "&ul=en-us&sr=1920x1080&_s=1&sid=1700000100&sct=3&seg=1&dl=https%3A%2F%2Fshop.example.com%2Fcart%3Fx%3D1%23top"
      + "&dr=https%3A%2F%2Fwww.google.com%2F&dt=Cart";
  static final String GTAG_BODY = "en=page_view&_et=120&_rid=r-1\nen=add_to_cart&ep.currency=EUR&epn.value=42.5&_et=3000";

  @Test
  void ga4WebMultiEventBodySharesQueryParameters() {
    ParseResult r = Ga4WebParser.parse(QueryStrings.parse(GTAG_QUERY), GTAG_QUERY, GTAG_BODY);
    assertThat(r.problems).isEmpty();
    assertThat(r.hits).hasSize(2);
    HitDraft pv = r.hits.get(0);
    assertThat(pv.propertyId).isEqualTo("B-TEST");
    assertThat(pv.clientId).isEqualTo("1234567890.1700000000");
    assertThat(pv.eventName).isEqualTo("page_view");
    assertThat(pv.requestId).isEqualTo("r-1");
    assertThat(pv.sessionId).isEqualTo("1700000100");
    assertThat(pv.sessionNumber).isEqualTo(3);
    assertThat(pv.sessionEngaged).isTrue();
    assertThat(pv.engagementMs).isEqualTo(120L);
    assertThat(pv.pageLocation).isEqualTo("https://shop.example.com/cart?x=1#top");
    assertThat(pv.pageReferrer).isEqualTo("https://www.google.com/");
    assertThat(pv.language).isEqualTo("en-us");
    assertThat(pv.screenResolution).isEqualTo("1920x1080");
    HitDraft cart = r.hits.get(1);
    assertThat(cart.eventName).isEqualTo("add_to_cart");
    assertThat(cart.requestId).isNull();
    assertThat(cart.params).containsEntry("currency", "EUR").containsEntry("value", "42.5");
    assertThat(cart.engagementMs).isEqualTo(3000L);
  }

  @Test
  void ga4WebRejectsMissingFieldsByName() {
    assertThat(problem(Ga4WebParser.parse(QueryStrings.parse("v=2&cid=1&en=x"), "", null)).fieldPath()).isEqualTo("tid");
    assertThat(problem(Ga4WebParser.parse(QueryStrings.parse("v=2&tid=B&en=x"), "", null)).fieldPath()).isEqualTo("cid");
    assertThat(problem(Ga4WebParser.parse(QueryStrings.parse("v=1&tid=B&cid=1&en=x"), "", null)).fieldPath()).isEqualTo("v");
    assertThat(problem(Ga4WebParser.parse(QueryStrings.parse("v=2&tid=B&cid=1&en=x&epn.n=abc"), "", null)).fieldPath()).isEqualTo("epn.n");
    ParseResult partial = Ga4WebParser.parse(QueryStrings.parse("v=2&tid=B&cid=1"), "", "en=ok\n_et=5");
    assertThat(partial.hits).hasSize(1);
    assertThat(problem(partial).fieldPath()).isEqualTo("en");
  }

  /** GA's own Measurement Protocol example (campaign_details, from the MP documentation). */
  static final String MP_EXAMPLE = """
      {"client_id":"123456.7654321","user_id":"u-9","timestamp_micros":%d,
       "user_properties":{"customer_tier":{"value":"premium"}},
       "events":[{"name":"campaign_details","params":{"campaign_id":"google_1234","campaign":"Summer_fun",
         "source":"google","medium":"cpc","term":"summer+travel","content":"logolink",
         "session_id":"123","engagement_time_msec":"100"}},
         {"name":"purchase","params":{"currency":"USD","value":30.03,"items":[{"item_id":"SKU_1"}]}}]}""";

  @Test
  void measurementProtocolExampleMapsEveryField() {
    long ts = NOW - 60_000;
    ParseResult r = mp(String.format(MP_EXAMPLE, ts * 1000));
    assertThat(r.problems).isEmpty();
    assertThat(r.hits).hasSize(2);
    HitDraft c = r.hits.get(0);
    assertThat(c.propertyId).isEqualTo("G-MP");
    assertThat(c.clientId).isEqualTo("123456.7654321");
    assertThat(c.userId).isEqualTo("u-9");
    assertThat(c.ts).isEqualTo(ts);
    assertThat(c.eventName).isEqualTo("campaign_details");
    assertThat(c.campaign).isEqualTo("Summer_fun");
    assertThat(c.source).isEqualTo("google");
    assertThat(c.medium).isEqualTo("cpc");
    assertThat(c.sessionId).isEqualTo("123");
    assertThat(c.engagementMs).isEqualTo(100L);
    assertThat(c.params).containsEntry("campaign_id", "google_1234").doesNotContainKey("session_id");
    assertThat(r.hits.get(1).params).containsEntry("value", "30.03").containsKey("items");
  }

  @Test
  void measurementProtocolLimitsAreGasValidationCodes() {
    StringBuilder many = new StringBuilder("{\"client_id\":\"c\",\"events\":[");
    for (int i = 0; i < 26; i++) {
      many.append(i == 0 ? "" : ",").append("{\"name\":\"e").append(i).append("\"}");
    }
    assertThat(problem(mp(many + "]}")).validationCode()).isEqualTo(ValidationCode.EXCEEDED_MAX_ENTITIES);
    assertThat(problem(mp("{\"events\":[{\"name\":\"x\"}]}"))).extracting(Problem::fieldPath, Problem::validationCode)
        .containsExactly("client_id", ValidationCode.VALUE_REQUIRED);
    assertThat(problem(mp("{\"client_id\":\"c\",\"events\":[{\"name\":\"session_start\"}]}")))
        .extracting(Problem::fieldPath, Problem::validationCode).containsExactly("events", ValidationCode.NAME_RESERVED);
    assertThat(problem(mp("{\"client_id\":\"c\",\"events\":[{\"name\":\"9lives\"}]}")).validationCode()).isEqualTo(ValidationCode.NAME_INVALID);
    assertThat(problem(mp("{\"client_id\":\"c\",\"events\":[{\"name\":\"e\",\"params\":{\"google_x\":1}}]}")))
        .extracting(Problem::fieldPath, Problem::validationCode).containsExactly("events", ValidationCode.NAME_RESERVED);
    assertThat(problem(mp("{\"client_id\":\"c\",\"events\":[{\"name\":\"e\",\"params\":{\"p\":\"" + "x".repeat(101) + "\"}}]}")))
        .extracting(Problem::fieldPath, Problem::validationCode).containsExactly("events", ValidationCode.VALUE_OUT_OF_BOUNDS);
    assertThat(problem(mp("{\"client_id\":\"c\",\"timestamp_micros\":" + (NOW - H72 - 1000) * 1000 + ",\"events\":[{\"name\":\"e\"}]}")))
        .extracting(Problem::fieldPath, Problem::validationCode).containsExactly("timestamp_micros", ValidationCode.VALUE_OUT_OF_BOUNDS);
    assertThat(problem(mp("{\"client_id\":\"c\",\"events\":[{\"name\":\"e\",\"params\":{\"p\":{\"a\":1}}}]}")).validationCode())
        .isEqualTo(ValidationCode.VALUE_INVALID);
    assertThat(problem(mp("{not json")).reason()).isEqualTo(DropReason.MALFORMED_BODY);
    ParseResult partial = mp("{\"client_id\":\"c\",\"events\":[{\"name\":\"good\"},{\"name\":\"first_visit\"}]}");
    assertThat(partial.hits).hasSize(1);
    assertThat(problem(partial)).extracting(Problem::fieldPath, Problem::description)
        .containsExactly("events", "Event at index: [1] has reserved name [first_visit].");
  }

  @Test
  void universalAnalyticsPageviewEventAndBatch() {
    ParseResult pv = UniversalParser.parseSingle("v=1&tid=UA-1&cid=555&t=pageview&dh=example.com&dp=%2Fhome&dt=Home"
        + "&uip=81.2.69.142&ua=Mozilla%2F5.0&cn=spring&cs=newsletter&cm=email&z=123", NOW, H72);
    assertThat(pv.problems).isEmpty();
    HitDraft h = pv.hits.get(0);
    assertThat(h.eventName).isEqualTo("page_view");
    assertThat(h.hostname).isEqualTo("example.com");
    assertThat(h.pagePath).isEqualTo("/home");
    assertThat(h.clientIp).isEqualTo("81.2.69.142");
    assertThat(h.userAgent).isEqualTo("Mozilla/5.0");
    assertThat(h.campaign).isEqualTo("spring");
    assertThat(h.source).isEqualTo("newsletter");
    assertThat(h.requestId).as("the cache buster is the sender's request id").isEqualTo("123");

    ParseResult batch = UniversalParser.parseBatch(
        "v=1&tid=UA-1&cid=1&t=event&ec=Video&ea=Play Clicked&el=intro&ev=3&ni=1\n"
            + "v=1&tid=UA-1&cid=1&t=event&ec=Video&ea=Pause&ev=-1\n"
            + "v=1&tid=UA-1&uid=u7&t=pageview&dp=%2Fx&qt=5000\n", NOW, H72);
    assertThat(batch.hits).hasSize(2);
    assertThat(batch.hits.get(0).eventName).isEqualTo("play_clicked");
    assertThat(batch.hits.get(0).nonInteraction).as("ni=1").isTrue();
    assertThat(batch.hits.get(1).nonInteraction).as("no ni: an interaction").isNull();
    assertThat(batch.hits.get(1).sessionId).as("UA sends no session id; the collector adds none").isNull();
    assertThat(batch.hits.get(0).params).containsEntry("event_category", "Video").containsEntry("value", "3");
    assertThat(batch.hits.get(1).clientId).isEqualTo("uid:u7");
    assertThat(batch.hits.get(1).ts).as("qt dates the hit from its receipt, not from the parse").isNull();
    assertThat(batch.hits.get(1).ageMs).isEqualTo(5000L);
    assertThat(batch.hits.get(1).requestId).as("no z: the collector derives one").isNull();
    assertThat(problem(batch).fieldPath()).isEqualTo("hits[1].ev");

    StringBuilder tooMany = new StringBuilder();
    for (int i = 0; i < 21; i++) {
      tooMany.append("v=1&tid=UA-1&cid=1&t=pageview\n");
    }
    ParseResult over = UniversalParser.parseBatch(tooMany.toString(), NOW, H72);
    assertThat(over.hits).hasSize(20);
    assertThat(problem(over).validationCode()).isEqualTo(ValidationCode.EXCEEDED_MAX_ENTITIES);
    assertThat(problem(UniversalParser.parseSingle("v=1&tid=UA-1&cid=1&t=nope", NOW, H72)).fieldPath()).isEqualTo("t");
    assertThat(problem(UniversalParser.parseSingle("v=1&tid=UA-1&cid=1&t=pageview&x=" + "a".repeat(9000), NOW, H72))
        .validationCode()).isEqualTo(ValidationCode.VALUE_OUT_OF_BOUNDS);
  }

  private static ParseResult mp(String json) {
    return MeasurementProtocolParser.parse("G-MP", json.getBytes(StandardCharsets.UTF_8), NOW, H72, 600_000);
  }

  private static Problem problem(ParseResult r) {
    assertThat(r.problems).hasSize(1);
    return r.problems.get(0);
  }
}
