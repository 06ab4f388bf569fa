package io.beacon.api;

import io.beacon.model.path.PathAggregation;
import io.beacon.model.path.PathRequest;
import io.beacon.model.report.InvalidRequestException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The wire forms of a path exploration ({@code runPathReport}, docs/analytics-model.md, "Path exploration"): the body
 * into a {@link PathRequest}, the counted paths into {@code nodes}, {@code links} and {@code metadata} (a Sankey's).
 */
public final class PathJson {
  private PathJson() {}

  /**
   * Parses and validates a {@code runPathReport} body (keys in either JSON spelling).
   *
   * @throws ApiException (400) naming the field
   */
  public static PathRequest parseRequest(JsonObject body, ZoneId zone, LocalDate today, int maxDays) {
    try {
      return PathRequest.parse(body == null ? null : ReportJson.plainObject(ReportJson.camelCaseKeys(body)), zone,
          today, maxDays);
    } catch (InvalidRequestException e) {
      throw ApiException.of(e);
    }
  }

  /** The answer of {@code request}: the folded nodes and links, and the read's metadata with the request's echo. */
  public static JsonObject toJson(PathRequest request, PathAggregation.Result result, Map<String, Object> metadata) {
    JsonArray nodes = new JsonArray();
    for (PathAggregation.Node n : result.nodes()) {
      nodes.add(new JsonObject().put("step", n.step()).put("value", n.value()).put("sessions", n.sessions()));
    }
    JsonArray links = new JsonArray();
    for (PathAggregation.Link l : result.links()) {
      links.add(new JsonObject().put("fromStep", l.fromStep()).put("from", l.from()).put("to", l.to())
          .put("sessions", l.sessions()));
    }
    JsonObject md = new JsonObject(new LinkedHashMap<>(metadata));
    md.put("sessions", result.sessions());
    md.put("direction", request.direction().wire());
    md.put("nodeType", request.nodeType().wire());
    md.put("dateRange", new JsonObject().put("startDate", request.dateRange().start().toString())
        .put("endDate", request.dateRange().end().toString()));
    md.put("botsExcluded", true);
    return new JsonObject().put("nodes", nodes).put("links", links).put("metadata", md);
  }
}
