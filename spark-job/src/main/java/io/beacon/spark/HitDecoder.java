package io.beacon.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.udf;

import io.beacon.model.DedupKey;
import io.beacon.model.Hit;
import io.beacon.store.topic.HitCodec;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF3;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The one JSON decode of each Kafka record of the stream: {@link HitCodec} once per record, giving in the
 * same pass the hit as columns ({@link HitRow}) for the aggregation and its de-duplication key for
 * {@link Dedup}. Records {@code HitCodec} cannot decode keep their bytes and the reason (for the dead-letter
 * topic) and get a key of their own Kafka partition and offset, so the de-duplication never drops them.
 *
 * <p>Output columns: {@code partition}, {@code offset}, {@code timestamp} (the Kafka source's), {@value
 * Dedup#KEY} (binary; null when the de-duplication is off), {@value #HIT} (struct of {@link HitRow#SCHEMA};
 * null for a record that is not a hit), {@value #ERROR} (why it is not a hit) and {@value #VALUE} (its bytes;
 * null for a hit, whose JSON nothing downstream needs).
 *
 * <p>Decoding is one UDF returning one struct column whose fields are then selected: Spark's optimizer does
 * not inline a UDF into several consumers (CollapseProject keeps a non-cheap producer referenced more than
 * once in its own projection), so the UDF runs once per record; {@code HitDecoderTest} checks it.
 */
final class HitDecoder {

  /** The decoded hit (struct), null for a record that is not a hit. */
  static final String HIT = "hit";
  /** Why a record is not a hit (HitCodec's message), null for a hit. */
  static final String ERROR = "error";
  /** The record's bytes if it is not a hit (for the dead letters), else null. */
  static final String VALUE = "value";

  private static final String DECODED = "decoded";

  /** What the UDF returns. */
  static final StructType DECODED_SCHEMA = DataTypes.createStructType(new org.apache.spark.sql.types.StructField[] {
      DataTypes.createStructField(Dedup.KEY, DataTypes.BinaryType, true),
      DataTypes.createStructField(ERROR, DataTypes.StringType, true),
      DataTypes.createStructField(VALUE, DataTypes.BinaryType, true),
      DataTypes.createStructField(HIT, HitRow.SCHEMA, true)});

  private HitDecoder() {
  }

  /**
   * @param records the Kafka source's rows (value, partition, offset, timestamp, ...)
   * @param withKey whether to compute {@value Dedup#KEY} (the de-duplication is on)
   */
  static Dataset<Row> apply(Dataset<Row> records, boolean withKey) {
    UserDefinedFunction decode = udf((UDF3<byte[], Integer, Long, Row>) (value, partition, offset)
        -> decode(value, partition, offset, withKey), DECODED_SCHEMA);
    return records
        .select(col("partition"), col("offset"), col("timestamp"),
            decode.apply(col("value"), col("partition"), col("offset")).as(DECODED))
        .select(col("partition"), col("offset"), col("timestamp"), col(DECODED + "." + Dedup.KEY).as(Dedup.KEY),
            col(DECODED + "." + HIT).as(HIT), col(DECODED + "." + ERROR).as(ERROR),
            col(DECODED + "." + VALUE).as(VALUE));
  }

  /** One record: {key, error, value, hit} of {@link #DECODED_SCHEMA}. */
  static Row decode(byte[] value, Integer partition, Long offset, boolean withKey) {
    Hit hit;
    try {
      hit = HitCodec.decode(value);
    } catch (IllegalArgumentException | NullPointerException e) {
      String error = e instanceof IllegalArgumentException ? e.getMessage() : "not a hit: " + e;
      return RowFactory.create(withKey ? Dedup.recordKey(partition, offset) : null, error, value, null);
    }
    byte[] key = withKey ? DedupKey.of(hit).hash128() : null;
    return RowFactory.create(key, null, null, HitRow.toRow(hit));
  }
}
