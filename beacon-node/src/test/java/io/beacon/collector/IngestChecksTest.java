package io.beacon.collector;

import static io.beacon.collector.IngestHarness.CHROME;
import static io.beacon.collector.IngestHarness.H72;
import static io.beacon.collector.IngestHarness.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.collector.protocol.DropReason;
import io.beacon.collector.protocol.Ga4WebParser;
import io.beacon.collector.protocol.HitDraft;
import io.beacon.collector.protocol.MeasurementProtocolParser;
import io.beacon.collector.protocol.ParseResult;
import io.beacon.collector.protocol.Problem;
import io.beacon.collector.protocol.QueryStrings;
import io.beacon.collector.protocol.UniversalParser;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The collector's per-property checks of a hit (secret, hostnames, privacy settings), without the stores. */
class IngestChecksTest {
  static final PropertyInfo MP = new PropertyInfo("B-MP", "s3cr\u00e9t-0123456789", Set.of(), Set.of(), false, false);
  static final PropertyInfo PRIVATE = new PropertyInfo("B-DNT", "s3cret", Set.of(), Set.of(), true, false);
  static final PropertyInfo ANON = new PropertyInfo("B-ANON", "s3cret", Set.of(), Set.of(), false, true);
  static final PropertyInfo ANON2 = new PropertyInfo("B-ANON2", "s3cret", Set.of(), Set.of(), false, true);
  static final PropertyInfo SHOP = new PropertyInfo("B-SHOP", "s3cret", Set.of("shop.example"), Set.of(), false, false);

  /** In the trash, and respecting DNT: the deletion is the answer, whatever the headers. */
  static final PropertyInfo TRASHED = new PropertyInfo("B-GONE", "s3cret", Set.of(), Set.of(), true, false,
      io.beacon.model.session.SessionRules.GA4, Set.of(), null, Set.of(), true);

  private IngestHarness harness;

  @Test
  void aDeletedPropertysHitsAreRefusedWithAReasonOfTheirOwn() throws Exception {
    harness = new IngestHarness(TRASHED, SHOP);
    Ingest.Outcome out = browser(ua("v=1&tid=B-GONE&cid=1&t=pageview&dh=p.example"));
    assertThat(out.accepted).isZero();
    assertThat(out.problems).extracting(Problem::fieldPath, Problem::reason)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("tid", DropReason.PROPERTY_DELETED));
    assertThat(out.problems.get(0).description()).startsWith("property deleted: ");
    assertThat(out.authStatus).as("the unknown property's status, not an auth refusal").isZero();
    assertThat(optedOut(ua("v=1&tid=B-GONE&cid=1&t=pageview")).problems).as("DNT does not hide the deletion")
        .extracting(Problem::reason).containsExactly(DropReason.PROPERTY_DELETED);
  }

  @AfterEach
  void close() throws Exception {
    if (harness != null) {
      harness.close();
    }
  }

  private static ParseResult mp(String propertyId) {
    return MeasurementProtocolParser.parse(propertyId, "{\"client_id\":\"c1\",\"events\":[{\"name\":\"signup\"}]}"
        .getBytes(StandardCharsets.UTF_8), NOW, H72, 600_000);
  }

  /** A browser-facing request (no api_secret), checked but not handed over. */
  private Ingest.Outcome browser(ParseResult parsed) {
    return harness.handle(parsed, new Ingest.Request(null, IngestHarness.browser("81.2.69.142", CHROME), null, false,
        true));
  }

  private Ingest.Outcome optedOut(ParseResult parsed) {
    return harness.handle(parsed, new Ingest.Request(null, IngestHarness.browser("81.2.69.142", CHROME), null, false,
        true, true));
  }

  private static ParseResult ua(String line) {
    return UniversalParser.parseSingle(line, NOW, H72);
  }

  private static ParseResult web(String query) {
    return Ga4WebParser.parse(QueryStrings.parse(query), query, "");
  }

  private Ingest.Outcome mpWithSecret(String secret) {
    return harness.handle(mp(MP.id()), new Ingest.Request(null, IngestHarness.browser("81.2.69.142", CHROME), secret,
        true, true));
  }

  @Test
  void apiSecretIsComparedInConstantTimeNotWithStringEquals() throws Exception {
    // Finding "api_secret is compared with String.equals": String.equals stops at the first differing character,
    // so the answer time tells how much of a guess was right. The check compares the UTF-8 bytes with
    // MessageDigest.isEqual, whose time depends on the length of the guess only.
    assertThat(Ingest.secretMatches("s3cr\u00e9t", "s3cr\u00e9t")).isTrue();
    assertThat(Ingest.secretMatches("s3cret", "s3cr\u00e9t")).as("compared as UTF-8 bytes").isFalse();
    assertThat(Ingest.secretMatches("s3cr\u00e9u", "s3cr\u00e9t")).as("last byte differs").isFalse();
    assertThat(Ingest.secretMatches("s3cr\u00e9t-", "s3cr\u00e9t")).as("longer").isFalse();
    assertThat(Ingest.secretMatches("s3cr", "s3cr\u00e9t")).as("a prefix").isFalse();
    assertThat(Ingest.secretMatches("", "s3cr\u00e9t")).isFalse();
    assertThat(Ingest.secretMatches(null, "s3cr\u00e9t")).isFalse();
    assertThat(Ingest.secretMatches("s3cr\u00e9t", null)).as("a property without a secret takes none").isFalse();

    harness = new IngestHarness(MP);
    assertThat(mpWithSecret(MP.apiSecret()).accepted).isEqualTo(1);
    Ingest.Outcome wrong = mpWithSecret("s3cr\u00e9t-0123456788");
    assertThat(wrong.accepted).isZero();
    assertThat(wrong.authStatus).isEqualTo(403);
    assertThat(wrong.problems).extracting(Problem::reason).containsExactly(DropReason.BAD_SECRET);
    Ingest.Outcome missing = mpWithSecret(null);
    assertThat(missing.authStatus).isEqualTo(401);
    assertThat(missing.problems).extracting(Problem::reason).containsExactly(DropReason.MISSING_SECRET);
  }

  @Test
  void uaHitsWithoutDlOrDhAreRejectedByTheHostnameAllowList() throws Exception {
    // Finding "the hostname allow-list is skipped for UA hits without dh/dl": UA carries no credentials, so its
    // hits must name an allowed host like the GA4 web protocol's; MP hits are authenticated by the api_secret.
    harness = new IngestHarness(SHOP);
    Ingest.Outcome bare = browser(ua("v=1&tid=B-SHOP&cid=1&t=pageview&dp=%2Fcart"));
    assertThat(bare.accepted).isZero();
    assertThat(bare.authStatus).isEqualTo(403);
    assertThat(bare.problems).extracting(Problem::reason).containsExactly(DropReason.HOSTNAME_NOT_ALLOWED);
    assertThat(bare.problems.get(0).fieldPath()).isEqualTo("dh");
    assertThat(bare.problems.get(0).description()).contains("names no hostname");

    assertThat(browser(ua("v=1&tid=B-SHOP&cid=1&t=pageview&dh=www.shop.example&dp=%2Fcart")).accepted).isEqualTo(1);
    assertThat(browser(ua("v=1&tid=B-SHOP&cid=1&t=pageview&dl=https%3A%2F%2Fshop.example%2F")).accepted).isEqualTo(1);
    assertThat(browser(ua("v=1&tid=B-SHOP&cid=1&t=pageview&dh=evil.example")).problems)
        .extracting(Problem::reason).containsExactly(DropReason.HOSTNAME_NOT_ALLOWED);
    assertThat(browser(web("v=2&tid=B-SHOP&cid=1&en=page_view")).problems).as("GA4 web without dl, as before")
        .extracting(Problem::reason).containsExactly(DropReason.HOSTNAME_NOT_ALLOWED);
    assertThat(browser(web("v=2&tid=B-SHOP&cid=1&en=page_view&dl=https%3A%2F%2Fshop.example%2Fa")).accepted).isEqualTo(1);
    Ingest.Outcome mp = harness.handle(mp(SHOP.id()), new Ingest.Request(null,
        IngestHarness.browser("81.2.69.142", CHROME), "s3cret", true, true));
    assertThat(mp.accepted).as("MP: no hostname, authenticated by its secret").isEqualTo(1);
  }

  @Test
  void dntAndGpcAreHonouredOnEveryBrowserFacingProtocolNotOnlyGCollect() throws Exception {
    // Finding "DNT/GPC is honoured on /g/collect only": UA's /collect and /batch come from browsers too
    // (analytics.js), so a browser's opt-out is honoured there as well, per hit, by the hit's property.
    assertThat(Ingest.optsOut("1", null)).isTrue();
    assertThat(Ingest.optsOut(null, "1")).isTrue();
    assertThat(Ingest.optsOut(" 1", null)).isTrue();
    assertThat(Ingest.optsOut("0", "0")).isFalse();
    assertThat(Ingest.optsOut(null, null)).isFalse();

    harness = new IngestHarness(PRIVATE, SHOP);
    Ingest.Outcome ua = optedOut(ua("v=1&tid=B-DNT&cid=1&t=pageview&dh=p.example"));
    assertThat(ua.accepted).as("UA /collect").isZero();
    assertThat(ua.optedOut).isEqualTo(1);
    assertThat(ua.problems).as("acknowledged (204), not refused").isEmpty();
    Ingest.Outcome batch = optedOut(UniversalParser.parseBatch("v=1&tid=B-DNT&cid=1&t=pageview&dh=p.example\n"
        + "v=1&tid=B-SHOP&cid=1&t=pageview&dh=shop.example", NOW, H72));
    assertThat(batch.optedOut).as("UA /batch: per hit, by the hit's property").isEqualTo(1);
    assertThat(batch.accepted).as("a property that does not respect DNT keeps the hit").isEqualTo(1);
    Ingest.Outcome web = optedOut(web("v=2&tid=B-DNT&cid=1&en=page_view&dl=https%3A%2F%2Fp.example%2F"));
    assertThat(web.optedOut).as("GA4 web, as before").isEqualTo(1);
    assertThat(web.accepted).isZero();
    assertThat(browser(ua("v=1&tid=B-DNT&cid=1&t=pageview&dh=p.example")).accepted).as("no opt-out header").isEqualTo(1);
    assertThat(optedOut(ua("v=1&tid=B-NONE&cid=1&t=pageview")).problems).as("an unknown property is still one")
        .extracting(Problem::reason).containsExactly(DropReason.UNKNOWN_PROPERTY);
  }

  /** The client id a cookieless property's hit leaves the checks with, and the hit, as the browser sent it. */
  private HitDraft taken(ParseResult parsed, String ip, String userAgent, long nowMs) {
    Ingest.Outcome out = harness.handle(parsed, new Ingest.Request(null, IngestHarness.browser(ip, userAgent, nowMs),
        null, false, true));
    assertThat(out.problems).isEmpty();
    assertThat(out.accepted).isEqualTo(1);
    return parsed.hits.get(0);
  }

  private static final String CHROME_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
      + "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

  @Test
  void cookielessIsEnforcedAtTheCollectorWithADailySaltedHashNotOnlyStored() throws Exception {
    // Finding "cookieless is stored and never enforced; the snippet omits it": a cookieless property's hits get a
    // client id the collector derives from a daily salt, the property, the IP and the User-Agent; whatever the
    // browser sent as its id and session state is not kept.
    harness = new IngestHarness(ANON, ANON2, SHOP);
    String page = "&en=page_view&dl=https%3A%2F%2Fa.example%2F&sid=1750000000&sct=3&_fv=1&_ss=1";
    HitDraft first = taken(web("v=2&tid=B-ANON&cid=111.1750000000" + page), "81.2.69.142", CHROME, NOW);
    assertThat(first.clientId).startsWith(CookielessIds.PREFIX).doesNotContain("111").doesNotContain("81.2.69");
    assertThat(first.sessionId).isNull();
    assertThat(first.sessionNumber).isNull();
    assertThat(first.firstVisit).isNull();
    assertThat(first.sessionStart).isNull();
    HitDraft reload = taken(web("v=2&tid=B-ANON&cid=222.1750000001" + page), "81.2.69.142", CHROME, NOW + 60_000);
    assertThat(reload.clientId).as("the next page load, whatever id the stateless tracker drew")
        .isEqualTo(first.clientId);
    HitDraft ua = taken(ua("v=1&tid=B-ANON&cid=333&t=pageview&dh=a.example"), "81.2.69.142", CHROME, NOW);
    assertThat(ua.clientId).as("UA from the same browser").isEqualTo(first.clientId);
    assertThat(taken(web("v=2&tid=B-ANON&cid=111.1750000000" + page), "81.2.69.143", CHROME, NOW).clientId)
        .as("another address").isNotEqualTo(first.clientId);
    assertThat(taken(web("v=2&tid=B-ANON&cid=111.1750000000" + page), "81.2.69.142", CHROME_MAC, NOW).clientId)
        .as("another browser").isNotEqualTo(first.clientId);
    assertThat(taken(web("v=2&tid=B-ANON2&cid=111.1750000000" + page), "81.2.69.142", CHROME, NOW).clientId)
        .as("another property").isNotEqualTo(first.clientId);
    assertThat(taken(web("v=2&tid=B-ANON&cid=111.1750000000" + page), "81.2.69.142", CHROME, NOW + 86_400_000L)
        .clientId).as("the next day: a new salt").isNotEqualTo(first.clientId).startsWith(CookielessIds.PREFIX);

    HitDraft kept = taken(web("v=2&tid=B-SHOP&cid=111.1750000000" + page.replace("a.example", "shop.example")),
        "81.2.69.142", CHROME, NOW);
    assertThat(kept.clientId).as("a property that is not cookieless").isEqualTo("111.1750000000");
    assertThat(kept.sessionId).isEqualTo("1750000000");
    ParseResult mp = mp(ANON.id());
    assertThat(harness.handle(mp, new Ingest.Request(null, IngestHarness.browser("81.2.69.142", CHROME), "s3cret",
        true, true)).accepted).isEqualTo(1);
    assertThat(mp.hits.get(0).clientId).as("MP: a server's own ids").isEqualTo("c1");
  }
}
