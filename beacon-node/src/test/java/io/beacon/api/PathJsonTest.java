package io.beacon.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.beacon.model.path.PathAggregation;
import io.beacon.model.path.PathRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The path exploration's wire forms: defaults, snake_case keys, 400s naming the field, a Sankey's nodes and links. */
class PathJsonTest {
  private static final ZoneId ZONE = ZoneId.of("Europe/Berlin");
  private static final LocalDate TODAY = LocalDate.of(2026, 12, 7);

  private static JsonObject body() {
    return new JsonObject().put("date_range", new JsonObject().put("start_date", "7daysAgo").put("end_date", "today"))
        .put("start", new JsonObject().put("event_name", "page_view").put("page_path", "/pricing"));
  }

  @Test
  void defaultsAndSnakeCase() {
    PathRequest r = PathJson.parseRequest(body(), ZONE, TODAY, 400);
    assertThat(r.direction()).isEqualTo(PathRequest.Direction.FORWARD);
    assertThat(r.nodeType()).isEqualTo(PathRequest.NodeType.PAGE_PATH);
    assertThat(r.steps()).isEqualTo(3);
    assertThat(r.topPerStep()).isEqualTo(5);
    assertThat(r.start()).isEqualTo(new PathRequest.Anchor("page_view", "/pricing"));
    assertThat(r.dateRange().end()).isEqualTo(TODAY);
  }

  @Test
  void badRequestsNameTheirField() {
    Map<String, JsonObject> bad = Map.of(
        "steps", body().put("steps", 6),
        "topPerStep", body().put("topPerStep", 0),
        "direction", body().put("direction", "sideways"),
        "nodeType", body().put("nodeType", "pageTitle"),
        "start", body().put("start", new JsonObject()),
        "dateRange", body().put("dateRange", (Object) null),
        "dimensionFilter", body().put("dimensionFilter", new JsonObject().put("country", "DE")),
        "segments", body().put("segments", new JsonArray()));
    bad.forEach((field, b) -> assertThatThrownBy(() -> PathJson.parseRequest(b, ZONE, TODAY, 400))
        .as(field).isInstanceOfSatisfying(ApiException.class, e -> {
          assertThat(e.status()).isEqualTo(400);
          assertThat(e.field()).isEqualTo(field);
        }));
  }

  @Test
  void answerListsNodesLinksAndMetadata() {
    PathRequest r = PathJson.parseRequest(body().put("steps", 1).put("topPerStep", 1), ZONE, TODAY, 400);
    PathAggregation agg = new PathAggregation(1, 100);
    agg.add(List.of("/pricing", "/signup"));
    agg.add(List.of("/pricing", "/signup"));
    agg.add(List.of("/pricing", "/docs"));
    agg.add(List.of("/pricing", "(session end)"));
    JsonObject json = PathJson.toJson(r, agg.result(r.topPerStep()), Map.of("dataSource", "rawHits"));
    assertThat(json.getJsonArray("nodes")).containsExactly(
        new JsonObject().put("step", 0).put("value", "/pricing").put("sessions", 4L),
        new JsonObject().put("step", 1).put("value", "/signup").put("sessions", 2L),
        new JsonObject().put("step", 1).put("value", "(other)").put("sessions", 1L),
        new JsonObject().put("step", 1).put("value", "(session end)").put("sessions", 1L));
    assertThat(json.getJsonArray("links")).hasSize(3);
    assertThat(json.getJsonArray("links").getJsonObject(0)).isEqualTo(new JsonObject().put("fromStep", 0)
        .put("from", "/pricing").put("to", "/signup").put("sessions", 2L));
    JsonObject md = json.getJsonObject("metadata");
    assertThat(md.getString("dataSource")).isEqualTo("rawHits");
    assertThat(md.getLong("sessions")).isEqualTo(4L);
    assertThat(md.getString("direction")).isEqualTo("forward");
    assertThat(md.getString("nodeType")).isEqualTo("pagePath");
  }
}
