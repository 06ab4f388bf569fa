package io.beacon.model.attribution;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Where a hit came from, in GA4's terms: source, medium, campaign, term, content (docs/analytics-model.md,
 * "Attribution"). The collector stamps every hit with it; a session's attribution is that of its earliest
 * event. Any component may be null (reports show {@code (not set)}); source and medium never are once
 * {@link #of} has run.
 */
public record Attribution(String source, String medium, String campaign, String term, String content) {
  /** No referrer, or one from the site itself. */
  public static final Attribution DIRECT = new Attribution("(direct)", "(none)", null, null, null);
  /** No explicit campaign fields. */
  public static final Attribution NONE = new Attribution(null, null, null, null, null);

  private static final String NOT_SET = "(not set)";
  private static final String ORGANIC = "organic";
  private static final String REFERRAL = "referral";
  private static final Set<String> URL_PARAMS = Set.of("utm_source", "utm_medium", "utm_campaign", "utm_term",
      "utm_content", "gclid");

  /**
   * A hit's attribution, first rule that applies:
   * <ol>
   *   <li>campaign fields: the explicit ones (UA {@code cs/cm/cn/ck/cc}, Measurement Protocol params), else the
   *       page URL's {@code utm_source/medium/campaign/term/content}, as sent; they count when there is a
   *       source (a source without a medium gets {@code (not set)}, as in GA4);</li>
   *   <li>a Google Ads click id ({@code gclid}, sent or on the page URL): {@code google / cpc};</li>
   *   <li>the referrer: none, or from the page's own host or the property's hostnames: {@code (direct) / (none)};
   *       a search engine ({@link SearchEngines}): its name / {@code organic}; any other host: that host /
   *       {@code referral}.</li>
   * </ol>
   * Campaign, term and content are kept as sent whichever rule gives source and medium.
   *
   * <p>A referral source is the referrer's host lower-cased, without a leading {@code www.} and otherwise
   * as sent: {@code t.co}, {@code m.facebook.com}, {@code news.ycombinator.com}, {@code example.com} for
   * {@code www.example.com}. Social sites keep their hosts (GA4 reports {@code t.co / referral}; the channel
   * group, not the source, says "social").
   *
   * @param explicit campaign fields the sender named, any of them null; null for none
   * @param gclid the click id the sender named outside the page URL, or null
   * @param pageLocation the page URL (utm_* and gclid are read from its query)
   * @param referrer the referring URL (gtag/UA {@code dr}, MP {@code page_referrer})
   * @param pageHost the page's own host: a referrer from it is the visitor moving within the site
   * @param ownHosts the property's allowed hostnames: a referrer from one of them, or from a subdomain of one
   *     (as the allow-list itself reads them), is the site too; may be null or empty
   */
  public static Attribution of(Attribution explicit, String gclid, String pageLocation, String referrer,
      String pageHost, Set<String> ownHosts) {
    Attribution sent = explicit == null ? NONE : explicit;
    Map<String, String> q = urlParams(pageLocation);
    String campaign = first(sent.campaign, q.get("utm_campaign"));
    String term = first(sent.term, q.get("utm_term"));
    String content = first(sent.content, q.get("utm_content"));
    String source = first(sent.source, q.get("utm_source"));
    if (source != null) {
      String medium = first(sent.medium, q.get("utm_medium"));
      return new Attribution(source, medium == null ? NOT_SET : medium, campaign, term, content);
    }
    if (first(gclid, q.get("gclid")) != null) {
      return new Attribution("google", "cpc", campaign, term, content);
    }
    Attribution fromReferrer = fromReferrer(referrer, pageHost, ownHosts);
    return new Attribution(fromReferrer.source, fromReferrer.medium, campaign, term, content);
  }

  /** The referrer rule alone (no campaign fields): direct, organic search or referral. */
  public static Attribution fromReferrer(String referrer, String pageHost, Set<String> ownHosts) {
    String host = hostOf(referrer);
    if (host == null || isOwn(host, pageHost, ownHosts)) {
      return DIRECT;
    }
    return SearchEngines.of(host)
        .map(engine -> new Attribution(engine, ORGANIC, null, null, null))
        // The host as sent (lower case), www. included: the spec's "exactly as sent"; categories ignore www.
        .orElseGet(() -> new Attribution(host, REFERRAL, null, null, null));
  }

  /** GA4's default channel group of this attribution. */
  public ChannelGroup channelGroup() {
    return ChannelGroup.of(source, medium, campaign);
  }

  /**
   * The host of a URL, lower-cased; null when there is none. Public because the collector's page hostname must
   * be read the way referrer hosts are, or a self-referral would not compare equal.
   */
  public static String hostOf(String url) {
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

  private static boolean isOwn(String host, String pageHost, Set<String> ownHosts) {
    String h = SourceCategories.key(host);
    if (pageHost != null && !pageHost.isBlank() && h.equals(SourceCategories.key(pageHost))) {
      return true;
    }
    if (ownHosts != null) {
      for (String own : ownHosts) {
        String o = own == null || own.isBlank() ? null : SourceCategories.key(own);
        if (o != null && (h.equals(o) || h.endsWith("." + o))) {
          return true;
        }
      }
    }
    return false;
  }

  /** The page URL's campaign parameters: form-decoded, the last of a repeated name wins, bad escapes kept raw. */
  private static Map<String, String> urlParams(String url) {
    int q = url == null ? -1 : url.indexOf('?');
    if (q < 0) {
      return Map.of();
    }
    int hash = url.indexOf('#', q);
    Map<String, String> out = new HashMap<>();
    for (String pair : (hash < 0 ? url.substring(q + 1) : url.substring(q + 1, hash)).split("&")) {
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq));
      if (URL_PARAMS.contains(name)) {
        out.put(name, eq < 0 ? "" : decode(pair.substring(eq + 1)));
      }
    }
    return out;
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return s;
    }
  }

  private static String first(String a, String b) {
    return a != null && !a.isBlank() ? a : b != null && !b.isBlank() ? b : null;
  }
}
