package io.beacon.spark;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.spark.sql.streaming.StreamingQueryListener;
import org.apache.spark.sql.streaming.StreamingQueryProgress;

/**
 * The job's progress in Prometheus text format on {@code http://127.0.0.1:<metrics-port>/metrics}: Spark's
 * own progress of the last micro-batch (input and processing rate, batch duration, state rows, watermark) plus
 * the job's counters. A Micrometer {@link PrometheusMeterRegistry} served by the JDK's HTTP server instead of
 * Spark's PrometheusServlet, which needs the Spark UI (off in tests) and names metrics per application id.
 *
 * <p>Exposed names (dashboards, alert rules and tests read them): Micrometer appends {@code _total} to a
 * counter, so counters are registered without it; the sink delay is a histogram with today's buckets
 * ({@code _bucket}, {@code _sum}, {@code _count}; Micrometer adds a {@code _max} gauge).
 */
final class JobMetrics extends StreamingQueryListener {

  /** Upper bounds (s) of the receive-to-aggregate delay histogram: seconds to an hour (settle and backlog). */
  static final double[] DELAY_BUCKETS = {1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600};

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Counter hits = counter("beacon_spark_hits", "Hits decoded from Kafka");
  private final Counter late = counter("beacon_spark_late_hits",
      "Hits beyond the lateness limit, sent to dirty buckets");
  private final Counter bad = counter("beacon_spark_dead_letters", "Records that were not hits");
  private final Counter rowsWritten = counter("beacon_spark_rows_written", "Aggregate rows written to Cassandra");
  private final Counter rowsSkipped = counter("beacon_spark_rows_skipped",
      "Rows a replayed batch found already written");
  private final Counter batches = counter("beacon_spark_batches", "Micro-batches completed");
  private final Counter duplicates = counter("beacon_spark_duplicates",
      "Copies of an already seen hit (property, client, request id) dropped by the de-duplication");
  private final Counter dedupLate = counter("beacon_spark_dedup_late_rows",
      "Rows the de-duplication dropped as older than its watermark (0 unless a clock jumped; see Dedup)");
  private final DistributionSummary sinkDelay = DistributionSummary.builder("beacon_spark_sink_delay_seconds")
      .description("Collector receipt (received_at) to written aggregate, per hit; includes the session settle")
      .serviceLevelObjectives(DELAY_BUCKETS)
      .register(registry);
  private volatile boolean queryActive;
  private volatile long lastBatchId = -1;
  private volatile long lastBatchMillis;
  private volatile double lastBatchMaxDelay;
  private volatile StreamingQueryProgress progress;
  private HttpServer server;

  JobMetrics() {
    // The same name as the nodes' gauge: the benchmark's RSS of every process, live.
    gauge("beacon_process_resident_memory_bytes", "Resident set size of this process (VmRSS), bytes",
        JobMetrics::residentBytes);
    gauge("beacon_spark_query_active", "1 while the streaming query runs (started, not terminated)",
        () -> queryActive ? 1 : 0);
    gauge("beacon_spark_last_batch_id", "Id of the last completed micro-batch", () -> lastBatchId);
    gauge("beacon_spark_last_batch_write_seconds", "Aggregate+write time of the last batch",
        () -> lastBatchMillis / 1000.0);
    gauge("beacon_spark_last_batch_max_sink_delay_seconds",
        "Produce to written aggregate of the oldest hit of the last batch", () -> lastBatchMaxDelay);
  }

  void batchDone(long batchId, long hits, long late, long bad, long written, long skipped, long millis) {
    this.hits.increment(hits);
    this.late.increment(late);
    this.bad.increment(bad);
    this.rowsWritten.increment(written);
    this.rowsSkipped.increment(skipped);
    this.batches.increment();
    this.lastBatchId = batchId;
    this.lastBatchMillis = millis;
  }

  /**
   * Records the delay from the collector's receipt ({@code received_at}, to the second) to the written aggregate
   * of every hit of a completed batch: with the session state, it includes the settle time.
   *
   * @param appendSeconds per task: epoch second of the hits' receipt -> hits
   * @param writtenAtMillis when the batch's last row was written
   */
  synchronized void sinkDelays(List<Map<Long, Long>> appendSeconds, long writtenAtMillis) {
    double max = 0;
    for (Map<Long, Long> task : appendSeconds) {
      for (Map.Entry<Long, Long> e : task.entrySet()) {
        // The Kafka timestamp is truncated to the second: count from its middle.
        double delay = Math.max(0, writtenAtMillis / 1000.0 - e.getKey() - 0.5);
        // One observation per hit (Micrometer has no weighted record): the hits of a second share a delay.
        for (long i = e.getValue(); i > 0; i--) {
          sinkDelay.record(delay);
        }
        max = Math.max(max, delay);
      }
    }
    if (!appendSeconds.isEmpty()) {
      lastBatchMaxDelay = max;
    }
  }

  /** Serves {@link #render} on {@code 127.0.0.1:port/metrics}; returns the port (0: one the system chose). */
  int serve(int port) throws IOException {
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
    return server.getAddress().getPort();
  }

  void stop() {
    if (server != null) {
      server.stop(0);
    }
    registry.close();
  }

  /** The Prometheus text format (0.0.4) of every metric. */
  String render() {
    return registry.scrape();
  }

  private Counter counter(String name, String help) {
    return Counter.builder(name).description(help).register(registry);
  }

  private void gauge(String name, String help, Supplier<Number> value) {
    Gauge.builder(name, value).description(help).strongReference(true).register(registry);
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

  /** Spark's progress gauges, from the first progress event on (absent before, as they always were). */
  private void registerProgressGauges() {
    gauge("beacon_spark_input_rows_per_second", "Spark: input rate", () -> progress.inputRowsPerSecond());
    gauge("beacon_spark_processed_rows_per_second", "Spark: processing rate",
        () -> progress.processedRowsPerSecond());
    gauge("beacon_spark_batch_input_rows", "Spark: rows in the last batch", () -> progress.numInputRows());
    gauge("beacon_spark_batch_duration_seconds", "Spark: trigger execution time", () -> {
      Long duration = progress.durationMs().get("triggerExecution");
      return duration == null ? 0 : duration / 1000.0;
    });
    gauge("beacon_spark_state_rows", "Spark: rows in state stores (hits of the de-duplication window)", () -> {
      long stateRows = 0;
      for (var op : progress.stateOperators()) {
        stateRows += op.numRowsTotal();
      }
      return stateRows;
    });
    gauge("beacon_spark_watermark_seconds", "Spark: event-time watermark (epoch s; 0 = none)", () -> {
      String watermark = progress.eventTime().get("watermark");
      return watermark == null ? 0 : Instant.parse(watermark).getEpochSecond();
    });
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
      duplicates.increment(dropped == null ? 0 : dropped);
      dedupLate.increment(op.numRowsDroppedByWatermark());
    }
    boolean first = progress == null;
    progress = event.progress();
    if (first) {
      registerProgressGauges();
    }
  }

  @Override
  public void onQueryTerminated(QueryTerminatedEvent event) {
    queryActive = false;
  }
}
