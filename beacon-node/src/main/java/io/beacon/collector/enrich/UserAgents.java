package io.beacon.collector.enrich;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.regex.Pattern;
import ua_parser.Client;
import ua_parser.Parser;

/**
 * User-Agent → device category, browser, OS and bot flag, with ua-parser's maintained regexes
 * ({@code uap-java}). Parsing costs tens of microseconds; browsers repeat a few thousand distinct
 * strings, so results are cached (Caffeine, bounded). Thread-safe: one per node is enough.
 */
public final class UserAgents {
  private static final Pattern BOT = Pattern.compile(
      "(?i)bot\\b|bot/|crawl|spider|slurp|headless|lighthouse|pingdom|uptime|monitor|facebookexternalhit|"
          + "preview|python-requests|python-urllib|curl/|wget/|go-http-client|java/|okhttp|apache-httpclient|"
          + "node-fetch|axios/|scrapy|phantomjs|selenium|puppeteer|playwright");
  private static final Pattern TABLET = Pattern.compile("(?i)ipad|tablet|kindle|silk/|playbook|(android(?!.*mobile))");
  private static final Pattern MOBILE = Pattern.compile("(?i)mobi|iphone|ipod|android.*mobile|windows phone|blackberry|opera mini");

  private final Parser parser = new Parser();
  private final Cache<String, DeviceInfo> cache = Caffeine.newBuilder().maximumSize(20_000).build();

  /**
   * @param userAgent the User-Agent header (may be null)
   * @param chMobile the {@code Sec-CH-UA-Mobile} client hint ({@code ?1}/{@code ?0}), may be null
   * @param chPlatform the {@code Sec-CH-UA-Platform} client hint (quoted), may be null
   */
  public DeviceInfo parse(String userAgent, String chMobile, String chPlatform) {
    String ua = userAgent == null ? "" : userAgent;
    DeviceInfo base = cache.get(ua, this::parseUncached);
    if (chMobile == null && chPlatform == null || base.bot()) {
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

  private DeviceInfo parseUncached(String ua) {
    if (ua.isBlank()) {
      return new DeviceInfo("bot", null, null, null, null, true);
    }
    Client c = parser.parse(ua);
    boolean bot = "Spider".equals(c.device.family) || BOT.matcher(ua).find();
    String category = bot ? "bot" : TABLET.matcher(ua).find() ? "tablet" : MOBILE.matcher(ua).find() ? "mobile" : "desktop";
    return new DeviceInfo(category, other(c.userAgent.family), version(c.userAgent.major, c.userAgent.minor),
        other(c.os.family), version(c.os.major, c.os.minor), bot);
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
