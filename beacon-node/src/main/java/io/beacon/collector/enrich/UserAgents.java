package io.beacon.collector.enrich;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.beacon.collector.protocol.Protocol;
import java.util.regex.Pattern;
import ua_parser.Client;
import ua_parser.Parser;

/**
 * User-Agent → device category, browser, OS and bot flag, with ua-parser's maintained regexes
 * ({@code uap-java}). Parsing costs tens of microseconds; browsers repeat a few thousand distinct
 * strings, so results are cached (Caffeine, bounded). Thread-safe: one per node is enough.
 *
 * <p>Who is a bot (docs/analytics-model.md, "Bots"): a hit whose User-Agent matches the crawler list, that is
 * ua-parser's {@code Spider} device family (uap-core's maintained crawler regexes) or {@link #CRAWLER}. What else
 * depends on who sends the request ({@link Protocol#serverSide()}):
 * <ul>
 *   <li>browser protocols (gtag, tracker): a browser always sends a User-Agent, so none at all, or an HTTP
 *       library's ({@link #HTTP_LIBRARY}: curl, python-requests, ...), is a script: a bot, as before;</li>
 *   <li>server-side protocols (GA4 MP, UA MP): the request comes from the site's own server, so a missing
 *       User-Agent, the relay's HTTP library, or an agent naming neither a browser nor a system ua-parser knows,
 *       says nothing about the user: not a bot, and no device fields ({@link DeviceInfo#NOT_SET}, "(not set)" in
 *       reports). A crawler's User-Agent (e.g. in UA's {@code ua}) is still a bot.</li>
 * </ul>
 *
 * <p>No device model or brand ({@code mobileDeviceModel}, {@code mobileDeviceBranding}): uap-java 1.6 exposes only
 * the device family, which mixes brand and model ("Samsung SM-S911B", "iPhone") or names a placeholder ("Generic
 * Smartphone", Chrome's frozen "K"); the hit carries them only as a server-side sender names them (MP's {@code
 * device} object), else they are "(not set)".
 */
public final class UserAgents {
  /** Crawlers, headless and monitoring agents: a bot whoever relays the hit. */
  private static final Pattern CRAWLER = Pattern.compile(
      "(?i)bot\\b|bot/|crawl|spider|slurp|headless|lighthouse|pingdom|uptime|monitor|facebookexternalhit|"
          + "preview|scrapy|phantomjs|selenium|puppeteer|playwright");
  /** HTTP client libraries: a script behind a browser protocol, a relaying server behind a server-side one. */
  private static final Pattern HTTP_LIBRARY = Pattern.compile(
      "(?i)python-requests|python-urllib|python-httpx|aiohttp|curl/|wget/|go-http-client|java/|java-http-client|okhttp|"
          + "apache-httpclient|node-fetch|axios/|undici|guzzlehttp|libwww-perl|faraday");
  private static final Pattern TABLET = Pattern.compile("(?i)ipad|tablet|kindle|silk/|playbook|(android(?!.*mobile))");
  private static final Pattern MOBILE = Pattern.compile("(?i)mobi|iphone|ipod|android.*mobile|windows phone|blackberry|opera mini");
  /** A browser protocol's hit without any User-Agent. */
  private static final DeviceInfo NO_AGENT_BOT = new DeviceInfo("bot", null, null, null, null, true);

  /** What a User-Agent string is, before the sender's protocol is known (so one cache serves every protocol). */
  private enum Kind {
    BROWSER,
    CRAWLER,
    HTTP_LIBRARY,
    /** Neither a browser nor a system ua-parser knows (e.g. a relay's own "shop-backend/2.1"). */
    UNKNOWN
  }

  private record Parsed(DeviceInfo device, Kind kind) {}

  private final Parser parser = new Parser();
  private final Cache<String, Parsed> cache = Caffeine.newBuilder().maximumSize(20_000).build();

  /** {@link #parse(Protocol, String, String, String)} for a hit a browser sent (gtag, tracker). */
  public DeviceInfo parse(String userAgent, String chMobile, String chPlatform) {
    return parse(Protocol.GA4_WEB, userAgent, chMobile, chPlatform);
  }

  /**
   * @param protocol the protocol the hit came in (decides what a missing or library User-Agent means)
   * @param userAgent the User-Agent (payload or header; may be null)
   * @param chMobile the {@code Sec-CH-UA-Mobile} client hint ({@code ?1}/{@code ?0}), may be null
   * @param chPlatform the {@code Sec-CH-UA-Platform} client hint (quoted), may be null
   */
  public DeviceInfo parse(Protocol protocol, String userAgent, String chMobile, String chPlatform) {
    if (userAgent == null || userAgent.isBlank()) {
      return protocol.serverSide() ? DeviceInfo.NOT_SET : NO_AGENT_BOT;
    }
    Parsed parsed = cache.get(userAgent, this::parseUncached);
    DeviceInfo base = parsed.device();
    switch (parsed.kind()) {
      case CRAWLER -> {
        return base;
      }
      case HTTP_LIBRARY, UNKNOWN -> {
        // A browser protocol keeps today's reading: a library is a bot, an unknown agent a desktop.
        return protocol.serverSide() ? DeviceInfo.NOT_SET : base;
      }
      default -> {
        // a browser: client hints below
      }
    }
    if (chMobile == null && chPlatform == null) {
      return base;
    }
    // Chromium freezes the UA string ("Android 10; K"): client hints are the better source.
    String category = base.category();
    if ("?1".equals(chMobile) && !"tablet".equals(category)) {
      category = "mobile";
    }
    String os = base.os();
    if (chPlatform != null) {
      String platform = chPlatform.replace("\"", "").trim();
      if (!platform.isEmpty() && !platform.equalsIgnoreCase("unknown")) {
        os = platform;
      }
    }
    return new DeviceInfo(category, base.browser(), base.browserVersion(), os, base.osVersion(), false);
  }

  private Parsed parseUncached(String ua) {
    Client c = parser.parse(ua);
    // The library list before ua-parser's Spider family, which also counts some HTTP libraries as crawlers (Java/,
    // Python-urllib): a relay's library must not make a server-side hit a bot.
    Kind kind = CRAWLER.matcher(ua).find() ? Kind.CRAWLER
        : HTTP_LIBRARY.matcher(ua).find() ? Kind.HTTP_LIBRARY
        : "Spider".equals(c.device.family) ? Kind.CRAWLER
        : other(c.userAgent.family) == null && other(c.os.family) == null ? Kind.UNKNOWN : Kind.BROWSER;
    // A library's DeviceInfo is only used behind a browser protocol: a bot there.
    boolean bot = kind == Kind.CRAWLER || kind == Kind.HTTP_LIBRARY;
    String category = bot ? "bot" : TABLET.matcher(ua).find() ? "tablet" : MOBILE.matcher(ua).find() ? "mobile" : "desktop";
    return new Parsed(new DeviceInfo(category, other(c.userAgent.family), version(c.userAgent.major, c.userAgent.minor),
        other(c.os.family), version(c.os.major, c.os.minor), bot), kind);
  }

  private static String other(String family) {
    return family == null || family.equals("Other") ? null : family;
  }

  private static String version(String major, String minor) {
    if (major == null) {
      return null;
    }
    return minor == null ? major : major + "." + minor;
  }
}
