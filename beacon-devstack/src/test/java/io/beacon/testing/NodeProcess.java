package io.beacon.testing;

import static org.awaitility.Awaitility.await;

import io.beacon.devstack.LocalStack;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Beacon node in its own JVM ({@code io.beacon.Main run}), configured by environment
 * variables like an operator would, against the test run's real stack. Killed at the end of the
 * test (and by a shutdown hook if the test JVM dies first).
 */
public final class NodeProcess implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final String name;
  private final Map<String, String> env;
  private final Path log;
  private Process process;
  private final Thread hook;

  public final int collectorPort = FreePorts.one();
  public final int queryPort = FreePorts.one();
  public final int managementPort = FreePorts.one();

  /**
   * @param cluster discovery settings shared by the nodes that must form one cluster
   * @param extraEnv more {@code BEACON_*} settings (roles, instances...)
   */
  public NodeProcess(String name, LocalStack stack, Cluster cluster, Map<String, String> extraEnv) {
    this.name = name;
    this.log = Path.of("target", "nodes", name + ".log");
    env = new HashMap<>();
    env.put("BEACON_NODE_NAME", name);
    env.put("BEACON_HTTP_COLLECTOR_HOST", "127.0.0.1");
    env.put("BEACON_HTTP_COLLECTOR_PORT", Integer.toString(collectorPort));
    env.put("BEACON_HTTP_QUERY_HOST", "127.0.0.1");
    env.put("BEACON_HTTP_QUERY_PORT", Integer.toString(queryPort));
    env.put("BEACON_HTTP_MANAGEMENT_PORT", Integer.toString(managementPort));
    env.put("BEACON_KAFKA_BOOTSTRAP", stack.kafkaBootstrap());
    env.put("BEACON_CASSANDRA_CONTACT_POINTS", stack.cassandraContactPoint());
    env.put("BEACON_QUESTDB_HTTP_URL", stack.questdbHttpUrl());
    env.put("BEACON_QUESTDB_PG_PORT", Integer.toString(stack.questdbPgPort()));
    env.put("BEACON_CLUSTER_DISCOVERY_PORT", Integer.toString(cluster.discoveryBase()));
    env.put("BEACON_CLUSTER_DISCOVERY_PORT_RANGE", Integer.toString(cluster.size()));
    env.put("BEACON_CLUSTER_MEMBERS", "127.0.0.1:" + cluster.discoveryBase() + ".." + (cluster.discoveryBase() + cluster.size() - 1));
    env.put("BEACON_CLUSTER_COMMUNICATION_PORT", Integer.toString(cluster.communicationBase()));
    env.put("BEACON_CLUSTER_COMMUNICATION_PORT_RANGE", Integer.toString(cluster.size()));
    env.put("BEACON_CLUSTER_WORK_DIR", Path.of("target", "nodes", "ignite").toAbsolutePath().toString());
    env.put("BEACON_CLUSTER_FAILURE_DETECTION_TIMEOUT_MS", Long.toString(cluster.failureDetectionTimeoutMs()));
    // One partition count for the shared hits topic across the run (a topic never shrinks).
    env.put("BEACON_KAFKA_HITS_PARTITIONS", "3");
    env.putAll(TestConfigs.NO_SHARED_RATE_LIMITS);
    env.putAll(extraEnv);
    hook = new Thread(this::kill, "kill-node-" + name);
  }

  /** One more setting made of the node's own ports (e.g. query.publicCollectorUrl), before {@link #start()}. */
  public NodeProcess with(String key, java.util.function.Function<NodeProcess, String> value) {
    env.put(key, value.apply(this));
    return this;
  }

  /** Discovery and communication port blocks for one test cluster. */
  public record Cluster(int discoveryBase, int communicationBase, int size, long failureDetectionTimeoutMs) {
    public static Cluster fresh(int size, long failureDetectionTimeoutMs) {
      return new Cluster(FreePorts.block(size), FreePorts.block(size), size, failureDetectionTimeoutMs);
    }
  }

  public NodeProcess start() throws IOException {
    Files.createDirectories(log.getParent());
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add("-Xms64m");
    cmd.add("-Xmx256m");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("@" + System.getProperty("beacon.jvm.options", "bin/jvm.options"));
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("io.beacon.Main");
    cmd.add("run");
    cmd.removeIf(String::isBlank);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().keySet().removeIf(k -> k.startsWith("BEACON_"));
    pb.environment().putAll(env);
    process = pb.start();
    Runtime.getRuntime().addShutdownHook(hook);
    return this;
  }

  /** Starts the node again (same name, ports and config), e.g. after {@link #kill()}. */
  public NodeProcess restart() throws IOException {
    kill();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException | IllegalArgumentException ignored) {
      // not registered, or shutting down
    }
    return start();
  }

  /** Waits until {@code /ready} answers 200, failing early (with the log's tail) if the process dies. */
  public NodeProcess awaitReady(Duration timeout) {
    await("node " + name + " ready").atMost(timeout).pollInterval(Duration.ofMillis(250))
        .ignoreExceptionsInstanceOf(IOException.class).until(() -> {
      if (!process.isAlive()) {
        throw new AssertionError("node " + name + " exited with " + process.exitValue() + ":\n" + logTail());
      }
      return get("/ready").statusCode() == 200;
    });
    return this;
  }

  public HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return getFrom(managementPort, path);
  }

  public HttpResponse<String> getFrom(int port, String path) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  public Process process() {
    return process;
  }

  public String name() {
    return name;
  }

  public String logTail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  public String log() throws IOException {
    return Files.readString(log);
  }

  /** SIGKILL, like a crash. */
  public void kill() {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** SIGTERM: the node leaves the cluster cleanly. */
  public int stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
    return process.exitValue();
  }

  @Override
  public void close() {
    kill();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException ignored) {
      // JVM already shutting down: the hook runs anyway
    }
  }
}
