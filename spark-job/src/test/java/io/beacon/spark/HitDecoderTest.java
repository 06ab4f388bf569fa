package io.beacon.spark;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.model.DedupKey;
import io.beacon.model.Hit;
import io.beacon.store.topic.HitCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.CatalystTypeConverters;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.execution.streaming.MemoryStream;
import org.apache.spark.sql.execution.streaming.MemoryStream$;
import org.apache.spark.sql.execution.streaming.StreamingQueryWrapper;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.collection.JavaConverters;

class HitDecoderTest {

  static Hit hit(String requestId, Map<String, String> params) {
    return Hit.builder()
        .propertyId("p1")
        .clientId("c1")
        .requestId(requestId)
        .sessionId("s1")
        .sessionNumber(3)
        .ts(1_800_000_000_000L)
        .receivedAt(1_800_000_001_000L)
        .eventName("page_view")
        .params(params)
        .engagementMs(1200L)
        .sessionEngaged(true)
        .firstVisit(false)
        .nonInteraction(true)
        .pageLocation("https://example.com/a?b=c")
        .hostname("example.com")
        .pagePath("/a")
        .pageTitle("A page")
        .source("google")
        .medium("organic")
        .deviceCategory("desktop")
        .browser("Firefox")
        .browserVersion("130.0")
        .os("Linux")
        .deviceModel("Pixel 8")
        .deviceBrand("Google")
        .screenResolution("1920x1080")
        .language("en-us")
        .country("FR")
        .region("Île-de-France")
        .city("Paris")
        .isBot(false)
        .protocol("mp")
        .schemaVersion(Hit.SCHEMA_VERSION)
        .build();
  }

  @Test
  void aHitTravelsAsColumnsAndComesBackEqual() {
    Hit hit = hit("r1", Map.of("k", "v", "x", "y"));
    Row decoded = HitDecoder.decode(HitCodec.encode(hit), 0, 42L, true);
    assertThat((byte[]) decoded.get(0)).isEqualTo(new DedupKey("p1", "c1", "r1").hash128());
    assertThat(decoded.get(1)).isNull();
    assertThat(decoded.get(2)).as("a hit's JSON is not carried").isNull();
    // Through Catalyst's internal rows and back, as Spark moves the UDF's result to the batch's tasks.
    Row external = roundTrip(decoded);
    Hit back = HitRow.toHit(external.getStruct(3));
    assertThat(back).isEqualTo(hit);

    Hit sparse = hit("r2", null);
    assertThat(HitRow.toHit(roundTrip(HitDecoder.decode(HitCodec.encode(sparse), 0, 43L, true)).getStruct(3)))
        .isEqualTo(sparse);
    assertThat(HitDecoder.decode(HitCodec.encode(sparse), 0, 43L, false).get(0)).as("no dedup, no key").isNull();
  }

  @Test
  void aRecordThatIsNotAHitKeepsItsBytesAndGetsItsOwnKey() {
    byte[] junk = "{not json".getBytes(StandardCharsets.UTF_8);
    Row decoded = roundTrip(HitDecoder.decode(junk, 3, 77L, true));
    assertThat((byte[]) decoded.get(0)).isEqualTo(ByteBuffer.allocate(12).putInt(3).putLong(77).array());
    assertThat(decoded.getString(1)).startsWith("not a hit");
    assertThat((byte[]) decoded.get(2)).isEqualTo(junk);
    assertThat(decoded.isNullAt(3)).isTrue();

    Row tombstone = roundTrip(HitDecoder.decode(null, 3, 78L, true));
    assertThat((byte[]) tombstone.get(0)).isEqualTo(ByteBuffer.allocate(12).putInt(3).putLong(78).array());
    assertThat(tombstone.getString(1)).isNotEmpty();
    assertThat(tombstone.isNullAt(3)).isTrue();
  }

  /** What the test query's batches saw (the foreachBatch function runs on the driver). */
  private static final List<Row> SEEN = Collections.synchronizedList(new ArrayList<>());

  /**
   * A stream on a local session: one decode per record (one UDF in the micro-batch's plan), copies of a hit
   * dropped by the de-duplication, records that are not hits all kept, every column the batch reads there.
   */
  @Test
  void oneDecodePerRecordThroughTheDeduplication(@TempDir Path checkpoint) throws Exception {
    SparkSession spark = SparkSession.builder().master("local[1]").appName("hit-decoder-test")
        .config("spark.ui.enabled", false)
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", 1)
        // No batch without data after the one that has it (the watermark moved): its plan is the one checked.
        .config("spark.sql.streaming.noDataMicroBatches.enabled", false)
        .getOrCreate();
    try {
      Hit a = hit("a", Map.of("k", "v"));
      Hit b = hit("b", null);
      byte[] junk = "[]".getBytes(StandardCharsets.UTF_8);
      Timestamp t = new Timestamp(System.currentTimeMillis());
      List<Row> rows = List.of(
          RowFactory.create(HitCodec.encode(a), 0, 1L, t),
          RowFactory.create(HitCodec.encode(b), 0, 2L, t),
          RowFactory.create(HitCodec.encode(a.withTimes(a.ts(), a.receivedAt() + 5)), 1, 1L, t), // a retry's copy
          RowFactory.create(junk, 1, 2L, t),
          RowFactory.create(junk, 1, 3L, t)); // the same bytes at another offset: a dead letter of its own
      StructType kafka = DataTypes.createStructType(List.of(
          DataTypes.createStructField("value", DataTypes.BinaryType, true),
          DataTypes.createStructField("partition", DataTypes.IntegerType, false),
          DataTypes.createStructField("offset", DataTypes.LongType, false),
          DataTypes.createStructField("timestamp", DataTypes.TimestampType, true)));
      MemoryStream<Row> input = MemoryStream$.MODULE$.apply(Encoders.row(kafka), spark.sqlContext());
      input.addData(JavaConverters.asScalaBuffer(rows));

      SEEN.clear();
      StreamingQuery query = Dedup.apply(HitDecoder.apply(input.toDF(), true), Duration.ofMinutes(15)).writeStream()
          .option("checkpointLocation", checkpoint.toString())
          .foreachBatch((VoidFunction2<Dataset<Row>, Long>) (batch, id) -> SEEN.addAll(batch.select(HitDecoder.HIT,
              HitDecoder.ERROR, HitDecoder.VALUE, "partition", "offset", "timestamp").collectAsList()))
          .start();
      query.processAllAvailable();
      String plan = ((StreamingQueryWrapper) query).streamingQuery().lastExecution().executedPlan().toString();
      query.stop();
      assertThat(plan.split("UDF\\(", -1)).as("one decode per record:\n" + plan).hasSize(2);

      List<Hit> hits = new ArrayList<>();
      List<Long> badOffsets = new ArrayList<>();
      for (Row row : SEEN) {
        if (row.isNullAt(0)) {
          assertThat((byte[]) row.getAs(2)).isEqualTo(junk);
          assertThat(row.getString(1)).startsWith("not a hit");
          badOffsets.add(row.getLong(4));
        } else {
          hits.add(HitRow.toHit(row.getStruct(0)));
          assertThat(row.get(5)).isEqualTo(t);
        }
      }
      assertThat(hits).hasSize(2).extracting(Hit::requestId).containsExactlyInAnyOrder("a", "b");
      assertThat(hits).contains(b);
      assertThat(badOffsets).containsExactlyInAnyOrder(2L, 3L);
    } finally {
      spark.stop();
    }
  }

  /** The decoded struct as Spark hands it on: to Catalyst's internal row and back to a Row. */
  private static Row roundTrip(Row decoded) {
    Object internal = CatalystTypeConverters.createToCatalystConverter(HitDecoder.DECODED_SCHEMA).apply(decoded);
    Row external = (Row) CatalystTypeConverters.createToScalaConverter(HitDecoder.DECODED_SCHEMA).apply(internal);
    assertThat(Arrays.asList(external.schema().fieldNames())).containsExactly(Dedup.KEY, HitDecoder.ERROR,
        HitDecoder.VALUE, HitDecoder.HIT);
    return external;
  }
}
