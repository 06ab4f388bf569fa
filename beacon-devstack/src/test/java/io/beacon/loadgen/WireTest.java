package io.beacon.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.collector.PropertyInfo;
import io.beacon.collector.TestMmdb;
import io.beacon.collector.enrich.Enricher;
import io.beacon.collector.enrich.GeoLookup;
import io.beacon.collector.enrich.UserAgents;
import io.beacon.collector.protocol.Ga4WebParser;
import io.beacon.collector.protocol.HitDraft;
import io.beacon.collector.protocol.MeasurementProtocolParser;
import io.beacon.collector.protocol.ParseResult;
import io.beacon.collector.protocol.QueryStrings;
import io.beacon.collector.protocol.UniversalParser;
import io.beacon.infra.net.TrustedProxies;
import io.beacon.loadgen.PlannedRequest.Protocol;
import io.beacon.loadgen.PlannedRequest.Timing;
import io.beacon.model.Hit;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the generator puts on the wire, read by the collector's own parsers and enricher (without a node), gives
 * every hit-scoped field the ground truth expects: so a difference in the end-to-end accuracy test points at the
 * pipeline, not at the generator. Session facts (sessions, engagement, first visits, acquisition) are the model's,
 * decided over whole sessions: they are checked end to end only.
 *
 * <p>Some rules of the spec are newer than this tree's collector (MP's device object, user_location, ip_override
 * and event-level timestamp_micros, no User-Agent meaning no bot, lower-case languages). Each is probed once on the
 * collector's own code; the fields a missing one decides are left out of the comparison, and
 * {@link #theCollectorReadsEverythingTheSpecSays} is skipped naming them, until the collector catches up.
 */
class WireTest {
  private static final long NOW = System.currentTimeMillis();
  private static final TrustedProxies TRUSTED = TrustedProxies.parse(List.of("127.0.0.1"));
  private static final List<String> HIT_DIMENSIONS = List.of("pagePath", "pageTitle", "hostName", "pageReferrer",
      "eventName", "deviceCategory", "browser", "operatingSystem", "screenResolution", "language", "mobileDeviceModel",
      "mobileDeviceBranding", "country", "region", "city");
  private static final Set<String> DEVICE = Set.of("deviceCategory", "browser", "operatingSystem");
  private static final Set<String> GEO = Set.of("country", "region", "city");
  private static final PropertyInfo INFO =
      new PropertyInfo("B-WIRE01", "s3cret", Set.of(), Set.of("sign_up", "purchase"), false, false);
  private static final TrafficPlan.Property PROPERTY =
      new TrafficPlan.Property("B-WIRE01", "s3cret", ZoneId.of("Europe/Berlin"));

  private static GeoLookup geo;
  private static Enricher enricher;
  /** Spec features this tree's collector does not read yet (see {@link #probe}). */
  private static Set<String> pending;

  @BeforeAll
  static void geoDatabase() throws Exception {
    Path db = Path.of("target", "test-geo", "loadgen-wire.mmdb");
    writeMmdb(db);
    geo = GeoLookup.open(db.toString());
    enricher = new Enricher(new UserAgents(), geo);
    pending = probe();
  }

  @AfterAll
  static void close() throws Exception {
    geo.close();
  }

  /** The test database: {@link GeoTable}'s networks with the places it names. */
  static void writeMmdb(Path file) throws Exception {
    TestMmdb mmdb = new TestMmdb();
    for (GeoTable.Network n : GeoTable.DEFAULT) {
      if (n.country() != null) {
        mmdb.city(n.cidr(), n.country(), n.region(), n.city());
      }
    }
    mmdb.write(file);
  }

  @Test
  void everyProtocolCarriesWhatTheTruthExpects() {
    TrafficPlan plan = new TrafficPlan(List.of(PROPERTY), TrafficPlan.Options.defaults(42, LoadgenCli.mix("mixed")));
    Set<Protocol> protocols = EnumSet.noneOf(Protocol.class);
    Set<Timing> timings = EnumSet.noneOf(Timing.class);
    Set<String> seen = new HashSet<>();
    int checked = 0;
    for (TrafficPlan.Journey j : plan.journeys(4_000)) {
      protocols.add(j.protocol());
      for (PlannedRequest r : j.requests()) {
        timings.add(r.timing());
        Wire.Encoded e = Wire.encode(r, NOW, "s3cret", true);
        List<Hit> hits = read(r, e);
        for (int i = 0; i < hits.size(); i++) {
          PlannedHit want = r.hits().get(i);
          assertHit(hits.get(i), want, r, e, i, seen);
          checked++;
        }
      }
    }
    assertThat(protocols).containsExactlyInAnyOrder(Protocol.values());
    assertThat(timings).containsExactlyInAnyOrder(Timing.values());
    assertThat(seen).contains("bot", "late", "device", "location", "ip_override", "no agent MP", "no agent UA",
        "no header UA", "ni", "gtag single", "gtag lines", "duplicate");
    assertThat(checked).isGreaterThanOrEqualTo(4_000);
  }

  /** The collector's hits for an encoded request: its parser, then its enricher, as the node would. */
  private static List<Hit> read(PlannedRequest r, Wire.Encoded e) {
    List<HitDraft> drafts = parse(r, e);
    assertThat(drafts).as(e.body()).hasSize(r.hits().size());
    String ip = TRUSTED.clientIp("127.0.0.1", e.headers().get("X-Forwarded-For"));
    List<Hit> out = new ArrayList<>();
    for (HitDraft d : drafts) {
      // The collector assigns no sessions: whatever the sender gave, or none.
      out.add(enricher.enrich(d, new Enricher.RequestInfo(ip, e.headers().get("User-Agent"), null, null, NOW), INFO));
    }
    return out;
  }

  private static List<HitDraft> parse(PlannedRequest r, Wire.Encoded e) {
    ParseResult parsed = switch (r.protocol()) {
      case TRACKER, GTAG -> {
        String raw = e.pathAndQuery().substring(e.pathAndQuery().indexOf('?') + 1);
        yield Ga4WebParser.parse(QueryStrings.parse(raw), raw, e.body());
      }
      case MP -> MeasurementProtocolParser.parse(r.propertyId, e.body().getBytes(StandardCharsets.UTF_8), NOW,
          72 * 3_600_000L, 600_000);
      case UA -> e.pathAndQuery().equals("/batch") ? UniversalParser.parseBatch(e.body(), NOW, 72 * 3_600_000L)
          : UniversalParser.parseSingle(e.body(), NOW, 72 * 3_600_000L);
    };
    assertThat(parsed.problems).as(e.body()).isEmpty();
    return parsed.hits;
  }

  private static void assertHit(Hit hit, PlannedHit want, PlannedRequest r, Wire.Encoded e, int i, Set<String> seen) {
    Visitor v = want.visitor();
    boolean mp = r.protocol() == Protocol.MP;
    boolean noAgent = v.agent() == null;
    boolean ownTimestamp = mp && (r.timing() == Timing.EVENT || r.timing() == Timing.MIXED && i > 0);
    note(seen, want, r, e, ownTimestamp);
    Set<String> skip = new HashSet<>();
    if (mp && v.device() != null && pending.contains("MP device object")) {
      skip.addAll(DEVICE);
      skip.addAll(List.of("screenResolution", "language"));
    }
    if (mp && (v.location() != null && pending.contains("MP user_location")
        || v.ipOverride() && pending.contains("MP ip_override"))) {
      skip.addAll(GEO);
    }
    if (noAgent && pending.contains("no User-Agent is no bot")) {
      skip.addAll(DEVICE);
      skip.add("bot");
    }
    boolean sentAsWritten = mp || r.protocol() == Protocol.UA; // the tracker and gtag lower-case it themselves
    if (sentAsWritten && pending.contains("language lower case") && !v.language().equals(v.language().toLowerCase())) {
      skip.add("language");
    }
    if (!skip.contains("bot")) {
      assertThat(hit.isBot()).as(e.body()).isEqualTo(want.bot());
    }
    if (want.bot()) {
      return; // a bot's device and place count nowhere
    }
    Map<String, String> expected = new TreeMap<>();
    Map<String, String> actual = new TreeMap<>();
    for (String dim : HIT_DIMENSIONS) {
      if (!skip.contains(dim)) {
        expected.put(dim, GroundTruth.hitValue(want, dim));
        actual.put(dim, orNotSet(switch (dim) {
          case "pagePath" -> hit.pagePath();
          case "pageTitle" -> hit.pageTitle();
          case "hostName" -> hit.hostname();
          case "pageReferrer" -> hit.pageReferrer();
          case "eventName" -> hit.eventName();
          case "deviceCategory" -> hit.deviceCategory();
          case "browser" -> hit.browser();
          case "operatingSystem" -> hit.os();
          case "screenResolution" -> hit.screenResolution();
          case "language" -> hit.language();
          case "mobileDeviceModel" -> hit.deviceModel();
          case "mobileDeviceBranding" -> hit.deviceBrand();
          case "country" -> hit.country();
          case "region" -> hit.region();
          case "city" -> hit.city();
          default -> throw new IllegalArgumentException(dim);
        }));
      }
    }
    assertThat(actual).as(e.body()).isEqualTo(expected);
    assertThat(hit.keyEvent()).isEqualTo(want.keyEvent());
    assertThat(hit.engagementMs() == null ? 0 : hit.engagementMs()).isEqualTo(want.engagementMs());
    assertThat(hit.requestId()).isNotBlank();
    assertThat(hit.sessionId()).as(e.body()).isEqualTo(want.sessionId());
    // UA's ni=1 reaches the hit (the session model's "two interaction hits"); nothing else sends it.
    assertThat(hit.nonInteraction()).as(e.body()).isEqualTo(want.nonInteraction() ? Boolean.TRUE : null);
    if (!(ownTimestamp && pending.contains("MP event-level timestamp_micros"))) {
      assertThat(hit.ts()).as(e.body()).isEqualTo(e.eventTime(i, NOW));
    }
  }

  private static void note(Set<String> seen, PlannedHit want, PlannedRequest r, Wire.Encoded e, boolean own) {
    Visitor v = want.visitor();
    if (want.bot()) {
      seen.add("bot");
    }
    if (r.isDuplicate()) {
      seen.add("duplicate");
    }
    if (e.eventTime(0, NOW) < NOW - 3_600_000L && r.protocol() == Protocol.MP) {
      seen.add("late");
    }
    if (r.protocol() == Protocol.MP) {
      if (v.device() != null) {
        seen.add("device");
      }
      if (v.location() != null) {
        seen.add("location");
      }
      if (v.ipOverride()) {
        seen.add("ip_override");
      }
      if (v.agent() == null) {
        seen.add("no agent MP");
      }
    }
    if (r.protocol() == Protocol.UA) {
      seen.add(v.agent() == null ? "no agent UA" : !v.proxyHeader() ? "no header UA" : "UA");
      if (want.nonInteraction()) {
        seen.add("ni");
      }
    }
    if (r.protocol() == Protocol.GTAG) {
      seen.add(e.body().isEmpty() ? "gtag single" : "gtag lines");
    }
  }

  @Test
  void gtagHitsAreDistinctAndOnlyCopiesCollapse() {
    // gtag.js sends no request id: the collector derives one from the payload. The page-load id and hit counter
    // make every hit's payload its own; a copy repeats the bytes, so it derives the same ids.
    TrafficPlan plan = new TrafficPlan(List.of(PROPERTY), TrafficPlan.Options.defaults(7, LoadgenCli.mix("gtag")));
    Map<PlannedRequest, List<String>> ids = new HashMap<>();
    Set<String> all = new HashSet<>();
    int copies = 0;
    for (TrafficPlan.Journey j : plan.journeys(3_000)) {
      for (PlannedRequest r : j.requests()) {
        PlannedRequest original = r.isDuplicate() ? r.original : r;
        if (original.encoded == null) {
          original.encoded = Wire.encode(original, NOW, null, false);
        }
        List<String> derived = parse(r, original.encoded).stream().map(d -> Enricher.requestId(d).value()).toList();
        if (r.isDuplicate()) {
          assertThat(derived).isEqualTo(ids.get(original));
          copies++;
        } else {
          ids.put(r, derived);
          for (String id : derived) {
            assertThat(all.add(id)).as("a second hit with id %s", id).isTrue();
          }
        }
      }
    }
    assertThat(copies).isPositive();
  }

  @Test
  void measurementProtocolStatesTimesDeviceAndPlace() {
    // Planned at 23:40 and 23:55 the night before (from a midnight anchor), event-level; then request-level and
    // mixed: the JSON says exactly that.
    Visitor v = new Visitor("1.2", null, GeoTable.DEFAULT.get(0), "81.2.69.7", "en-GB", "1920x1080",
        TrafficPlan.DEVICES.get(0), TrafficPlan.LOCATIONS.get(0), true, true);
    long midnight = PlannedRequest.Anchor.lastMidnight(NOW - 2 * 3_600_000L, PROPERTY.zone());
    for (Timing timing : List.of(Timing.EVENT, Timing.REQUEST, Timing.MIXED)) {
      JourneyBuilder b = new JourneyBuilder(PROPERTY, new Site(0, 10, 1.1), Protocol.MP, v, new Random(1), timing,
          true, false, Set.of());
      b.session("77", 1, false).at(-20 * 60_000L).page("www.site1.example", 0, "", null).view(0);
      b.at(-10 * 60_000L).event("scroll", 1_000).at(-5 * 60_000L).event("video_progress", 2_000);
      List<PlannedRequest> requests = b.requests(0);
      assertThat(requests).hasSize(2); // the session's first event alone
      Wire.Encoded e = Wire.encode(requests.get(1), NOW, "s3cret", true);
      JsonObject body = new JsonObject(e.body());
      long request = body.getLong("timestamp_micros", -1L);
      var events = body.getJsonArray("events");
      switch (timing) {
        case EVENT -> {
          assertThat(request).isEqualTo(-1L);
          assertThat(events.getJsonObject(0).getLong("timestamp_micros")).isEqualTo((midnight - 600_000L) * 1000);
          assertThat(events.getJsonObject(1).getLong("timestamp_micros")).isEqualTo((midnight - 300_000L) * 1000);
        }
        case REQUEST -> {
          assertThat(request).isEqualTo((midnight - 600_000L) * 1000);
          assertThat(events.getJsonObject(1).containsKey("timestamp_micros")).isFalse();
          assertThat(e.eventTime(1, NOW)).isEqualTo(midnight - 600_000L);
        }
        default -> {
          assertThat(request).isEqualTo((midnight - 600_000L) * 1000);
          assertThat(events.getJsonObject(0).containsKey("timestamp_micros")).isFalse();
          assertThat(events.getJsonObject(1).getLong("timestamp_micros")).isEqualTo((midnight - 300_000L) * 1000);
        }
      }
      assertThat(e.eventTime(0, NOW)).isEqualTo(midnight - 600_000L);
      assertThat(body.getJsonObject("device").getString("category")).isEqualTo("mobile");
      assertThat(body.getJsonObject("device").getString("language")).isEqualTo("en-GB");
      assertThat(body.getJsonObject("user_location").getString("region_id")).isEqualTo("US-WA");
      assertThat(body.getString("ip_override")).isEqualTo("81.2.69.7");
      assertThat(events.getJsonObject(0).getJsonObject("params").getString("session_id")).isEqualTo("77");
      assertThat(events.getJsonObject(0).getJsonObject("params").containsKey("language")).isFalse();
      // No User-Agent known, and the address travels in the body.
      assertThat(e.headers()).isEmpty();
      assertThat(e.sendsUserAgent()).isFalse();
    }
  }

  @Test
  void uaQueueTimeDatesHitsAndNonInteractionIsSent() {
    Visitor v = new Visitor("c-1", UserAgentTable.HUMANS.get(9), GeoTable.DEFAULT.get(0), "81.2.69.7", "pt-BR",
        "390x844", null, null, false, false);
    JourneyBuilder b = new JourneyBuilder(PROPERTY, new Site(0, 10, 1.1), Protocol.UA, v, new Random(1), Timing.QUEUE,
        false, true, Set.of());
    b.session(null, 1, false).page("www.site1.example", 0, "", null).view(0);
    b.advance(25_000).event("scroll_depth", Map.of("event_category", "scroll", "event_action", "scroll_depth"), 0, true);
    List<PlannedRequest> requests = b.requests(-b.latest());
    Wire.Encoded first = Wire.encode(requests.get(0), NOW, null, false);
    Wire.Encoded second = Wire.encode(requests.get(1), NOW + 1_000, null, false);
    assertThat(first.body()).contains("&qt=25000&", "&ua=Mozilla").doesNotContain("&ni=1");
    // Sent a second after the journey's anchor, the last hit (planned at the anchor) is a second old.
    assertThat(second.body()).contains("&ni=1", "&qt=1000&");
    assertThat(second.eventTime(0, NOW + 1_002)).isEqualTo(NOW + 2);
    assertThat(first.eventTime(0, NOW + 3)).isEqualTo(NOW + 3 - 25_000);
    assertThat(first.headers()).isEmpty();
    List<Hit> hits = read(requests.get(0), first);
    assertThat(hits.get(0).ts()).isEqualTo(NOW - 25_000);
    assertThat(hits.get(0).deviceCategory()).isEqualTo("mobile");
  }

  @Test
  void aRequestWithoutUserAgentGoesOutWithoutOne() throws Exception {
    // Java's HTTP client always adds a User-Agent; the raw path must not. A throw-away socket stands in for the
    // collector.
    Wire.Encoded e = new Wire.Encoded("/mp/collect?measurement_id=B&api_secret=s", "application/json", "{\"a\":1}",
        Map.of(), List.of(), List.of());
    try (ServerSocket server = new ServerSocket(0)) {
      CompletableFuture<String> seen = CompletableFuture.supplyAsync(() -> {
        try (Socket s = server.accept()) {
          InputStream in = s.getInputStream();
          ByteArrayOutputStream head = new ByteArrayOutputStream();
          while (!head.toString(StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) {
            head.write(in.read());
          }
          String request = head.toString(StandardCharsets.ISO_8859_1);
          in.readNBytes(7);
          OutputStream out = s.getOutputStream();
          out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
              + "2\r\n{}\r\n0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
          return request;
        } catch (Exception ex) {
          throw new IllegalStateException(ex);
        }
      });
      RawHttp.Response res = RawHttp.post(URI.create("http://127.0.0.1:" + server.getLocalPort()), e);
      assertThat(res.status()).isEqualTo(200);
      assertThat(res.body()).isEqualTo("{}");
      assertThat(seen.get().toLowerCase()).startsWith("post /mp/collect?measurement_id=b&api_secret=s http/1.1")
          .contains("content-length: 7").doesNotContain("user-agent");
    }
  }

  @Test
  void theCollectorReadsEverythingTheSpecSays() {
    // Fails (not skips): a collector that stops reading one of them must not pass unnoticed while the other wire
    // checks leave the fields it decides out.
    assertThat(pending).as("spec features this collector does not read").isEmpty();
  }

  /**
   * Which spec features this tree's collector lacks, each found by sending one MP request through its parser and
   * enricher: the device object, user_location, ip_override, event-level timestamp_micros, no User-Agent (not a
   * bot), lower-case languages.
   */
  private static Set<String> probe() {
    Set<String> out = new LinkedHashSet<>();
    GeoTable.Network frankfurt = GeoTable.DEFAULT.get(4);
    Visitor v = new Visitor("9.9", UserAgentTable.HUMANS.get(0), GeoTable.DEFAULT.get(0), "81.2.69.7", "en-GB",
        "1920x1080", TrafficPlan.DEVICES.get(1), TrafficPlan.LOCATIONS.get(0), false, true);
    Hit withDevice = probeHit(v, Timing.EVENT, true);
    if (!"tablet".equals(withDevice.deviceCategory())) {
      out.add("MP device object");
    }
    if (!"US".equals(withDevice.country())) {
      out.add("MP user_location");
    }
    if (withDevice.ts() != NOW - 60_000L) {
      out.add("MP event-level timestamp_micros");
    }
    Visitor plain = new Visitor("9.8", null, frankfurt, frankfurt.prefix() + ".20", "en-GB", "1920x1080", null, null,
        true, true);
    Hit withoutAgent = probeHit(plain, Timing.RECEIVE, false);
    if (!"DE".equals(withoutAgent.country())) {
      out.add("MP ip_override");
    }
    if (withoutAgent.isBot()) {
      out.add("no User-Agent is no bot");
    }
    if (!"en-gb".equals(withoutAgent.language())) {
      out.add("language lower case");
    }
    return out;
  }

  private static Hit probeHit(Visitor v, Timing timing, boolean clientIps) {
    JourneyBuilder b = new JourneyBuilder(PROPERTY, new Site(0, 10, 1.1), Protocol.MP, v, new Random(3), timing, false,
        false, Set.of());
    b.session("5", 1, false).at(-60_000L).page("www.site1.example", 0, "", null).view(0);
    PlannedRequest r = b.requests(0).get(0);
    Wire.Encoded e = Wire.encode(r, NOW, "s3cret", clientIps);
    return read(r, e).get(0);
  }

  private static String orNotSet(String v) {
    return v == null || v.isBlank() ? "(not set)" : v;
  }
}
