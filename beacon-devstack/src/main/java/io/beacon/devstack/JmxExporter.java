package io.beacon.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;

/**
 * Prometheus's JMX exporter as a Java agent of a store's JVM (Kafka, Cassandra): the same agent version
 * ({@code stack/jmx-exporter/pom.xml}) and rules ({@code deploy/jmx-exporter/<store>.yml}) as the production compose
 * file, so the store dashboard and alert rules are checked against the series a real broker and node serve.
 */
final class JmxExporter {
  private JmxExporter() {
  }

  /**
   * The {@code -javaagent} option that serves the JVM's metrics on {@code 127.0.0.1:port} with {@code rules}.
   *
   * @param log where Maven's output goes if the agent must be resolved first
   */
  static String agentOption(Path beaconHome, Path log, int port, String rules) {
    String jar = Classpaths.resolve(beaconHome, "jmx-exporter", log);
    Path config = beaconHome.resolve("deploy/jmx-exporter").resolve(rules).toAbsolutePath();
    return "-javaagent:" + jar + "=127.0.0.1:" + port + ":" + config;
  }

  /** A port free on the loopback now, for a store's metrics (tests and `beacon up` run several stacks apart). */
  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("could not pick a free port", e);
    }
  }
}
