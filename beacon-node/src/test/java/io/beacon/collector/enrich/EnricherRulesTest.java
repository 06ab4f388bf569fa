package io.beacon.collector.enrich;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.collector.PropertyInfo;
import io.beacon.collector.protocol.Ga4WebParser;
import io.beacon.collector.protocol.HitDraft;
import io.beacon.collector.protocol.MeasurementProtocolParser;
import io.beacon.collector.protocol.ParseResult;
import io.beacon.collector.protocol.Protocol;
import io.beacon.collector.protocol.QueryStrings;
import io.beacon.collector.protocol.UniversalParser;
import io.beacon.model.Hit;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The enricher's per-hit rules on real parses (no geo database: the lookup answers nothing): bots, device and place
 * precedence, language case, request id origins.
 */
class EnricherRulesTest {
  static final long NOW = 1_750_000_000_000L;
  static final long H72 = 72 * 3_600_000L;
  static final String CHROME_WIN = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
      + "Chrome/131.0.0.0 Safari/537.36";
  static final String GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
  static final String BINGBOT = "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)";
  static final String[] LIBRARIES = {"curl/8.5.0", "python-requests/2.31.0", "Go-http-client/1.1", "okhttp/4.12.0",
      "Java/17.0.9", "axios/1.6.8", "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
      "Apache-HttpClient/4.5.14 (Java/17.0.9)", "Wget/1.21.4", "Python-urllib/3.11", "Java-http-client/17.0.9",
      "GuzzleHttp/7", "python-httpx/0.27.0", "Python/3.12 aiohttp/3.9.5", "undici", "libwww-perl/6.72",
      "Faraday v2.9.0"};
  static final PropertyInfo PROPERTY = new PropertyInfo("P-1", "s", Set.of(), Set.of(), false, false);

  static GeoLookup noGeo;
  static Enricher enricher;
  final UserAgents uas = new UserAgents();

  @BeforeAll
  static void open() throws Exception {
    noGeo = GeoLookup.open("");
    enricher = new Enricher(new UserAgents(), noGeo);
  }

  @AfterAll
  static void close() throws Exception {
    noGeo.close();
  }

  static Enricher.RequestInfo request(String userAgent) {
    return new Enricher.RequestInfo("81.2.69.142", userAgent, null, null, NOW);
  }

  static HitDraft mp(String json) {
    ParseResult r = MeasurementProtocolParser.parse("P-1", json.getBytes(StandardCharsets.UTF_8), NOW, H72, 600_000);
    assertThat(r.problems).isEmpty();
    return r.hits.get(0);
  }

  static HitDraft ua(String line) {
    ParseResult r = UniversalParser.parseSingle(line, NOW, H72);
    assertThat(r.problems).isEmpty();
    return r.hits.get(0);
  }

  static HitDraft web(String query) {
    ParseResult r = Ga4WebParser.parse(QueryStrings.parse(query), query, "");
    assertThat(r.problems).isEmpty();
    return r.hits.get(0);
  }

  static Hit enrich(HitDraft d, String userAgent) {
    return enricher.enrich(d, request(userAgent), PROPERTY);
  }

  // ------------------------------------------------------------------------------- query-parameter policy

  /** Issue 19: "full URLs with every query parameter are stored". Only the property's allow-list stays. */
  @Test
  void fullUrlsWithEveryQueryParameterAreNoLongerStored() {
    String url = "https://shop.example/cart?token=s3cr3t&utm_source=news&email=a%40b.example&gclid=G1&UTM_Medium=mail"
        + "&fbclid=F1&session=9#top";
    HitDraft d = web("v=2&tid=P-1&cid=1.2&en=page_view&dl=" + java.net.URLEncoder.encode(url, StandardCharsets.UTF_8)
        + "&dr=" + java.net.URLEncoder.encode("https://shop.example/login?next=%2Fcart&token=s3cr3t&utm_id=7",
            StandardCharsets.UTF_8));
    Hit h = enricher.enrich(d, request(CHROME_WIN), PROPERTY);
    // Expected by hand from the default list (utm_*, the click ids), order and spelling as sent, fragment dropped.
    assertThat(h.pageLocation()).isEqualTo("https://shop.example/cart?utm_source=news&gclid=G1&UTM_Medium=mail&fbclid=F1");
    assertThat(h.pageReferrer()).as("the site's own previous page: the same policy").isEqualTo(
        "https://shop.example/login?utm_id=7");
    assertThat(h.pagePath()).isEqualTo("/cart");
    assertThat(h.source()).isEqualTo("news");

    PropertyInfo stripAll = new PropertyInfo("P-1", "s", Set.of(), Set.of(), false, false, null, null,
        new io.beacon.model.attribution.QueryParamPolicy(java.util.List.of()));
    Hit bare = enricher.enrich(d, request(CHROME_WIN), stripAll);
    assertThat(bare.pageLocation()).isEqualTo("https://shop.example/cart");
    assertThat(bare.source()).as("campaign fields are read before the URL is stripped").isEqualTo("news");

    Hit all = enricher.enrich(d, request(CHROME_WIN), new PropertyInfo("P-1", "s", Set.of(), Set.of(), false, false,
        null, null, io.beacon.model.attribution.QueryParamPolicy.KEEP_ALL));
    assertThat(all.pageLocation()).isEqualTo(url.substring(0, url.indexOf('#')));

    Hit external = enricher.enrich(web("v=2&tid=P-1&cid=1.2&en=page_view&dl=" + java.net.URLEncoder.encode(
        "https://shop.example/?q=x", StandardCharsets.UTF_8) + "&dr=" + java.net.URLEncoder.encode(
        "https://www.bing.com/search?q=shoes", StandardCharsets.UTF_8)), request(CHROME_WIN), stripAll);
    assertThat(external.pageLocation()).isEqualTo("https://shop.example/");
    assertThat(external.pageReferrer()).as("another site's URL: as sent").isEqualTo("https://www.bing.com/search?q=shoes");

    Hit uaPath = enricher.enrich(ua("v=1&tid=P-1&cid=1.2&t=pageview&dh=shop.example&dp=%2Fsearch%3Fq%3Dme%26utm_term%3Dx"),
        request(CHROME_WIN), PROPERTY);
    assertThat(uaPath.pagePath()).as("a sent page path too").isEqualTo("/search?utm_term=x");
  }

  // ------------------------------------------------------------------------------------------- bots

  @Test
  void aCrawlerIsABotWhateverTheProtocol() {
    for (Protocol p : Protocol.values()) {
      for (String crawler : new String[] {GOOGLEBOT, BINGBOT, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 "
          + "(KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36"}) {
        DeviceInfo d = uas.parse(p, crawler, null, null);
        assertThat(d.bot()).as("%s via %s", crawler, p).isTrue();
        assertThat(d.category()).isEqualTo("bot");
      }
    }
  }

  @Test
  void aMissingUserAgentIsNotABotForServerSideProtocolsAndSetsNoDeviceField() {
    for (Protocol p : new Protocol[] {Protocol.GA4_MP, Protocol.UA}) {
      assertThat(uas.parse(p, null, null, null)).as("%s", p).isEqualTo(DeviceInfo.NOT_SET);
      assertThat(uas.parse(p, " ", null, null)).isEqualTo(DeviceInfo.NOT_SET);
    }
    // A browser always sends one: gtag and the tracker keep the rule that a hit without it is a script.
    assertThat(uas.parse(Protocol.GA4_WEB, null, null, null)).extracting(DeviceInfo::bot, DeviceInfo::category)
        .containsExactly(true, "bot");
  }

  @Test
  void anHttpLibrarySaysNothingAboutTheUserOfAServerSideHitButIsAScriptBehindABrowserProtocol() {
    for (String library : LIBRARIES) {
      assertThat(uas.parse(Protocol.GA4_MP, library, null, null)).as(library).isEqualTo(DeviceInfo.NOT_SET);
      assertThat(uas.parse(Protocol.UA, library, null, null)).as(library).isEqualTo(DeviceInfo.NOT_SET);
      assertThat(uas.parse(Protocol.GA4_WEB, library, null, null).bot()).as(library).isTrue();
      assertThat(uas.parse(library, null, null).bot()).as("the browser rule by default: " + library).isTrue();
    }
    // A relay's own agent that names no browser or system ua-parser knows: nothing about the user either.
    assertThat(uas.parse(Protocol.GA4_MP, "shop-backend/2.1", null, null)).isEqualTo(DeviceInfo.NOT_SET);
    assertThat(uas.parse(Protocol.GA4_WEB, "shop-backend/2.1", null, null))
        .isEqualTo(new DeviceInfo("desktop", null, null, null, null, false));
  }

  @Test
  void aBrowserIsNoBotForAnyProtocol() {
    for (Protocol p : Protocol.values()) {
      assertThat(uas.parse(p, CHROME_WIN, null, null))
          .isEqualTo(new DeviceInfo("desktop", "Chrome", "131.0", "Windows", "10", false));
    }
  }

  @Test
  void serverSideHitsWithoutAUserAgentAreCountedWithDeviceFieldsNotSet() {
    Hit mp = enrich(mp("{\"client_id\":\"c\",\"events\":[{\"name\":\"purchase\"}]}"), null);
    assertThat(mp.isBot()).isFalse();
    assertThat(new Object[] {mp.deviceCategory(), mp.browser(), mp.browserVersion(), mp.os(), mp.osVersion()})
        .containsOnlyNulls();
    Hit ua = enrich(ua("v=1&tid=P-1&cid=c&t=pageview&dp=%2Fx"), null);
    assertThat(ua.isBot()).isFalse();
    assertThat(ua.deviceCategory()).isNull();
    // A relay's library in the header: the same; the user's agent in UA's ua still decides.
    assertThat(enrich(ua("v=1&tid=P-1&cid=c&t=pageview&dp=%2Fx"), "python-requests/2.31.0").isBot()).isFalse();
    Hit crawler = enrich(ua("v=1&tid=P-1&cid=c&t=pageview&dp=%2Fx&ua=" + enc(GOOGLEBOT)),
        "python-requests/2.31.0");
    assertThat(crawler.isBot()).isTrue();
    Hit browser = enrich(ua("v=1&tid=P-1&cid=c&t=pageview&dp=%2Fx&ua=" + enc(CHROME_WIN)), null);
    assertThat(values(browser.isBot(), browser.deviceCategory(), browser.browser())).containsExactly(false, "desktop", "Chrome");
    // gtag / tracker without a User-Agent: a bot, as before.
    assertThat(enrich(web("v=2&tid=P-1&cid=c&en=page_view"), null).isBot()).isTrue();
  }

  @Test
  void theHitKeepsTheSendersSessionFieldsAndUasNonInteractionFlag() {
    // No session id from the sender: none on the hit (the model sessions it by event time), nor any session flag.
    Hit ua = enrich(ua("v=1&tid=P-1&cid=c&t=event&ec=scroll&ea=depth&ni=1"), CHROME_WIN);
    assertThat(ua.nonInteraction()).isTrue();
    assertThat(values(ua.sessionId(), ua.sessionNumber(), ua.sessionStart(), ua.firstVisit())).containsOnlyNulls();
    assertThat(enrich(ua("v=1&tid=P-1&cid=c&t=event&ec=video&ea=play"), CHROME_WIN).nonInteraction()).isNull();
    Hit mp = enrich(mp("{\"client_id\":\"c\",\"events\":[{\"name\":\"page_view\"}]}"), null);
    assertThat(values(mp.sessionId(), mp.sessionNumber(), mp.sessionStart(), mp.firstVisit(), mp.nonInteraction()))
        .containsOnlyNulls();
    Hit withSession = enrich(mp("{\"client_id\":\"c\",\"events\":[{\"name\":\"page_view\",\"params\":"
        + "{\"session_id\":\"1700000000\"}}]}"), null);
    assertThat(withSession.sessionId()).isEqualTo("1700000000");
  }

  // ------------------------------------------------------------------------------------------- device and place

  @Test
  void deviceFieldsWinOverTheUserAgentFieldByField() {
    Hit h = enrich(mp("{\"client_id\":\"c\",\"device\":{\"category\":\"tablet\",\"browser\":\"Samsung Internet\"},"
        + "\"events\":[{\"name\":\"e\"}]}"), CHROME_WIN);
    assertThat(values(h.deviceCategory(), h.browser(), h.browserVersion(), h.os(), h.osVersion()))
        .as("the browser's version goes with the sender's browser; the OS stays the User-Agent's")
        .containsExactly("tablet", "Samsung Internet", null, "Windows", "10");
    Hit all = enrich(mp("{\"client_id\":\"c\",\"device\":{\"category\":\"smart TV\",\"operating_system\":\"Tizen\","
        + "\"operating_system_version\":\"8.0\",\"browser\":\"Samsung Internet\",\"browser_version\":\"7.0\"},"
        + "\"events\":[{\"name\":\"e\"}]}"), null);
    assertThat(values(all.deviceCategory(), all.browser(), all.browserVersion(), all.os(), all.osVersion(), all.isBot()))
        .containsExactly("smart tv", "Samsung Internet", "7.0", "Tizen", "8.0", false);
    // The User-Agent alone decides bots: device fields neither make nor unmake one.
    Hit bot = enrich(mp("{\"client_id\":\"c\",\"device\":{\"category\":\"mobile\"},\"events\":[{\"name\":\"e\"}]}"), GOOGLEBOT);
    assertThat(bot.isBot()).isTrue();
    assertThat(bot.deviceCategory()).isEqualTo("mobile");
  }

  @Test
  void theSendersModelAndBrandReachTheHitElseTheyAreNotSet() {
    Hit h = enrich(mp("{\"client_id\":\"c\",\"device\":{\"model\":\"Pixel 8\",\"brand\":\"Google\"},"
        + "\"events\":[{\"name\":\"e\"},{\"name\":\"f\"}]}"), CHROME_WIN);
    assertThat(values(h.deviceModel(), h.deviceBrand(), h.deviceCategory(), h.browser(), h.os()))
        .as("model and brand alone leave the User-Agent's other fields").containsExactly("Pixel 8", "Google",
            "desktop", "Chrome", "Windows");
    Hit brandOnly = enrich(mp("{\"client_id\":\"c\",\"device\":{\"brand\":\"Apple\",\"category\":\"tablet\"},"
        + "\"events\":[{\"name\":\"e\"}]}"), null);
    assertThat(values(brandOnly.deviceModel(), brandOnly.deviceBrand(), brandOnly.deviceCategory()))
        .containsExactly(null, "Apple", "tablet");
    // The User-Agent gives neither (ua-parser's device family is no model): a phone's agent leaves them unset.
    String iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        + "Version/17.4 Mobile/15E148 Safari/604.1";
    Hit web = enrich(web("v=2&tid=P-1&cid=c&en=page_view"), iphone);
    assertThat(web.deviceCategory()).isEqualTo("mobile");
    assertThat(values(web.deviceModel(), web.deviceBrand())).containsOnlyNulls();
    assertThat(values(enrich(ua("v=1&tid=P-1&cid=c&t=pageview&dp=%2Fx&ua=" + enc(iphone)), null).deviceModel()))
        .containsOnlyNulls();
    Hit none = enrich(mp("{\"client_id\":\"c\",\"device\":{\"category\":\"mobile\"},\"events\":[{\"name\":\"e\"}]}"),
        iphone);
    assertThat(values(none.deviceModel(), none.deviceBrand())).containsOnlyNulls();
  }

  @Test
  void userLocationReplacesTheIpLookup() {
    Hit h = enrich(mp("{\"client_id\":\"c\",\"ip_override\":\"81.2.69.142\",\"user_location\":{\"city\":\"Mountain View\","
        + "\"region_id\":\"US-CA\"},\"events\":[{\"name\":\"e\"}]}"), CHROME_WIN);
    assertThat(values(h.country(), h.region(), h.city())).containsExactly("US", "US-CA", "Mountain View");
  }

  @Test
  void theIpLookedUpIsTheOverrideAnonymisedElseTheConnections() {
    Enricher.RequestInfo req = request(CHROME_WIN);
    HitDraft override = mp("{\"client_id\":\"c\",\"ip_override\":\"2.125.160.216\",\"events\":[{\"name\":\"e\"}]}");
    assertThat(Enricher.lookupAddress(override, req).getHostAddress()).isEqualTo("2.125.160.0");
    HitDraft v6 = mp("{\"client_id\":\"c\",\"ip_override\":\"2001:db8:85a3:8d3:1319:8a2e:370:7348\",\"events\":[{\"name\":\"e\"}]}");
    assertThat(Enricher.lookupAddress(v6, req).getHostAddress()).isEqualTo("2001:db8:85a3:0:0:0:0:0");
    HitDraft none = mp("{\"client_id\":\"c\",\"events\":[{\"name\":\"e\"}]}");
    assertThat(Enricher.lookupAddress(none, req).getHostAddress()).isEqualTo("81.2.69.0");
  }

  // ------------------------------------------------------------------------------------------- language

  @Test
  void languageIsLowerCaseForEveryProtocol() {
    assertThat(enrich(web("v=2&tid=P-1&cid=c&en=page_view&ul=en-US"), CHROME_WIN).language()).isEqualTo("en-us");
    assertThat(enrich(ua("v=1&tid=P-1&cid=c&t=pageview&ul=de-DE"), CHROME_WIN).language()).isEqualTo("de-de");
    assertThat(enrich(mp("{\"client_id\":\"c\",\"events\":[{\"name\":\"e\",\"params\":{\"language\":\"pt-BR\"}}]}"),
        CHROME_WIN).language()).isEqualTo("pt-br");
    assertThat(enrich(mp("{\"client_id\":\"c\",\"device\":{\"language\":\"zh_Hant_TW\"},\"events\":[{\"name\":\"e\"}]}"),
        CHROME_WIN).language()).isEqualTo("zh-hant-tw");
    assertThat(enrich(web("v=2&tid=P-1&cid=c&en=page_view"), CHROME_WIN).language()).isNull();
  }

  // ------------------------------------------------------------------------------------------- request ids

  @Test
  void senderIdsAreKeptAsSentAndOnlyPayloadIdsAreDerived() {
    assertThat(Enricher.requestId(web("v=2&tid=P-1&cid=c&en=page_view&_rid=r-1")))
        .isEqualTo(new RequestId("r-1", RequestId.Origin.SENDER));
    assertThat(Enricher.requestId(mp("{\"client_id\":\"c\",\"events\":[{\"name\":\"e\",\"params\":{\"request_id\":\"m-1\"}}]}")))
        .isEqualTo(new RequestId("m-1", RequestId.Origin.SENDER));
    assertThat(Enricher.requestId(ua("v=1&tid=P-1&cid=c&t=pageview&z=123456789")))
        .isEqualTo(new RequestId("123456789", RequestId.Origin.SENDER));
    RequestId derived = Enricher.requestId(ua("v=1&tid=P-1&cid=c&t=pageview&dp=%2Fx"));
    assertThat(derived.origin()).isEqualTo(RequestId.Origin.DERIVED);
    assertThat(derived.value()).matches("[0-9a-f-]{36}");
    // The same bytes again (a retry): the same hash; another payload: another.
    assertThat(Enricher.requestId(ua("v=1&tid=P-1&cid=c&t=pageview&dp=%2Fx"))).isEqualTo(derived);
    assertThat(Enricher.requestId(ua("v=1&tid=P-1&cid=c&t=pageview&dp=%2Fy")).value()).isNotEqualTo(derived.value());
    assertThat(Enricher.requestId(web("v=2&tid=P-1&cid=c&en=page_view")).origin()).isEqualTo(RequestId.Origin.DERIVED);
    assertThat(Enricher.requestId(mp("{\"client_id\":\"c\",\"events\":[{\"name\":\"e\"}]}")).origin())
        .isEqualTo(RequestId.Origin.DERIVED);
  }

  @Test
  void aDerivedIdIsProducedWithItsFirstAttemptsTimeASendersAsSent() {
    RequestId derived = new RequestId("6f1c5c9e-8a53-3c5e-9d7b-2d1c7a0e4b11", RequestId.Origin.DERIVED);
    assertThat(derived.produced(NOW)).isEqualTo("6f1c5c9e-8a53-3c5e-9d7b-2d1c7a0e4b11." + NOW);
    // Copies within the window are produced with the first attempt's time: one id; a later first attempt: another.
    assertThat(derived.produced(NOW)).isEqualTo(derived.produced(NOW)).isNotEqualTo(derived.produced(NOW + 120_001));
    assertThat(new RequestId("r-1", RequestId.Origin.SENDER).produced(NOW)).isEqualTo("r-1");
    // The enricher's hit carries the hash; the collector adds the time once the id is claimed.
    Hit h = enrich(ua("v=1&tid=P-1&cid=c&t=pageview&dp=%2Fx"), CHROME_WIN);
    assertThat(h.requestId()).isEqualTo(Enricher.requestId(ua("v=1&tid=P-1&cid=c&t=pageview&dp=%2Fx")).value());
  }

  /** The values in order, nulls included (List.of refuses them). */
  static java.util.List<Object> values(Object... values) {
    return java.util.Arrays.asList(values);
  }

  static String enc(String s) {
    return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Test
  void uaQueueTimeDatesTheHitBeforeItsReceipt() {
    Hit h = enrich(ua("v=1&tid=P-1&cid=c&t=pageview&dp=%2Fx&qt=5000"), null);
    assertThat(h.ts()).isEqualTo(NOW - 5000);
    assertThat(h.receivedAt()).isEqualTo(NOW);
    // The draft keeps qt as an age, not a time: a retry produced again moves with its first attempt's receipt.
    assertThat(ua("v=1&tid=P-1&cid=c&t=pageview&dp=%2Fx&qt=5000").ts).isNull();
  }
}
