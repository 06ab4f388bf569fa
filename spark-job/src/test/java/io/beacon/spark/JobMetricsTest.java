package io.beacon.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.sql.streaming.SinkProgress;
import org.apache.spark.sql.streaming.SourceProgress;
import org.apache.spark.sql.streaming.StateOperatorProgress;
import org.apache.spark.sql.streaming.StreamingQueryListener.QueryProgressEvent;
import org.apache.spark.sql.streaming.StreamingQueryProgress;
import org.junit.jupiter.api.Test;

/** The exposition keeps the names and types that the dashboards, alert rules and tests read. */
class JobMetricsTest {

  private static final List<String> COUNTERS = List.of("beacon_spark_hits_total", "beacon_spark_late_hits_total",
      "beacon_spark_dead_letters_total", "beacon_spark_rows_written_total", "beacon_spark_rows_skipped_total",
      "beacon_spark_batches_total", "beacon_spark_duplicates_total", "beacon_spark_dedup_late_rows_total");
  private static final List<String> GAUGES = List.of("beacon_process_resident_memory_bytes",
      "beacon_spark_query_active", "beacon_spark_last_batch_id", "beacon_spark_last_batch_write_seconds",
      "beacon_spark_last_batch_max_sink_delay_seconds");
  private static final List<String> PROGRESS_GAUGES = List.of("beacon_spark_input_rows_per_second",
      "beacon_spark_processed_rows_per_second", "beacon_spark_batch_input_rows",
      "beacon_spark_batch_duration_seconds", "beacon_spark_state_rows", "beacon_spark_watermark_seconds");

  @Test
  void namesTypesAndValues() {
    JobMetrics metrics = new JobMetrics();
    metrics.batchDone(7, 100, 2, 1, 50, 3, 1234);
    long now = 1_800_000_000_000L;
    // 10 hits appended 3 s before the write (delay 2.5 s), 5 hits 40 s before (39.5 s).
    metrics.sinkDelays(List.of(Map.of(now / 1000 - 3, 10L), Map.of(now / 1000 - 40, 5L)), now);
    String text = metrics.render();

    for (String counter : COUNTERS) {
      assertThat(text).contains("# TYPE " + counter + " counter\n");
    }
    for (String gauge : GAUGES) {
      assertThat(text).contains("# TYPE " + gauge + " gauge\n");
    }
    assertThat(value(text, "beacon_spark_hits_total")).isEqualTo(100);
    assertThat(value(text, "beacon_spark_late_hits_total")).isEqualTo(2);
    assertThat(value(text, "beacon_spark_dead_letters_total")).isEqualTo(1);
    assertThat(value(text, "beacon_spark_rows_written_total")).isEqualTo(50);
    assertThat(value(text, "beacon_spark_rows_skipped_total")).isEqualTo(3);
    assertThat(value(text, "beacon_spark_batches_total")).isEqualTo(1);
    assertThat(value(text, "beacon_spark_last_batch_id")).isEqualTo(7);
    assertThat(value(text, "beacon_spark_last_batch_write_seconds")).isEqualTo(1.234);
    assertThat(value(text, "beacon_spark_query_active")).isZero();
    assertThat(value(text, "beacon_spark_last_batch_max_sink_delay_seconds")).isEqualTo(39.5);

    // The histogram: today's buckets, cumulative, with _sum and _count.
    assertThat(text).contains("# TYPE beacon_spark_sink_delay_seconds histogram\n");
    assertThat(text).contains("beacon_spark_sink_delay_seconds_bucket{le=\"1.0\"} 0\n",
        "beacon_spark_sink_delay_seconds_bucket{le=\"5.0\"} 10\n",
        "beacon_spark_sink_delay_seconds_bucket{le=\"30.0\"} 10\n",
        "beacon_spark_sink_delay_seconds_bucket{le=\"60.0\"} 15\n",
        "beacon_spark_sink_delay_seconds_bucket{le=\"3600.0\"} 15\n",
        "beacon_spark_sink_delay_seconds_bucket{le=\"+Inf\"} 15\n");
    for (double le : JobMetrics.DELAY_BUCKETS) {
      assertThat(text).contains("beacon_spark_sink_delay_seconds_bucket{le=\"" + le + "\"}");
    }
    assertThat(value(text, "beacon_spark_sink_delay_seconds_count")).isEqualTo(15);
    assertThat(value(text, "beacon_spark_sink_delay_seconds_sum")).isEqualTo(10 * 2.5 + 5 * 39.5);

    // Spark's progress gauges appear with the first progress event, as they always did.
    for (String gauge : PROGRESS_GAUGES) {
      assertThat(text).doesNotContain(gauge);
    }
    metrics.onQueryProgress(new QueryProgressEvent(progress(4, 1)));
    metrics.onQueryProgress(new QueryProgressEvent(progress(3, 0)));
    text = metrics.render();
    for (String gauge : PROGRESS_GAUGES) {
      assertThat(text).contains("# TYPE " + gauge + " gauge\n");
    }
    assertThat(value(text, "beacon_spark_duplicates_total")).isEqualTo(7);
    assertThat(value(text, "beacon_spark_dedup_late_rows_total")).isEqualTo(1);
    assertThat(value(text, "beacon_spark_input_rows_per_second")).isEqualTo(120.5);
    assertThat(value(text, "beacon_spark_processed_rows_per_second")).isEqualTo(99.5);
    assertThat(value(text, "beacon_spark_batch_input_rows")).isEqualTo(1000);
    assertThat(value(text, "beacon_spark_batch_duration_seconds")).isEqualTo(2.5);
    assertThat(value(text, "beacon_spark_state_rows")).isEqualTo(4242);
    assertThat(value(text, "beacon_spark_watermark_seconds")).isEqualTo(1_800_000_000);
  }

  @Test
  void servedOnLoopback() throws Exception {
    JobMetrics metrics = new JobMetrics();
    int port = metrics.serve(0);
    try {
      metrics.batchDone(0, 5, 0, 0, 1, 0, 10);
      HttpResponse<String> response = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
      assertThat(value(response.body(), "beacon_spark_hits_total")).isEqualTo(5);
    } finally {
      metrics.stop();
    }
  }

  private static StreamingQueryProgress progress(long duplicates, long droppedByWatermark) {
    StateOperatorProgress dedup = new StateOperatorProgress("dedupeWithinWatermark", 4242, 10, 1, 0, 1, 2, 1 << 20,
        droppedByWatermark, 2, 2, Map.of("numDroppedDuplicateRows", duplicates));
    SourceProgress source = new SourceProgress("KafkaV2[Subscribe[beacon.hits]]", "{}", "{}", "{}", 1000, 120.5, 99.5,
        Map.of());
    return new StreamingQueryProgress(UUID.randomUUID(), UUID.randomUUID(), "beacon-aggregation",
        "2027-01-15T08:00:00.000Z", 3, 2500, Map.of("triggerExecution", 2500L),
        Map.of("watermark", "2027-01-15T08:00:00.000Z"), new StateOperatorProgress[] {dedup},
        new SourceProgress[] {source}, new SinkProgress("foreachBatch"), Map.of());
  }

  /** The value of a label-less sample, parsed as the tests of beacon-devstack do. */
  private static double value(String text, String name) {
    for (String line : text.split("\n")) {
      if (line.startsWith(name + " ")) {
        return Double.parseDouble(line.substring(name.length() + 1));
      }
    }
    throw new AssertionError(name + " not in\n" + text);
  }
}
