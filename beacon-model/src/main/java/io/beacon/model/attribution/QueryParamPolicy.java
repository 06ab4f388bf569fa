package io.beacon.model.attribution;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which query parameters of a page URL (and of a referrer, and of a sent page path) a property keeps: the others are
 * stripped before the hit is stored, so tokens, emails and session ids that sites put in their URLs never reach
 * Kafka, QuestDB or the reports, and one page is one row whatever its query string. An entry is a parameter name
 * (compared case-insensitively, as decoded), a prefix ending in {@code *} ({@code utm_*}), or {@code *} alone: keep
 * every parameter (the URL as sent). The default keeps the campaign parameters and the ad platforms' click ids
 * ({@link #DEFAULT}); an empty list strips every one.
 *
 * <p>Kept parameters stay in their order and spelling, as sent. Campaign fields are read from the full URL before it
 * is stripped (the collector's {@link Attribution}), so removing {@code utm_*} from the list hides them from the
 * page URL only, not from acquisition reports.
 */
public record QueryParamPolicy(List<String> kept) {
  /** Longest entry, and most entries, a property may list. */
  public static final int MAX_ENTRY = 100;
  public static final int MAX_ENTRIES = 50;

  /**
   * The campaign parameters (utm_*) and the click ids of Google Ads (gclid, gbraid, wbraid, dclid, gclsrc),
   * Microsoft (msclkid), Meta (fbclid), TikTok (ttclid), X (twclid), LinkedIn (li_fat_id), Yandex (yclid): what GA4
   * and the ad platforms read from landing pages.
   */
  public static final QueryParamPolicy DEFAULT = new QueryParamPolicy(List.of("utm_*", "gclid", "gbraid", "wbraid",
      "dclid", "gclsrc", "msclkid", "fbclid", "ttclid", "twclid", "li_fat_id", "yclid"));
  /** The URL as sent (Beacon's behaviour before the policy). */
  public static final QueryParamPolicy KEEP_ALL = new QueryParamPolicy(List.of("*"));

  public QueryParamPolicy {
    kept = List.copyOf(kept);
  }

  /** The policy as stored (entries comma-separated; {@code ""} strips all); null reads as {@link #DEFAULT}. */
  public static QueryParamPolicy ofStored(String stored) {
    if (stored == null) {
      return DEFAULT;
    }
    Set<String> out = new LinkedHashSet<>();
    for (String e : stored.split(",")) {
      if (!e.isBlank()) {
        out.add(e.strip());
      }
    }
    return new QueryParamPolicy(new ArrayList<>(out));
  }

  public String stored() {
    return String.join(",", kept);
  }

  /** Why an entry cannot be one, or null: 1-100 characters of a URL query's name, no comma; {@code *} only last. */
  public static String problem(String entry) {
    if (entry == null || entry.isBlank() || entry.length() > MAX_ENTRY) {
      return "must be a parameter name of 1-" + MAX_ENTRY + " characters";
    }
    if (entry.indexOf(',') >= 0 || entry.indexOf('&') >= 0 || entry.indexOf('=') >= 0 || entry.indexOf('#') >= 0
        || entry.chars().anyMatch(Character::isWhitespace)) {
      return "must not hold a comma, '&', '=', '#' or white space";
    }
    int star = entry.indexOf('*');
    if (star >= 0 && star != entry.length() - 1) {
      return "may hold '*' only at its end (a prefix, e.g. utm_*), or be '*' alone (keep every parameter)";
    }
    return null;
  }

  /** Whether the parameter named {@code name} (decoded) is kept. */
  public boolean keeps(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    for (String e : kept) {
      String k = e.toLowerCase(Locale.ROOT);
      if (k.endsWith("*") ? n.startsWith(k.substring(0, k.length() - 1)) : n.equals(k)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The URL (or path) with only the kept query parameters, null for null. Without a kept one the {@code ?} goes too;
   * the fragment, if any, stays after the query.
   */
  public String apply(String url) {
    if (url == null) {
      return null;
    }
    int q = url.indexOf('?');
    if (q < 0) {
      return url;
    }
    int hash = url.indexOf('#', q);
    String query = hash < 0 ? url.substring(q + 1) : url.substring(q + 1, hash);
    StringBuilder keptQuery = new StringBuilder();
    for (String pair : query.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      if (keeps(decode(eq < 0 ? pair : pair.substring(0, eq)))) {
        keptQuery.append(keptQuery.length() == 0 ? "" : "&").append(pair);
      }
    }
    String fragment = hash < 0 ? "" : url.substring(hash);
    if (keptQuery.length() == query.length()) {
      return url;
    }
    return url.substring(0, q) + (keptQuery.length() == 0 ? "" : "?" + keptQuery) + fragment;
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return s;
    }
  }
}
