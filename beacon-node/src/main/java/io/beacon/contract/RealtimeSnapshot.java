package io.beacon.contract;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * A property's real-time view, as the bridge merges it from every partition's buckets: active users over the
 * window and per minute (distinct client ids), page views and events per minute, and the top pages (by views),
 * sources, countries and device categories (by active users). On the wire:
 *
 * <pre>{@code
 * {"propertyId": "B-1", "asOf": 1764150000000, "windowMinutes": 30,
 *  "activeUsers": 12, "pageViews": 40, "events": 95,
 *  "minutes": [{"minute": 1764148260000, "activeUsers": 2, "pageViews": 3, "events": 7}, ...],   // oldest first, every minute
 *  "topPages": [{"value": "/pricing", "count": 9}, ...], "topSources": [...], "topCountries": [...], "topDevices": [...],
 *  "publishedAt": 1764150000120}                                                                   // updates only
 * }</pre>
 *
 * @param asOf        epoch ms the view was read at
 * @param minutes     every minute of the window, oldest first
 * @param publishedAt on a published update, when its publisher claimed it (epoch ms): subscribers can see the
 *                    spacing the cluster kept; null on an answer to a snapshot request
 */
public record RealtimeSnapshot(String propertyId, long asOf, int windowMinutes, int activeUsers, long pageViews,
                               long events, List<Minute> minutes, List<Top> topPages, List<Top> topSources,
                               List<Top> topCountries, List<Top> topDevices, Long publishedAt) {

  /** One minute of the window: {@code minute} is its start (epoch ms). */
  public record Minute(long minute, int activeUsers, long pageViews, long events) {
    JsonObject toJson() {
      return new JsonObject().put("minute", minute).put("activeUsers", activeUsers).put("pageViews", pageViews)
          .put("events", events);
    }

    static Minute fromJson(JsonObject json) {
      return new Minute(json.getLong("minute", 0L), json.getInteger("activeUsers", 0), json.getLong("pageViews", 0L),
          json.getLong("events", 0L));
    }
  }

  /** One entry of a top list: the value (a page, source, country or device category) and its count. */
  public record Top(String value, long count) {
    JsonObject toJson() {
      return new JsonObject().put("value", value).put("count", count);
    }

    static Top fromJson(JsonObject json) {
      return new Top(json.getString("value"), json.getLong("count", 0L));
    }
  }

  public RealtimeSnapshot {
    minutes = List.copyOf(minutes);
    topPages = List.copyOf(topPages);
    topSources = List.copyOf(topSources);
    topCountries = List.copyOf(topCountries);
    topDevices = List.copyOf(topDevices);
  }

  /** The same view as a published update, claimed at {@code at}. */
  public RealtimeSnapshot withPublishedAt(long at) {
    return new RealtimeSnapshot(propertyId, asOf, windowMinutes, activeUsers, pageViews, events, minutes, topPages,
        topSources, topCountries, topDevices, at);
  }

  public JsonObject toJson() {
    JsonArray m = new JsonArray();
    minutes.forEach(x -> m.add(x.toJson()));
    JsonObject j = new JsonObject()
        .put("propertyId", propertyId)
        .put("asOf", asOf)
        .put("windowMinutes", windowMinutes)
        .put("activeUsers", activeUsers)
        .put("pageViews", pageViews)
        .put("events", events)
        .put("minutes", m)
        .put("topPages", tops(topPages))
        .put("topSources", tops(topSources))
        .put("topCountries", tops(topCountries))
        .put("topDevices", tops(topDevices));
    if (publishedAt != null) {
      j.put("publishedAt", publishedAt);
    }
    return j;
  }

  public static RealtimeSnapshot fromJson(JsonObject json) {
    List<Minute> minutes = new ArrayList<>();
    for (Object o : json.getJsonArray("minutes", new JsonArray())) {
      minutes.add(Minute.fromJson((JsonObject) o));
    }
    return new RealtimeSnapshot(json.getString("propertyId"), json.getLong("asOf", 0L),
        json.getInteger("windowMinutes", 0), json.getInteger("activeUsers", 0), json.getLong("pageViews", 0L),
        json.getLong("events", 0L), minutes, tops(json, "topPages"), tops(json, "topSources"),
        tops(json, "topCountries"), tops(json, "topDevices"), json.getLong("publishedAt"));
  }

  private static JsonArray tops(List<Top> tops) {
    JsonArray a = new JsonArray();
    tops.forEach(t -> a.add(t.toJson()));
    return a;
  }

  private static List<Top> tops(JsonObject json, String key) {
    List<Top> out = new ArrayList<>();
    for (Object o : json.getJsonArray(key, new JsonArray())) {
      out.add(Top.fromJson((JsonObject) o));
    }
    return out;
  }
}
