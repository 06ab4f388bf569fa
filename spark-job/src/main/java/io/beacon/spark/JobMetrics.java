package io.beacon.spark;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.sql.streaming.StreamingQueryListener;
import org.apache.spark.sql.streaming.StreamingQueryProgress;

/**
 * The job's progress in Prometheus text format on {@code http://127.0.0.1:<metrics-port>/metrics}: Spark's
 * own progress of the last micro-batch (input and processing rate, batch duration, state rows, watermark) plus
 * the job's counters. A few lines over the JDK's HTTP server instead of Spark's PrometheusServlet, which
 * needs the Spark UI (off in tests) and names metrics per application id.
 */
final class JobMetrics extends StreamingQueryListener {

  private final AtomicLong hits = new AtomicLong();
  private final AtomicLong late = new AtomicLong();
  private final AtomicLong bad = new AtomicLong();
  private final AtomicLong rowsWritten = new AtomicLong();
  private final AtomicLong rowsSkipped = new AtomicLong();
  private final AtomicLong batches = new AtomicLong();
  private volatile boolean queryActive;
  private volatile long lastBatchId = -1;
  private volatile long lastBatchMillis;
  private volatile StreamingQueryProgress progress;
  private HttpServer server;

  void batchDone(long batchId, long hits, long late, long bad, long written, long skipped, long millis) {
    this.hits.addAndGet(hits);
    this.late.addAndGet(late);
    this.bad.addAndGet(bad);
    this.rowsWritten.addAndGet(written);
    this.rowsSkipped.addAndGet(skipped);
    this.batches.incrementAndGet();
    this.lastBatchId = batchId;
    this.lastBatchMillis = millis;
  }

  void serve(int port) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
    server.createContext("/metrics", exchange -> {
      byte[] body = render().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
  }

  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  String render() {
    StringBuilder b = new StringBuilder();
    counter(b, "beacon_spark_hits_total", "Hits decoded from Kafka", hits.get());
    counter(b, "beacon_spark_late_hits_total", "Hits beyond the lateness limit, sent to dirty buckets", late.get());
    counter(b, "beacon_spark_dead_letters_total", "Records that were not hits", bad.get());
    counter(b, "beacon_spark_rows_written_total", "Aggregate rows written to Cassandra", rowsWritten.get());
    counter(b, "beacon_spark_rows_skipped_total", "Rows a replayed batch found already written", rowsSkipped.get());
    counter(b, "beacon_spark_batches_total", "Micro-batches completed", batches.get());
    gauge(b, "beacon_spark_query_active", "1 while the streaming query runs (started, not terminated)",
        queryActive ? 1 : 0);
    gauge(b, "beacon_spark_last_batch_id", "Id of the last completed micro-batch", lastBatchId);
    gauge(b, "beacon_spark_last_batch_write_seconds", "Aggregate+write time of the last batch", lastBatchMillis / 1000.0);
    StreamingQueryProgress p = progress;
    if (p != null) {
      gauge(b, "beacon_spark_input_rows_per_second", "Spark: input rate", p.inputRowsPerSecond());
      gauge(b, "beacon_spark_processed_rows_per_second", "Spark: processing rate", p.processedRowsPerSecond());
      gauge(b, "beacon_spark_batch_input_rows", "Spark: rows in the last batch", p.numInputRows());
      Long duration = p.durationMs().get("triggerExecution");
      gauge(b, "beacon_spark_batch_duration_seconds", "Spark: trigger execution time",
          duration == null ? 0 : duration / 1000.0);
      long stateRows = 0;
      for (var op : p.stateOperators()) {
        stateRows += op.numRowsTotal();
      }
      gauge(b, "beacon_spark_state_rows", "Spark: rows in state stores (0: state lives in Cassandra)", stateRows);
      String watermark = p.eventTime().get("watermark");
      gauge(b, "beacon_spark_watermark_seconds", "Spark: event-time watermark (epoch s; 0 = none)",
          watermark == null ? 0 : Instant.parse(watermark).getEpochSecond());
    }
    return b.toString();
  }

  private static void counter(StringBuilder b, String name, String help, long value) {
    b.append("# HELP ").append(name).append(' ').append(help).append('\n')
        .append("# TYPE ").append(name).append(" counter\n").append(name).append(' ').append(value).append('\n');
  }

  private static void gauge(StringBuilder b, String name, String help, double value) {
    b.append("# HELP ").append(name).append(' ').append(help).append('\n')
        .append("# TYPE ").append(name).append(" gauge\n").append(name).append(' ')
        .append(String.format(Locale.ROOT, "%s", Double.isNaN(value) ? "NaN" : Double.toString(value))).append('\n');
  }

  @Override
  public void onQueryStarted(QueryStartedEvent event) {
    queryActive = true;
  }

  @Override
  public void onQueryProgress(QueryProgressEvent event) {
    progress = event.progress();
  }

  @Override
  public void onQueryTerminated(QueryTerminatedEvent event) {
    queryActive = false;
  }
}
