package io.beacon.model.attribution;

import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * GA4's default channel group ({@code sessionDefaultChannelGroup}), declared in GA4's evaluation order: the
 * first group whose rule matches a session's source, medium and campaign wins, {@link #UNASSIGNED} when none
 * does. The rules are those of "[GA4] Default channel group" for manually tagged and referred traffic; the
 * Google Ads / DV360 / SA360 rules there need ad-platform data Beacon does not have (a gclid arrives as
 * {@code google / cpc}, which the manual rules put in Paid Search).
 *
 * <p>Matching ignores case, as GA4's channel conditions do ({@code caseSensitive} is off in its filters): the
 * values are lower-cased once and the patterns are written in lower case. "Is one of" / "exactly matches" /
 * "= a|b" conditions compare whole values; "contains" and "ends with" compare parts, each as GA4 words it. A
 * missing value reads as {@code (not set)}, which is what reports show for it (so {@code (direct)} with no
 * medium is Direct).
 */
public enum ChannelGroup {
  /** Source exactly {@code (direct)}, medium {@code (not set)} or {@code (none)}. */
  DIRECT("Direct", t -> t.source.equals("(direct)") && (t.medium.equals("(not set)") || t.medium.equals("(none)"))),
  /** Campaign name contains {@code cross-network} (Performance Max, Demand Gen). */
  CROSS_NETWORK("Cross-network", t -> t.campaign.contains("cross-network")),
  /** (A shopping site, or a shopping campaign name) and a paid medium. */
  PAID_SHOPPING("Paid Shopping", t -> (t.is(SourceCategory.SHOPPING) || Rules.SHOPPING_CAMPAIGN.matcher(t.campaign).matches())
      && t.paid()),
  PAID_SEARCH("Paid Search", t -> t.is(SourceCategory.SEARCH) && t.paid()),
  PAID_SOCIAL("Paid Social", t -> t.is(SourceCategory.SOCIAL) && t.paid()),
  PAID_VIDEO("Paid Video", t -> t.is(SourceCategory.VIDEO) && t.paid()),
  DISPLAY("Display", t -> Rules.DISPLAY_MEDIUM.matcher(t.medium).matches()),
  /** A paid medium from a source none of the paid groups above claims. */
  PAID_OTHER("Paid Other", Traffic::paid),
  ORGANIC_SHOPPING("Organic Shopping", t -> t.is(SourceCategory.SHOPPING)
      || Rules.SHOPPING_CAMPAIGN.matcher(t.campaign).matches()),
  ORGANIC_SOCIAL("Organic Social", t -> t.is(SourceCategory.SOCIAL) || Rules.SOCIAL_MEDIUM.matcher(t.medium).matches()),
  ORGANIC_VIDEO("Organic Video", t -> t.is(SourceCategory.VIDEO) || Rules.VIDEO_MEDIUM.matcher(t.medium).matches()),
  ORGANIC_SEARCH("Organic Search", t -> t.is(SourceCategory.SEARCH) || t.medium.equals("organic")),
  REFERRAL("Referral", t -> Rules.REFERRAL_MEDIUM.matcher(t.medium).matches()),
  EMAIL("Email", t -> Rules.EMAIL.matcher(t.source).matches() || Rules.EMAIL.matcher(t.medium).matches()),
  AFFILIATES("Affiliates", t -> t.medium.equals("affiliate")),
  AUDIO("Audio", t -> t.medium.equals("audio")),
  SMS("SMS", t -> t.source.equals("sms") || t.medium.equals("sms")),
  /** Medium ends with {@code push} or contains {@code mobile} or {@code notification}, or source {@code firebase}. */
  MOBILE_PUSH_NOTIFICATIONS("Mobile Push Notifications", t -> t.medium.endsWith("push") || t.medium.contains("mobile")
      || t.medium.contains("notification") || t.source.equals("firebase")),
  UNASSIGNED("Unassigned", t -> true);

  private final String apiValue;
  private final Predicate<Traffic> rule;

  ChannelGroup(String apiValue, Predicate<Traffic> rule) {
    this.apiValue = apiValue;
    this.rule = rule;
  }

  /** The name GA4 reports for the group, e.g. {@code Organic Search}. */
  public String apiValue() {
    return apiValue;
  }

  /** The group of a session's source, medium and campaign name (any may be null: {@code (not set)}). */
  public static ChannelGroup of(String source, String medium, String campaign) {
    Traffic t = new Traffic(source, medium, campaign);
    for (ChannelGroup g : values()) {
      if (g.rule.test(t)) {
        return g;
      }
    }
    throw new AssertionError("UNASSIGNED matches everything");
  }

  /** The group GA4 reports under this name (case-insensitive), for report filters. */
  public static Optional<ChannelGroup> fromApiValue(String apiValue) {
    for (ChannelGroup g : values()) {
      if (g.apiValue.equalsIgnoreCase(apiValue)) {
        return Optional.of(g);
      }
    }
    return Optional.empty();
  }

  /**
   * GA4's patterns, compiled once. In a nested class because an enum's constants are built before its own
   * static fields.
   */
  private static final class Rules {
    /** GA4's "paid" medium: {@code cpc}, {@code cpm}, {@code cpv}... {@code ppc}, {@code retargeting}, {@code paid*}. */
    static final Pattern PAID_MEDIUM = Pattern.compile("^(.*cp.*|ppc|retargeting|paid.*)$");
    /** "shop" at the start of a word (or after an e: "eshop"), or "shopping" anywhere; not "workshop". */
    static final Pattern SHOPPING_CAMPAIGN = Pattern.compile("^(.*(([^a-df-z]|^)shop|shopping).*)$");
    static final Pattern DISPLAY_MEDIUM = Pattern.compile("display|banner|expandable|interstitial|cpm");
    static final Pattern SOCIAL_MEDIUM = Pattern.compile("social|social-network|social-media|sm|social network|social media");
    static final Pattern VIDEO_MEDIUM = Pattern.compile("^(.*video.*)$");
    static final Pattern REFERRAL_MEDIUM = Pattern.compile("referral|app|link");
    static final Pattern EMAIL = Pattern.compile("email|e-mail|e_mail|e mail");
  }

  /** The values a rule reads, lower-cased once; the source's category looked up once. */
  private static final class Traffic {
    final String source;
    final String medium;
    final String campaign;
    final SourceCategory category;

    Traffic(String source, String medium, String campaign) {
      this.source = lower(source);
      this.medium = lower(medium);
      this.campaign = lower(campaign);
      this.category = source == null ? null : SourceCategories.of(source).orElse(null);
    }

    boolean is(SourceCategory c) {
      return category == c;
    }

    boolean paid() {
      return Rules.PAID_MEDIUM.matcher(medium).matches();
    }

    private static String lower(String value) {
      return value == null || value.isBlank() ? "(not set)" : value.toLowerCase(Locale.ROOT);
    }
  }
}
