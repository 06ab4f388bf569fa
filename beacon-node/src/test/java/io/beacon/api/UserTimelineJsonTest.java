package io.beacon.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.beacon.model.Hit;
import io.beacon.model.explorer.TimelineRequest;
import io.beacon.model.explorer.UserTimeline;
import io.beacon.model.session.SessionRules;
import io.vertx.core.json.JsonObject;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The user explorer's wire forms: snake_case keys accepted, 400s naming the field, times in the property's zone. */
class UserTimelineJsonTest {
  private static final ZoneId ZONE = ZoneId.of("America/New_York");
  private static final LocalDate TODAY = LocalDate.of(2026, 12, 7);

  @Test
  void answerHasTimesInThePropertysZone() {
    TimelineRequest request = UserTimelineJson.parseRequest(new JsonObject().put("client_id", "c1"), ZONE, TODAY);
    long ts = 1_764_576_000_000L; // 2025-12-01T08:00:00Z = 03:00 in New York
    Hit h = Hit.builder().propertyId("P").clientId("c1").requestId("r1").sessionId("s1").ts(ts)
        .eventName("page_view").pagePath("/a").params(Map.of("k", "v")).source("(direct)").medium("(none)").build();
    JsonObject json = UserTimelineJson.toJson(request, UserTimeline.of(List.of(h), SessionRules.GA4, 10), false,
        ZONE, Map.of("dataSource", "rawHits", "timeZone", ZONE.getId()));
    assertThat(json.getJsonObject("person").getString("firstSeen")).isEqualTo("2025-12-01T03:00:00.000-05:00");
    JsonObject session = json.getJsonArray("sessions").getJsonObject(0);
    assertThat(session.getString("channelGroup")).isEqualTo("Direct");
    JsonObject event = session.getJsonArray("events").getJsonObject(0);
    assertThat(event.getString("ts")).isEqualTo("2025-12-01T03:00:00.000-05:00");
    assertThat(event.containsKey("pageTitle")).isFalse();
    assertThat(event.getJsonObject("params").getString("k")).isEqualTo("v");
    assertThat(json.getJsonObject("metadata").getBoolean("truncated")).isFalse();
    assertThat(json.getJsonObject("metadata").getString("dataSource")).isEqualTo("rawHits");
    assertThat(json.getJsonObject("metadata").getJsonObject("dateRange").getString("endDate")).isEqualTo("2026-12-07");

    JsonObject empty = UserTimelineJson.toJson(request, UserTimeline.of(List.of(), SessionRules.GA4, 10), false, ZONE,
        Map.of());
    assertThat(empty.getValue("person")).isNull();
    assertThat(empty.getJsonArray("sessions")).isEmpty();
  }

  @Test
  void badInputIsA400NamingTheField() {
    assertThatThrownBy(() -> UserTimelineJson.parseRequest(new JsonObject().put("clientId", "a").put("userId", "b"),
        ZONE, TODAY)).isInstanceOfSatisfying(ApiException.class, e -> {
          assertThat(e.status()).isEqualTo(400);
          assertThat(e.field()).isEqualTo("userId");
        });
    assertThatThrownBy(() -> UserTimelineJson.parseRequest(new JsonObject().put("clientId", "a").put("limit", 20_000),
        ZONE, TODAY)).isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.field()).isEqualTo("limit"));
  }
}
