package io.beacon.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts Beacon's real dependencies (Kafka, Cassandra, QuestDB) as child processes, each in its own JVM with
 * its own classpath (resolved from {@code <beaconHome>/stack/<name>/pom.xml}), and on request the Spark
 * aggregation job ({@code <beaconHome>/spark-job}, built on first use) once a Beacon node has created the schema.
 *
 * <p>Data layout under {@code dataDir}: {@code kafka/}, {@code cassandra/}, {@code questdb/}, {@code spark/}
 * (the job's checkpoint) and {@code logs/} ({@code <name>.log} per server). Children are stopped by
 * {@link #close()}, by a JVM shutdown hook, and, via {@code setpriv --pdeathsig}, by the kernel if this JVM is
 * SIGKILLed.
 *
 * <pre>{@code
 * try (LocalStack stack = LocalStack.start(home, home.resolve("data"), LocalStack.Ports.defaults(), true)) {
 *   ... stack.kafkaBootstrap() ...
 * }
 * }</pre>
 */
public final class LocalStack implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LocalStack.class);

  /**
   * The loopback ports of the stack (all servers bind 127.0.0.1 only). {@code sparkMetrics} is the aggregation
   * job's Prometheus endpoint (its Spark driver and block manager take any free port).
   */
  public record Ports(int kafka, int kafkaController, int cassandraCql, int cassandraStorage, int questdbHttp,
                      int questdbPg, int sparkMetrics) {

    /** The servers' usual ports: 9092, 9093, 9042, 7000, 9000, 8812, and 9465 (next to a node's 9464). */
    public static Ports defaults() {
      return new Ports(9092, 9093, 9042, 7000, 9000, 8812, 9465);
    }

    /**
     * Seven distinct ports that are free on the loopback right now (for tests, so a run never clashes with a
     * running {@code beacon up} or another run). All are held open together while picking, so they differ.
     */
    public static Ports free() {
      List<ServerSocket> sockets = new ArrayList<>();
      try {
        int[] picked = new int[7];
        for (int i = 0; i < picked.length; i++) {
          ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
          sockets.add(socket);
          picked[i] = socket.getLocalPort();
        }
        return new Ports(picked[0], picked[1], picked[2], picked[3], picked[4], picked[5], picked[6]);
      } catch (IOException e) {
        throw new UncheckedIOException("could not pick free ports", e);
      } finally {
        for (ServerSocket socket : sockets) {
          try {
            socket.close();
          } catch (IOException ignored) {
            // nothing to do
          }
        }
      }
    }

    private Map<String, Integer> byUse(boolean aggregationJob) {
      Map<String, Integer> map = new LinkedHashMap<>();
      map.put("kafka", kafka);
      map.put("kafka controller", kafkaController);
      map.put("cassandra CQL", cassandraCql);
      map.put("cassandra storage", cassandraStorage);
      map.put("questdb HTTP", questdbHttp);
      map.put("questdb PG", questdbPg);
      if (aggregationJob) {
        map.put("spark metrics", sparkMetrics);
      }
      return map;
    }
  }

  private final Ports ports;
  private final Path dataDir;
  private final KafkaServer kafka;
  private final CassandraServer cassandra;
  private final QuestDbServer questdb;
  private final SparkJobServer spark;
  private final AtomicBoolean sparkStopsFirst = new AtomicBoolean();

  private LocalStack(Path beaconHome, Path dataDir, Ports ports, boolean durable) {
    this.ports = ports;
    this.dataDir = dataDir;
    this.kafka = new KafkaServer(beaconHome, dataDir, ports.kafka(), ports.kafkaController());
    this.cassandra = new CassandraServer(beaconHome, dataDir, ports.cassandraCql(), ports.cassandraStorage(), durable);
    this.questdb = new QuestDbServer(beaconHome, dataDir, ports.questdbHttp(), ports.questdbPg());
    this.spark = new SparkJobServer(beaconHome, dataDir, kafka.bootstrap(), cassandra.contactPoint(),
        ports.sparkMetrics());
  }

  /** {@link #start(Path, Path, Ports, boolean, boolean)} without preparing the aggregation job. */
  public static LocalStack start(Path beaconHome, Path dataDir, Ports ports, boolean durable) {
    return start(beaconHome, dataDir, ports, durable, false);
  }

  /**
   * Starts Kafka, Cassandra and QuestDB in parallel and returns once each has answered a client call.
   * Each server gets {@link ServerProcess#DEFAULT_READY_TIMEOUT} from its spawn (a cold classpath
   * resolution before that has its own, longer, limit).
   *
   * @param beaconHome the Beacon checkout (holds {@code stack/<name>/pom.xml}, and {@code mvnw} if any)
   * @param dataDir    where the servers keep their data and logs; created if missing
   * @param ports      e.g. {@link Ports#defaults()} or {@link Ports#free()}
   * @param durable    false: throw-away test data (Cassandra may skip fsyncs and lose its schema on a hard
   *                   kill); true: for {@code beacon up}, data persists across restarts
   * @param aggregationJob true: {@link #startAggregationJob} will follow, so also check its port now and build
   *                   the job while the servers start (it cannot start before a node has created the schema)
   * @throws LocalStackException naming each server that failed and its log file; the others are stopped
   */
  public static LocalStack start(Path beaconHome, Path dataDir, Ports ports, boolean durable,
                                 boolean aggregationJob) {
    Path home = beaconHome.toAbsolutePath().normalize();
    Path data = dataDir.toAbsolutePath().normalize();
    requirePortsFree(ports, aggregationJob);
    try {
      Files.createDirectories(data.resolve("logs"));
    } catch (IOException e) {
      throw new LocalStackException("cannot create " + data.resolve("logs") + ": " + e, e);
    }
    LocalStack stack = new LocalStack(home, data, ports, durable);
    Instant begin = Instant.now();
    List<ServerProcess> servers = stack.servers();
    List<Throwable> failures = new ArrayList<>();
    // A thread per server: most of the time goes to waiting (Maven, JVM start, probes), not to CPU.
    // The children are spawned from ChildProcesses' own long-lived thread, so these threads may end.
    ExecutorService starters = Executors.newFixedThreadPool(servers.size() + 1, runnable -> {
      Thread thread = new Thread(runnable, "beacon-devstack-start");
      thread.setDaemon(true);
      return thread;
    });
    try {
      List<CompletableFuture<Void>> futures = new ArrayList<>();
      for (ServerProcess server : servers) {
        futures.add(CompletableFuture.runAsync(() -> {
          server.start();
          server.awaitReady(ServerProcess.DEFAULT_READY_TIMEOUT);
        }, starters));
      }
      if (aggregationJob) {
        // Mostly Maven waiting on downloads or javac on a first run: overlaps well with the servers' start.
        futures.add(CompletableFuture.runAsync(stack.spark::build, starters));
      }
      for (CompletableFuture<Void> future : futures) {
        try {
          future.join();
        } catch (CompletionException e) {
          failures.add(e.getCause());
        }
      }
    } finally {
      starters.shutdownNow();
    }
    if (!failures.isEmpty()) {
      stack.close();
      StringBuilder message = new StringBuilder("the local stack did not start (data dir " + data + "):");
      for (Throwable failure : failures) {
        message.append(System.lineSeparator()).append("- ").append(failure.getMessage());
      }
      LocalStackException exception = new LocalStackException(message.toString(), failures.get(0));
      failures.stream().skip(1).forEach(exception::addSuppressed);
      throw exception;
    }
    LOG.info("local stack ready in {} ms: {}", Duration.between(begin, Instant.now()).toMillis(), stack.timings());
    return stack;
  }

  /** Fails fast, before any JVM starts, if a port is taken (e.g. by a running {@code beacon up}). */
  private static void requirePortsFree(Ports ports, boolean aggregationJob) {
    List<String> taken = new ArrayList<>();
    ports.byUse(aggregationJob).forEach((use, port) -> {
      try (ServerSocket probe = new ServerSocket()) {
        probe.setReuseAddress(true); // as the servers do: a port in TIME_WAIT is still usable
        probe.bind(new InetSocketAddress("127.0.0.1", port));
      } catch (IOException e) {
        taken.add(use + " port " + port);
      }
    });
    if (!taken.isEmpty()) {
      throw new LocalStackException("already in use on 127.0.0.1: " + String.join(", ", taken)
          + " (is another Beacon stack running?)");
    }
  }

  /** Kafka bootstrap servers, "127.0.0.1:port". */
  public String kafkaBootstrap() {
    return kafka.bootstrap();
  }

  /** Cassandra's CQL contact point, "127.0.0.1:port" (local datacenter "datacenter1"). */
  public String cassandraContactPoint() {
    return cassandra.contactPoint();
  }

  /** QuestDB's HTTP endpoint (REST /exec, ILP over HTTP), "http://127.0.0.1:port". */
  public String questdbHttpUrl() {
    return questdb.httpUrl();
  }

  /** QuestDB's PostgreSQL wire port on 127.0.0.1 (database qdb, user admin, password quest). */
  public int questdbPgPort() {
    return ports.questdbPg();
  }

  public Ports ports() {
    return ports;
  }

  /** The stack's data directory (servers' data and {@code logs/}). */
  public Path dataDir() {
    return dataDir;
  }

  /**
   * The stores' Prometheus endpoints ("127.0.0.1:port", path /metrics) by scrape job as prometheus/prometheus.yml
   * names them: Kafka's and Cassandra's JMX exporter agents, QuestDB's own.
   */
  public Map<String, String> storeMetrics() {
    Map<String, String> out = new LinkedHashMap<>();
    out.put("kafka", "127.0.0.1:" + kafka.metricsPort());
    out.put("cassandra", "127.0.0.1:" + cassandra.metricsPort());
    out.put("questdb", "127.0.0.1:" + questdb.metricsPort());
    return out;
  }

  public ServerProcess kafka() {
    return kafka;
  }

  public ServerProcess cassandra() {
    return cassandra;
  }

  public ServerProcess questdb() {
    return questdb;
  }

  /**
   * Starts the Spark aggregation job on {@code local[2]} against this stack's Kafka and Cassandra, with its
   * checkpoint in {@code <dataDir>/spark/checkpoint} (a later start resumes from it), and returns once its
   * streaming query runs. Builds the job first if needed. Needs the schema a Beacon node creates: the hits
   * topic and the keyspace's {@code agg_buckets} and {@code properties} tables (the job exits 1 without them).
   * {@link #close()} and the shutdown hook stop it before the servers it uses.
   *
   * @param jobArguments more job options ({@code --key=value}, see the job's JobConfig), e.g. the keyspace;
   *                     they win over the stack's own (master, Kafka, Cassandra, checkpoint, metrics port)
   * @throws LocalStackException if it cannot be built, exits, or does not start its query in time (it is
   *                             stopped then); its log is {@code <dataDir>/logs/spark.log}
   */
  public ServerProcess startAggregationJob(List<String> jobArguments) {
    if (sparkStopsFirst.compareAndSet(false, true)) {
      // After whatever registered before (the node): the job stops while Kafka and Cassandra still answer, so
      // its query ends cleanly instead of retrying writes against a stopping Cassandra.
      ChildProcesses.beforeStop(this::stopAggregationJob);
    }
    spark.extraArguments(jobArguments);
    spark.start();
    try {
      spark.awaitReady(ServerProcess.DEFAULT_READY_TIMEOUT);
    } catch (LocalStackException e) {
      spark.stop();
      throw e;
    }
    return spark;
  }

  /**
   * Stops the aggregation job (SIGTERM: it ends its streaming query, whose checkpoint a later
   * {@link #startAggregationJob} resumes from; SIGKILL after {@link ServerProcess#STOP_TIMEOUT}). No-op if it
   * is not running. {@link #close()} calls it before stopping the servers.
   */
  public void stopAggregationJob() {
    spark.stop();
  }

  /** The aggregation job's process (not running unless {@link #startAggregationJob} was called). */
  public ServerProcess aggregationJob() {
    return spark;
  }

  /** The aggregation job's Prometheus endpoint, "http://127.0.0.1:port/metrics". */
  public String aggregationJobMetricsUrl() {
    return spark.metricsUrl();
  }

  /** e.g. "kafka 5.1 s, cassandra 21.3 s (+ classpath 40.2 s), questdb 3.0 s" for the last starts. */
  public String timings() {
    List<String> parts = new ArrayList<>();
    for (ServerProcess server : servers()) {
      Duration ready = server.lastReadyTime();
      StringBuilder part = new StringBuilder(server.name()).append(' ')
          .append(ready == null ? "not ready" : String.format("%.1f s", ready.toMillis() / 1000.0));
      if (server.lastClasspathTime().toMillis() >= 100) {
        part.append(String.format(" (+ classpath %.1f s)", server.lastClasspathTime().toMillis() / 1000.0));
      }
      parts.add(part.toString());
    }
    return String.join(", ", parts);
  }

  /**
   * Registers what must stop before the servers when the JVM shuts down (Ctrl-C): the Beacon node
   * using them, so it can flush and leave while Kafka and Cassandra still answer.
   */
  public LocalStack stopFirstOnShutdown(Runnable action) {
    ChildProcesses.beforeStop(action);
    return this;
  }

  /**
   * Stops the aggregation job, if running, then all servers in parallel: SIGTERM, then SIGKILL after
   * {@link ServerProcess#STOP_TIMEOUT}.
   */
  @Override
  public void close() {
    stopAggregationJob();
    ChildProcesses.stopAll(servers());
  }

  private List<ServerProcess> servers() {
    return List.of(kafka, cassandra, questdb);
  }
}
