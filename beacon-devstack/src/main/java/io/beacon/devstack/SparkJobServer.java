package io.beacon.devstack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The Spark aggregation job ({@code io.beacon.spark.AggregationJob} from {@code spark-job/}) on a local master,
 * as one more child JVM of the stack: Spark's Netty, Jackson and Scala clash with the Vert.x app, so it never
 * runs inside a Beacon JVM.
 *
 * <p>Layout: {@code <home>/checkpoint} (the query's Kafka offsets and id: kept across restarts, so a restart
 * resumes where the last run committed and the row fences keep recognising its writes) and {@code <home>/tmp}
 * (Spark's scratch space, emptied before every start). The job needs the schema a Beacon node creates (the hits
 * topic, the keyspace's {@code agg_buckets} and {@code properties}) and exits 1 without it, so it is started
 * after the node, not with the servers.
 */
final class SparkJobServer extends ServerProcess {

  /** Two local cores: what the run command and the tests give it on a small machine. */
  static final String MASTER = "local[2]";

  private final String kafkaBootstrap;
  private final String cassandraContactPoint;
  private final int metricsPort;
  private volatile List<String> extraArguments = List.of();

  SparkJobServer(Path beaconHome, Path dataDir, String kafkaBootstrap, String cassandraContactPoint,
                 int metricsPort) {
    super("spark", beaconHome, dataDir);
    this.kafkaBootstrap = kafkaBootstrap;
    this.cassandraContactPoint = cassandraContactPoint;
    this.metricsPort = metricsPort;
  }

  /** The job's Prometheus endpoint, "http://127.0.0.1:port/metrics". */
  String metricsUrl() {
    return "http://127.0.0.1:" + metricsPort + "/metrics";
  }

  Path checkpoint() {
    return home().resolve("checkpoint");
  }

  /** Job options ({@code --key=value}, see JobConfig) for the next starts; they win over the stack's own. */
  void extraArguments(List<String> arguments) {
    this.extraArguments = List.copyOf(arguments);
  }

  /** Compiles the job and resolves its classpath now (so the run command can do it while the servers start). */
  void build() {
    resolveClasspath();
  }

  @Override
  protected String resolveClasspath() {
    return SparkJobBuild.classpath(beaconHome(), logFile().resolveSibling("spark-build.log"));
  }

  @Override
  protected void prepare(String classpath) throws IOException {
    Files.createDirectories(checkpoint());
    // Spark removes its block-manager dirs on a clean stop only; a killed run leaves them behind.
    Path scratch = home().resolve("tmp");
    if (Files.exists(scratch)) {
      try (Stream<Path> files = Files.walk(scratch)) {
        for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(file);
        }
      }
    }
    Files.createDirectories(scratch);
  }

  @Override
  protected List<String> jvmOptions() {
    return List.of(
        // Spark's module flags for Java 17, kept with the job (the tests use the same file).
        "@" + beaconHome().resolve("spark-job").resolve("jvm.options"),
        // Small heap: the job keeps no state in the JVM (bucket state lives in Cassandra), and a micro-batch
        // holds at most max-offsets-per-trigger records.
        "-Xms64m", "-Xmx768m", "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true");
  }

  @Override
  protected Map<String, String> environment() {
    return Map.of(
        // Spark's scratch space (shuffle files) under the data dir rather than /tmp; the variable rather than
        // spark.local.dir, which makes Spark warn that a cluster manager may override it.
        "SPARK_LOCAL_DIRS", home().resolve("tmp").toString(),
        // The job binds the loopback anyway (spark.driver.host); this stops Spark from resolving the host name
        // and warning that it maps to a loopback address.
        "SPARK_LOCAL_IP", "127.0.0.1");
  }

  @Override
  protected String mainClass() {
    return "io.beacon.spark.AggregationJob";
  }

  @Override
  protected List<String> arguments() {
    List<String> args = new ArrayList<>(List.of(
        "--master=" + MASTER,
        "--kafka-bootstrap=" + kafkaBootstrap,
        "--cassandra-contact-points=" + cassandraContactPoint,
        "--checkpoint=" + checkpoint(),
        "--metrics-port=" + metricsPort));
    args.addAll(extraArguments); // JobConfig: a later --key wins
    return args;
  }

  /**
   * Ready = the job's metrics endpoint reports its streaming query as started: the job has passed its own
   * Kafka and Cassandra checks and opened its checkpoint (with no new hits there is no micro-batch to wait for).
   */
  @Override
  protected Probe newProbe() {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest request = HttpRequest.newBuilder(URI.create(metricsUrl())).timeout(Duration.ofSeconds(3)).GET().build();
    return () -> {
      requirePortOpen(metricsPort);
      HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200 || !queryActive(response.body())) {
        throw new IllegalStateException("streaming query not started yet (HTTP " + response.statusCode() + ")");
      }
    };
  }

  private static boolean queryActive(String metrics) {
    for (String line : metrics.split("\n")) {
      if (line.startsWith("beacon_spark_query_active ")) {
        return Double.parseDouble(line.substring(line.indexOf(' ') + 1).trim()) > 0;
      }
    }
    return false;
  }
}
