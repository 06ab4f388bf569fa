package io.beacon.store.cassandra;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.model.aggregation.BucketKey;
import io.beacon.model.aggregation.Granularity;
import io.beacon.model.aggregation.MetricState;
import io.beacon.store.cassandra.AggBucketsTable.Partition;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.TgtHllType;
import org.junit.jupiter.api.Test;

class AggBucketsTableTest {
  private static final BucketKey KEY = new BucketKey("B-1", Granularity.HOUR, "2026-11-20", 1_763_600_400_000L,
      "pagePath", "/a\u0001b/ü");

  @Test
  void theCodecMapsEveryColumnOfTheSchemasTableAndItsKey() throws Exception {
    Map<String, String> schema = Fakes.schemaColumns(AggBucketsTable.TABLE);
    String primaryKey = schema.remove("PRIMARY KEY");
    assertThat(AggBucketsTable.COLUMNS).containsExactlyInAnyOrderElementsOf(schema.keySet());
    assertThat(primaryKey).isEqualTo(String.join(",", AggBucketsTable.PRIMARY_KEY));
    assertThat(AggBucketsTable.PRIMARY_KEY.subList(0, 4)).isEqualTo(AggBucketsTable.PARTITION_KEY);
  }

  @Test
  void statementsHaveOneMarkerPerBoundValue() {
    assertThat(Fakes.markers(AggBucketsTable.insert())).isEqualTo(AggBucketsTable.COLUMNS.size());
    assertThat(Fakes.markers(AggBucketsTable.selectPartition())).isEqualTo(4);
    assertThat(Fakes.markers(AggBucketsTable.selectRows("ks"))).isEqualTo(6);
    assertThat(Fakes.markers(AggBucketsTable.selectRow())).isEqualTo(6);
    assertThat(Fakes.markers(AggBucketsTable.delete())).isEqualTo(6);
    assertThat(AggBucketsTable.insert("ks")).startsWith("INSERT INTO ks.agg_buckets (");
    assertThat(AggBucketsTable.selectRows("ks")).contains(" FROM ks.agg_buckets WHERE ");
    assertThat(AggBucketsTable.selectPartition()).contains(" FROM agg_buckets WHERE ")
        .startsWith("SELECT " + String.join(", ", AggBucketsTable.ROW_COLUMNS) + " FROM");
  }

  @Test
  void anInsertBindsEveryColumnInItsPlace() {
    AggBucketRow row = AggBucketRow.of(KEY, state(), "query-1", 7);
    List<Object> bound = new ArrayList<>();
    Instant now = Instant.parse("2026-11-20T10:00:00Z");
    AggBucketsTable.bindInsert(Fakes.recording(bound), Partition.of(KEY), row, now);
    Map<String, Object> byColumn = new LinkedHashMap<>();
    for (int i = 0; i < AggBucketsTable.COLUMNS.size(); i++) {
      byColumn.put(AggBucketsTable.COLUMNS.get(i), bound.get(i));
    }
    assertThat(bound).hasSize(AggBucketsTable.COLUMNS.size());
    assertThat(byColumn).containsEntry("property_id", "B-1").containsEntry("granularity", "hour")
        .containsEntry("period", "2026-11-20").containsEntry("dimension", "pagePath")
        .containsEntry("bucket_start", Instant.ofEpochMilli(KEY.bucketStart())).containsEntry("dim_value", KEY.value())
        .containsEntry("screen_page_views", 1L).containsEntry("event_count", 2L).containsEntry("engagement_ms", 1500L)
        .containsEntry("bot_hits", 1L).containsEntry("writer_id", "query-1").containsEntry("writer_batch", 7L)
        .containsEntry("updated_at", now);
    assertThat(byColumn.get("users_hll")).isEqualTo(ByteBuffer.wrap(row.usersHll));
    assertThat(byColumn.get("active_users_hll")).isEqualTo(ByteBuffer.wrap(row.activeUsersHll));
  }

  @Test
  void activeUsersHaveTheirOwnColumnAddedByAnAlterTable() throws Exception {
    assertThat(Fakes.schemaColumns(AggBucketsTable.TABLE)).containsEntry("active_users_hll", "blob");
    MetricState state = new MetricState();
    io.beacon.model.Hit engaged = io.beacon.model.Hit.builder().propertyId("B-1").clientId("c1").sessionId("s1")
        .eventName("page_view").ts(KEY.bucketStart()).build();
    io.beacon.model.Hit idle = engaged.toBuilder().clientId("c2").build();
    state.add(engaged, scope(true));
    state.add(idle, scope(false));
    AggBucketRow row = AggBucketRow.of(KEY, state, "query-1", 7);
    assertThat(row.activeUsersHll).isNotNull();
    MetricState read = AggBucketsTable.read(Fakes.row(stored(row))).state();
    assertThat(read.users()).isEqualTo(2);
    assertThat(read.activeUsers()).isEqualTo(1);
    // A row written before the column: null, its total users stand in.
    Map<String, Object> legacy = stored(row);
    legacy.put("active_users_hll", null);
    AggBucketRow legacyRow = AggBucketsTable.read(Fakes.row(legacy));
    assertThat(legacyRow.activeUsersHll).isNull();
    assertThat(legacyRow.state().activeUsers()).isEqualTo(2);
  }

  private static io.beacon.model.session.Scope scope(boolean engaged) {
    return new io.beacon.model.session.Scope("s1", engaged, null, null, null, null, null, null, false, false, null,
        null, null);
  }

  private static Map<String, Object> stored(AggBucketRow written) {
    Map<String, Object> stored = new LinkedHashMap<>();
    stored.put("bucket_start", Instant.ofEpochMilli(written.bucketStart));
    stored.put("dim_value", written.value);
    stored.put("screen_page_views", written.screenPageViews);
    stored.put("event_count", written.eventCount);
    stored.put("key_events", written.keyEvents);
    stored.put("engagement_ms", written.engagementMs);
    stored.put("new_users", written.newUsers);
    stored.put("bot_hits", written.botHits);
    stored.put("users_hll", ByteBuffer.wrap(written.usersHll));
    stored.put("sessions_hll", ByteBuffer.wrap(written.sessionsHll));
    stored.put("engaged_sessions_hll", ByteBuffer.wrap(written.engagedSessionsHll));
    stored.put("active_users_hll", ByteBuffer.wrap(written.activeUsersHll));
    stored.put("writer_id", written.writerId);
    stored.put("writer_batch", written.writerBatch);
    return stored;
  }

  @Test
  void aReadRowIsTheWrittenOne() {
    AggBucketRow written = AggBucketRow.of(KEY, state(), "query-1", 7);
    Map<String, Object> stored = new LinkedHashMap<>();
    stored.put("bucket_start", Instant.ofEpochMilli(written.bucketStart));
    stored.put("dim_value", written.value);
    stored.put("screen_page_views", written.screenPageViews);
    stored.put("event_count", written.eventCount);
    stored.put("key_events", written.keyEvents);
    stored.put("engagement_ms", written.engagementMs);
    stored.put("new_users", written.newUsers);
    stored.put("bot_hits", written.botHits);
    stored.put("users_hll", ByteBuffer.wrap(written.usersHll));
    stored.put("sessions_hll", ByteBuffer.wrap(written.sessionsHll));
    stored.put("engaged_sessions_hll", null);
    stored.put("active_users_hll", ByteBuffer.wrap(written.activeUsersHll));
    stored.put("writer_id", "query-1");
    stored.put("writer_batch", 7L);
    assertThat(List.copyOf(stored.keySet())).isEqualTo(AggBucketsTable.ROW_COLUMNS);

    AggBucketRow read = AggBucketsTable.read(Fakes.row(stored));
    assertThat(read).usingRecursiveComparison().ignoringFields("engagedSessionsHll").isEqualTo(written);
    assertThat(read.engagedSessionsHll).isNull();
    MetricState s = read.state();
    assertThat(s.eventCount()).isEqualTo(2);
    assertThat(s.users()).isEqualTo(1);
    assertThat(s.sessions()).isEqualTo(1);
    assertThat(s.engagedSessions()).isZero();
    assertThat(s.activeUsers()).isEqualTo(1); // a legacy state: its total users stand in
  }

  @Test
  void theFenceSkipsTheSameAndEarlierBatchesOfTheSameWriterOnly() {
    AggBucketRow row = AggBucketRow.of(KEY, new MetricState(), "query-1", 7);
    assertThat(row.writtenBy("query-1", 7)).isTrue();
    assertThat(row.writtenBy("query-1", 6)).isTrue();
    assertThat(row.writtenBy("query-1", 8)).isFalse();
    assertThat(row.writtenBy("query-2", 7)).isFalse();
    row.writerId = null;
    assertThat(row.writtenBy("query-1", 0)).isFalse();
  }

  @Test
  void keysRoundTrip() {
    assertThat(AggBucketsTable.bucketKey(AggBucketsTable.rowKey(KEY))).isEqualTo(KEY);
    Partition p = Partition.of(KEY);
    assertThat(Partition.ofKey(p.key())).isEqualTo(p);
    assertThat(AggBucketsTable.rowKey(KEY)).startsWith(p.key() + '\u0001');
  }

  @Test
  void rowsOfAChunkAreReadByTheirDistinctStartsAndValues() {
    List<Object> bound = new ArrayList<>();
    BucketKey other = new BucketKey("B-1", Granularity.HOUR, "2026-11-20", KEY.bucketStart() + 3_600_000L,
        "pagePath", KEY.value());
    BucketKey third = new BucketKey("B-1", Granularity.HOUR, "2026-11-20", KEY.bucketStart(), "pagePath", "/c");
    AggBucketsTable.bindRows(Fakes.recording(bound), Partition.of(KEY), List.of(KEY, other, third));
    assertThat(bound.subList(0, 4)).containsExactly("B-1", "hour", "2026-11-20", "pagePath");
    assertThat(bound.get(4)).isEqualTo(List.of(Instant.ofEpochMilli(KEY.bucketStart()),
        Instant.ofEpochMilli(other.bucketStart())));
    assertThat(bound.get(5)).isEqualTo(List.of(KEY.value(), "/c"));
  }

  /**
   * Two hits of one client's session (a page view with 1.5 s engagement, an event) and a bot hit, as a row of the
   * former code holds them (plain HLL images, no active users).
   */
  private static MetricState state() {
    return MetricState.of(1, 2, 0, 1500, 0, 1, image("c1"), image("B-1/c1/s1"), null);
  }

  private static byte[] image(String item) {
    HllSketch sketch = new HllSketch(MetricState.LG_K, TgtHllType.HLL_4);
    sketch.update(item);
    return sketch.toCompactByteArray();
  }
}
