package io.beacon.collector.enrich;

import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Where a hit came from: source/medium/campaign/term/content from explicit campaign fields or the
 * page URL's {@code utm_*}/{@code gclid}, else classified from the referrer (search engines are
 * organic, known social sites social, other sites referral, none or the site itself
 * {@code (direct)/(none)}).
 */
public record Acquisition(String source, String medium, String campaign, String term, String content) {
  public static final Acquisition DIRECT = new Acquisition("(direct)", "(none)", null, null, null);

  private static final Map<String, String> SEARCH = Map.ofEntries(
      Map.entry("google", "google"), Map.entry("bing", "bing"), Map.entry("duckduckgo", "duckduckgo"),
      Map.entry("yahoo", "yahoo"), Map.entry("yandex", "yandex"), Map.entry("baidu", "baidu"),
      Map.entry("ecosia", "ecosia"), Map.entry("qwant", "qwant"), Map.entry("startpage", "startpage"),
      Map.entry("search.brave", "brave"), Map.entry("naver", "naver"), Map.entry("seznam", "seznam"),
      Map.entry("ask", "ask"), Map.entry("aol", "aol"));
  private static final Map<String, String> SOCIAL = Map.ofEntries(
      Map.entry("facebook.com", "facebook"), Map.entry("fb.com", "facebook"), Map.entry("m.facebook.com", "facebook"),
      Map.entry("l.facebook.com", "facebook"), Map.entry("instagram.com", "instagram"),
      Map.entry("t.co", "twitter"), Map.entry("twitter.com", "twitter"), Map.entry("x.com", "twitter"),
      Map.entry("linkedin.com", "linkedin"), Map.entry("lnkd.in", "linkedin"), Map.entry("reddit.com", "reddit"),
      Map.entry("old.reddit.com", "reddit"), Map.entry("pinterest.com", "pinterest"),
      Map.entry("youtube.com", "youtube"), Map.entry("tiktok.com", "tiktok"), Map.entry("news.ycombinator.com", "hackernews"),
      Map.entry("mastodon.social", "mastodon"), Map.entry("bsky.app", "bluesky"), Map.entry("vk.com", "vk"),
      Map.entry("threads.net", "threads"), Map.entry("whatsapp.com", "whatsapp"), Map.entry("telegram.org", "telegram"));
  private static final Set<String> SEARCH_TLD_HOSTS = Set.of("www", "search", "m", "");

  /**
   * @param explicit campaign fields the sender named (UA's cs/cm/cn/ck/cc, MP params), any may be null
   * @param pageLocation the page URL (utm_* and gclid are read from it)
   * @param referrer the referring URL
   * @param hostname the page's own host: a referrer from it is internal, not a source
   */
  public static Acquisition of(Acquisition explicit, String gclid, String pageLocation, String referrer, String hostname) {
    Map<String, String> q = query(pageLocation);
    String source = first(explicit.source, q.get("utm_source"));
    String medium = first(explicit.medium, q.get("utm_medium"));
    String campaign = first(explicit.campaign, q.get("utm_campaign"));
    String term = first(explicit.term, q.get("utm_term"));
    String content = first(explicit.content, q.get("utm_content"));
    String click = first(gclid, q.get("gclid"));
    if (source != null || click != null) {
      if (source == null) {
        source = "google";
        medium = medium == null ? "cpc" : medium;
      }
      return new Acquisition(source, medium == null ? "(not set)" : medium, campaign, term, content);
    }
    Acquisition fromReferrer = classify(referrer, hostname);
    return new Acquisition(fromReferrer.source, fromReferrer.medium, campaign, term, content);
  }

  /** Classifies a referrer URL alone. */
  public static Acquisition classify(String referrer, String ownHost) {
    String host = host(referrer);
    if (host == null || (ownHost != null && host.equalsIgnoreCase(ownHost))) {
      return DIRECT;
    }
    String bare = host.startsWith("www.") ? host.substring(4) : host;
    String social = SOCIAL.get(bare);
    if (social != null) {
      return new Acquisition(social, "social", null, null, null);
    }
    // search engines: google.com, google.co.uk, www.bing.com, search.yahoo.com, duckduckgo.com ...
    String[] labels = bare.split("\\.");
    for (int i = 0; i < labels.length - 1; i++) {
      String label = labels[i];
      String two = i + 1 < labels.length ? label + "." + labels[i + 1] : label;
      String engine = SEARCH.containsKey(two) ? SEARCH.get(two) : SEARCH.get(label);
      if (engine != null && (i == 0 || SEARCH_TLD_HOSTS.contains(labels[i - 1]) || i == 1)) {
        return new Acquisition(engine, "organic", null, null, null);
      }
    }
    return new Acquisition(bare, "referral", null, null, null);
  }

  static String host(String url) {
    if (url == null || url.isBlank()) {
      return null;
    }
    try {
      String h = URI.create(url.trim().replace(" ", "%20")).getHost();
      return h == null || h.isBlank() ? null : h.toLowerCase(Locale.ROOT);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static Map<String, String> query(String url) {
    if (url == null) {
      return Map.of();
    }
    int q = url.indexOf('?');
    if (q < 0) {
      return Map.of();
    }
    int hash = url.indexOf('#', q);
    return io.beacon.collector.protocol.QueryStrings.parse(hash < 0 ? url.substring(q + 1) : url.substring(q + 1, hash));
  }

  private static String first(String a, String b) {
    return a != null && !a.isBlank() ? a : b != null && !b.isBlank() ? b : null;
  }
}
