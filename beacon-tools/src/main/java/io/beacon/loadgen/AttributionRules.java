package io.beacon.loadgen;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The ground truth's own reading of the spec's attribution rules (docs: shared analytics-model note, "Semantics",
 * "Attribution"), written from the spec and GA4's published channel definitions, never from Beacon's code: a
 * session's source / medium / campaign from its earliest event, and its default channel group.
 *
 * <p>Source categories (search, social, shopping, video sites) are data: the repository's table
 * ({@value #TABLE}, columns source and category) when it can be found (on the classpath, or under
 * {@code $BEACON_HOME} or the working directory), else the small built-in list below, which holds at least every
 * source the generator sends, with GA4's categories for them.
 */
final class AttributionRules {
  static final String NOT_SET = "(not set)";
  static final String TABLE = "io/beacon/model/attribution/source-categories.tsv";

  /** A session's source, medium and campaign ({@code (not set)} when none). */
  record Acquisition(String source, String medium, String campaign) {
    static final Acquisition DIRECT = new Acquisition("(direct)", "(none)", NOT_SET);

    String sourceMedium() {
      return source + " / " + medium;
    }

    String channelGroup() {
      return AttributionRules.channelGroup(source, medium, campaign);
    }
  }

  /** Referrer hosts of the search engines the spec names, and the source name each gets. */
  private static final List<Map.Entry<Pattern, String>> SEARCH_ENGINES = List.of(
      Map.entry(Pattern.compile("(www\\.)?google\\.[a-z]{2,3}(\\.[a-z]{2})?"), "google"),
      Map.entry(Pattern.compile("(www\\.|cn\\.)?bing\\.com"), "bing"),
      Map.entry(Pattern.compile("(www\\.|html\\.)?duckduckgo\\.com"), "duckduckgo"),
      Map.entry(Pattern.compile("([a-z]{2}\\.)?search\\.yahoo\\.com|search\\.yahoo\\.co\\.jp"), "yahoo"),
      Map.entry(Pattern.compile("(www\\.)?yandex\\.(ru|com|com\\.tr|by|kz|ua)"), "yandex"),
      Map.entry(Pattern.compile("(www\\.|m\\.)?baidu\\.com"), "baidu"),
      Map.entry(Pattern.compile("(www\\.)?ecosia\\.org"), "ecosia"));

  /** GA4's paid-medium regex. */
  private static final Pattern PAID = Pattern.compile("^(.*cp.*|ppc|retargeting|paid.*)$");
  private static final Pattern SHOP_CAMPAIGN = Pattern.compile("^(.*(([^a-df-z]|^)shop|shopping).*)$");
  private static final Pattern VIDEO_MEDIUM = Pattern.compile("^(.*video.*)$");
  private static final Set<String> DISPLAY = Set.of("display", "banner", "expandable", "interstitial", "cpm");
  private static final Set<String> SOCIAL_MEDIUMS =
      Set.of("social", "social-network", "social-media", "sm", "social network", "social media");
  private static final Set<String> REFERRAL_MEDIUMS = Set.of("referral", "app", "link");
  private static final Set<String> EMAIL = Set.of("email", "e-mail", "e_mail", "e mail");

  /** The built-in source categories (GA4's, for the sources the generator uses and a few common ones). */
  private static final String BUILT_IN = """
      google SEARCH
      bing SEARCH
      duckduckgo SEARCH
      yahoo SEARCH
      yandex SEARCH
      baidu SEARCH
      ecosia.org SEARCH
      facebook SOCIAL
      facebook.com SOCIAL
      m.facebook.com SOCIAL
      l.facebook.com SOCIAL
      t.co SOCIAL
      twitter SOCIAL
      instagram SOCIAL
      linkedin SOCIAL
      lnkd.in SOCIAL
      news.ycombinator.com SOCIAL
      old.reddit.com SOCIAL
      reddit SOCIAL
      tiktok SOCIAL
      pinterest SOCIAL
      youtube VIDEO
      youtube.com VIDEO
      m.youtube.com VIDEO
      vimeo VIDEO
      twitch VIDEO
      amazon SHOPPING
      ebay SHOPPING
      etsy SHOPPING
      shopify SHOPPING
      walmart SHOPPING
      """;

  private static volatile Map<String, String> categories;
  private static volatile String categoriesFrom;

  private AttributionRules() {}

  /**
   * The acquisition of a session whose earliest event is this one: utm parameters of its page URL as sent; else
   * gclid: google / cpc; else its referrer: a search engine is that engine / organic, the page's own host or an
   * allowed host is direct, any other host is that host exactly as sent / referral; no referrer is direct.
   */
  static Acquisition of(String pageLocation, String referrer, Set<String> allowedHosts) {
    Map<String, String> q = query(pageLocation);
    if (q.containsKey("utm_source") || q.containsKey("utm_medium") || q.containsKey("utm_campaign")) {
      return new Acquisition(orNotSet(q.get("utm_source")), orNotSet(q.get("utm_medium")),
          orNotSet(q.get("utm_campaign")));
    }
    if (q.containsKey("gclid")) {
      return new Acquisition("google", "cpc", NOT_SET);
    }
    String refHost = host(referrer);
    if (refHost == null) {
      return Acquisition.DIRECT;
    }
    String lower = refHost.toLowerCase(Locale.ROOT);
    String pageHost = host(pageLocation);
    if (lower.equals(pageHost == null ? null : pageHost.toLowerCase(Locale.ROOT)) || allowed(lower, allowedHosts)) {
      return Acquisition.DIRECT;
    }
    for (Map.Entry<Pattern, String> e : SEARCH_ENGINES) {
      if (e.getKey().matcher(lower).matches()) {
        return new Acquisition(e.getValue(), "organic", NOT_SET);
      }
    }
    return new Acquisition(refHost, "referral", NOT_SET);
  }

  /** An allowed hostname, or a subdomain of one (as the property's allow-list reads). */
  private static boolean allowed(String host, Set<String> allowedHosts) {
    for (String a : allowedHosts) {
      String l = a.toLowerCase(Locale.ROOT);
      if (host.equals(l) || host.endsWith("." + l)) {
        return true;
      }
    }
    return false;
  }

  /**
   * GA4's default channel group, its rules in its order, case-insensitively ("Analytics does not enforce case
   * sensitivity"). Source categories from {@link #category}.
   */
  static String channelGroup(String source, String medium, String campaign) {
    String s = lower(source);
    String m = lower(medium);
    String c = lower(campaign);
    String category = category(s);
    boolean paid = PAID.matcher(m).matches();
    boolean shopCampaign = SHOP_CAMPAIGN.matcher(c).matches();
    if (s.equals("(direct)") && (m.equals("(not set)") || m.equals("(none)"))) {
      return "Direct";
    }
    if (c.contains("cross-network")) {
      return "Cross-network";
    }
    if (("SHOPPING".equals(category) || shopCampaign) && paid) {
      return "Paid Shopping";
    }
    if ("SEARCH".equals(category) && paid) {
      return "Paid Search";
    }
    if ("SOCIAL".equals(category) && paid) {
      return "Paid Social";
    }
    if ("VIDEO".equals(category) && paid) {
      return "Paid Video";
    }
    if (DISPLAY.contains(m)) {
      return "Display";
    }
    if (paid) {
      return "Paid Other";
    }
    if ("SHOPPING".equals(category) || shopCampaign) {
      return "Organic Shopping";
    }
    if ("SOCIAL".equals(category) || SOCIAL_MEDIUMS.contains(m)) {
      return "Organic Social";
    }
    if ("VIDEO".equals(category) || VIDEO_MEDIUM.matcher(m).matches()) {
      return "Organic Video";
    }
    if ("SEARCH".equals(category) || m.equals("organic")) {
      return "Organic Search";
    }
    if (REFERRAL_MEDIUMS.contains(m)) {
      return "Referral";
    }
    if (EMAIL.contains(s) || EMAIL.contains(m)) {
      return "Email";
    }
    if (m.equals("affiliate")) {
      return "Affiliates";
    }
    if (m.equals("audio")) {
      return "Audio";
    }
    if (s.equals("sms") || m.equals("sms")) {
      return "SMS";
    }
    if (m.endsWith("push") || m.contains("mobile") || m.contains("notification") || s.equals("firebase")) {
      return "Mobile Push Notifications";
    }
    return "Unassigned";
  }

  /**
   * SEARCH, SOCIAL, SHOPPING, VIDEO or null: the source's category, by name or host, ignoring case and one leading
   * "www." (the table's own lookup rule, so "www.reddit.com" is "reddit.com").
   */
  static String category(String source) {
    return table().get(key(source));
  }

  private static String key(String source) {
    String s = lower(source);
    return s.startsWith("www.") ? s.substring(4) : s;
  }

  /** Where the source categories came from (the truth file notes it). */
  static String categoriesFrom() {
    table();
    return categoriesFrom;
  }

  private static Map<String, String> table() {
    Map<String, String> t = categories;
    if (t == null) {
      synchronized (AttributionRules.class) {
        if (categories == null) {
          load();
        }
        t = categories;
      }
    }
    return t;
  }

  private static void load() {
    try (InputStream in = AttributionRules.class.getClassLoader().getResourceAsStream(TABLE)) {
      if (in != null) {
        categories = parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        categoriesFrom = "classpath:" + TABLE;
        return;
      }
    } catch (IOException e) {
      // fall through to the other places
    }
    String home = System.getProperty("beacon.home", System.getenv().getOrDefault("BEACON_HOME", "."));
    for (Path p : List.of(Path.of(home, "beacon-model/src/main/resources", TABLE),
        Path.of("beacon-model/src/main/resources", TABLE), Path.of("../beacon-model/src/main/resources", TABLE))) {
      if (Files.isRegularFile(p)) {
        try {
          categories = parse(Files.readString(p));
          categoriesFrom = p.toAbsolutePath().normalize().toString();
          return;
        } catch (IOException e) {
          // try the next place
        }
      }
    }
    categories = parse(BUILT_IN);
    categoriesFrom = "the ground truth's built-in list (the repository's " + TABLE + " was not found)";
  }

  /**
   * Lines of source and category, separated by a tab, comma or spaces; '#' comments and a header line are
   * skipped; a {@code SOURCE_CATEGORY_} prefix is dropped.
   */
  static Map<String, String> parse(String text) {
    Map<String, String> out = new HashMap<>();
    for (String line : text.split("\r?\n")) {
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      int cut = Math.max(l.lastIndexOf('\t'), Math.max(l.lastIndexOf(','), l.lastIndexOf(' ')));
      if (cut <= 0) {
        continue;
      }
      String source = key(l.substring(0, cut).strip());
      String category = l.substring(cut + 1).strip().toUpperCase(Locale.ROOT).replace("SOURCE_CATEGORY_", "");
      if (Set.of("SEARCH", "SOCIAL", "SHOPPING", "VIDEO").contains(category)) {
        out.put(source, category);
      }
    }
    return Map.copyOf(out);
  }

  /** The decoded query parameters of a URL (the first value of each). */
  static Map<String, String> query(String url) {
    Map<String, String> out = new LinkedHashMap<>();
    if (url == null) {
      return out;
    }
    int q = url.indexOf('?');
    if (q < 0) {
      return out;
    }
    int hash = url.indexOf('#', q);
    String query = hash < 0 ? url.substring(q + 1) : url.substring(q + 1, hash);
    for (String kv : query.split("&")) {
      if (kv.isEmpty()) {
        continue;
      }
      int eq = kv.indexOf('=');
      String k = decode(eq < 0 ? kv : kv.substring(0, eq));
      String v = eq < 0 ? "" : decode(kv.substring(eq + 1));
      if (!v.isEmpty()) {
        out.putIfAbsent(k, v);
      }
    }
    return out;
  }

  /** The host of a URL as written (null: none, or not a URL). */
  static String host(String url) {
    if (url == null || url.isBlank()) {
      return null;
    }
    try {
      return URI.create(url.strip().replace(" ", "%20")).getHost();
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The path of a URL without query or fragment, as sent ("/" when empty). */
  static String path(String url) {
    if (url == null) {
      return null;
    }
    int scheme = url.indexOf("://");
    int start = scheme < 0 ? 0 : url.indexOf('/', scheme + 3);
    if (start < 0) {
      return "/";
    }
    int end = url.length();
    for (char c : new char[] {'?', '#'}) {
      int i = url.indexOf(c, start);
      if (i >= 0 && i < end) {
        end = i;
      }
    }
    String p = url.substring(start, end);
    return p.isEmpty() ? "/" : p;
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return s;
    }
  }

  private static String orNotSet(String v) {
    return v == null || v.isBlank() ? NOT_SET : v;
  }

  private static String lower(String v) {
    return v == null ? "" : v.toLowerCase(Locale.ROOT);
  }
}
