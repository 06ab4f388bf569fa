package io.beacon.model.path;

import io.beacon.model.report.DateRangeSpec;
import io.beacon.model.report.InvalidRequestException;
import io.beacon.model.report.ProtoJson;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Map;
import java.util.Set;

/**
 * A validated {@code runPathReport} request (Beacon's own shape; docs/analytics-model.md, "Path exploration"),
 * parsed from plain Java values (objects as {@link Map}s, arrays as {@link java.util.List}s). A bad one is an
 * {@link InvalidRequestException} naming the field.
 *
 * @param start      the anchor node every path starts (forward) or ends (backward) at
 * @param steps      the steps shown beside the anchor (1 to {@value #MAX_STEPS})
 * @param topPerStep the values listed per step; the rest are folded into {@value PathAggregation#OTHER}
 */
public record PathRequest(DateRangeSpec dateRange, Direction direction, Anchor start, NodeType nodeType, int steps,
                          int topPerStep) {
  public static final Set<String> FIELDS = Set.of("property", "dateRange", "direction", "start", "nodeType", "steps",
      "topPerStep", "dimensionFilter");
  public static final int DEFAULT_STEPS = 3;
  public static final int MAX_STEPS = 5;
  public static final int DEFAULT_TOP = 5;
  public static final int MAX_TOP = 20;

  /** Which way from the anchor the path runs. */
  public enum Direction {
    /** What came after the anchor. */
    FORWARD("forward"),
    /** What led to the anchor. */
    BACKWARD("backward");

    private final String wire;

    Direction(String wire) {
      this.wire = wire;
    }

    public String wire() {
      return wire;
    }
  }

  /** What each step of a path shows. */
  public enum NodeType {
    /** The page of each page view ({@code page_view} and {@code screen_view} events only). */
    PAGE_PATH("pagePath"),
    /** The name of each event. */
    EVENT_NAME("eventName");

    private final String wire;

    NodeType(String wire) {
      this.wire = wire;
    }

    public String wire() {
      return wire;
    }
  }

  /**
   * The anchor: an event with this name and/or on this page (at least one; null: any).
   */
  public record Anchor(String eventName, String pagePath) {}

  public static PathRequest parse(Map<String, ?> body, ZoneId zone, LocalDate today, int maxDays) {
    if (body == null) {
      throw InvalidRequestException.of("body", "must be a JSON object");
    }
    ProtoJson.only(body, "", FIELDS);
    if (body.get("dimensionFilter") != null) {
      throw InvalidRequestException.of("dimensionFilter", "a path report's dimensionFilter is not supported by"
          + " Beacon yet");
    }
    Map<?, ?> dr = ProtoJson.message(body, "dateRange", "");
    if (dr == null) {
      throw InvalidRequestException.of("dateRange", "is required: {startDate, endDate}");
    }
    ProtoJson.only(dr, "dateRange", Set.of("startDate", "endDate", "name"));
    DateRangeSpec range = DateRangeSpec.resolve("date_range_0", ProtoJson.string(dr, "startDate", "dateRange"),
        ProtoJson.string(dr, "endDate", "dateRange"), zone, today, "dateRange", maxDays);

    String dir = ProtoJson.string(body, "direction", "");
    Direction direction = switch (dir) {
      case "", "forward" -> Direction.FORWARD;
      case "backward" -> Direction.BACKWARD;
      default -> throw InvalidRequestException.of("direction", "must be forward or backward, was '" + dir + "'");
    };

    Map<?, ?> s = ProtoJson.message(body, "start", "");
    if (s == null) {
      throw InvalidRequestException.of("start", "is required: {eventName, pagePath} (one or both)");
    }
    ProtoJson.only(s, "start", Set.of("eventName", "pagePath"));
    String event = ProtoJson.string(s, "eventName", "start");
    String page = ProtoJson.string(s, "pagePath", "start");
    if (event.isBlank() && page.isBlank()) {
      throw InvalidRequestException.of("start", "needs an eventName, a pagePath or both");
    }
    Anchor anchor = new Anchor(event.isBlank() ? null : event, page.isBlank() ? null : page);

    String nt = ProtoJson.string(body, "nodeType", "");
    NodeType nodeType = switch (nt) {
      case "", "pagePath" -> NodeType.PAGE_PATH;
      case "eventName" -> NodeType.EVENT_NAME;
      default -> throw InvalidRequestException.of("nodeType", "must be pagePath or eventName, was '" + nt + "'");
    };

    long steps = ProtoJson.int64(body, "steps", "", DEFAULT_STEPS);
    if (steps < 1 || steps > MAX_STEPS) {
      throw InvalidRequestException.of("steps", "must be 1 to " + MAX_STEPS + ", was " + steps);
    }
    long top = ProtoJson.int64(body, "topPerStep", "", DEFAULT_TOP);
    if (top < 1 || top > MAX_TOP) {
      throw InvalidRequestException.of("topPerStep", "must be 1 to " + MAX_TOP + ", was " + top);
    }
    return new PathRequest(range, direction, anchor, nodeType, (int) steps, (int) top);
  }
}
