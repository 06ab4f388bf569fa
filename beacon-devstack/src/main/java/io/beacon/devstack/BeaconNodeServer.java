package io.beacon.devstack;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Beacon node in its own JVM ({@code io.beacon.Main run --config FILE}), configured by {@code BEACON_*}
 * environment variables as an operator (or docker-compose) does, from this JVM's classpath (which holds
 * beacon-node). Its inherited {@code BEACON_*} variables are dropped: only {@code env} configures it.
 */
final class BeaconNodeServer extends ServerProcess {

  private final Path configFile;
  private final Map<String, String> env;
  private final List<String> heap;
  private final String managementHost;
  private final int managementPort;

  /**
   * @param env  the node's {@code BEACON_*} settings (BEACON_OPTS excluded: {@code heap} is its JVM flags)
   * @param heap JVM heap flags, e.g. -Xms64m -Xmx384m
   */
  BeaconNodeServer(String name, Path beaconHome, Path runDir, Path logs, Path configFile, Map<String, String> env,
                   List<String> heap, String managementHost, int managementPort) {
    super(name, "node", beaconHome, runDir.resolve(name), logs.resolve(name + ".log"));
    this.configFile = configFile.toAbsolutePath().normalize();
    this.env = Map.copyOf(new LinkedHashMap<>(env));
    this.heap = List.copyOf(heap);
    this.managementHost = managementHost;
    this.managementPort = managementPort;
  }

  private volatile NodePartitions partitions;

  /** From its next start, the node runs in a cgroup of its own, which {@code partitions} can cut off. */
  void partitionable(NodePartitions partitions) {
    this.partitions = partitions;
  }

  @Override
  protected List<String> command(String classpath) throws java.io.IOException {
    List<String> command = super.command(classpath);
    NodePartitions p = partitions;
    return p == null ? command : p.joining(name(), command);
  }

  Map<String, String> env() {
    return env;
  }

  Path configFile() {
    return configFile;
  }

  /** The node runs from this JVM's own classpath (beacon-devstack depends on beacon-node): no stack pom. */
  @Override
  protected String resolveClasspath() {
    return System.getProperty("java.class.path");
  }

  @Override
  protected List<String> jvmOptions() {
    List<String> options = new ArrayList<>(heap);
    options.add("-XX:+ExitOnOutOfMemoryError");
    options.add("@" + beaconHome().resolve("bin").resolve("jvm.options"));
    options.add("-Dbeacon.home=" + beaconHome());
    return options;
  }

  @Override
  protected String mainClass() {
    return "io.beacon.Main";
  }

  @Override
  protected List<String> arguments() {
    return List.of("run", "--config", configFile.toString());
  }

  @Override
  protected void adjustEnvironment(Map<String, String> childEnv) {
    childEnv.keySet().removeIf(k -> k.startsWith("BEACON_"));
    childEnv.putAll(env);
  }

  /** Ready = the management port's {@code /ready} answers 200 (stores reachable, cluster has its minimum members). */
  @Override
  protected Probe newProbe() {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + managementHost + ":" + managementPort + "/ready"))
        .timeout(Duration.ofSeconds(5)).GET().build();
    return () -> {
      requirePortOpen(managementHost, managementPort);
      HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException("/ready " + response.statusCode() + ": " + response.body());
      }
    };
  }
}
