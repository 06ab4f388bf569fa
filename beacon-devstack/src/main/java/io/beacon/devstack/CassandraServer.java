package io.beacon.devstack;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.Row;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A single-node Cassandra 5.0 ({@code CassandraDaemon} in the foreground), configured for a small machine.
 *
 * <p>Layout: {@code <home>/conf/cassandra.yaml} and {@code logback.xml} (rewritten on every start),
 * {@code <home>/{data,commitlog,saved_caches,hints,cdc_raw}}.
 */
final class CassandraServer extends ServerProcess {

  /** Needed on Java 17: without them Cassandra dies at once (IllegalAccessException ... DirectBuffer.cleaner). */
  private static final List<String> MODULE_FLAGS = List.of(
      "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
      "--add-exports", "java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
      "--add-exports", "java.rmi/sun.rmi.registry=ALL-UNNAMED",
      "--add-exports", "java.rmi/sun.rmi.server=ALL-UNNAMED",
      "--add-exports", "java.sql/java.sql=ALL-UNNAMED",
      "--add-exports", "java.base/java.lang.ref=ALL-UNNAMED",
      "--add-exports", "jdk.unsupported/sun.misc=ALL-UNNAMED",
      "--add-exports", "jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
      "--add-exports", "jdk.attach/sun.tools.attach=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang.module=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.loader=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.reflect=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.math=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.module=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.util.jar=ALL-UNNAMED",
      "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
      "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens", "java.base/java.io=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang.reflect=ALL-UNNAMED",
      "--add-opens", "jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang=ALL-UNNAMED",
      "--add-opens", "java.base/java.util=ALL-UNNAMED",
      "-Dio.netty.tryReflectionSetAccessible=true");

  private final int cqlPort;
  private final int storagePort;
  private final int metricsPort = JmxExporter.freePort();
  private final boolean durable;
  /** 127.0.0.1 for the single node; 127.0.0.N for node N of a cluster. */
  private final String address;
  /** Null for the single node. */
  private final ClusterNode cluster;
  /** PasswordAuthenticator and CassandraAuthorizer (the production files' settings) instead of allow-all. */
  private volatile boolean auth;

  /**
   * One node of a cluster on the loopback: node N (1..) listens on 127.0.0.N with the same ports as the others;
   * node 1 is the seed. Always durable; start the nodes one after the other (each once the previous answers CQL).
   */
  record ClusterNode(int nodeId, String clusterName, int cqlPort, int storagePort) {
    String address() {
      return "127.0.0." + nodeId;
    }
  }

  /**
   * @param durable false allows flags that skip fsyncs and schema flushes (DDL twice as fast) but lose the
   *                schema on a hard kill: only for throw-away test data
   */
  CassandraServer(Path beaconHome, Path dataDir, int cqlPort, int storagePort, boolean durable) {
    super("cassandra", beaconHome, dataDir);
    this.cqlPort = cqlPort;
    this.storagePort = storagePort;
    this.durable = durable;
    this.address = "127.0.0.1";
    this.cluster = null;
  }

  /** Node {@code node.nodeId()} of a cluster: "cassandra-N", home {@code <runDir>/cassandra-N}, log {@code <logs>/cassandra-N.log}. */
  CassandraServer(Path beaconHome, Path runDir, Path logs, ClusterNode node) {
    super("cassandra-" + node.nodeId(), "cassandra", beaconHome, runDir.resolve("cassandra-" + node.nodeId()),
        logs.resolve("cassandra-" + node.nodeId() + ".log"));
    this.cqlPort = node.cqlPort();
    this.storagePort = node.storagePort();
    this.durable = true;
    this.address = node.address();
    this.cluster = node;
  }

  /**
   * Turns on PasswordAuthenticator and CassandraAuthorizer from the next start: the node then creates the default
   * superuser cassandra/cassandra, which the rehearsal replaces at once ({@code deploy/cassandra/}).
   */
  CassandraServer withAuth() {
    this.auth = true;
    return this;
  }

  /** Where the node's JMX exporter serves its metrics (127.0.0.1, {@code deploy/jmx-exporter/cassandra.yml}). */
  public int metricsPort() {
    return metricsPort;
  }

  /** "address:port" of the CQL native transport. */
  String contactPoint() {
    return address + ":" + cqlPort;
  }

  private Path conf() {
    return home().resolve("conf");
  }

  @Override
  protected void prepare(String classpath) throws IOException {
    Files.createDirectories(conf());
    for (String dir : List.of("data", "commitlog", "saved_caches", "hints", "cdc_raw", "logs")) {
      Files.createDirectories(home().resolve(dir));
    }
    Files.writeString(conf().resolve("cassandra.yaml"), yaml(), StandardCharsets.UTF_8);
    Files.writeString(conf().resolve("logback.xml"), LOGBACK, StandardCharsets.UTF_8);
  }

  private String yaml() {
    Path h = home();
    List<String> ring = cluster == null
        ? List.of("cluster_name: beacon-local", "num_tokens: 1", "initial_token: 0")
        // The multi-node recipe: 16 vnodes each, allocated for RF 3, no initial token.
        : List.of("cluster_name: " + cluster.clusterName(), "num_tokens: 16",
            "allocate_tokens_for_local_replication_factor: 3");
    return String.join("\n",
        "# Written by io.beacon.devstack.CassandraServer on every start; edits are overwritten.",
        String.join("\n", ring),
        "partitioner: org.apache.cassandra.dht.Murmur3Partitioner",
        "authenticator: " + (auth ? "PasswordAuthenticator" : "AllowAllAuthenticator"),
        "authorizer: " + (auth ? "CassandraAuthorizer" : "AllowAllAuthorizer"),
        "role_manager: CassandraRoleManager",
        "data_file_directories:",
        "  - " + quoted(h.resolve("data")),
        "commitlog_directory: " + quoted(h.resolve("commitlog")),
        "saved_caches_directory: " + quoted(h.resolve("saved_caches")),
        "hints_directory: " + quoted(h.resolve("hints")),
        "cdc_raw_directory: " + quoted(h.resolve("cdc_raw")),
        "commitlog_sync: periodic",
        "commitlog_sync_period: 10000ms",
        "commitlog_segment_size: 8MiB",
        "seed_provider:",
        "  - class_name: org.apache.cassandra.locator.SimpleSeedProvider",
        "    parameters:",
        "      - seeds: \"127.0.0.1:" + storagePort + "\"",
        "listen_address: " + address,
        "rpc_address: " + address,
        "storage_port: " + storagePort,
        "native_transport_port: " + cqlPort,
        "start_native_transport: true",
        "endpoint_snitch: SimpleSnitch",
        // Small memory footprint: this is one of several servers on a 2-core dev/CI machine.
        "memtable_heap_space: 64MiB",
        "memtable_offheap_space: 64MiB",
        "key_cache_size: 0MiB",
        "counter_cache_size: 0MiB",
        "concurrent_reads: 4",
        "concurrent_writes: 4",
        "concurrent_counter_writes: 4",
        "concurrent_compactors: 1",
        "disk_access_mode: mmap_index_only",
        "");
  }

  /** A single-quoted YAML scalar, so no path character can change the YAML's structure. */
  private static String quoted(Path path) {
    return "'" + path.toString().replace("'", "''") + "'";
  }

  @Override
  protected List<String> jvmOptions() {
    Path h = home();
    List<String> options = new ArrayList<>(List.of(
        // 1 GB at most: aggregate rows carry sketches (~25 KB each), and a sustained stream of them (the Spark
        // benchmark at 5k hits/s) ran a 512 MB heap out of memory while memtables flushed and compactions ran.
        "-Xms128m", cluster == null ? "-Xmx1g" : "-Xmx512m", "-Xss256k", "-XX:+UseG1GC",
        // C1 only: Cassandra starts much faster, and a dev/test node needs no peak throughput.
        "-XX:TieredStopAtLevel=1",
        "-XX:+ExitOnOutOfMemoryError",
        "-Djava.net.preferIPv4Stack=true",
        "-Dcassandra.config=" + conf().resolve("cassandra.yaml").toUri(),
        "-Dcassandra-foreground=true",
        "-Dcassandra.storagedir=" + h,
        "-Dcassandra.logdir=" + h.resolve("logs"),
        "-Dlogback.configurationFile=" + conf().resolve("logback.xml").toUri(),
        "-Djdk.attach.allowAttachSelf=true",
        JmxExporter.agentOption(beaconHome(), logFile().resolveSibling(name() + "-jmx-exporter.log"), metricsPort,
            "cassandra.yml"),
        "-Dcassandra.skip_wait_for_gossip_to_settle=0"));
    if (cluster == null) {
      // Single node: there is no gossip or ring to wait for.
      options.addAll(List.of("-Dcassandra.ring_delay_ms=100", "-Dcassandra.shutdown_announce_in_ms=0",
          "-Dcassandra.superuser_setup_delay_ms=0"));
    } else {
      // Several nodes: 5 s of ring delay (default 30 s) was enough for a joining node to learn the ring.
      options.add("-Dcassandra.ring_delay_ms=5000");
    }
    if (!durable) {
      // Halve DDL time, at the price of losing the schema on a hard kill: never for a persistent data dir.
      options.addAll(List.of("-Dcassandra.skip_sync=true", "-Dcassandra.unsafesystem=true",
          "-Dcassandra.test.flush_local_schema_changes=false"));
    }
    options.addAll(MODULE_FLAGS);
    return options;
  }

  @Override
  protected String mainClass() {
    return "org.apache.cassandra.service.CassandraDaemon";
  }

  @Override
  protected List<String> arguments() {
    return List.of();
  }

  /** As root Cassandra would mlock its memory (slow start, ~1.5 GB RSS); without CAP_IPC_LOCK it cannot. */
  @Override
  protected boolean dropIpcLock() {
    return true;
  }

  /** Ready = a CQL session connects and {@code SELECT release_version FROM system.local} answers. */
  @Override
  protected Probe newProbe() {
    return () -> {
      requirePortOpen(address, cqlPort);
      DriverConfigLoader config = DriverConfigLoader.programmaticBuilder()
          .withDuration(DefaultDriverOption.CONNECTION_CONNECT_TIMEOUT, Duration.ofSeconds(3))
          .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(5))
          .withDuration(DefaultDriverOption.CONTROL_CONNECTION_TIMEOUT, Duration.ofSeconds(5))
          .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(5))
          // The probe needs no schema metadata; skipping it makes each attempt cheaper.
          .withBoolean(DefaultDriverOption.METADATA_SCHEMA_ENABLED, false)
          .build();
      try (CqlSession session = CqlSession.builder()
          .addContactPoint(new InetSocketAddress(address, cqlPort))
          .withLocalDatacenter("datacenter1")
          .withConfigLoader(config)
          .build()) {
        Row row = session.execute("SELECT release_version FROM system.local").one();
        if (row == null) {
          throw new IllegalStateException("system.local is empty");
        }
      } catch (com.datastax.oss.driver.api.core.AllNodesFailedException e) {
        // With authentication on, a probe without credentials is refused by a node that serves CQL: that is the
        // answer asked for (the probe holds no password, the default superuser goes away right after the start).
        if (!(auth && e.getAllErrors().values().stream().flatMap(List::stream)
            .anyMatch(t -> t instanceof com.datastax.oss.driver.api.core.auth.AuthenticationException))) {
          throw e;
        }
      }
    };
  }

  private static final String LOGBACK = String.join("\n",
      "<!-- Written by io.beacon.devstack.CassandraServer: all to stdout, which LocalStack sends to logs/cassandra.log. -->",
      "<configuration scan=\"false\">",
      "  <appender name=\"STDOUT\" class=\"ch.qos.logback.core.ConsoleAppender\">",
      "    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder>",
      "  </appender>",
      "  <root level=\"INFO\"><appender-ref ref=\"STDOUT\"/></root>",
      "</configuration>",
      "");
}
