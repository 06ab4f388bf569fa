package io.beacon.query;

import io.beacon.model.aggregation.Dimension;
import io.beacon.model.report.CustomDimension;
import io.beacon.model.report.ReportMetric;
import io.beacon.model.report.TimeDimension;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The dimensions and metrics as the GA4 Data API's {@code Metadata} describes them: {@code apiName}, {@code uiName},
 * {@code description}, {@code category}, {@code customDefinition} (and for metrics {@code type}), plus Beacon's
 * {@code precomputed} (whether the stream's aggregates answer it, else recompute from raw hits). Custom dimensions
 * take any parameter name, so they are listed once each with a placeholder ({@code customEvent:<param>}).
 */
final class ApiCatalog {
  private ApiCatalog() {}

  private record Info(String uiName, String category, String description) {}

  private static final Map<String, Info> DIMENSIONS = Map.ofEntries(
      Map.entry("date", new Info("Date", "Time", "The date of the event, YYYYMMDD, in the property's time zone.")),
      Map.entry("dateHour", new Info("Date + hour (YYYYMMDDHH)", "Time",
          "The date and hour of the event, YYYYMMDDHH, in the property's time zone.")),
      Map.entry("hour", new Info("Hour", "Time", "The hour of the event, 00 to 23, in the property's time zone.")),
      Map.entry("pagePath", new Info("Page path", "Page / screen", "The path of the page (no host, no query string).")),
      Map.entry("pageTitle", new Info("Page title", "Page / screen", "The title of the page.")),
      Map.entry("landingPage", new Info("Landing page", "Page / screen",
          "The path of the session's first page view; (not set) for a session without one.")),
      Map.entry("hostName", new Info("Hostname", "Page / screen", "The host name of the page's URL.")),
      Map.entry("pageReferrer", new Info("Page referrer", "Page / screen", "The full URL of the previous page.")),
      Map.entry("sessionSource", new Info("Session source", "Traffic source",
          "Where the session came from (utm_source, a search engine, a referring host, or (direct)), from its"
              + " earliest event.")),
      Map.entry("sessionMedium", new Info("Session medium", "Traffic source",
          "The medium of the session (utm_medium, organic, referral, cpc, or (none)).")),
      Map.entry("sessionCampaignName", new Info("Session campaign", "Traffic source",
          "The campaign of the session (utm_campaign).")),
      Map.entry("sessionSourceMedium", new Info("Session source / medium", "Traffic source",
          "The session's source and medium, \"source / medium\".")),
      Map.entry("sessionDefaultChannelGroup", new Info("Session default channel group", "Traffic source",
          "The session's channel by GA4's default channel group rules (Organic Search, Direct, Referral, ...).")),
      Map.entry("sessionManualTerm", new Info("Session manual term", "Traffic source", "The session's utm_term.")),
      Map.entry("sessionManualAdContent", new Info("Session manual ad content", "Traffic source",
          "The session's utm_content.")),
      Map.entry("newVsReturning", new Info("New / established", "User",
          "new for the session holding the user's first visit, else returning.")),
      Map.entry("firstUserSource", new Info("First user source", "Traffic source",
          "The source of the user's first session.")),
      Map.entry("firstUserMedium", new Info("First user medium", "Traffic source",
          "The medium of the user's first session.")),
      Map.entry("firstUserCampaignName", new Info("First user campaign", "Traffic source",
          "The campaign of the user's first session.")),
      Map.entry("deviceCategory", new Info("Device category", "Platform / device",
          "desktop, mobile or tablet.")),
      Map.entry("browser", new Info("Browser", "Platform / device", "The browser's name.")),
      Map.entry("operatingSystem", new Info("Operating system", "Platform / device",
          "The operating system's name.")),
      Map.entry("screenResolution", new Info("Screen resolution", "Platform / device",
          "The screen's resolution, WIDTHxHEIGHT.")),
      Map.entry("mobileDeviceModel", new Info("Device model", "Platform / device",
          "The device's model, as the sender names it.")),
      Map.entry("mobileDeviceBranding", new Info("Device brand", "Platform / device",
          "The device's manufacturer or brand, as the sender names it.")),
      Map.entry("language", new Info("Language", "Platform / device", "The browser's language, lower case.")),
      Map.entry("country", new Info("Country ID", "Geography",
          "The user's country as an ISO 3166-1 alpha-2 code (GA4 calls this countryId).")),
      Map.entry("region", new Info("Region", "Geography", "The user's region.")),
      Map.entry("city", new Info("City", "Geography", "The user's city.")),
      Map.entry("eventName", new Info("Event name", "Event", "The name of the event.")),
      Map.entry("streamId", new Info("Stream ID", "Platform / device",
          "The stream the event was sent to: the measurement id (G-..., UA-...-..., or the property id) or the Firebase"
              + " app id it named; (not set) for events collected before streams were recorded.")),
      Map.entry("platform", new Info("Platform", "Platform / device",
          "web, Android or iOS: Android or iOS for an app stream (Firebase app id), web for every other stream.")),
      Map.entry("customEvent:<param>", new Info("Event parameter <param>", "Custom",
          "An event parameter, as sent with the event; (not set) when the event has none. Any parameter name.")),
      Map.entry("customUser:<name>", new Info("User property <name>", "Custom",
          "A user property, as sent with the event (MP user_properties, gtag up.). Any property name.")));

  private static final Map<String, Info> METRICS = Map.ofEntries(
      Map.entry("screenPageViews", new Info("Views", "Page / screen", "The number of page_view and screen_view events.")),
      Map.entry("eventCount", new Info("Event count", "Event", "The number of events.")),
      Map.entry("keyEvents", new Info("Key events", "Event",
          "The number of key events (the event names the property marks as key events).")),
      Map.entry("userEngagementDuration", new Info("User engagement", "User",
          "The total engagement time, in seconds.")),
      Map.entry("newUsers", new Info("New users", "User",
          "The users whose first event ever (for the property) falls in the row.")),
      Map.entry("totalUsers", new Info("Total users", "User", "The number of distinct users (client ids).")),
      Map.entry("activeUsers", new Info("Active users", "User",
          "The distinct users with an engaged session, engagement time or a first visit in the row.")),
      Map.entry("sessions", new Info("Sessions", "Session", "The number of distinct sessions.")),
      Map.entry("engagedSessions", new Info("Engaged sessions", "Session",
          "Sessions longer than 10 seconds of engagement, with a key event, or with two or more page views.")),
      Map.entry("engagementRate", new Info("Engagement rate", "Session", "engagedSessions / sessions.")),
      Map.entry("bounceRate", new Info("Bounce rate", "Session", "1 - engagementRate.")),
      Map.entry("averageSessionDuration", new Info("Average session duration", "Session",
          "userEngagementDuration / sessions, in seconds.")),
      Map.entry("screenPageViewsPerSession", new Info("Views per session", "Session", "screenPageViews / sessions.")),
      Map.entry("eventsPerSession", new Info("Events per session", "Session", "eventCount / sessions.")));

  /** The {@code DimensionMetadata} of every dimension. */
  static List<JsonObject> dimensions() {
    List<JsonObject> out = new ArrayList<>();
    for (TimeDimension t : TimeDimension.values()) {
      out.add(dimension(t.apiName(), true, false));
    }
    for (Dimension d : Dimension.values()) {
      out.add(dimension(d.apiName(), d.precomputed(), false));
    }
    for (CustomDimension c : CustomDimension.values()) {
      out.add(dimension(c.apiPrefix() + (c == CustomDimension.EVENT ? "<param>" : "<name>"), false, true));
    }
    return out;
  }

  /** The {@code DimensionMetadata} of one requested dimension ({@code customEvent:plan} too). */
  static JsonObject dimension(String apiName) {
    if (CustomDimension.of(apiName).isPresent()) {
      CustomDimension c = CustomDimension.of(apiName).get();
      String placeholder = c.apiPrefix() + (c == CustomDimension.EVENT ? "<param>" : "<name>");
      String name = apiName.substring(c.apiPrefix().length());
      return dimension(placeholder, false, true).put("apiName", apiName)
          .put("uiName", DIMENSIONS.get(placeholder).uiName().replaceAll("<.*>", name));
    }
    Dimension d = Dimension.ofApiName(apiName);
    return dimension(apiName, d == null || d.precomputed(), false);
  }

  private static JsonObject dimension(String apiName, boolean precomputed, boolean custom) {
    Info info = DIMENSIONS.getOrDefault(apiName, new Info(apiName, "General", ""));
    return new JsonObject().put("apiName", apiName).put("uiName", info.uiName())
        .put("description", info.description()).put("customDefinition", custom).put("category", info.category())
        .put("precomputed", precomputed);
  }

  /** The {@code MetricMetadata} of a metric. */
  static JsonObject metric(ReportMetric m) {
    Info info = METRICS.getOrDefault(m.apiName(), new Info(m.apiName(), "General", ""));
    return new JsonObject().put("apiName", m.apiName()).put("uiName", info.uiName())
        .put("description", info.description()).put("type", m.type()).put("customDefinition", false)
        .put("category", info.category());
  }

  /** The whole {@code Metadata} resource. */
  static JsonObject metadata(String propertyId) {
    JsonArray metrics = new JsonArray();
    for (ReportMetric m : ReportMetric.values()) {
      metrics.add(metric(m));
    }
    return new JsonObject().put("name", "properties/" + propertyId + "/metadata")
        .put("dimensions", new JsonArray(new ArrayList<>(dimensions()))).put("metrics", metrics);
  }
}
