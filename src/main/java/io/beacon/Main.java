package io.beacon;

import io.beacon.cli.ApiCli;
import io.beacon.devstack.LocalStack;
import io.beacon.devstack.LocalStackException;
import io.beacon.devstack.ServerProcess;
import io.beacon.infra.config.BeaconConfig;
import io.beacon.infra.config.ConfigException;
import io.beacon.infra.config.ConfigLoader;
import io.beacon.loadgen.LoadgenCli;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Beacon's entry point.
 *
 * <pre>
 *   beacon [run] [--config FILE]                  run one node (roles and stores from config)
 *   beacon up [--config FILE] [--data-dir DIR] [--no-spark]
 *                                                 start the local stack (Kafka, Cassandra, QuestDB), a node with
 *                                                 every role, then the Spark aggregation job (unless --no-spark)
 *   beacon token|property|recompute ...           admin commands against a running node's API (see {@link ApiCli})
 *   beacon generate|verify ...                    synthetic traffic with its ground truth, and the accuracy check
 *                                                 (see {@link LoadgenCli})
 * </pre>
 *
 * Exit codes: 0 clean stop, 1 start failure, 2 bad configuration or usage, 75 the node was cut
 * off from its cluster and left it (its supervisor should restart it).
 */
public final class Main {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);
  static final int EXIT_START_FAILED = 1;
  static final int EXIT_CONFIG = 2;
  static final int EXIT_SEGMENTED = 75;
  private static final String USAGE = "usage: beacon [run|up] [--config FILE] [--data-dir DIR] [--no-spark]\n"
      + "       beacon token create --email E | property create --name N [--time-zone Z] | property list\n"
      + "       beacon recompute --property P --from YYYY-MM-DD --to YYYY-MM-DD [--no-wait] | --status JOB | --cancel JOB\n"
      + "       (admin commands: --url URL, default $BEACON_URL or http://localhost:8081; --token T, default $BEACON_TOKEN)\n"
      + "       beacon generate --property ID[:SECRET][@ZONE] ... [--collector URL] [--hits N | --duration D --rate R] [--protocol tracker|mp|ua|mixed]\n"
      + "                       [--seed S] [--truth FILE] ...   (beacon generate --help)\n"
      + "       beacon verify --truth FILE [--url URL] [--token T]";

  private static final java.util.Set<String> ADMIN_COMMANDS = java.util.Set.of("token", "property", "recompute");
  private static final java.util.Set<String> LOADGEN_COMMANDS = java.util.Set.of("generate", "verify");

  private Main() {}

  public static void main(String[] args) {
    if (args.length > 0 && ADMIN_COMMANDS.contains(args[0])) {
      System.exit(ApiCli.run(args[0], java.util.Arrays.copyOfRange(args, 1, args.length), System.getenv()));
    }
    if (args.length > 0 && LOADGEN_COMMANDS.contains(args[0])) {
      System.exit(LoadgenCli.run(args[0], java.util.Arrays.copyOfRange(args, 1, args.length), System.getenv()));
    }
    String command = "run";
    Path configFile = null;
    Path dataDir = Path.of("data");
    boolean spark = true;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "run", "up" -> command = args[i];
        case "--config" -> configFile = Path.of(value(args, ++i, "--config"));
        case "--data-dir" -> dataDir = Path.of(value(args, ++i, "--data-dir"));
        case "--no-spark" -> spark = false;
        case "-h", "--help", "help" -> {
          System.out.println(USAGE);
          return;
        }
        default -> usage("unknown argument '" + args[i] + "'");
      }
    }
    if (!spark && !command.equals("up")) {
      usage("--no-spark is an option of 'up' (a production node never starts the job)");
    }
    Map<String, String> env = new HashMap<>(System.getenv());
    LocalStack stack = null;
    if (command.equals("up")) {
      stack = startStack(dataDir.toAbsolutePath(), env, spark);
    }
    BeaconConfig config;
    try {
      config = ConfigLoader.load(configFile, env);
    } catch (ConfigException e) {
      System.err.println("beacon: " + e.getMessage());
      closeQuietly(stack);
      System.exit(EXIT_CONFIG);
      return;
    }
    run(config, stack);
    if (stack != null && spark) {
      startAggregationJob(stack, config);
    }
  }

  private static void run(BeaconConfig config, LocalStack stack) {
    CountDownLatch started = new CountDownLatch(1);
    BeaconNode[] holder = new BeaconNode[1];
    Runnable onSegmented = () -> new Thread(() -> System.exit(EXIT_SEGMENTED), "beacon-segmented-exit").start();
    BeaconNode.start(config, onSegmented).onComplete(ar -> {
      if (ar.succeeded()) {
        holder[0] = ar.result();
      } else {
        LOG.error("Node {} failed to start: {}", config.node().name(), ar.cause().toString(), ar.cause());
      }
      started.countDown();
    });
    Runnable stopNode = () -> {
      if (holder[0] != null) {
        LOG.info("Stopping node {}", config.node().name());
        try {
          holder[0].close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
          LOG.warn("Node {} did not stop cleanly: {}", config.node().name(), e.toString());
        }
      }
    };
    if (stack != null) {
      stack.stopFirstOnShutdown(stopNode); // the node leaves before the servers it uses stop
    } else {
      Runtime.getRuntime().addShutdownHook(new Thread(stopNode, "beacon-shutdown"));
    }
    try {
      started.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (holder[0] == null) {
      System.exit(EXIT_START_FAILED);
    }
    var http = config.http();
    System.out.printf("%nBeacon node %s is up.%n  dashboard:  http://%s:%d/%n  collector:  http://%s:%d/%n"
            + "  management: http://%s:%d/ready%n  tracking snippet: <script defer src=\"http://%s:%d/beacon.js\" data-property=\"YOUR-PROPERTY-ID\"></script>%n%n",
        config.node().name(), display(http.query().host()), http.query().port(),
        display(http.collector().host()), http.collector().port(),
        display(http.management().host()), http.management().port(),
        display(http.collector().host()), http.collector().port());
  }

  private static LocalStack startStack(Path dataDir, Map<String, String> env, boolean spark) {
    Path home = Path.of(System.getProperty("beacon.home", ".")).toAbsolutePath();
    System.out.println("Starting the local stack (Kafka, Cassandra, QuestDB" + (spark ? "; building the Spark job" : "")
        + ") in " + dataDir + " ...");
    LocalStack stack;
    try {
      stack = LocalStack.start(home, dataDir, LocalStack.Ports.defaults(), true, spark);
    } catch (LocalStackException e) {
      System.err.println("beacon: " + e.getMessage()
          + (spark ? "\n(`beacon up --no-spark` runs without the Spark job)" : ""));
      System.exit(EXIT_START_FAILED);
      return null;
    }
    // The stack's addresses win over the defaults and the environment: `up` runs against it.
    env.put("BEACON_KAFKA_BOOTSTRAP", stack.kafkaBootstrap());
    env.put("BEACON_CASSANDRA_CONTACT_POINTS", stack.cassandraContactPoint());
    env.put("BEACON_QUESTDB_HTTP_URL", stack.questdbHttpUrl());
    env.put("BEACON_QUESTDB_PG_PORT", Integer.toString(stack.questdbPgPort()));
    env.putIfAbsent("BEACON_CLUSTER_WORK_DIR", dataDir.resolve("ignite").toString());
    // The collector's spool too, so --data-dir moves all of `up`'s state (the default is ./data/spool).
    env.putIfAbsent("BEACON_COLLECTOR_SPOOL_DIR", dataDir.resolve("spool").toString());
    return stack;
  }

  /**
   * Starts the Spark aggregation job once the node is up: the node's schema step has created the hits topic
   * and the keyspace the job checks for at start. It follows the node's keyspace and datacenter.
   */
  private static void startAggregationJob(LocalStack stack, BeaconConfig config) {
    System.out.println("Starting the Spark aggregation job (local[2]) ...");
    try {
      ServerProcess job = stack.startAggregationJob(List.of("--keyspace=" + config.cassandra().keyspace(),
          "--cassandra-local-dc=" + config.cassandra().localDatacenter()));
      System.out.printf("Spark aggregation job is up (pid %d).%n  metrics: %s%n  log:     %s%n%n", job.pid(),
          stack.aggregationJobMetricsUrl(), job.logFile());
    } catch (LocalStackException e) {
      System.err.println("beacon: the Spark aggregation job did not start: " + e.getMessage()
          + "\n(`beacon up --no-spark` runs without it)");
      System.exit(EXIT_START_FAILED);
    }
  }

  private static String display(String host) {
    return host.equals("0.0.0.0") ? "localhost" : host;
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length) {
      usage(flag + " needs a value");
    }
    return args[i];
  }

  private static void usage(String problem) {
    System.err.println("beacon: " + problem + "\n" + USAGE);
    System.exit(EXIT_CONFIG);
  }

  private static void closeQuietly(LocalStack stack) {
    if (stack != null) {
      try {
        stack.close();
      } catch (RuntimeException e) {
        LOG.warn("Local stack did not stop cleanly: {}", e.toString());
      }
    }
  }
}
