package io.beacon.devstack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;

/**
 * A single-node Kafka 4.1 broker in KRaft mode (broker and controller in one JVM).
 *
 * <p>Layout: {@code <home>/server.properties}, {@code log4j2.properties}, {@code cluster.id} (generated once,
 * so a durable data dir keeps its identity) and {@code <home>/data} (log.dirs, incl. the metadata log).
 */
final class KafkaServer extends ServerProcess {

  private final int port;
  private final int controllerPort;
  /** Null for the single-node server; for a cluster node, its place in the cluster. */
  private final ClusterNode cluster;

  /**
   * One broker of a KRaft cluster whose nodes are all broker and controller (combined mode) on 127.0.0.1.
   *
   * @param nodeId    1..size; node N listens on {@code basePort + N - 1}, its controller on {@code
   *                  controllerBasePort + N - 1}
   * @param clusterId the cluster's id (22-char base64 UUID), the same for every node
   */
  record ClusterNode(int nodeId, int size, int basePort, int controllerBasePort, String clusterId) {
    String voters() {
      List<String> voters = new java.util.ArrayList<>();
      for (int n = 1; n <= size; n++) {
        voters.add(n + "@127.0.0.1:" + (controllerBasePort + n - 1));
      }
      return String.join(",", voters);
    }

    String bootstrap() {
      List<String> servers = new java.util.ArrayList<>();
      for (int n = 1; n <= size; n++) {
        servers.add("127.0.0.1:" + (basePort + n - 1));
      }
      return String.join(",", servers);
    }
  }

  KafkaServer(Path beaconHome, Path dataDir, int port, int controllerPort) {
    super("kafka", beaconHome, dataDir);
    this.port = port;
    this.controllerPort = controllerPort;
    this.cluster = null;
  }

  /** Node {@code node.nodeId()} of a cluster: "kafka-N", home {@code <runDir>/kafka-N}, log {@code <logs>/kafka-N.log}. */
  KafkaServer(Path beaconHome, Path runDir, Path logs, ClusterNode node) {
    super("kafka-" + node.nodeId(), "kafka", beaconHome, runDir.resolve("kafka-" + node.nodeId()),
        logs.resolve("kafka-" + node.nodeId() + ".log"));
    this.port = node.basePort() + node.nodeId() - 1;
    this.controllerPort = node.controllerBasePort() + node.nodeId() - 1;
    this.cluster = node;
  }

  /** A fresh KRaft cluster id, as {@code kafka-storage random-uuid} prints it. */
  static String randomClusterId() {
    SecureRandom random = new SecureRandom();
    String id;
    do {
      byte[] bytes = new byte[16];
      random.nextBytes(bytes);
      id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    } while (id.startsWith("-")); // Kafka's Uuid.randomUuid() avoids these too: they read as CLI flags
    return id;
  }

  /** Every broker of this node's cluster, "127.0.0.1:p1,127.0.0.1:p2,..." (this broker only if single-node). */
  String clusterBootstrap() {
    return cluster == null ? bootstrap() : cluster.bootstrap();
  }

  /** "127.0.0.1:port" for clients (this broker only). */
  String bootstrap() {
    return "127.0.0.1:" + port;
  }

  private Path serverProperties() {
    return home().resolve("server.properties");
  }

  private Path log4jConfig() {
    return home().resolve("log4j2.properties");
  }

  private Path logDirs() {
    return home().resolve("data");
  }

  @Override
  protected void prepare(String classpath) throws IOException {
    Files.createDirectories(logDirs());
    // Rewritten on every start so a durable data dir follows the ports it is started with.
    Files.writeString(serverProperties(), serverPropertiesText(), StandardCharsets.UTF_8);
    Files.writeString(log4jConfig(), LOG4J2, StandardCharsets.UTF_8);
    // A KRaft log dir must be formatted before the first start. Skipping it when meta.properties exists
    // saves a JVM start (~1-2 s) on every later start; --ignore-formatted covers a half-finished format.
    if (!Files.exists(logDirs().resolve("meta.properties"))) {
      format(classpath);
    }
  }

  private void format(String classpath) throws IOException {
    List<String> command = javaCommand(classpath,
        List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-Dlog4j2.configurationFile=" + log4jConfig().toUri()),
        "kafka.tools.StorageTool",
        List.of("format", "-t", clusterId(), "-c", serverProperties().toString(), "--ignore-formatted"));
    LogFiles.appendLine(logFile(), "---- " + Instant.now() + " formatting: " + String.join(" ", command));
    Process process = new ProcessBuilder(command)
        .directory(home().toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
        .start();
    process.getOutputStream().close();
    try {
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new LocalStackException("formatting kafka storage took more than 120 s; see " + logFile());
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new LocalStackException("interrupted while formatting kafka storage", e);
    }
    if (process.exitValue() != 0) {
      throw new LocalStackException("formatting kafka storage failed (exit " + process.exitValue() + "); see "
          + logFile() + ":" + System.lineSeparator() + LogFiles.tail(logFile(), 20));
    }
  }

  /** The KRaft cluster id: 16 random bytes, base64url without padding (22 chars), as Kafka's Uuid prints it. */
  private String clusterId() throws IOException {
    Path file = home().resolve("cluster.id");
    if (Files.exists(file)) {
      return Files.readString(file, StandardCharsets.UTF_8).trim();
    }
    String id = cluster != null ? cluster.clusterId() : randomClusterId();
    Files.writeString(file, id, StandardCharsets.UTF_8);
    return id;
  }

  private String serverPropertiesText() {
    if (cluster != null) {
      return clusterPropertiesText();
    }
    return String.join("\n",
        "# Written by io.beacon.devstack.KafkaServer on every start; edits are overwritten.",
        "process.roles=broker,controller",
        "node.id=1",
        "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
        "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
        "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
        "controller.listener.names=CONTROLLER",
        "inter.broker.listener.name=PLAINTEXT",
        "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs=" + logDirs(),
        "num.partitions=1",
        // One node: every internal topic must make do with one replica.
        "offsets.topic.replication.factor=1",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "share.coordinator.state.topic.replication.factor=1",
        "share.coordinator.state.topic.min.isr=1",
        // Fewer internal partitions than the default 50: creating them is most of a first consumer group's wait.
        "offsets.topic.num.partitions=10",
        "transaction.state.log.num.partitions=10",
        "group.initial.rebalance.delay.ms=0",
        "");
  }

  /** The multi-node recipe (infra-recipes.md, "Multi-node on one machine"): RF 3, min.insync.replicas 2. */
  private String clusterPropertiesText() {
    return String.join("\n",
        "# Written by io.beacon.devstack.KafkaServer (cluster node) on every start; edits are overwritten.",
        "process.roles=broker,controller",
        "node.id=" + cluster.nodeId(),
        "controller.quorum.voters=" + cluster.voters(),
        "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
        "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
        "controller.listener.names=CONTROLLER",
        "inter.broker.listener.name=PLAINTEXT",
        "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs=" + logDirs(),
        "num.partitions=3",
        "default.replication.factor=3",
        "min.insync.replicas=2",
        "offsets.topic.replication.factor=3",
        "offsets.topic.num.partitions=10",
        "transaction.state.log.replication.factor=3",
        "transaction.state.log.min.isr=2",
        "transaction.state.log.num.partitions=10",
        "share.coordinator.state.topic.replication.factor=3",
        "share.coordinator.state.topic.min.isr=2",
        "group.initial.rebalance.delay.ms=0",
        // The default 128 MiB dedupe buffer ran a restarted 256 MB broker out of heap at "Starting the log cleaner".
        "log.cleaner.dedupe.buffer.size=16777216",
        // Fence a dead broker after 3 s (default 9 s): the produce stall on a broker kill went from 11-14 s to 7.6 s.
        "broker.session.timeout.ms=3000",
        "broker.heartbeat.interval.ms=500",
        "");
  }

  @Override
  protected List<String> jvmOptions() {
    if (cluster != null) {
      return List.of(
          "-Xms128m", "-Xmx256m", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
          "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true",
          "-Dlog4j2.configurationFile=" + log4jConfig().toUri());
    }
    return List.of(
        "-Xms256m", "-Xmx512m", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
        "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true",
        "-Dlog4j2.configurationFile=" + log4jConfig().toUri());
  }

  @Override
  protected String mainClass() {
    return "kafka.Kafka";
  }

  @Override
  protected List<String> arguments() {
    return List.of(serverProperties().toString());
  }

  /**
   * Ready = {@code Admin.describeCluster()} lists the broker (it is registered and serving metadata); for a
   * cluster node, asked on its own listener, it lists every broker of the cluster and the metadata quorum answers.
   */
  @Override
  protected Probe newProbe() {
    return new Probe() {
      private Admin admin;

      @Override
      public void check() throws Exception {
        requirePortOpen(port);
        if (admin == null) {
          Properties props = new Properties();
          props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
          props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000);
          props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
          props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
          props.put(AdminClientConfig.CLIENT_ID_CONFIG, "beacon-devstack-probe");
          admin = Admin.create(props);
        }
        Collection<Node> nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(5000))
            .nodes().get(6, TimeUnit.SECONDS);
        if (nodes.isEmpty()) {
          throw new IllegalStateException("no broker registered yet");
        }
        if (cluster != null) {
          if (nodes.size() < cluster.size()) {
            throw new IllegalStateException(nodes.size() + " of " + cluster.size() + " brokers registered");
          }
          admin.describeMetadataQuorum().quorumInfo().get(6, TimeUnit.SECONDS);
        }
      }

      @Override
      public void close() {
        if (admin != null) {
          admin.close(java.time.Duration.ofSeconds(2));
        }
      }
    };
  }

  private static final String LOG4J2 = String.join("\n",
      "# Written by io.beacon.devstack.KafkaServer: everything to stdout, which LocalStack sends to logs/kafka.log.",
      "status = warn",
      "appender.stdout.type = Console",
      "appender.stdout.name = STDOUT",
      "appender.stdout.layout.type = PatternLayout",
      "appender.stdout.layout.pattern = [%d] %p %m (%c)%n",
      "rootLogger.level = INFO",
      "rootLogger.appenderRef.stdout.ref = STDOUT",
      // The per-request and state-change chatter that Kafka's own config also routes away from the main log.
      "logger.request.name = kafka.request.logger",
      "logger.request.level = WARN",
      "logger.statechange.name = state.change.logger",
      "logger.statechange.level = WARN",
      "");
}
