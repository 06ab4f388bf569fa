package io.beacon.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.bridge.realtime.RealtimeState;
import io.beacon.bridge.realtime.Snapshot;
import io.beacon.contract.RealtimeSnapshot;
import io.beacon.contract.RealtimeSnapshot.Minute;
import io.beacon.contract.RealtimeSnapshot.Top;
import io.beacon.model.Hit;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Real-time buckets and their merge, without any server. */
class BridgeRealtimeStateTest {
  private static final long NOW = 1_764_150_000_000L + 30_000; // 30 s into a minute

  private static Hit hit(String client, String request, long ts, String event, String path, String country) {
    return Hit.builder()
        .propertyId("B-RT")
        .clientId(client)
        .requestId(request)
        .ts(ts)
        .receivedAt(ts)
        .eventName(event)
        .pagePath(path)
        .deviceCategory("mobile")
        .country(country)
        .protocol("ga4")
        .schemaVersion(1)
        .build();
  }

  /**
   * Issue 19: "realtime buckets keep every client id and path and are re-encoded every 100 ms". A flood of distinct
   * clients and paths in one minute is held to the bucket's bounds; events and page views still count every hit.
   */
  @Test
  void realtimeBucketsNoLongerKeepEveryClientIdAndPath() {
    RealtimeState state = new RealtimeState(30);
    int flood = 30_000;
    for (int i = 0; i < flood; i++) {
      state.apply(0, hit("c" + i, "r" + i, NOW, "page_view", "/p/" + i, "DE"), NOW);
    }
    Map<String, String> cache = state.drainDirty();
    assertThat(cache).hasSize(1);
    JsonObject bucket = new JsonObject(cache.values().iterator().next());
    assertThat(bucket.getJsonArray("clients").size()).isEqualTo(io.beacon.bridge.realtime.Bucket.MAX_CLIENTS);
    assertThat(bucket.getLong("untrackedHits")).isEqualTo(flood - 10_000L);
    assertThat(bucket.getJsonObject("pages").size()).as("500 paths and (other)").isEqualTo(501);
    assertThat(bucket.getJsonObject("pages").getLong("(other)")).isEqualTo(flood - 500L);
    assertThat(cache.values().iterator().next().length()).as("encoded size").isLessThan(500_000);
    RealtimeSnapshot snap = Snapshot.build("B-RT", NOW, 30, 6, cache);
    assertThat(snap.pageViews()).isEqualTo((long) flood);
    assertThat(snap.events()).isEqualTo((long) flood);
    assertThat(snap.activeUsers()).as("a lower bound past the cap").isEqualTo(10_000);
    assertThat(snap.topPages().get(0)).isEqualTo(new Top("(other)", flood - 500L));
    // A client already kept still counts in its own lists.
    assertThat(state.apply(0, hit("c1", "again", NOW, "click", null, "FR"), NOW)).isTrue();
  }

  @Test
  void countsDistinctUsersViewsAndEventsPerMinuteAcrossPartitions() {
    RealtimeState state = new RealtimeState(30);
    assertThat(state.apply(0, hit("a", "r1", NOW, "page_view", "/x", "DE"), NOW)).isTrue();
    assertThat(state.apply(0, hit("a", "r1", NOW, "page_view", "/x", "DE"), NOW)).as("retried hit").isFalse();
    assertThat(state.apply(0, hit("a", "r2", NOW - 60_000, "click", null, "DE"), NOW)).isTrue();
    assertThat(state.apply(3, hit("b", "r3", NOW - 60_000, "page_view", "/y", "FR"), NOW)).isTrue();
    assertThat(state.apply(3, hit("c", "r4", NOW, "page_view", "/x", null), NOW)).isTrue();
    assertThat(state.apply(3, hit("c", "r5", NOW - 30 * 60_000, "page_view", "/old", "DE"), NOW)).as("left the window").isFalse();
    assertThat(state.apply(3, hit("c", "r6", NOW + 3 * 60_000, "page_view", "/future", "DE"), NOW)).as("future").isFalse();

    Map<String, String> cache = new HashMap<>(state.drainDirty());
    assertThat(cache).hasSize(4);
    assertThat(state.drainDirty()).isEmpty();

    RealtimeSnapshot snap = Snapshot.build("B-RT", NOW, 30, 6, cache);
    assertThat(snap.activeUsers()).isEqualTo(3);
    assertThat(snap.pageViews()).isEqualTo(3L);
    assertThat(snap.events()).isEqualTo(4L);
    List<Minute> minutes = snap.minutes();
    assertThat(minutes).hasSize(30);
    assertThat(minutes.get(29)).extracting(Minute::activeUsers, Minute::pageViews, Minute::events).containsExactly(2, 2L, 2L);
    assertThat(minutes.get(28)).extracting(Minute::activeUsers, Minute::pageViews, Minute::events).containsExactly(2, 1L, 2L);
    assertThat(minutes.get(27).activeUsers()).isZero();
    assertThat(snap.topPages()).isEqualTo(List.of(new Top("/x", 2), new Top("/y", 1)));
    assertThat(snap.topCountries()).isEqualTo(List.of(new Top("(not set)", 1), new Top("DE", 1), new Top("FR", 1)));
    assertThat(snap.topDevices()).isEqualTo(List.of(new Top("mobile", 3)));
    assertThat(snap.publishedAt()).isNull();
  }

  private static Hit bot(String client, String request, long ts) {
    return hit(client, request, ts, "page_view", "/robots", "US").toBuilder().deviceCategory("bot").isBot(true).build();
  }

  @Test
  void botsCountInNoRealtimeMetricOrDimensionOnlyApart() {
    RealtimeState state = new RealtimeState(30);
    assertThat(state.apply(0, hit("a", "r1", NOW, "page_view", "/x", "DE"), NOW)).isTrue();
    assertThat(state.apply(0, bot("crawler", "b1", NOW), NOW)).isTrue();
    assertThat(state.apply(0, bot("crawler", "b1", NOW), NOW)).as("a bot's retry").isFalse();
    assertThat(state.apply(1, bot("crawler-2", "b2", NOW - 60_000), NOW)).isTrue();
    Map<String, String> cache = state.drainDirty();
    RealtimeSnapshot snap = Snapshot.build("B-RT", NOW, 30, 2, cache);
    assertThat(snap.activeUsers()).isEqualTo(1);
    assertThat(snap.pageViews()).isEqualTo(1L);
    assertThat(snap.events()).isEqualTo(1L);
    assertThat(snap.topPages()).isEqualTo(List.of(new Top("/x", 1)));
    assertThat(snap.topCountries()).isEqualTo(List.of(new Top("DE", 1)));
    assertThat(snap.topDevices()).isEqualTo(List.of(new Top("mobile", 1)));
    assertThat(snap.minutes().get(28)).extracting(Minute::activeUsers, Minute::pageViews, Minute::events)
        .containsExactly(0, 0L, 0L);
    // Counted apart, in the minute's bucket (as the aggregates' botHits).
    String now = cache.get(RealtimeState.Key.cacheKey("B-RT", RealtimeState.minuteOf(NOW), 0));
    assertThat(new JsonObject(now).getLong("bots")).isEqualTo(1L);
    String before = cache.get(RealtimeState.Key.cacheKey("B-RT", RealtimeState.minuteOf(NOW - 60_000), 1));
    assertThat(new JsonObject(before).getLong("bots")).isEqualTo(1L);
    assertThat(new JsonObject(before).getJsonArray("clients")).isEmpty();
  }

  @Test
  void aBucketWithoutBotsKeepsItsFormerJsonAndUnknownFieldsAreIgnored() {
    RealtimeState state = new RealtimeState(30);
    state.apply(0, hit("a", "r1", NOW, "page_view", "/x", "DE"), NOW);
    String json = state.drainDirty().values().iterator().next();
    assertThat(new JsonObject(json).fieldNames()).doesNotContain("bots");
    String newer = new JsonObject(json).put("bots", 2).put("someday", 1).encode();
    RealtimeSnapshot snap = Snapshot.build("B-RT", NOW, 30, 1,
        Map.of(RealtimeState.Key.cacheKey("B-RT", RealtimeState.minuteOf(NOW), 0), newer));
    assertThat(snap.pageViews()).isEqualTo(1L);
  }

  @Test
  void copiesAreOneHitButTwoClientsSharingARequestIdAreTwo() {
    RealtimeState state = new RealtimeState(30);
    assertThat(state.apply(0, hit("a", "1", NOW, "page_view", "/x", "DE"), NOW)).isTrue();
    assertThat(state.apply(0, hit("a", "1", NOW, "page_view", "/x", "DE"), NOW)).as("the same hit again").isFalse();
    // UA cache busters and MP request ids are the sender's: two clients may well send the same one.
    assertThat(state.apply(0, hit("b", "1", NOW, "page_view", "/x", "DE"), NOW)).isTrue();
    RealtimeSnapshot snap = Snapshot.build("B-RT", NOW, 30, 1, state.drainDirty());
    assertThat(snap.pageViews()).isEqualTo(2L);
    assertThat(snap.activeUsers()).isEqualTo(2);
  }

  @Test
  void theSnapshotKeepsItsWireFormThroughJson() {
    RealtimeState state = new RealtimeState(30);
    state.apply(0, hit("a", "r1", NOW, "page_view", "/x", "DE"), NOW);
    state.apply(1, hit("b", "r2", NOW - 60_000, "click", null, "FR"), NOW);
    RealtimeSnapshot snap = Snapshot.build("B-RT", NOW, 30, 2, state.drainDirty()).withPublishedAt(NOW + 5);
    JsonObject json = snap.toJson();
    assertThat(json.fieldNames()).containsExactly("propertyId", "asOf", "windowMinutes", "activeUsers", "pageViews",
        "events", "minutes", "topPages", "topSources", "topCountries", "topDevices", "publishedAt");
    assertThat(json.getJsonArray("minutes").getJsonObject(29).fieldNames())
        .containsExactly("minute", "activeUsers", "pageViews", "events");
    assertThat(json.getJsonArray("topCountries").getJsonObject(0).encode()).isEqualTo("{\"value\":\"DE\",\"count\":1}");
    assertThat(RealtimeSnapshot.fromJson(new JsonObject(json.encode()))).isEqualTo(snap);
    assertThat(snap.toJson().encode()).isEqualTo(json.encode());
  }

  @Test
  void aDroppedPartitionRebuiltByReplayGivesTheSameBuckets() {
    RealtimeState first = new RealtimeState(30);
    List<Hit> hits = List.of(hit("a", "r1", NOW, "page_view", "/x", "DE"), hit("b", "r2", NOW - 120_000, "click", null, "US"));
    hits.forEach(h -> first.apply(2, h, NOW));
    Map<String, String> before = first.all(2);
    first.drop(2);
    assertThat(first.all(2)).isEmpty();
    hits.forEach(h -> first.apply(2, h, NOW));
    hits.forEach(h -> first.apply(2, h, NOW)); // a replay overlapping what was counted counts nothing twice
    assertThat(first.all(2)).isEqualTo(before);
  }

  @Test
  void minutesLeavingTheWindowAreEvicted() {
    RealtimeState state = new RealtimeState(30);
    state.apply(1, hit("a", "r1", NOW - 29 * 60_000, "page_view", "/x", "DE"), NOW);
    state.apply(1, hit("a", "r2", NOW, "page_view", "/x", "DE"), NOW);
    assertThat(state.evict(NOW)).isEmpty();
    assertThat(state.evict(NOW + 60_000)).containsExactly(
        RealtimeState.Key.cacheKey("B-RT", RealtimeState.minuteOf(NOW - 29 * 60_000), 1));
    assertThat(state.all(1)).hasSize(1);
  }
}
