package io.beacon.api;

import io.beacon.model.explorer.TimelineRequest;
import io.beacon.model.explorer.UserTimeline;
import io.beacon.model.report.InvalidRequestException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/**
 * The wire forms of the user explorer ({@code runUserTimeline}, docs/analytics-model.md, "User explorer"): the
 * body into a {@link TimelineRequest}, a {@link UserTimeline.Timeline} into the answer, times as ISO strings in
 * the property's zone (with its offset, so a session over a change of offset reads right).
 */
public final class UserTimelineJson {
  private UserTimelineJson() {}

  /** Milliseconds always written, so times sort as text and two events of one second stay apart. */
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSXXX");

  /**
   * Parses and validates a {@code runUserTimeline} body (keys in either JSON spelling).
   *
   * @throws ApiException (400) naming the field
   */
  public static TimelineRequest parseRequest(JsonObject body, ZoneId zone, LocalDate today) {
    try {
      return TimelineRequest.parse(body == null ? null : ReportJson.plainObject(ReportJson.camelCaseKeys(body)),
          zone, today);
    } catch (InvalidRequestException e) {
      throw ApiException.of(e);
    }
  }

  static String time(long epochMs, ZoneId zone) {
    return TIME.format(Instant.ofEpochMilli(epochMs).atZone(zone));
  }

  /** The answer: {@code person} (null when no event), {@code sessions} (oldest first), {@code metadata}. */
  public static JsonObject toJson(TimelineRequest request, UserTimeline.Timeline timeline, boolean truncated,
      ZoneId zone, Map<String, Object> metadata) {
    JsonObject out = new JsonObject();
    UserTimeline.Person p = timeline.person();
    if (p == null) {
      out.putNull("person");
    } else {
      out.put("person", new JsonObject()
          .put("clientIds", new JsonArray(p.clientIds()))
          .put("userIds", new JsonArray(p.userIds()))
          .put("firstSeen", time(p.firstSeen(), zone))
          .put("lastSeen", time(p.lastSeen(), zone))
          .put("sessions", p.sessions())
          .put("events", p.events())
          .put("country", p.country())
          .put("deviceCategory", p.deviceCategory()));
    }
    JsonArray sessions = new JsonArray();
    for (UserTimeline.Session s : timeline.sessions()) {
      JsonArray events = new JsonArray();
      for (UserTimeline.Event e : s.events()) {
        JsonObject ev = new JsonObject().put("ts", time(e.ts(), zone)).put("name", e.name())
            .put("pagePath", e.pagePath());
        if (e.pageTitle() != null) {
          ev.put("pageTitle", e.pageTitle());
        }
        if (!e.params().isEmpty()) {
          ev.put("params", new JsonObject(new java.util.TreeMap<String, Object>(e.params())));
        }
        events.add(ev);
      }
      sessions.add(new JsonObject()
          .put("clientId", s.clientId())
          .put("sessionId", s.sessionId())
          .put("start", time(s.start(), zone))
          .put("end", time(s.end(), zone))
          .put("engaged", s.engaged())
          .put("source", s.source())
          .put("medium", s.medium())
          .put("campaign", s.campaign())
          .put("channelGroup", s.channelGroup())
          .put("landingPage", s.landingPage())
          .put("deviceCategory", s.deviceCategory())
          .put("browser", s.browser())
          .put("country", s.country())
          .put("events", events));
    }
    JsonObject md = new JsonObject(new java.util.LinkedHashMap<>(metadata));
    md.put("truncated", truncated);
    md.put("dateRange", new JsonObject().put("startDate", request.dateRange().start().toString())
        .put("endDate", request.dateRange().end().toString()));
    md.put("botsExcluded", true);
    return out.put("sessions", sessions).put("metadata", md);
  }
}
