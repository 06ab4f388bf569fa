package io.beacon.devstack;

import io.beacon.Main;
import io.beacon.NodeRunner;
import io.beacon.infra.config.BeaconConfig;
import io.beacon.infra.config.ConfigException;
import io.beacon.infra.config.ConfigLoader;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code beacon up}: the local stack (Kafka, Cassandra, QuestDB as child JVMs), then a node with every role in
 * this JVM against it, then the Spark aggregation job once the node has created the schema. Ctrl-C stops the
 * node, then the job, then the servers; if this JVM is killed, the kernel stops every child.
 */
@Command(name = "beacon up", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Runs everything locally: Kafka, Cassandra, QuestDB, one node with every role and the Spark job.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:stopped", "1:a server, the node or the job failed to start", "2:bad configuration or usage"})
public final class Up implements Callable<Integer> {
  private static final int EXIT_START_FAILED = 1;
  private static final int EXIT_CONFIG = 2;
  private static final int RUNNING = -1;

  @Option(names = "--config", paramLabel = "FILE", description = "The node's YAML configuration.")
  Path configFile;

  @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "data",
      description = "Where the servers, the job's checkpoint and the logs keep their data (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--no-spark", description = "Leave the Spark aggregation job out (hits still reach QuestDB and "
      + "the real-time view, not the precomputed aggregates).")
  boolean noSpark;

  public static void main(String[] args) {
    int code = new CommandLine(new Up()).execute(args);
    if (code != RUNNING) {
      System.exit(code);
    }
  }

  @Override
  public Integer call() {
    boolean spark = !noSpark;
    Path data = dataDir.toAbsolutePath();
    Map<String, String> env = new HashMap<>(System.getenv());
    Path home = Path.of(System.getProperty("beacon.home", ".")).toAbsolutePath();
    Path logs = data.resolve("logs");
    try {
      java.nio.file.Files.createDirectories(logs);
    } catch (java.io.IOException e) {
      System.err.println("beacon: cannot create " + logs + ": " + e);
      return EXIT_START_FAILED;
    }
    QuietConsole.logTo(logs.resolve("node.log"));
    System.out.println("Starting the local stack (Kafka, Cassandra, QuestDB" + (spark ? "; building the Spark job" : "")
        + ") in " + data + " ...");
    LocalStack stack;
    try {
      stack = LocalStack.start(home, data, LocalStack.Ports.defaults(), true, spark);
    } catch (LocalStackException e) {
      System.err.println("beacon: " + e.getMessage()
          + (spark ? "\n(`beacon up --no-spark` runs without the Spark job)" : ""));
      return EXIT_START_FAILED;
    }
    // The stack's addresses win over the defaults and the environment: `up` runs against it.
    env.put("BEACON_KAFKA_BOOTSTRAP", stack.kafkaBootstrap());
    env.put("BEACON_CASSANDRA_CONTACT_POINTS", stack.cassandraContactPoint());
    env.put("BEACON_QUESTDB_HTTP_URL", stack.questdbHttpUrl());
    env.put("BEACON_QUESTDB_PG_PORT", Integer.toString(stack.questdbPgPort()));
    env.putIfAbsent("BEACON_CLUSTER_WORK_DIR", data.resolve("ignite").toString());
    // The collector's spool too, so --data-dir moves all of `up`'s state (the default is ./data/spool).
    env.putIfAbsent("BEACON_COLLECTOR_SPOOL_DIR", data.resolve("spool").toString());
    // A trial's traffic (`beacon generate`, a browser) all comes from 127.0.0.1: no per-IP limit unless one is set.
    env.putIfAbsent("BEACON_COLLECTOR_IP_HITS_PER_MINUTE", "0");
    // And the first administrator's one-time password (when no query.adminPassword is set).
    env.putIfAbsent("BEACON_QUERY_ADMIN_PASSWORD_FILE", data.resolve("admin-password.txt").toString());
    BeaconConfig config;
    try {
      config = ConfigLoader.load(configFile, env);
    } catch (ConfigException e) {
      System.err.println("beacon: " + e.getMessage());
      closeQuietly(stack);
      return EXIT_CONFIG;
    }
    // The node leaves before the servers it uses stop.
    System.out.println("Starting the Beacon node (every role) ...");
    if (!NodeRunner.startAndAwait(config, stack::stopFirstOnShutdown, false)) {
      System.err.println("beacon: the node did not start; see " + logs.resolve("node.log"));
      return EXIT_START_FAILED;
    }
    if (spark && !startAggregationJob(stack, config)) {
      return EXIT_START_FAILED;
    }
    System.out.print(welcome(config, logs, spark));
    return RUNNING;
  }

  /**
   * Starts the Spark aggregation job once the node is up: the node's schema step has created the hits topic
   * and the keyspace the job checks for at start. It follows the node's keyspace and datacenter.
   */
  private static boolean startAggregationJob(LocalStack stack, BeaconConfig config) {
    System.out.println("Starting the Spark aggregation job (local[2]) ...");
    try {
      // A laptop trial wants its visits in the reports soon: a client's sessions are counted 2 minutes after its last
      // event here (production: 30, GA4's session timeout; a session resumed later is then corrected by recompute).
      ServerProcess job = stack.startAggregationJob(List.of("--keyspace=" + config.cassandra().keyspace(),
          "--cassandra-local-dc=" + config.cassandra().localDatacenter(), "--session-settle=PT2M"));
      System.out.printf("Spark aggregation job is up (pid %d, metrics %s).%n", job.pid(),
          stack.aggregationJobMetricsUrl());
      return true;
    } catch (LocalStackException e) {
      System.err.println("beacon: the Spark aggregation job did not start: " + e.getMessage()
          + "\n(`beacon up --no-spark` runs without it)");
      return false;
    }
  }

  /**
   * The last block on the console: where to go, how to log in, what to do next. With a generated one-time password
   * (no query.adminPassword), the first step is a setup link carrying it: printed here, on the console only (this is
   * System.out, which {@link QuietConsole} keeps apart from node.log and every logger), never logged.
   */
  static String welcome(BeaconConfig config, Path logs, boolean spark) {
    var http = config.http();
    String dashboard = "http://" + display(http.query().host()) + ":" + http.query().port() + "/";
    String collector = "http://" + display(http.collector().host()) + ":" + http.collector().port();
    String email = config.query().adminEmail();
    String code = setupCode(Path.of(config.query().adminPasswordFile()).toAbsolutePath());
    String login = code != null
        ? "open the setup link (once; it sets your password, then your first property):\n"
            + "              " + dashboard + "dashboard/#setup=" + code + "\n"
            + "              (used already? log in as " + email + " with the password you chose)"
        : "with your account (the first administrator is " + email + ")";
    return String.format("%n"
        + "Beacon is running.%n"
        + "  Dashboard   %s%n"
        + "  Log in      %s%n"
        + "  Next        1. a property for your site: the setup page makes the first one (or, from the shell:%n"
        + "                   export BEACON_TOKEN=$(bin/beacon token create --email %s)%n"
        + "                   bin/beacon property create --name \"My site\" --hosts example.com --time-zone Europe/Berlin)%n"
        + "              2. its snippet in your pages (gtag, the Measurement Protocol and Plausible's tracker work too:%n"
        + "                 the setup page shows each; README.md, \"Getting started\"):%n"
        + "                   <script defer src=\"%s/beacon.js\" data-property=\"B-...\"></script>%n"
        + "              3. the visit in Real-time at once; in the other reports %s%n"
        + "  Logs        %s (node.log, %skafka.log, cassandra.log, questdb.log)%n"
        + "  Stop        Ctrl-C%n%n",
        dashboard, login, email, collector,
        spark ? "2 minutes after its last event" : "only once the Spark job runs (started with --no-spark)",
        logs, spark ? "spark.log, " : "");
  }

  /** The one-time password in {@code file} (the setup link's code), or null if there is none. */
  static String setupCode(Path file) {
    try {
      String code = java.nio.file.Files.isRegularFile(file) ? java.nio.file.Files.readString(file).trim() : "";
      // The generated password is URL-safe (Secrets.randomToken); anything else was not written by the node.
      return code.matches("[A-Za-z0-9_-]{8,256}") ? code : null;
    } catch (java.io.IOException e) {
      return null;
    }
  }

  private static String display(String host) {
    return host.equals("0.0.0.0") ? "localhost" : host;
  }

  private static void closeQuietly(LocalStack stack) {
    try {
      stack.close();
    } catch (RuntimeException e) {
      System.err.println("beacon: the local stack did not stop cleanly: " + e);
    }
  }
}
