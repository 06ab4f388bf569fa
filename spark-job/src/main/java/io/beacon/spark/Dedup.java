package io.beacon.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.greatest;

import io.beacon.store.topic.HitCodec;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * De-duplication of the hits stream by (property_id, client_id, request_id) before aggregation: a hit that is
 * in Kafka twice (a collector died after producing but before acknowledging, and the client's retry was
 * produced again by another node) is counted once.
 *
 * <p>Structured Streaming's {@code dropDuplicatesWithinWatermark} on a state store (RocksDB, checkpointed
 * with the Kafka offsets, so a replayed micro-batch makes the very same decisions and its deltas are the same;
 * that is what the fenced sink relies on). The state holds one small row per hit seen within the window and
 * is evicted by the watermark, so it stays bounded by {@code rate x window}.
 *
 * <p><b>Key</b>: the model's {@link io.beacon.model.DedupKey#hash128()} of the three ids (16 bytes; a state row is a few dozen bytes instead of
 * the ~100 of the strings, and two distinct hits collide with probability ~n^2 / 2^129), computed by {@link
 * HitDecoder} in the same pass that decodes the hit (each record's JSON is decoded once). Records that are
 * not hits ({@link HitCodec} fails) get a key of their own Kafka partition and offset (12 bytes, so never
 * equal to a hash), so they are never dropped here and still reach the dead-letter topic in {@link
 * BatchAggregator}.
 *
 * <p><b>Time column</b> ({@value #TIME}): {@code greatest(kafka timestamp, batch time - window / 4)}, with a
 * watermark delay of half the window. The Kafka timestamp is the broker's append time on the hits topic
 * ({@code message.timestamp.type=LogAppendTime}, set by the schema step), so a retry's copy is within seconds
 * to minutes of the original in this column however late the hit's own {@code ts} is (up to 72 h, counted
 * per hit; a watermark on {@code ts} would drop those). The operator keeps a key until the watermark passes
 * its time plus the delay, i.e. until times a whole window later have been seen: copies within the window
 * are dropped, and the state holds about one window of hits.
 *
 * <p>The floor at the batch time is what guarantees that no row is ever dropped as late by the operator
 * (which drops rows whose time is below the watermark, silently): the watermark is at most the largest time
 * of earlier batches (Kafka timestamps, all appended before the previous batch started, and earlier floors)
 * minus half a window, while every row of this batch is at least this batch's time minus a quarter window.
 * So a skewed catch-up (one Kafka partition read hours ahead of another) cannot lose hits; only a broker
 * clock more than a quarter window ahead of the job's, or the job's clock jumping back, could, and
 * {@code beacon_spark_dedup_late_rows_total} would show it. The batch time is Spark's trigger timestamp,
 * stored in the offset log, so a replay sees the same. The price of the floor: an original read before a
 * long job outage and its copy read after it are more than ~1.25 windows apart in this column, so such a
 * copy counts again.
 *
 * <p>Which copy survives when both are in one micro-batch is Spark's (shuffle order); copies differ only in
 * what the collector stamps on receipt ({@code received_at}), which matters only for a hit right at the 72 h
 * lateness limit.
 */
final class Dedup {

  /** The de-duplication key column (binary). */
  static final String KEY = "dedup_key";
  /** The event-time column of the watermark. */
  static final String TIME = "dedup_time";


  private Dedup() {
  }

  /**
   * The decoded records with later copies of a hit already seen within {@code window} dropped; {@code window}
   * zero: the records as they are.
   *
   * @param decoded {@link HitDecoder}'s rows: with {@value #KEY} (when {@code window} is not zero) and the
   *     Kafka {@code timestamp}
   */
  static Dataset<Row> apply(Dataset<Row> decoded, Duration window) {
    if (window.isZero()) {
      return decoded;
    }
    long windowMillis = Math.max(4, window.toMillis());
    return decoded
        // current_timestamp() in a streaming query is the micro-batch's timestamp from the offset log.
        .withColumn(TIME, greatest(col("timestamp"),
            expr("current_timestamp() - INTERVAL " + windowMillis / 4 + " MILLISECONDS")))
        .withWatermark(TIME, windowMillis / 2 + " milliseconds")
        .dropDuplicatesWithinWatermark(KEY);
  }

  /** The 12-byte key (partition, offset) of a record that is not a hit: never equal to another's or a hash. */
  static byte[] recordKey(int partition, long offset) {
    return ByteBuffer.allocate(12).putInt(partition).putLong(offset).array();
  }
}
