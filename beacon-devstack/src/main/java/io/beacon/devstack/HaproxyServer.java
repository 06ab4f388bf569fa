package io.beacon.devstack;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One load balancer's HAProxy (Debian package) in the balancer's network namespace, running the project's
 * {@code haproxy.cfg} with the rehearsal's backends file, configured by environment as compose configures it.
 * One process ({@code -db}, no master-worker), so {@code kill -9} of its PID is a balancer crash.
 */
final class HaproxyServer extends NativeServer {

  private final EdgeNetwork network;
  private final int balancer;
  private final List<Path> configs;
  private final Map<String, String> env;
  private final int metricsPort;

  HaproxyServer(String name, Path beaconHome, Path home, Path logFile, EdgeNetwork network, int balancer,
                List<Path> configs, Map<String, String> env) {
    super(name, beaconHome, home, logFile);
    this.network = network;
    this.balancer = balancer;
    this.configs = List.copyOf(configs);
    this.env = Map.copyOf(env);
    this.metricsPort = port(env.get("BEACON_LB_METRICS_BIND"));
  }

  /** "host:port" or ":port" to the port. */
  static int port(String bind) {
    return Integer.parseInt(bind.substring(bind.lastIndexOf(':') + 1));
  }

  /** HAProxy's Prometheus exporter on this balancer's own address (the metrics frontend, as Prometheus reaches it). */
  String metricsUrl() {
    return "http://" + EdgeNetwork.balancerAddress(balancer) + ":" + metricsPort + "/metrics";
  }

  /** {@code haproxy -c -dW} (warnings fatal) of the configs with this environment; the output, or an exception. */
  static String check(List<Path> configs, Map<String, String> env) throws java.io.IOException {
    List<String> cmd = new ArrayList<>(List.of("/usr/sbin/haproxy", "-c", "-dW"));
    configs.forEach(c -> cmd.addAll(List.of("-f", c.toString())));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes());
    try {
      if (p.waitFor() != 0) {
        throw new LocalStackException("haproxy -c failed for the rehearsal's configuration:\n" + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LocalStackException("interrupted", e);
    }
    return out;
  }

  @Override
  protected List<String> nativeCommand() {
    List<String> cmd = new ArrayList<>(List.of("/usr/sbin/haproxy", "-db"));
    configs.forEach(c -> cmd.addAll(List.of("-f", c.toString())));
    return network.inNamespace(balancer, cmd);
  }

  @Override
  protected void adjustEnvironment(Map<String, String> childEnv) {
    childEnv.keySet().removeIf(k -> k.startsWith("BEACON_"));
    childEnv.putAll(env);
  }

  /** Ready = its Prometheus exporter answers on the balancer's address (the config loaded, the frontends bound). */
  @Override
  protected Probe newProbe() {
    return httpOk(metricsUrl());
  }
}
