package io.beacon.collector;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.collector.protocol.DropReason;
import io.beacon.collector.protocol.HitDraft;
import io.beacon.collector.protocol.ParseResult;
import io.beacon.collector.protocol.PlausibleParser;
import io.beacon.collector.protocol.Problem;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A Plausible event through the collector's checks ({@link Ingest}, dry run) and the registry's domain lookup: the
 * cookieless daily client id every such hit gets, the property's allowed hostnames and Do-Not-Track, domains found
 * in the table without waiting for the next periodic reload.
 */
class PlausibleIngestTest {
  static final long NOW = IngestHarness.NOW;
  static final String CHROME = IngestHarness.CHROME;
  /** Not cookieless: a Plausible hit gets the collector's id anyway. */
  static final PropertyInfo SHOP = new PropertyInfo("B-SHOP", "s", Set.of("shop.example"), Set.of(), true, false,
      Set.of("shop.example"));
  static final PropertyInfo BLOG = new PropertyInfo("B-BLOG", "s", Set.of(), Set.of(), false, false,
      Set.of("blog.example", "blog.example/news"));

  private IngestHarness harness;

  @AfterEach
  void close() throws Exception {
    if (harness != null) {
      harness.close();
    }
  }

  static ParseResult hits(String propertyId, String json, String nonce) {
    PlausibleParser.Result r = PlausibleParser.parse(json.getBytes(StandardCharsets.UTF_8));
    assertThat(r.errors()).isEmpty();
    ParseResult p = new ParseResult();
    p.hits.add(r.event().draft(propertyId, 0, nonce));
    return p;
  }

  private Ingest.Outcome handle(ParseResult parsed, String ip, String userAgent, long now, boolean optOut) {
    return harness.handle(parsed, new Ingest.Request(null, IngestHarness.browser(ip, userAgent, now), null, false, true,
        optOut));
  }

  private HitDraft taken(String propertyId, String json, String ip, String userAgent, long now) {
    ParseResult parsed = hits(propertyId, json, "n");
    Ingest.Outcome out = handle(parsed, ip, userAgent, now, false);
    assertThat(out.problems).isEmpty();
    assertThat(out.accepted).isEqualTo(1);
    return parsed.hits.get(0);
  }

  @Test
  void everyHitGetsTheCollectorsDailyIdFromTheSaltPropertyAddressAndAgent() throws Exception {
    harness = new IngestHarness(SHOP, BLOG);
    String page = "{\"n\":\"pageview\",\"u\":\"https://shop.example/\",\"d\":\"shop.example\"}";
    HitDraft first = taken("B-SHOP", page, "81.2.69.142", CHROME, NOW);
    byte[] salt = IngestHarness.SALTS.salt(null, Math.floorDiv(NOW, 86_400_000L)).result();
    assertThat(first.clientId).isEqualTo(CookielessIds.clientId(salt, "B-SHOP", "81.2.69.142", CHROME))
        .doesNotContain("81.2.69");
    assertThat(taken("B-SHOP", page.replace("\"pageview\"", "\"Signup\""), "81.2.69.142", CHROME, NOW + 60_000).clientId)
        .as("the same browser's next event").isEqualTo(first.clientId);
    assertThat(taken("B-SHOP", page, "81.2.69.143", CHROME, NOW).clientId).isNotEqualTo(first.clientId);
    assertThat(taken("B-BLOG", page.replace("shop.example", "blog.example"), "81.2.69.142", CHROME, NOW).clientId)
        .as("another site").isNotEqualTo(first.clientId);
    assertThat(taken("B-SHOP", page, "81.2.69.142", CHROME, NOW + 86_400_000L).clientId).as("the next day")
        .isNotEqualTo(first.clientId);
  }

  @Test
  void theAllowedHostnamesAndDoNotTrackApply() throws Exception {
    harness = new IngestHarness(SHOP);
    Ingest.Outcome other = handle(hits("B-SHOP", "{\"n\":\"pageview\",\"u\":\"https://evil.example/\",\"d\":\"shop.example\"}",
        "n"), "81.2.69.142", CHROME, NOW, false);
    assertThat(other.accepted).isZero();
    assertThat(other.problems).extracting(Problem::reason).containsExactly(DropReason.HOSTNAME_NOT_ALLOWED);
    assertThat(taken("B-SHOP", "{\"n\":\"pageview\",\"u\":\"https://www.shop.example/\",\"d\":\"shop.example\"}",
        "81.2.69.142", CHROME, NOW)).isNotNull();
    Ingest.Outcome dnt = handle(hits("B-SHOP", "{\"n\":\"pageview\",\"u\":\"https://shop.example/\"}", "n"),
        "81.2.69.142", CHROME, NOW, true);
    assertThat(dnt.optedOut).as("the property respects DNT / GPC").isEqualTo(1);
    assertThat(dnt.problems).isEmpty();
    assertThat(dnt.accepted).isZero();
  }

  /** The registry over a table the test changes, with a clock it turns. */
  @Test
  void domainsAreFoundWithoutWaitingForTheNextReloadAtMostOneReloadPerInterval() {
    Map<String, PropertyInfo> table = new ConcurrentHashMap<>();
    AtomicInteger reads = new AtomicInteger();
    AtomicLong nanos = new AtomicLong(1_000_000_000_000L);
    PropertyRegistry registry = new PropertyRegistry(null, new PropertyRegistry.Source() {
      @Override
      public Future<Void> prepare() {
        return Future.succeededFuture();
      }

      @Override
      public Future<List<PropertyInfo>> all() {
        reads.incrementAndGet();
        return Future.succeededFuture(List.copyOf(table.values()));
      }

      @Override
      public Future<PropertyInfo> one(String id) {
        return Future.succeededFuture(table.get(id));
      }
    }, 30_000, nanos::get);
    table.put("B-SHOP", SHOP);
    registry.reload().result();
    assertThat(registry.byDomain("shop.example").result()).isEqualTo(SHOP);
    assertThat(registry.byDomain("blog.example").result()).as("not there yet").isNull();
    assertThat(reads).as("a reload has just read the table").hasValue(1);

    table.put("B-BLOG", BLOG);
    for (int i = 0; i < 100; i++) {
      assertThat(registry.byDomain("unknown" + i + ".example").result()).isNull();
    }
    assertThat(registry.byDomain("blog.example").result()).as("within 5 s of the last reload: unknown").isNull();
    assertThat(reads).as("no read for unknown domains so soon").hasValue(1);
    nanos.addAndGet(PropertyRegistry.UNKNOWN_TTL.toNanos());
    assertThat(registry.byDomain("blog.example/news").result()).as("found by a reload").isEqualTo(BLOG);
    assertThat(registry.byDomain("blog.example").result()).isEqualTo(BLOG);
    for (int i = 0; i < 100; i++) {
      registry.byDomain("other" + i + ".example");
    }
    assertThat(reads).as("one more read, however many unknown domains").hasValue(2);

    // Two properties claiming one domain (admins racing): the smaller id has it.
    table.put("B-AAA", new PropertyInfo("B-AAA", "s", Set.of(), Set.of(), false, false, Set.of("shop.example")));
    registry.reload().result();
    assertThat(registry.byDomain("shop.example").result().id()).isEqualTo("B-AAA");
    // A property found by id (created since the last reload) brings its domains along.
    table.put("B-NEW", new PropertyInfo("B-NEW", "s", Set.of(), Set.of(), false, false, Set.of("new.example")));
    assertThat(registry.get("B-NEW").result()).isNotNull();
    assertThat(registry.byDomain("new.example").result().id()).isEqualTo("B-NEW");
  }
}
