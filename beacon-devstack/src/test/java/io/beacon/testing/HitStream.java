package io.beacon.testing;

import io.beacon.model.Hit;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A deterministic generated stream of hits for aggregation tests: several properties in time zones with
 * whole-hour, half-hour and DST offsets; clients with several sessions; page views, custom events, key events,
 * first visits, engagement; dimension values with gaps (null); bots; hits out of order, 2 days late, and some
 * more than 72 h late (which the stream must hand to recompute).
 */
public final class HitStream {

  /** Property id -> IANA zone of the generated properties. */
  public static final Map<String, ZoneId> ZONES = Map.of(
      "B-BERLIN", ZoneId.of("Europe/Berlin"),
      "B-KOLKATA", ZoneId.of("Asia/Kolkata"),
      "B-NEWYORK", ZoneId.of("America/New_York"));

  private static final String[] PATHS = {"/", "/pricing", "/docs", "/blog/a", "/blog/b", null};
  private static final String[] TITLES = {"Home", "Pricing", "Docs", null};
  private static final String[] HOSTS = {"example.com", "www.example.com"};
  private static final String[] REFERRERS = {null, "https://google.com/", "https://news.ycombinator.com/"};
  private static final String[][] ACQUISITION = {
      {"google", "organic", null}, {"(direct)", "(none)", null}, {"newsletter", "email", "autumn"}, {null, null, null}};
  private static final String[] DEVICES = {"desktop", "mobile", "tablet"};
  private static final String[] BROWSERS = {"Chrome", "Firefox", "Safari", null};
  private static final String[] OSES = {"Windows", "macOS", "Android", "iOS"};
  private static final String[] SCREENS = {"1920x1080", "390x844", null};
  private static final String[] LANGUAGES = {"en-us", "de-de", "hi-in"};
  private static final String[][] GEO = {{"DE", "Berlin", "Berlin"}, {"IN", "Maharashtra", "Mumbai"},
      {"US", "New York", "New York"}, {null, null, null}};
  private static final String[] EVENTS = {"page_view", "page_view", "page_view", "scroll", "click", "sign_up"};

  private HitStream() {
  }

  /**
   * About {@code clients} x 2.5 sessions x 3 hits, shuffled in small windows (out of order) plus 3% of hits
   * 2 days late and 1% more than 72 h late (event time older than receipt by 73-80 h).
   *
   * @param now receipt time of the stream's end (epoch ms); event times lie in the 30 h before it
   */
  public static List<Hit> generate(long seed, int clients, long now) {
    return generate(seed, clients, now, false);
  }

  /**
   * {@link #generate(long, int, long)}, and with {@code withUa} every fourth client sends Universal Analytics hits:
   * no session id, no engagement time, events seconds apart, some with {@code ni=1} (non-interaction). The other
   * clients' hits are the same as without it.
   */
  public static List<Hit> generate(long seed, int clients, long now, boolean withUa) {
    Random rnd = new Random(seed);
    List<String> properties = new ArrayList<>(ZONES.keySet());
    Collections.sort(properties);
    List<Hit> hits = new ArrayList<>();
    long span = Duration.ofHours(30).toMillis();
    for (int c = 0; c < clients; c++) {
      String property = properties.get(c % properties.size());
      String client = "c" + seed + "-" + c;
      boolean ua = withUa && c % 4 == 1;
      boolean bot = rnd.nextInt(50) == 0;
      int sessions = 1 + rnd.nextInt(4);
      String[] geo = GEO[rnd.nextInt(GEO.length)];
      String device = DEVICES[rnd.nextInt(DEVICES.length)];
      String browser = BROWSERS[rnd.nextInt(BROWSERS.length)];
      String os = OSES[rnd.nextInt(OSES.length)];
      String screen = SCREENS[rnd.nextInt(SCREENS.length)];
      String language = LANGUAGES[rnd.nextInt(LANGUAGES.length)];
      for (int s = 0; s < sessions; s++) {
        String session = rnd.nextInt(20) == 0 ? null : "s" + s;
        String[] acq = ACQUISITION[rnd.nextInt(ACQUISITION.length)];
        long ts = now - span + (long) (rnd.nextDouble() * span);
        int events = 1 + rnd.nextInt(5);
        boolean engaged = false;
        for (int e = 0; e < events; e++) {
          int gap = rnd.nextInt(120_000);
          ts += ua ? gap / 20 : gap; // UA: within 6 s, so the session's span rarely engages it alone
          String event = e == 0 ? "page_view" : EVENTS[rnd.nextInt(EVENTS.length)];
          engaged |= e >= 2 || rnd.nextInt(3) == 0;
          long received = ts + rnd.nextInt(2_000);
          long eventTs = ts;
          int lateness = rnd.nextInt(100);
          if (lateness < 3) {
            received = ts + Duration.ofHours(48).toMillis() + rnd.nextInt(60_000); // 2 days late
          } else if (lateness < 4) {
            eventTs = received - Duration.ofHours(73 + rnd.nextInt(8)).toMillis(); // beyond 72 h
          }
          String requestId = client + "-" + s + "-" + e;
          long engagementMs = rnd.nextInt(30_000);
          hits.add(Hit.builder()
              .propertyId(property)
              .clientId(client)
              .requestId(requestId)
              .sessionId(ua ? null : session)
              .sessionNumber(s + 1)
              .ts(eventTs)
              .receivedAt(received)
              .eventName(event)
              .engagementMs(ua ? null : engagementMs)
              .sessionEngaged(engaged)
              .keyEvent("sign_up".equals(event))
              .firstVisit(s == 0 && e == 0)
              .sessionStart(e == 0)
              .nonInteraction(ua && e > 0 && (e + c) % 2 == 0 ? Boolean.TRUE : null)
              .pageLocation("https://example.com" + PATHS[rnd.nextInt(PATHS.length)])
              .hostname(HOSTS[rnd.nextInt(HOSTS.length)])
              .pagePath(PATHS[rnd.nextInt(PATHS.length)])
              .pageTitle(TITLES[rnd.nextInt(TITLES.length)])
              .pageReferrer(REFERRERS[rnd.nextInt(REFERRERS.length)])
              .source(acq[0])
              .medium(acq[1])
              .campaign(acq[2])
              .deviceCategory(bot ? "bot" : device)
              .browser(browser)
              .os(os)
              .screenResolution(screen)
              .language(language)
              .country(geo[0])
              .region(geo[1])
              .city(geo[2])
              .isBot(bot)
              .protocol(ua ? "ua" : "test")
              .schemaVersion(Hit.SCHEMA_VERSION)
              .build());
        }
      }
    }
    // Out of order: shuffle within windows of 50 hits (Kafka keeps per-client order, the test data need not).
    for (int i = 0; i < hits.size(); i += 50) {
      Collections.shuffle(hits.subList(i, Math.min(hits.size(), i + 50)), rnd);
    }
    Collections.shuffle(hits, rnd);
    return hits;
  }
}
