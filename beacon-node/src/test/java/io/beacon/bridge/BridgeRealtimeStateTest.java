package io.beacon.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.bridge.realtime.RealtimeState;
import io.beacon.bridge.realtime.Snapshot;
import io.beacon.model.Hit;
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

    Map<String, Object> snap = Snapshot.build("B-RT", NOW, 30, 6, cache);
    assertThat(snap).containsEntry("activeUsers", 3).containsEntry("pageViews", 3L).containsEntry("events", 4L);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> minutes = (List<Map<String, Object>>) snap.get("minutes");
    assertThat(minutes).hasSize(30);
    assertThat(minutes.get(29)).containsEntry("activeUsers", 2).containsEntry("pageViews", 2L).containsEntry("events", 2L);
    assertThat(minutes.get(28)).containsEntry("activeUsers", 2).containsEntry("pageViews", 1L).containsEntry("events", 2L);
    assertThat(minutes.get(27)).containsEntry("activeUsers", 0);
    assertThat(snap.get("topPages")).isEqualTo(List.of(Map.of("value", "/x", "count", 2L), Map.of("value", "/y", "count", 1L)));
    assertThat(snap.get("topCountries")).isEqualTo(List.of(Map.of("value", "DE", "count", 1L),
        Map.of("value", "(not set)", "count", 1L), Map.of("value", "FR", "count", 1L)).stream()
        .sorted((x, y) -> ((String) x.get("value")).compareTo((String) y.get("value"))).toList());
    assertThat(snap.get("topDevices")).isEqualTo(List.of(Map.of("value", "mobile", "count", 3L)));
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
