package io.beacon.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The truth of a tiny scenario, worked out by hand. */
class GroundTruthTest {
  private static final ZoneId ZONE = ZoneId.of("Europe/Berlin");
  private static final Visitor ANNA = new Visitor("111.1", UserAgentTable.HUMANS.get(0), GeoTable.DEFAULT.get(0),
      "81.2.69.7", "en-us", "1920x1080"); // Chrome on Windows, London
  private static final Visitor BEN = new Visitor("222.2", UserAgentTable.HUMANS.get(9), GeoTable.DEFAULT.get(10),
      "198.51.100.9", "de-de", "390x844"); // iPhone, an address no geo database knows
  private static final Visitor CRAWLER = new Visitor("333.3", UserAgentTable.BOTS.get(0), GeoTable.DEFAULT.get(2),
      "216.160.83.1", "en-us", "1920x1080");

  @Test
  void countsByDateDimensionAndPairAsWorkedOutByHand() {
    GroundTruth truth = new GroundTruth(Map.of("P", ZONE), true);
    // Anna: one tracker session from Google: landing page view, a second page view (engaged), a key event.
    truth.add(hit(ANNA, "s1", "page_view", "/", "https://www.google.com/", "google", "organic", null, 0, false, true, true), at("2026-11-26T10:00:00"));
    truth.add(hit(ANNA, "s1", "page_view", "/pricing", "https://www.site1.example/", "(direct)", "(none)", null, 12_000, true, false, false), at("2026-11-26T10:01:00"));
    truth.add(hit(ANNA, "s1", "sign_up", "/pricing", "https://www.site1.example/", "(direct)", "(none)", null, 3_000, true, false, false), at("2026-11-26T10:02:00"));
    // Ben: a collector-kept session from a newsletter that crosses local midnight.
    truth.add(hit(BEN, "collector", "page_view", "/", null, "mail", "email", "nov", 0, false, true, true), at("2026-11-26T23:59:59"));
    truth.add(hit(BEN, "collector", "page_view", "/pricing", "https://www.site1.example/?utm_source=mail", "(direct)", "(none)", null, 5_000, false, false, false), at("2026-11-27T00:00:01"));
    // A crawler counts only as a bot hit.
    truth.add(hit(CRAWLER, "s9", "page_view", "/", null, "(direct)", "(none)", null, 0, true, true, true), at("2026-11-26T12:00:00"));

    JsonObject p = truth.toJson().getJsonArray("properties").getJsonObject(0);
    assertThat(p.getString("firstDate")).isEqualTo("2026-11-26");
    assertThat(p.getString("lastDate")).isEqualTo("2026-11-27");
    assertThat(p.getJsonObject("botHits").getMap()).isEqualTo(Map.of("20261126", 1L));

    assertThat(row(p, List.of(), "20261126")).isEqualTo(metrics(3, 4, 1, 15.0, 2, 2, 2, 1));
    assertThat(row(p, List.of(), "20261127")).isEqualTo(metrics(1, 1, 0, 5.0, 0, 1, 1, 0));
    // Landing pages: only the session-start hits.
    assertThat(rows(p, List.of("landingPage")).size()).isEqualTo(1);
    assertThat(row(p, List.of("landingPage"), "20261126", "/")).isEqualTo(metrics(2, 2, 0, 0, 2, 2, 2, 0));
    assertThat(row(p, List.of("country"), "20261126", "GB")).isEqualTo(metrics(2, 3, 1, 15.0, 1, 1, 1, 1));
    assertThat(row(p, List.of("country"), "20261126", "(not set)")).isEqualTo(metrics(1, 1, 0, 0, 1, 1, 1, 0));
    assertThat(row(p, List.of("city"), "20261127", "(not set)")).isEqualTo(metrics(1, 1, 0, 5.0, 0, 1, 1, 0));
    assertThat(row(p, List.of("sessionSource"), "20261126", "(direct)")).isEqualTo(metrics(1, 2, 1, 15.0, 0, 1, 1, 1));
    assertThat(row(p, List.of("sessionCampaignName"), "20261126", "(not set)")).isEqualTo(metrics(2, 3, 1, 15.0, 1, 1, 1, 1));
    assertThat(row(p, List.of("sessionSourceMedium"), "20261126", "mail / email")).isEqualTo(metrics(1, 1, 0, 0, 1, 1, 1, 0));
    assertThat(row(p, List.of("pageReferrer"), "20261126", "(not set)")).isEqualTo(metrics(1, 1, 0, 0, 1, 1, 1, 0));
    assertThat(row(p, List.of("browser"), "20261126", "Mobile Safari")).isEqualTo(metrics(1, 1, 0, 0, 1, 1, 1, 0));
    assertThat(row(p, List.of("eventName"), "20261126", "page_view")).isEqualTo(metrics(3, 3, 0, 12.0, 2, 2, 2, 1));
    assertThat(rows(p, List.of("deviceCategory", "sessionSource")).stream().map(r -> ((JsonObject) r)
        .getJsonArray("dimensionValues").encode()).toList()).containsExactly(
            "[\"20261126\",\"desktop\",\"(direct)\"]", "[\"20261126\",\"desktop\",\"google\"]",
            "[\"20261126\",\"mobile\",\"mail\"]", "[\"20261127\",\"mobile\",\"(direct)\"]");
    // No row anywhere counts the crawler's device.
    assertThat(rows(p, List.of("deviceCategory")).encode()).doesNotContain("\"bot\"");
  }

  @Test
  void withoutGeoTheTruthHasNoGeoReports() {
    JsonObject json = new GroundTruth(Map.of("P", ZONE), false).toJson();
    GroundTruth truth = new GroundTruth(Map.of("P", ZONE), false);
    truth.add(hit(ANNA, "s1", "page_view", "/", null, "(direct)", "(none)", null, 0, false, true, true), at("2026-11-26T10:00:00"));
    String reports = truth.toJson().getJsonArray("properties").getJsonObject(0).getJsonArray("reports").encode();
    assertThat(reports).doesNotContain("country", "region", "city").contains("pagePath", "deviceCategory");
    assertThat(json.getJsonArray("properties")).isEmpty();
  }

  private static PlannedHit hit(Visitor v, String session, String event, String path, String referrer, String source,
      String medium, String campaign, long engagementMs, boolean engaged, boolean firstVisit, boolean start) {
    return new PlannedHit("P", v, session, event, "https://www.site1.example" + path, "www.site1.example", path,
        "Title " + path, referrer, source, medium, campaign, Map.of(), engagementMs, engaged, firstVisit, start,
        event.equals("sign_up"), "rid");
  }

  private static long at(String localDateTime) {
    return java.time.LocalDateTime.parse(localDateTime).atZone(ZONE).toInstant().toEpochMilli();
  }

  private static JsonObject metrics(long pv, long events, long keyEvents, double engagementSeconds, long newUsers,
      long users, long sessions, long engaged) {
    return new JsonObject().put("screenPageViews", pv).put("eventCount", events).put("keyEvents", keyEvents)
        .put("userEngagementDuration", engagementSeconds).put("newUsers", newUsers).put("totalUsers", users)
        .put("sessions", sessions).put("engagedSessions", engaged);
  }

  private static JsonArray rows(JsonObject property, List<String> dims) {
    for (Object r : property.getJsonArray("reports")) {
      JsonObject report = (JsonObject) r;
      if (report.getJsonArray("dimensions").getList().equals(new java.util.ArrayList<>(List.of("date")) {{ addAll(dims); }})) {
        return report.getJsonArray("rows");
      }
    }
    throw new AssertionError("no report by " + dims);
  }

  private static JsonObject row(JsonObject property, List<String> dims, String... values) {
    for (Object r : rows(property, dims)) {
      JsonObject row = (JsonObject) r;
      if (row.getJsonArray("dimensionValues").getList().equals(List.of(values))) {
        return normalized(row.getJsonObject("metrics"));
      }
    }
    throw new AssertionError("no row " + List.of(values) + " in " + dims);
  }

  /** Integers as longs, the duration as a double, so rows compare with {@link #metrics}. */
  private static JsonObject normalized(JsonObject m) {
    JsonObject out = new JsonObject();
    m.forEach(e -> out.put(e.getKey(), e.getKey().equals("userEngagementDuration")
        ? ((Number) e.getValue()).doubleValue() : ((Number) e.getValue()).longValue()));
    return out;
  }

}
