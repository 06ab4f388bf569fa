package io.beacon.infra.metrics;

import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import java.util.List;

/** The node's one Prometheus registry: Vert.x, JVM and Beacon's own {@code beacon_*} meters. */
public final class Metrics {
  private final PrometheusMeterRegistry registry;

  public Metrics(String nodeName) {
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().commonTags(List.of(Tag.of("node", nodeName)));
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    // The figure the benchmark reports per process: the JVM's footprint as the OS sees it (heap, metaspace,
    // direct buffers, Ignite's off-heap regions, thread stacks), which no JVM meter adds up.
    io.micrometer.core.instrument.Gauge.builder("beacon_process_resident_memory_bytes", Metrics::residentBytes)
        .description("Resident set size of this process (VmRSS), bytes").register(registry);
  }

  /** VmRSS of this process from /proc (Linux); NaN elsewhere. A procfs read never waits on a disk. */
  static double residentBytes() {
    try {
      for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return 1024.0 * Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      // not Linux
    }
    return Double.NaN;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public MicrometerMetricsFactory vertxFactory() {
    return new MicrometerMetricsFactory(registry);
  }

  /**
   * Vert.x's own meters ({@code vertx_*}).
   *
   * @param proxyProtocol a public listener takes PROXY protocol headers ({@code collector.proxyProtocol},
   *     {@code query.proxyProtocol}): then Vert.x's HTTP server meters are left out. With them, Vert.x 5.0 reads the
   *     connection's address for its connection meter before the HTTP connection exists, which consumes the
   *     address the PROXY header gave: every request would report the balancer's address (HaproxyL4Test). No
   *     Beacon dashboard or alert uses {@code vertx_http_server_*}; Beacon's own meters are unaffected.
   */
  public MicrometerMetricsOptions vertxOptions(boolean proxyProtocol) {
    MicrometerMetricsOptions options = new MicrometerMetricsOptions()
        .setEnabled(true)
        .setJvmMetricsEnabled(false) // bound above, once, with the node tag
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true));
    if (proxyProtocol) {
      options.addDisabledMetricsCategory(MetricsDomain.HTTP_SERVER);
    }
    return options;
  }
}
