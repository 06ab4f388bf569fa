package io.beacon.spark;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
  private final AtomicLong duplicates = new AtomicLong();
  private final AtomicLong dedupLate = new AtomicLong();
  private volatile boolean queryActive;
  private volatile long lastBatchId = -1;
  private volatile long lastBatchMillis;
  private volatile StreamingQueryProgress progress;
  /** Upper bounds (s) of the produce-to-aggregate delay histogram: seconds to an hour of backlog. */
  private static final double[] DELAY_BUCKETS = {1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600};
  private final long[] delayCounts = new long[DELAY_BUCKETS.length + 1];
  private long delayCount;
  private double delaySum;
  private double lastBatchMaxDelay;
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

  /**
   * Records the delay from Kafka (broker append time, to the second) to the written aggregate of every hit
   * of a completed batch.
   *
   * @param appendSeconds per task: epoch second of the Kafka timestamp -> hits
   * @param writtenAtMillis when the batch's last row was written
   */
  synchronized void sinkDelays(List<Map<Long, Long>> appendSeconds, long writtenAtMillis) {
    double max = 0;
    for (Map<Long, Long> task : appendSeconds) {
      for (Map.Entry<Long, Long> e : task.entrySet()) {
        // The Kafka timestamp is truncated to the second: count from its middle.
        double delay = Math.max(0, writtenAtMillis / 1000.0 - e.getKey() - 0.5);
        int bucket = 0;
        while (bucket < DELAY_BUCKETS.length && delay > DELAY_BUCKETS[bucket]) {
          bucket++;
        }
        delayCounts[bucket] += e.getValue();
        delayCount += e.getValue();
        delaySum += delay * e.getValue();
        max = Math.max(max, delay);
      }
    }
    if (!appendSeconds.isEmpty()) {
      lastBatchMaxDelay = max;
    }
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
    counter(b, "beacon_spark_duplicates_total",
        "Copies of an already seen hit (property, client, request id) dropped by the de-duplication",
        duplicates.get());
    counter(b, "beacon_spark_dedup_late_rows_total",
        "Rows the de-duplication dropped as older than its watermark (0 unless a clock jumped; see Dedup)",
        dedupLate.get());
    // The same name as the nodes' gauge: the benchmark's RSS of every process, live.
    gauge(b, "beacon_process_resident_memory_bytes", "Resident set size of this process (VmRSS), bytes",
        residentBytes());
    gauge(b, "beacon_spark_query_active", "1 while the streaming query runs (started, not terminated)",
        queryActive ? 1 : 0);
    gauge(b, "beacon_spark_last_batch_id", "Id of the last completed micro-batch", lastBatchId);
    gauge(b, "beacon_spark_last_batch_write_seconds", "Aggregate+write time of the last batch", lastBatchMillis / 1000.0);
    synchronized (this) {
      String name = "beacon_spark_sink_delay_seconds";
      b.append("# HELP ").append(name).append(" Produce (Kafka append time) to written aggregate, per hit\n")
          .append("# TYPE ").append(name).append(" histogram\n");
      long cumulative = 0;
      for (int i = 0; i <= DELAY_BUCKETS.length; i++) {
        cumulative += delayCounts[i];
        String le = i < DELAY_BUCKETS.length ? Double.toString(DELAY_BUCKETS[i]) : "+Inf";
        b.append(name).append("_bucket{le=\"").append(le).append("\"} ").append(cumulative).append('\n');
      }
      b.append(name).append("_sum ").append(delaySum).append('\n');
      b.append(name).append("_count ").append(delayCount).append('\n');
      gauge(b, "beacon_spark_last_batch_max_sink_delay_seconds",
          "Produce to written aggregate of the oldest hit of the last batch", lastBatchMaxDelay);
    }
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
      gauge(b, "beacon_spark_state_rows", "Spark: rows in state stores (hits of the de-duplication window)",
          stateRows);
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

  /** VmRSS of this JVM from /proc (Linux); NaN elsewhere. */
  private static double residentBytes() {
    try {
      for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return 1024.0 * Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return Double.NaN;
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
    // Progress is reported once per completed batch (never for an attempt that died), so these sums count
    // each batch once per job run.
    for (var op : event.progress().stateOperators()) {
      Long dropped = op.customMetrics().get("numDroppedDuplicateRows");
      duplicates.addAndGet(dropped == null ? 0 : dropped);
      dedupLate.addAndGet(op.numRowsDroppedByWatermark());
    }
    progress = event.progress();
  }

  @Override
  public void onQueryTerminated(QueryTerminatedEvent event) {
    queryActive = false;
  }
}
