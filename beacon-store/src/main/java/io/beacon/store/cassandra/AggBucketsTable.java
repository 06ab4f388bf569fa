package io.beacon.store.cassandra;

import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.beacon.model.aggregation.BucketKey;
import io.beacon.model.aggregation.Granularity;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The one mapping of Cassandra's {@code agg_buckets} row (schema/cassandra.cql): its columns, the CQL of every
 * statement on it, and the binding and reading of a row from and to the model's {@link BucketKey} and
 * {@link io.beacon.model.aggregation.MetricState} (through {@link AggBucketRow}). Used by the Spark job's sink
 * (read-merge-write with the replay fence), the recompute's write-through cache store and the query side's
 * partition reader.
 *
 * <p>Statements come in two forms: without a keyspace, for sessions bound to Beacon's keyspace (the node's), and
 * with one ({@code keyspace.agg_buckets}), for sessions bound to none (the Spark job's). Every SELECT returns the
 * same columns in the same order ({@link #ROW_COLUMNS}), which is what {@link #read} reads.
 */
public final class AggBucketsTable {
  public static final String TABLE = "agg_buckets";

  // Partition key: a property's granularity, period (a local day of hour buckets, a local month of day buckets)
  // and dimension.
  public static final String PROPERTY_ID = "property_id";
  public static final String GRANULARITY = "granularity";
  public static final String PERIOD = "period";
  public static final String DIMENSION = "dimension";
  // Clustering columns.
  public static final String BUCKET_START = "bucket_start";
  public static final String DIM_VALUE = "dim_value";
  // The state: exact sums and distinct counts (MetricState.usersSketch() etc.: DistinctCount envelopes, or the plain
  // HLL images of older rows).
  public static final String SCREEN_PAGE_VIEWS = "screen_page_views";
  public static final String EVENT_COUNT = "event_count";
  public static final String KEY_EVENTS = "key_events";
  public static final String ENGAGEMENT_MS = "engagement_ms";
  public static final String NEW_USERS = "new_users";
  public static final String BOT_HITS = "bot_hits";
  public static final String USERS_HLL = "users_hll";
  public static final String SESSIONS_HLL = "sessions_hll";
  public static final String ENGAGED_SESSIONS_HLL = "engaged_sessions_hll";
  /** Added by an ALTER TABLE: null in rows written before it (their activeUsers falls back to totalUsers). */
  public static final String ACTIVE_USERS_HLL = "active_users_hll";
  // The writer fence, and when the row was written.
  public static final String WRITER_ID = "writer_id";
  public static final String WRITER_BATCH = "writer_batch";
  public static final String UPDATED_AT = "updated_at";

  public static final List<String> PARTITION_KEY = List.of(PROPERTY_ID, GRANULARITY, PERIOD, DIMENSION);
  public static final List<String> PRIMARY_KEY = List.of(PROPERTY_ID, GRANULARITY, PERIOD, DIMENSION, BUCKET_START,
      DIM_VALUE);
  /** What every SELECT returns, in this order: the clustering columns, the state, the fence. */
  public static final List<String> ROW_COLUMNS = List.of(BUCKET_START, DIM_VALUE, SCREEN_PAGE_VIEWS, EVENT_COUNT,
      KEY_EVENTS, ENGAGEMENT_MS, NEW_USERS, BOT_HITS, USERS_HLL, SESSIONS_HLL, ENGAGED_SESSIONS_HLL, ACTIVE_USERS_HLL,
      WRITER_ID, WRITER_BATCH);
  /** Every column of the table, as the insert writes them. */
  public static final List<String> COLUMNS;

  static {
    List<String> all = new ArrayList<>(PARTITION_KEY);
    all.addAll(ROW_COLUMNS);
    all.add(UPDATED_AT);
    COLUMNS = List.copyOf(all);
  }

  /**
   * Rows per unlogged batch are kept under this many bytes: under Cassandra's default
   * batch_size_fail_threshold (50 KiB), and a row is up to ~130 KB (four ~33 KB HLL_4 lgK 16 sketches; a count
   * still exact takes up to ~24.6 KB), so a big row goes alone.
   */
  public static final int BATCH_BYTES = 40 * 1024;

  private static final char SEP = '\u0001';
  private static final String PARTITION_WHERE = " WHERE property_id = ? AND granularity = ? AND period = ?"
      + " AND dimension = ?";

  private AggBucketsTable() {}

  /** One partition of the table. */
  public record Partition(String propertyId, Granularity granularity, String period, String dimension) {
    public static Partition of(BucketKey k) {
      return new Partition(k.propertyId(), k.granularity(), k.period(), k.dimension());
    }

    /** A cache key of the partition: its key columns separated by U+0001 ({@link #ofKey} reads it back). */
    public String key() {
      return propertyId + SEP + granularity.code() + SEP + period + SEP + dimension;
    }

    public static Partition ofKey(String key) {
      String[] p = key.split(String.valueOf(SEP), 4);
      return new Partition(p[0], Granularity.ofCode(p[1]), p[2], p[3]);
    }

    @Override
    public String toString() {
      return propertyId + "/" + granularity.code() + "/" + period + "/" + dimension;
    }
  }

  /**
   * A cache key of a row: its primary-key columns separated by U+0001 (the value, last, may hold anything);
   * {@link #bucketKey} reads it back.
   */
  public static String rowKey(BucketKey k) {
    return k.propertyId() + SEP + k.granularity().code() + SEP + k.period() + SEP + k.dimension() + SEP
        + k.bucketStart() + SEP + k.value();
  }

  public static BucketKey bucketKey(String rowKey) {
    String[] p = rowKey.split(String.valueOf(SEP), 6);
    return new BucketKey(p[0], Granularity.ofCode(p[1]), p[2], Long.parseLong(p[4]), p[3], p[5]);
  }

  // ---- CQL

  /** Every row of one partition ({@link #bindPartition}), in clustering order. */
  public static String selectPartition() {
    return selectPartition(null);
  }

  public static String selectPartition(String keyspace) {
    return select(keyspace) + PARTITION_WHERE;
  }

  /**
   * The rows of one partition at any of some bucket starts and any of some values ({@link #bindRows}): the
   * cross product, so it may match stored rows beyond the keys asked for.
   */
  public static String selectRows() {
    return selectRows(null);
  }

  public static String selectRows(String keyspace) {
    return select(keyspace) + PARTITION_WHERE + " AND bucket_start IN ? AND dim_value IN ?";
  }

  /**
   * The keys of one partition's rows whose bucket starts are in {@code [from, to)} ({@link #bindKeysBetween}):
   * columns {@code bucket_start, dim_value}.
   */
  public static String selectKeysBetween() {
    return "SELECT " + BUCKET_START + ", " + DIM_VALUE + " FROM " + TABLE + PARTITION_WHERE
        + " AND bucket_start >= ? AND bucket_start < ?";
  }

  /** One row by its primary key ({@link #bindKey}). */
  public static String selectRow() {
    return selectRow(null);
  }

  public static String selectRow(String keyspace) {
    return select(keyspace) + PARTITION_WHERE + " AND bucket_start = ? AND dim_value = ?";
  }

  /** The whole row, replacing what it held ({@link #bindInsert}). */
  public static String insert() {
    return insert(null);
  }

  public static String insert(String keyspace) {
    return "INSERT INTO " + table(keyspace) + " (" + String.join(", ", COLUMNS) + ") VALUES ("
        + String.join(", ", COLUMNS.stream().map(c -> "?").toList()) + ")";
  }

  /**
   * Every partition's key ({@link #PARTITION_KEY}, in that order): a scan of the partition index, for the
   * retention and the purge of a deleted property.
   */
  public static String selectPartitionKeys() {
    return "SELECT DISTINCT " + String.join(", ", PARTITION_KEY) + " FROM " + TABLE;
  }

  /** A partition's buckets that start before a cut-off (values: the partition key, then the cut-off). */
  public static String deleteBucketsBefore() {
    return "DELETE FROM " + TABLE + PARTITION_WHERE + " AND bucket_start < ?";
  }

  /** A whole partition (values: the partition key). */
  public static String deletePartition() {
    return "DELETE FROM " + TABLE + PARTITION_WHERE;
  }

  /** One row by its primary key ({@link #bindKey}). */
  public static String delete() {
    return delete(null);
  }

  public static String delete(String keyspace) {
    return "DELETE FROM " + table(keyspace) + PARTITION_WHERE + " AND bucket_start = ? AND dim_value = ?";
  }

  private static String select(String keyspace) {
    return "SELECT " + String.join(", ", ROW_COLUMNS) + " FROM " + table(keyspace);
  }

  private static String table(String keyspace) {
    return keyspace == null || keyspace.isEmpty() ? TABLE : keyspace + "." + TABLE;
  }

  // ---- binding

  /** Binds {@link #selectPartition}. */
  public static BoundStatement bindPartition(PreparedStatement selectPartition, Partition p) {
    return selectPartition.bind(p.propertyId(), p.granularity().code(), p.period(), p.dimension());
  }

  /** Binds {@link #selectKeysBetween}. */
  public static BoundStatement bindKeysBetween(PreparedStatement selectKeys, Partition p, Instant from, Instant to) {
    return selectKeys.bind(p.propertyId(), p.granularity().code(), p.period(), p.dimension(), from, to);
  }

  /** Binds {@link #selectRows} to the distinct bucket starts and values of {@code keys}, all of partition p. */
  public static BoundStatement bindRows(PreparedStatement selectRows, Partition p, Collection<BucketKey> keys) {
    Set<Instant> starts = new LinkedHashSet<>();
    Set<String> values = new LinkedHashSet<>();
    for (BucketKey k : keys) {
      starts.add(Instant.ofEpochMilli(k.bucketStart()));
      values.add(k.value());
    }
    return selectRows.bind(p.propertyId(), p.granularity().code(), p.period(), p.dimension(),
        new ArrayList<>(starts), new ArrayList<>(values));
  }

  /** Binds {@link #selectRow} or {@link #delete} to one row's primary key. */
  public static BoundStatement bindKey(PreparedStatement byKey, BucketKey k) {
    return byKey.bind(k.propertyId(), k.granularity().code(), k.period(), k.dimension(),
        Instant.ofEpochMilli(k.bucketStart()), k.value());
  }

  /** Binds {@link #insert}: {@code row} in partition {@code p}, stamped {@code updatedAt}. */
  public static BoundStatement bindInsert(PreparedStatement insert, Partition p, AggBucketRow row,
      Instant updatedAt) {
    return insert.bind(p.propertyId(), p.granularity().code(), p.period(), p.dimension(),
        Instant.ofEpochMilli(row.bucketStart), row.value, row.screenPageViews, row.eventCount, row.keyEvents,
        row.engagementMs, row.newUsers, row.botHits, blob(row.usersHll), blob(row.sessionsHll),
        blob(row.engagedSessionsHll), blob(row.activeUsersHll), row.writerId, row.writerBatch, updatedAt);
  }

  // ---- reading

  /** A row returned by any of the SELECTs above ({@link #ROW_COLUMNS}, read by position). */
  public static AggBucketRow read(Row r) {
    AggBucketRow row = new AggBucketRow();
    row.bucketStart = r.getInstant(0).toEpochMilli();
    row.value = r.getString(1);
    row.screenPageViews = r.getLong(2);
    row.eventCount = r.getLong(3);
    row.keyEvents = r.getLong(4);
    row.engagementMs = r.getLong(5);
    row.newUsers = r.getLong(6);
    row.botHits = r.getLong(7);
    row.usersHll = bytes(r.getByteBuffer(8));
    row.sessionsHll = bytes(r.getByteBuffer(9));
    row.engagedSessionsHll = bytes(r.getByteBuffer(10));
    row.activeUsersHll = bytes(r.getByteBuffer(11));
    row.writerId = r.getString(12);
    row.writerBatch = r.getLong(13);
    return row;
  }

  private static ByteBuffer blob(byte[] b) {
    return b == null ? null : ByteBuffer.wrap(b);
  }

  /** The bytes of a blob column (null stays null). */
  static byte[] bytes(ByteBuffer b) {
    if (b == null) {
      return null;
    }
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }
}
