package io.beacon.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.collector.PropertyInfo;
import io.beacon.collector.TestMmdb;
import io.beacon.collector.enrich.Enricher;
import io.beacon.collector.enrich.GeoLookup;
import io.beacon.collector.enrich.IpAddresses;
import io.beacon.collector.enrich.UserAgents;
import io.beacon.collector.protocol.Ga4WebParser;
import io.beacon.collector.protocol.HitDraft;
import io.beacon.collector.protocol.MeasurementProtocolParser;
import io.beacon.collector.protocol.ParseResult;
import io.beacon.collector.protocol.QueryStrings;
import io.beacon.collector.protocol.UniversalParser;
import io.beacon.loadgen.PlannedRequest.Protocol;
import io.beacon.model.Hit;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the generator puts on the wire, read by the collector's own parsers and enricher (without a node), gives
 * every field the ground truth expects: so a difference in the end-to-end accuracy test points at the pipeline,
 * not at the generator. Session fields the collector assigns (MP, UA) are checked end to end only.
 */
class WireTest {
  private static final long NOW = System.currentTimeMillis();
  private static final Set<String> TRUSTED = Set.of("127.0.0.1");
  private static GeoLookup geo;
  private static Enricher enricher;

  @BeforeAll
  static void geoDatabase() throws Exception {
    Path db = Path.of("target", "test-geo", "loadgen-wire.mmdb");
    writeMmdb(db);
    geo = GeoLookup.open(db.toString());
    enricher = new Enricher(new UserAgents(), geo);
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
    TrafficPlan.Property property = new TrafficPlan.Property("B-WIRE01", "s3cret", ZoneId.of("Europe/Berlin"));
    PropertyInfo info = new PropertyInfo("B-WIRE01", "s3cret", Set.of(), Set.of("sign_up", "purchase"), false, false);
    TrafficPlan plan = new TrafficPlan(List.of(property), TrafficPlan.Options.defaults(42, LoadgenCli.mix("mixed")));
    Set<Protocol> seen = EnumSet.noneOf(Protocol.class);
    int checked = 0;
    boolean late = false;
    boolean bot = false;
    for (TrafficPlan.Journey j : plan.journeys(3_000)) {
      seen.add(j.protocol());
      for (PlannedRequest r : j.requests()) {
        Wire.Encoded e = Wire.encode(r, NOW, "s3cret", true);
        List<HitDraft> drafts = parse(r, e);
        assertThat(drafts).as(e.body()).hasSize(r.hits().size());
        for (int i = 0; i < drafts.size(); i++) {
          PlannedHit want = r.hits().get(i);
          HitDraft d = drafts.get(i);
          String ip = IpAddresses.clientIp("127.0.0.1", e.headers().get("X-Forwarded-For"), TRUSTED);
          Hit hit = enricher.enrich(d, new Enricher.RequestInfo(ip, e.headers().get("User-Agent"), null, null, NOW),
              info, d.sessionId != null ? d.sessionId : "collector");
          assertHit(hit, want, r, e);
          checked++;
          late |= e.eventTimeMs() != null;
          bot |= want.bot();
        }
      }
    }
    assertThat(seen).containsExactlyInAnyOrder(Protocol.values());
    assertThat(late).isTrue();
    assertThat(bot).isTrue();
    assertThat(checked).isGreaterThanOrEqualTo(3_000);
  }

  private static List<HitDraft> parse(PlannedRequest r, Wire.Encoded e) {
    ParseResult parsed = switch (r.protocol()) {
      case TRACKER -> {
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

  private static void assertHit(Hit hit, PlannedHit want, PlannedRequest r, Wire.Encoded e) {
    Map<String, String> expected = new java.util.TreeMap<>();
    Map<String, String> actual = new java.util.TreeMap<>();
    for (String dim : GroundTruth.DIMENSIONS) {
      String v = GroundTruth.value(want, dim);
      if (v != null && !dim.equals("landingPage")) {
        expected.put(dim, v);
      }
    }
    actual.put("pagePath", hit.pagePath());
    actual.put("pageTitle", hit.pageTitle());
    actual.put("hostName", hit.hostname());
    actual.put("pageReferrer", hit.pageReferrer());
    actual.put("sessionSource", hit.source());
    actual.put("sessionMedium", hit.medium());
    actual.put("sessionCampaignName", hit.campaign());
    actual.put("sessionSourceMedium", orNotSet(hit.source()) + " / " + orNotSet(hit.medium()));
    actual.put("deviceCategory", hit.deviceCategory());
    actual.put("browser", hit.browser());
    actual.put("operatingSystem", hit.os());
    actual.put("screenResolution", hit.screenResolution());
    actual.put("language", hit.language());
    actual.put("country", hit.country());
    actual.put("region", hit.region());
    actual.put("city", hit.city());
    actual.put("eventName", hit.eventName());
    actual.replaceAll((k, v) -> orNotSet(v));
    if (want.bot()) {
      assertThat(hit.isBot()).isTrue();
      return;
    }
    assertThat(actual).as(e.body()).isEqualTo(expected);
    assertThat(hit.isBot()).isFalse();
    assertThat(hit.keyEvent()).isEqualTo(want.keyEvent());
    assertThat(hit.engagementMs() == null ? 0 : hit.engagementMs()).isEqualTo(want.engagementMs());
    assertThat(hit.requestId()).isNotBlank();
    if (r.protocol() == Protocol.TRACKER) {
      assertThat(Boolean.TRUE.equals(hit.sessionEngaged())).isEqualTo(want.sessionEngaged());
      assertThat(Boolean.TRUE.equals(hit.firstVisit())).isEqualTo(want.firstVisit());
      assertThat(Boolean.TRUE.equals(hit.sessionStart())).isEqualTo(want.sessionStart());
      assertThat(hit.sessionId()).isEqualTo(want.sessionKey());
    } else {
      // The collector decides these (Ingest); the parsers leave them unset.
      assertThat(hit.sessionEngaged()).isNull();
      assertThat(hit.firstVisit()).isNull();
    }
    if (e.eventTimeMs() != null) {
      assertThat(hit.ts()).isEqualTo(e.eventTimeMs());
    }
  }

  private static String orNotSet(String v) {
    return v == null || v.isBlank() ? "(not set)" : v;
  }
}
