package io.beacon.collector;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.collector.enrich.DeviceInfo;
import io.beacon.collector.enrich.Enricher;
import io.beacon.collector.enrich.GeoLookup;
import io.beacon.collector.enrich.IpAddresses;
import io.beacon.collector.enrich.RequestId;
import io.beacon.collector.enrich.UserAgents;
import io.beacon.collector.protocol.MeasurementProtocolParser;
import io.beacon.collector.protocol.Protocol;
import io.beacon.collector.protocol.QueryStrings;
import io.beacon.collector.protocol.UniversalParser;
import io.beacon.infra.net.TrustedProxies;
import io.beacon.model.Hit;
import io.beacon.model.attribution.Attribution;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Enrichment alone: User-Agent and bots, acquisition, IP handling, geo from a real .mmdb, request ids. */
class CollectorEnrichmentTest {
  static final String CHROME_WIN = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
  static final String SAFARI_IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
  static final String SAFARI_IPAD = "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1";
  static final String GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

  private final UserAgents uas = new UserAgents();

  @Test
  void userAgentsGiveDeviceBrowserOsAndBots() {
    DeviceInfo chrome = uas.parse(CHROME_WIN, null, null);
    assertThat(chrome).isEqualTo(new DeviceInfo("desktop", "Chrome", "131.0", "Windows", "10", false));
    DeviceInfo iphone = uas.parse(SAFARI_IPHONE, null, null);
    assertThat(iphone.category()).isEqualTo("mobile");
    assertThat(iphone.browser()).isEqualTo("Mobile Safari");
    assertThat(iphone.os()).isEqualTo("iOS");
    assertThat(iphone.osVersion()).isEqualTo("17.5");
    assertThat(uas.parse(SAFARI_IPAD, null, null).category()).isEqualTo("tablet");
    DeviceInfo bot = uas.parse(GOOGLEBOT, null, null);
    assertThat(bot.bot()).isTrue();
    assertThat(bot.category()).isEqualTo("bot");
    assertThat(uas.parse("curl/8.5.0", null, null).bot()).as("a script behind a browser protocol").isTrue();
    // Behind a server-side protocol a library is the relay's, and no User-Agent is no bot (docs: "Bots").
    assertThat(uas.parse(Protocol.GA4_MP, "curl/8.5.0", null, null)).isEqualTo(DeviceInfo.NOT_SET);
    assertThat(uas.parse(Protocol.UA, null, null, null)).isEqualTo(DeviceInfo.NOT_SET);
    assertThat(uas.parse(Protocol.GA4_MP, GOOGLEBOT, null, null).bot()).isTrue();
    // Client hints win over Chromium's frozen UA string.
    assertThat(uas.parse(CHROME_WIN, "?1", "\"Android\"")).extracting(DeviceInfo::category, DeviceInfo::os)
        .containsExactly("mobile", "Android");
  }

  @Test
  void measurementProtocolPlaceComesFromUserLocationElseTheOverriddenIpAnonymised() throws Exception {
    Path db = Path.of("target", "test-geo", "mp-city.mmdb");
    new TestMmdb()
        .city("81.2.69.0/24", "GB", "England", "London")
        .city("2.125.160.0/24", "FR", "Ile-de-France", "Paris")
        .city("2.125.160.216/32", "XX", "Nowhere", "Unanonymised") // only matches if the override were not anonymised
        .write(db);
    try (GeoLookup geo = GeoLookup.open(db.toString())) {
      Enricher enricher = new Enricher(uas, geo);
      PropertyInfo property = new PropertyInfo("G-1", "s", Set.of(), Set.of(), false, false);
      // The connection is London's; ip_override says Paris: the override is looked up, anonymised.
      Enricher.RequestInfo fromLondon = new Enricher.RequestInfo("81.2.69.142", null, null, null, CollectorProtocolTest.NOW);
      Hit overridden = enricher.enrich(mp("{\"client_id\":\"c\",\"ip_override\":\"2.125.160.216\",\"events\":[{\"name\":\"e\"}]}"),
          fromLondon, property);
      assertThat(List.of(overridden.country(), overridden.region(), overridden.city())).containsExactly("FR", "Ile-de-France", "Paris");
      Hit connection = enricher.enrich(mp("{\"client_id\":\"c\",\"events\":[{\"name\":\"e\"}]}"), fromLondon, property);
      assertThat(connection.city()).isEqualTo("London");
      // user_location wins over both: the IP is not looked up, so nothing of London or Paris is mixed in.
      Hit located = enricher.enrich(mp("{\"client_id\":\"c\",\"ip_override\":\"2.125.160.216\","
          + "\"user_location\":{\"country_id\":\"DE\",\"city\":\"Berlin\"},\"events\":[{\"name\":\"e\"}]}"),
          fromLondon, property);
      assertThat(Arrays.asList(located.country(), located.region(), located.city())).containsExactly("DE", null, "Berlin");
      // No User-Agent at all (a server-side sender): not a bot, device fields not set.
      assertThat(located.isBot()).isFalse();
      assertThat(located.deviceCategory()).isNull();
    }
  }

  private static io.beacon.collector.protocol.HitDraft mp(String json) {
    var r = MeasurementProtocolParser.parse("G-1", json.getBytes(java.nio.charset.StandardCharsets.UTF_8),
        CollectorProtocolTest.NOW, CollectorProtocolTest.H72, 600_000);
    assertThat(r.problems).isEmpty();
    return r.hits.get(0);
  }

  @Test
  void acquisitionFromUtmGclidOrReferrer() {
    // The rules themselves are beacon-model's (AttributionTest); this is the collector's use of them.
    Set<String> none = Set.of();
    assertThat(Attribution.of(Attribution.NONE, null, "https://a.com/?utm_source=news&utm_medium=email&utm_campaign=spring&utm_term=t&utm_content=c",
        "https://www.google.com/", "a.com", none)).isEqualTo(new Attribution("news", "email", "spring", "t", "c"));
    assertThat(Attribution.of(Attribution.NONE, null, "https://a.com/?gclid=abc", null, "a.com", none))
        .extracting(Attribution::source, Attribution::medium).containsExactly("google", "cpc");
    assertThat(Attribution.fromReferrer("https://www.google.co.uk/search?q=x", "a.com", none))
        .extracting(Attribution::source, Attribution::medium).containsExactly("google", "organic");
    assertThat(Attribution.fromReferrer("https://duckduckgo.com/", "a.com", none).medium()).isEqualTo("organic");
    assertThat(Attribution.fromReferrer("https://search.yahoo.com/search?p=x", "a.com", none).source()).isEqualTo("yahoo");
    assertThat(Attribution.fromReferrer("https://t.co/abc", "a.com", none))
        .extracting(Attribution::source, Attribution::medium).containsExactly("t.co", "referral");
    assertThat(Attribution.fromReferrer("https://www.reddit.com/r/x", "a.com", none))
        .extracting(Attribution::source, Attribution::medium).containsExactly("www.reddit.com", "referral");
    assertThat(Attribution.fromReferrer("https://blog.example.org/post", "a.com", none))
        .extracting(Attribution::source, Attribution::medium).containsExactly("blog.example.org", "referral");
    assertThat(Attribution.fromReferrer(null, "a.com", none)).isEqualTo(Attribution.DIRECT);
    assertThat(Attribution.fromReferrer("https://a.com/other", "a.com", none)).isEqualTo(Attribution.DIRECT);
    assertThat(Attribution.fromReferrer("https://b.com/other", "a.com", Set.of("b.com"))).isEqualTo(Attribution.DIRECT);
  }

  @Test
  void clientIpTrustsForwardedForOnlyFromTrustedProxies() {
    TrustedProxies proxies = TrustedProxies.parse(List.of("10.0.0.5"));
    assertThat(proxies.clientIp("203.0.113.9", "1.2.3.4")).isEqualTo("203.0.113.9");
    assertThat(proxies.clientIp("10.0.0.5", "6.6.6.6, 81.2.69.142")).isEqualTo("81.2.69.142");
    assertThat(proxies.clientIp("10.0.0.5", "81.2.69.142, 10.0.0.5")).isEqualTo("81.2.69.142");
    assertThat(IpAddresses.anonymise(IpAddresses.parse("81.2.69.142")).getHostAddress()).isEqualTo("81.2.69.0");
    assertThat(IpAddresses.anonymise(IpAddresses.parse("2001:db8:85a3:8d3:1319:8a2e:370:7348")).getHostAddress())
        .isEqualTo("2001:db8:85a3:0:0:0:0:0");
  }

  @Test
  void enricherBuildsTheCanonicalHitWithGeoFromTheAnonymisedIp() throws Exception {
    Path db = Path.of("target", "test-geo", "enrich-city.mmdb");
    new TestMmdb()
        .city("81.2.69.0/24", "GB", "England", "London")
        .city("81.2.69.142/32", "XX", "Nowhere", "Unanonymised") // only matches if the IP were not anonymised
        .write(db);
    try (GeoLookup geo = GeoLookup.open(db.toString())) {
      Enricher enricher = new Enricher(uas, geo);
      var parsed = UniversalParser.parseSingle("v=1&tid=UA-1&cid=555&t=pageview&dl=https%3A%2F%2Fshop.example.com%2Fa%2Fb%3Futm_source%3Dnl%23frag"
          + "&dt=Shoes&dr=https%3A%2F%2Ft.co%2Fx&uip=81.2.69.142&ul=de-de&z=1", CollectorProtocolTest.NOW, CollectorProtocolTest.H72);
      PropertyInfo property = new PropertyInfo("UA-1", null, Set.of(), Set.of("page_view"), false, false);
      Hit hit = enricher.enrich(parsed.hits.get(0),
          new Enricher.RequestInfo("127.0.0.1", CHROME_WIN, null, null, CollectorProtocolTest.NOW), property);
      assertThat(hit.pageLocation()).isEqualTo("https://shop.example.com/a/b?utm_source=nl");
      assertThat(hit.hostname()).isEqualTo("shop.example.com");
      assertThat(hit.pagePath()).isEqualTo("/a/b");
      assertThat(hit.source()).isEqualTo("nl");
      assertThat(hit.country()).isEqualTo("GB");
      assertThat(hit.region()).isEqualTo("England");
      assertThat(hit.city()).isEqualTo("London");
      assertThat(hit.browser()).isEqualTo("Chrome");
      assertThat(hit.keyEvent()).isTrue();
      // UA sends no session id: the hit keeps none (the model sessions it by event time).
      assertThat(hit.sessionId()).isNull();
      assertThat(Arrays.asList(hit.sessionStart(), hit.firstVisit(), hit.sessionNumber())).containsOnlyNulls();
      assertThat(hit.ts()).isEqualTo(CollectorProtocolTest.NOW);
      // UA's cache buster is the sender's request id.
      assertThat(hit.requestId()).isEqualTo("1");
      assertThat(Enricher.requestId(parsed.hits.get(0))).isEqualTo(new RequestId("1", RequestId.Origin.SENDER));
      // Without one: the same payload again (a retry) derives the same request id; another payload a different one.
      String noId = "v=1&tid=UA-1&cid=555&t=pageview&dl=https%3A%2F%2Fshop.example.com%2Fa%2Fb&dt=Shoes";
      RequestId derived = Enricher.requestId(UniversalParser.parseSingle(noId, CollectorProtocolTest.NOW,
          CollectorProtocolTest.H72).hits.get(0));
      assertThat(derived.origin()).isEqualTo(RequestId.Origin.DERIVED);
      assertThat(Enricher.requestId(UniversalParser.parseSingle(noId, CollectorProtocolTest.NOW, CollectorProtocolTest.H72)
          .hits.get(0))).isEqualTo(derived);
      var other = UniversalParser.parseSingle(noId + "&dp=%2Fc", CollectorProtocolTest.NOW, CollectorProtocolTest.H72);
      assertThat(Enricher.requestId(other.hits.get(0)).value()).isNotEqualTo(derived.value());
      assertThat(QueryStrings.parse("a=1&b=%ZZ")).containsEntry("b", "%ZZ");
    }
  }
}
