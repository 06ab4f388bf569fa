package io.beacon.query.digest;

import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The email report as a person reads it: a subject, a plain-text part and an HTML part holding the same numbers.
 * Every tracked value (page paths, sources, the property's name) is escaped in the HTML; the HTML loads nothing
 * remote (no images, no styles), so opening it tells nobody anything.
 */
public final class DigestContent {
  private DigestContent() {}

  /** A message's parts. */
  public record Message(String subject, String text, String html) {}

  /** A KPI line: its label, the value as shown, the delta as shown. */
  public record Kpi(String label, String value, String delta) {}

  /** The KPIs of {@code f}, each with its delta against the previous period. */
  public static List<Kpi> kpis(DigestFigures f) {
    List<Kpi> out = new ArrayList<>();
    out.add(kpi("Users", f, t -> t.users(), DigestContent::count));
    out.add(kpi("Sessions", f, t -> t.sessions(), DigestContent::count));
    out.add(kpi("Views", f, t -> t.views(), DigestContent::count));
    out.add(kpi("Engagement rate", f, DigestFigures.Totals::engagementRate, DigestContent::percent));
    out.add(kpi("Avg. engagement time", f, DigestFigures.Totals::engagementPerUser, DigestContent::duration));
    out.add(kpi("Key events", f, t -> t.keyEvents(), DigestContent::count));
    return out;
  }

  private static Kpi kpi(String label, DigestFigures f, ToDoubleFunction<DigestFigures.Totals> value,
                         java.util.function.DoubleFunction<String> format) {
    double now = value.applyAsDouble(f.current());
    double before = value.applyAsDouble(f.previous());
    return new Kpi(label, format.apply(now), delta(now, before));
  }

  /**
   * The change against the previous period as the overview shows it: a relative change with one decimal ("+12.5%",
   * "-3.0%", "0.0%"), "new" from nothing, "-" when both are nothing.
   */
  public static String delta(double now, double before) {
    if (before == 0) {
      return now == 0 ? "-" : "new";
    }
    double pct = (now - before) / before * 100;
    String s = String.format(Locale.ROOT, "%.1f%%", Math.abs(pct));
    return s.equals("0.0%") ? s : (pct > 0 ? "+" : "-") + s;
  }

  /** "12,345". */
  public static String count(double n) {
    return String.format(Locale.ENGLISH, "%,d", Math.round(n));
  }

  /** "45.3%". */
  public static String percent(double ratio) {
    return String.format(Locale.ROOT, "%.1f%%", ratio * 100);
  }

  /** "1m 05s", "42s", "1h 02m": the overview's engagement time, rounded to the second. */
  public static String duration(double seconds) {
    long s = Math.round(seconds);
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return String.format(Locale.ROOT, "%dm %02ds", s / 60, s % 60);
    }
    return String.format(Locale.ROOT, "%dh %02dm", s / 3600, (s % 3600) / 60);
  }

  /**
   * The report of {@code propertyName} for {@code period}.
   *
   * @param dashboardUrl the dashboard's public base URL ({@code mail.publicDashboardUrl})
   */
  public static Message build(String propertyId, String propertyName, ZoneId zone, DigestPeriod period,
                              DigestFigures f, String dashboardUrl) {
    String name = propertyName == null || propertyName.isBlank() ? propertyId : propertyName;
    String subject = oneLine("Beacon " + period.frequency().adjective() + " report: " + name + ", " + period.label());
    String link = dashboardUrl.replaceAll("/+$", "") + "/dashboard/#overview?p=" + propertyId + "&range=custom&cmp=1&from="
        + period.start() + "&to=" + period.end();
    List<Kpi> kpis = kpis(f);
    String compared = "compared with " + period.previous().label();

    StringBuilder t = new StringBuilder();
    t.append(subject).append("\n").append(period.label()).append(" (").append(zone.getId()).append("), ")
        .append(compared).append("\n\n");
    for (Kpi k : kpis) {
      t.append(k.label()).append(": ").append(k.value()).append(" (").append(k.delta()).append(")\n");
    }
    textList(t, "Top pages", f.topPages(), "views");
    textList(t, "Top sources", f.topSources(), "sessions");
    t.append("\nOpen the dashboard: ").append(link).append("\n\n")
        .append("You receive this because an admin of ").append(oneLine(name))
        .append(" subscribed you in Beacon; an admin can unsubscribe you there.\n");

    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>").append(esc(subject))
        .append("</title></head><body style=\"font-family:sans-serif;color:#222\">")
        .append("<h1 style=\"font-size:20px\">").append(esc(subject)).append("</h1>")
        .append("<p>").append(esc(period.label())).append(" (").append(esc(zone.getId())).append("), ")
        .append(esc(compared)).append("</p>")
        .append("<table cellpadding=\"6\" style=\"border-collapse:collapse\"><tbody>");
    for (Kpi k : kpis) {
      h.append("<tr><th align=\"left\">").append(esc(k.label())).append("</th><td align=\"right\">").append(esc(k.value()))
          .append("</td><td align=\"right\">").append(esc(k.delta())).append("</td></tr>");
    }
    h.append("</tbody></table>");
    htmlList(h, "Top pages", f.topPages(), "Views");
    htmlList(h, "Top sources", f.topSources(), "Sessions");
    h.append("<p><a href=\"").append(esc(link)).append("\">Open the dashboard</a></p>")
        .append("<p style=\"color:#666;font-size:12px\">You receive this because an admin of ").append(esc(name))
        .append(" subscribed you in Beacon; an admin can unsubscribe you there.</p></body></html>");
    return new Message(subject, t.toString(), h.toString());
  }

  private static void textList(StringBuilder t, String title, List<DigestFigures.Ranked> rows, String unit) {
    t.append("\n").append(title).append("\n");
    if (rows.isEmpty()) {
      t.append("  (none)\n");
    }
    for (DigestFigures.Ranked r : rows) {
      t.append("  ").append(oneLine(r.value())).append(": ").append(count(r.count())).append(" ").append(unit).append("\n");
    }
  }

  private static void htmlList(StringBuilder h, String title, List<DigestFigures.Ranked> rows, String unit) {
    h.append("<h2 style=\"font-size:16px\">").append(esc(title)).append("</h2>");
    if (rows.isEmpty()) {
      h.append("<p>(none)</p>");
      return;
    }
    h.append("<table cellpadding=\"4\" style=\"border-collapse:collapse\"><thead><tr><th align=\"left\"></th>")
        .append("<th align=\"right\">").append(esc(unit)).append("</th></tr></thead><tbody>");
    for (DigestFigures.Ranked r : rows) {
      h.append("<tr><td>").append(esc(r.value())).append("</td><td align=\"right\">").append(count(r.count()))
          .append("</td></tr>");
    }
    h.append("</tbody></table>");
  }

  /** Control characters (a tracked value may hold any) as spaces: a line of text stays one line. */
  static String oneLine(String s) {
    return s == null ? "" : s.replaceAll("\\p{Cntrl}", " ");
  }

  /** HTML text and attribute escaping. */
  static String esc(String s) {
    StringBuilder b = new StringBuilder();
    for (char c : oneLine(s).toCharArray()) {
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }
}
