package io.beacon.devstack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
  private final int metricsPort = JmxExporter.freePort();
  /** Null for the single-node server; for a cluster node, its place in the cluster. */
  private final ClusterNode cluster;

  /**
   * One broker of a KRaft cluster whose nodes are all broker and controller (combined mode) on 127.0.0.1.
   *
   * @param nodeId    1..size; node N listens on {@code basePort + N - 1}, its controller on {@code
   *                  controllerBasePort + N - 1}
   * @param clusterId the cluster's id (22-char base64 UUID), the same for every node
   * @param auth      SASL and ACLs (see {@link Auth}), or null: PLAINTEXT without authorization
   */
  record ClusterNode(int nodeId, int size, int basePort, int controllerBasePort, String clusterId, Auth auth) {
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

  /**
   * Authentication and authorization of a cluster, as the production files set them (docs/rehearsal.md):
   * <ul>
   *   <li>the client listener ({@code BROKER}) is SASL_PLAINTEXT with SCRAM-SHA-512 only, and brokers talk to each
   *   other on it as the super user {@code broker};</li>
   *   <li>the controller listener is SASL_PLAINTEXT with PLAIN, one static user {@code controller} (SCRAM needs the
   *   metadata log, which the controllers are the ones to serve);</li>
   *   <li>{@code StandardAuthorizer}: every other user gets only what {@code deploy/kafka/acls.txt} grants.</li>
   * </ul>
   * Every SCRAM user (broker, admin and the roles' users) is created at format time ({@code --add-scram}), so the
   * cluster never runs a moment without them.
   *
   * @param passwords user name -> password for every SCRAM user, "broker" and "admin" included
   */
  record Auth(String controllerPassword, Map<String, String> passwords) {
    static final String MECHANISM = "SCRAM-SHA-512";
    static final String SUPER_USERS = "User:broker;User:controller;User:admin";

    /** A client's security settings as {@code user}: SASL_PLAINTEXT, SCRAM-SHA-512. */
    static Map<String, Object> client(String user, String password) {
      return Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", MECHANISM,
          "sasl.jaas.config", jaas("org.apache.kafka.common.security.scram.ScramLoginModule", user, password, ""));
    }

    /** The rehearsal's own tooling (probes, the faults' Kafka reads, ACLs): the super user admin. */
    Map<String, Object> admin() {
      return client("admin", passwords.get("admin"));
    }

    static String jaas(String module, String user, String password, String extra) {
      return module + " required username=\"" + user + "\" password=\"" + password + "\"" + extra + ";";
    }
  }

  KafkaServer(Path beaconHome, Path dataDir, int port, int controllerPort) {
    super("kafka", beaconHome, dataDir);
    this.port = port;
    this.controllerPort = controllerPort;
    this.cluster = null;
  }

  /** Where the broker's JMX exporter serves its metrics (127.0.0.1, {@code deploy/jmx-exporter/kafka.yml}). */
  public int metricsPort() {
    return metricsPort;
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
    if (cluster != null && cluster.auth() != null) {
      // It holds the brokers' and the controllers' passwords.
      Files.setPosixFilePermissions(serverProperties(),
          java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }
    Files.writeString(log4jConfig(), LOG4J2, StandardCharsets.UTF_8);
    // A KRaft log dir must be formatted before the first start. Skipping it when meta.properties exists
    // saves a JVM start (~1-2 s) on every later start; --ignore-formatted covers a half-finished format.
    if (!Files.exists(logDirs().resolve("meta.properties"))) {
      format(classpath);
    }
  }

  private void format(String classpath) throws IOException {
    List<String> args = new ArrayList<>(
        List.of("format", "-t", clusterId(), "-c", serverProperties().toString(), "--ignore-formatted"));
    Auth auth = cluster == null ? null : cluster.auth();
    if (auth != null) {
      // The SCRAM users go into the bootstrap metadata. StorageTool only takes them on its command line (its own
      // JVM for ~2 s, on a root-only machine); the log line below leaves the passwords out.
      auth.passwords().forEach((user, password) -> {
        args.add("--add-scram");
        args.add(Auth.MECHANISM + "=[name=" + user + ",password=" + password + "]");
      });
    }
    List<String> command = javaCommand(classpath,
        List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-Dlog4j2.configurationFile=" + log4jConfig().toUri()),
        "kafka.tools.StorageTool", args);
    LogFiles.appendLine(logFile(), "---- " + Instant.now() + " formatting: "
        + String.join(" ", command).replaceAll("password=[^\\],]*", "password=***"));
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
        listenersText(),
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

  /**
   * The security settings of a cluster with {@link Auth} that do not depend on the node (no address, no password):
   * compose's {@code KAFKA_*} variables must say the same ({@link StoreAuth#read}).
   */
  static final Map<String, String> AUTH_PROPERTIES = authProperties();

  private static Map<String, String> authProperties() {
    Map<String, String> p = new java.util.LinkedHashMap<>();
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", "BROKER");
    p.put("listener.security.protocol.map", "CONTROLLER:SASL_PLAINTEXT,BROKER:SASL_PLAINTEXT");
    p.put("sasl.mechanism.inter.broker.protocol", Auth.MECHANISM);
    p.put("sasl.mechanism.controller.protocol", "PLAIN");
    p.put("listener.name.broker.sasl.enabled.mechanisms", Auth.MECHANISM);
    p.put("listener.name.controller.sasl.enabled.mechanisms", "PLAIN");
    p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
    p.put("super.users", Auth.SUPER_USERS);
    p.put("allow.everyone.if.no.acl.found", "false");
    return java.util.Collections.unmodifiableMap(p);
  }

  /** The listeners: PLAINTEXT without {@link Auth}; with it, SASL on both (see {@link Auth}) and the authorizer. */
  private String listenersText() {
    Auth auth = cluster.auth();
    if (auth == null) {
      return String.join("\n",
          "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
          "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
          "controller.listener.names=CONTROLLER",
          "inter.broker.listener.name=PLAINTEXT",
          "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
    }
    String controller = auth.controllerPassword();
    List<String> lines = new ArrayList<>(List.of(
        "listeners=BROKER://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
        "advertised.listeners=BROKER://127.0.0.1:" + port,
        "listener.name.broker.scram-sha-512.sasl.jaas.config=" + Auth.jaas(
            "org.apache.kafka.common.security.scram.ScramLoginModule", "broker", auth.passwords().get("broker"), ""),
        "listener.name.controller.plain.sasl.jaas.config=" + Auth.jaas(
            "org.apache.kafka.common.security.plain.PlainLoginModule", "controller", controller,
            " user_controller=\"" + controller + "\"")));
    AUTH_PROPERTIES.forEach((k, v) -> lines.add(k + "=" + v));
    return String.join("\n", lines);
  }

  /** The security settings of the rehearsal's own clients (probes, reads): the admin user, or none. */
  Map<String, Object> adminClientSecurity() {
    return cluster == null || cluster.auth() == null ? Map.of() : cluster.auth().admin();
  }

  @Override
  protected List<String> jvmOptions() {
    String agent = JmxExporter.agentOption(beaconHome(), logFile().resolveSibling(name() + "-jmx-exporter.log"),
        metricsPort, "kafka.yml");
    if (cluster != null) {
      return List.of(
          "-Xms128m", "-Xmx256m", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
          "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true",
          "-Dlog4j2.configurationFile=" + log4jConfig().toUri(), agent);
    }
    return List.of(
        "-Xms64m", "-Xmx512m", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
        "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true",
        "-Dlog4j2.configurationFile=" + log4jConfig().toUri(), agent);
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
          props.putAll(adminClientSecurity());
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
