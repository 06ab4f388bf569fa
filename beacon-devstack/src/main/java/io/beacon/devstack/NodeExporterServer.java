package io.beacon.devstack;

import java.nio.file.Path;
import java.util.List;

/**
 * Prometheus's node exporter (Debian package {@code prometheus-node-exporter}): the host's CPU, memory, disk and
 * network, as the compose file's {@code node-exporter} service serves them, for the store dashboard and the disk
 * and memory alerts. Only the collectors those read, on the loopback.
 */
final class NodeExporterServer extends NativeServer {
  static final String BINARY = "/usr/bin/prometheus-node-exporter";
  static final int PORT = 19100;

  NodeExporterServer(Path beaconHome, Path run, Path logs) {
    super("node-exporter", beaconHome, run.resolve("node-exporter"), logs.resolve("node-exporter.log"));
  }

  String target() {
    return "127.0.0.1:" + PORT;
  }

  @Override
  protected List<String> nativeCommand() {
    return command(PORT);
  }

  /** The exporter's command line on {@code port}, with the collectors compose enables. */
  static List<String> command(int port) {
    return List.of(BINARY, "--web.listen-address=127.0.0.1:" + port, "--collector.disable-defaults",
        "--collector.cpu", "--collector.meminfo", "--collector.filesystem", "--collector.loadavg",
        "--collector.netdev", "--collector.diskstats", "--collector.pressure");
  }

  @Override
  protected Probe newProbe() {
    return httpOk("http://" + target() + "/metrics");
  }
}
