package io.beacon.devstack;

import io.beacon.Main;
import java.io.IOException;
import java.net.CookieManager;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code beacon rehearse}: the production topology of {@code docker-compose.yml} as plain JVMs on this machine's
 * loopback: 3 Kafka brokers (KRaft, RF 3, min.insync.replicas 2), 3 Cassandra nodes on 127.0.0.1/.2/.3, QuestDB,
 * and the compose file's Beacon nodes (roles from {@code deploy/node-*.yaml}, environment from compose with
 * addresses moved to the loopback, see {@link ComposeNodes}); then a smoke check (hits in through both ingest
 * nodes, seen in QuestDB and in a real-time report of a serve node) and a summary with each process's RSS.
 * Every process logs to {@code <run dir>/logs/<process>.log}. Ctrl-C (or any JVM exit) stops the Beacon nodes,
 * then every server, by PID.
 *
 * <p>In front of the nodes, compose's edge ({@link ComposeEdge}): two HAProxy with keepalived holding a VIP, each
 * balancer in a network namespace of its own on a private edge network ({@link EdgeNetwork}); the nodes' HTTP
 * listeners are on this machine's address there, and the smoke check goes through the VIP.
 *
 * <p>Also: Spark standalone (master, 2 workers, the shaded job submitted in cluster mode; spark.authenticate with --spark-auth,
 * {@link SparkCluster}), Prometheus scraping every node, balancer and the job ({@link PrometheusServer}), and with
 * {@code --faults} kills under load with the accounting identity after each ({@link RehearsalFaults}).
 *
 * <p>The stores authenticate as compose sets them ({@link StoreAuth}): Kafka SASL/SCRAM with ACLs per role,
 * Cassandra roles, QuestDB credentials, spark.authenticate; secrets generated under the run dir.
 *
 * <p>Not yet: TLS of the stores, store exporters (issue 18).
 */
@Command(name = "beacon rehearse", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Runs the multi-node production topology of docker-compose.yml on this machine (no Docker).",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:stopped (or --exit-after-smoke: smoke check passed)", "1:a process failed to start or the "
        + "smoke check failed", "2:docker-compose.yml and the rehearsal disagree, or a port is taken"})
public final class Rehearsal implements Callable<Integer> {
  private static final int EXIT_FAILED = 1;
  private static final int EXIT_CONFIG = 2;
  private static final int RUNNING = -1;

  /** Fixed loopback ports, below the ephemeral range so the test suites' free ports never take them. */
  static final int KAFKA_PORT = 19092;
  static final int KAFKA_CONTROLLER_PORT = 19192;
  static final int CASSANDRA_CQL_PORT = 19042;
  static final int CASSANDRA_STORAGE_PORT = 17000;
  static final int QUESTDB_HTTP_PORT = 19000;
  static final int QUESTDB_PG_PORT = 18812;
  static final int COLLECTOR_PORT = 18080;   // + node index (0-based)
  static final int QUERY_PORT = 18180;
  static final int MANAGEMENT_PORT = 19464;
  static final int DISCOVERY_PORT = 47600;
  static final int COMMUNICATION_PORT = 47700;
  static final int CLUSTER_SIZE = 3;
  static final String ADMIN_EMAIL = "admin@localhost";
  /** Compose restarts without limit; the rehearsal gives up after this many starts (a CPU-starved start may time out). */
  static final int NODE_START_ATTEMPTS = 5;
  /**
   * A node deploys its roles only after joining the cluster and checking every store: at a load average of 30 on
   * 2 cores that took over 3 minutes (compose's health check would keep waiting too).
   */
  static final Duration NODE_READY_TIMEOUT = Duration.ofMinutes(7);
  static final Duration SPARK_QUERY_TIMEOUT = Duration.ofMinutes(8);
  /** Where the nodes' HTTP listeners are: this machine's address on the edge network, which the balancers reach. */
  static final String NODE_HOST = EdgeNetwork.HOST;

  @Option(names = "--compose", paramLabel = "FILE", defaultValue = "docker-compose.yml",
      description = "The compose file whose beacon-N services are run (default: ${DEFAULT-VALUE}).")
  Path composeFile;

  @Option(names = "--run-dir", paramLabel = "DIR",
      description = "Data and logs of this run (default: target/rehearsal/<UTC time>).")
  Path runDir;

  @Option(names = "--node-heap", paramLabel = "MB", defaultValue = "384",
      description = "Max heap of each Beacon node (compose's BEACON_OPTS is for a 3 GB container; default: ${DEFAULT-VALUE}).")
  int nodeHeapMb;

  @Option(names = "--no-smoke", description = "Skip the smoke check.")
  boolean noSmoke;

  @Option(names = "--exit-after-smoke", description = "Stop everything after the smoke check and the summary.")
  boolean exitAfterSmoke;

  @Option(names = "--faults", paramLabel = "LIST", description = "After the smoke check, inject faults under load "
      + "through the VIP and check the accounting identity after each: short (Kafka quorum leader, an ingest node, the "
      + "HAProxy holding the VIP) or all (also a Cassandra node, the serve node, the Spark driver and a worker, and a "
      + "network partition of an ingest node, then its heal), or fault names, comma-separated (e.g. short,"
      + "NODE_PARTITION); a report goes to <run dir>/faults-report.md.")
  String faults;

  @Option(names = "--no-spark-auth", description = "Spark standalone without spark.authenticate (by default the "
      + "cluster and the job share compose's spark_auth_secret, generated for the run).")
  boolean noSparkAuth;

  @Option(names = "--no-spark", description = "No Spark master, workers and job (reports over closed days then have "
      + "no precomputed aggregates).")
  boolean noSpark;

  private final Instant begin = Instant.now();
  private Edge edge;
  private SparkCluster spark;
  private PrometheusServer prometheus;
  private NodeExporterServer nodeExporter;
  private AlertmanagerServer alertmanager;
  private MailSink mail;
  private final List<ServerProcess> all = new ArrayList<>();
  private final Map<String, Duration> readyAt = new LinkedHashMap<>();
  private final java.util.concurrent.atomic.AtomicInteger restarts = new java.util.concurrent.atomic.AtomicInteger();

  public static void main(String[] args) {
    int code = new CommandLine(new Rehearsal()).execute(args);
    if (code != RUNNING) {
      System.exit(code);
    }
  }

  @Override
  public Integer call() throws Exception {
    Path home = Path.of(System.getProperty("beacon.home", ".")).toAbsolutePath().normalize();
    Path compose = home.resolve(composeFile).normalize();
    List<ComposeNodes.Node> composeNodes;
    ComposeEdge.Edge composeEdge;
    StoreAuth.Compose composeAuth;
    try {
      composeNodes = ComposeNodes.read(compose);
      composeEdge = ComposeEdge.read(compose);
      composeAuth = StoreAuth.read(compose, composeNodes);
    } catch (LocalStackException e) {
      System.err.println("beacon rehearse: " + e.getMessage());
      return EXIT_CONFIG;
    }
    String noEdge = EdgeNetwork.unavailable();
    if (noEdge != null) {
      System.err.println("beacon rehearse: " + noEdge);
      return EXIT_CONFIG;
    }
    Path run = (runDir != null ? runDir : home.resolve("target").resolve("rehearsal")
        .resolve(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(begin)))
        .toAbsolutePath().normalize();
    Path logs = run.resolve("logs");
    Files.createDirectories(logs);
    // Every secret of compose, generated for this run (StoreAuth): the stores and the nodes read the same files.
    StoreAuth auth = StoreAuth.generate(composeAuth, run);

    String clusterId = KafkaServer.randomClusterId();
    List<KafkaServer> kafka = new ArrayList<>();
    for (int n = 1; n <= CLUSTER_SIZE; n++) {
      kafka.add(new KafkaServer(home, run, logs,
          new KafkaServer.ClusterNode(n, CLUSTER_SIZE, KAFKA_PORT, KAFKA_CONTROLLER_PORT, clusterId, auth.kafka())));
    }
    List<CassandraServer> cassandra = new ArrayList<>();
    for (int n = 1; n <= CLUSTER_SIZE; n++) {
      cassandra.add(new CassandraServer(home, run, logs,
          new CassandraServer.ClusterNode(n, "beacon-rehearsal", CASSANDRA_CQL_PORT, CASSANDRA_STORAGE_PORT)).withAuth());
    }
    QuestDbServer questdb = new QuestDbServer(home, run, QUESTDB_HTTP_PORT, QUESTDB_PG_PORT)
        .withCredentials(auth.questdbUser(), auth.questdbPassword());
    String bootstrap = kafka.get(0).clusterBootstrap();
    String contactPoints = String.join(",", cassandra.stream().map(CassandraServer::contactPoint).toList());
    String adminPassword = HexFormat.of().formatHex(new SecureRandom().generateSeed(12));

    List<BeaconNodeServer> nodes = new ArrayList<>();
    for (int i = 0; i < composeNodes.size(); i++) {
      ComposeNodes.Node spec = composeNodes.get(i);
      Map<String, String> env = nodeEnv(spec, i, composeNodes.size(), run, bootstrap, contactPoints, questdb, adminPassword,
          auth::localize);
      nodes.add(new BeaconNodeServer(spec.service(), home, run, logs, spec.configFile(), env,
          List.of("-Xms64m", "-Xmx" + nodeHeapMb + "m"), NODE_HOST, MANAGEMENT_PORT + i));
    }

    // Each node in a cgroup of its own, so the partition fault can cut it off (NodePartitions).
    NodePartitions.removeStale();
    StringBuilder noPartitions = new StringBuilder();
    NodePartitions partitions = NodePartitions.create(noPartitions).orElse(null);
    if (partitions != null) {
      ChildProcesses.afterStop(partitions::remove);
      nodes.forEach(n -> n.partitionable(partitions));
    } else {
      say("no partition fault on this machine: %s", noPartitions);
    }

    // The edge network first: the nodes listen on its host address, so their ports can only be checked on it.
    EdgeNetwork.removeStale();
    EdgeNetwork network = new EdgeNetwork(composeEdge.balancers().size());
    ChildProcesses.afterStop(network::remove);
    try {
      network.create();
    } catch (IOException | LocalStackException e) {
      network.remove();
      System.err.println("beacon rehearse: cannot create the edge network: " + e.getMessage());
      return EXIT_CONFIG;
    }
    List<String> taken = takenPorts(composeNodes.size());
    if (!taken.isEmpty()) {
      network.remove();
      System.err.println("beacon rehearse: already in use: " + String.join(", ", taken)
          + " (is another rehearsal running?)");
      return EXIT_CONFIG;
    }
    Edge edgeServers;
    try {
      edgeServers = edge(home, run, logs, composeEdge, composeNodes, network);
    } catch (IOException | LocalStackException e) {
      network.remove();
      System.err.println("beacon rehearse: " + e.getMessage());
      return EXIT_CONFIG;
    }
    this.edge = edgeServers;
    SparkCluster spark = noSpark ? null : new SparkCluster(home, run, logs, 2,
        noSparkAuth ? null : auth.sparkSecretFile(), auth.sparkJobOptions());
    this.spark = spark;
    Map<String, List<String>> scrape = new LinkedHashMap<>();
    scrape.put("beacon", new ArrayList<>());
    for (int i = 0; i < composeNodes.size(); i++) {
      scrape.get("beacon").add(NODE_HOST + ":" + (MANAGEMENT_PORT + i));
    }
    scrape.put("haproxy", edgeServers.haproxy().stream()
        .map(h -> URI.create(h.metricsUrl()).getHost() + ":" + URI.create(h.metricsUrl()).getPort()).toList());
    scrape.put("spark", spark == null ? List.of() : List.of("127.0.0.1:" + SparkCluster.METRICS_PORT));
    scrape.put("kafka", kafka.stream().map(k -> "127.0.0.1:" + k.metricsPort()).toList());
    scrape.put("cassandra", cassandra.stream().map(c -> "127.0.0.1:" + c.metricsPort()).toList());
    scrape.put("questdb", List.of("127.0.0.1:" + questdb.metricsPort()));
    NodeExporterServer nodeExporter = new NodeExporterServer(home, run, logs);
    this.nodeExporter = nodeExporter;
    scrape.put("node", List.of(nodeExporter.target()));
    scrape.put("prometheus", List.of("127.0.0.1:" + PrometheusServer.PORT));
    // Alertmanager as compose runs it, mailing what fires to the rehearsal's own SMTP server (MailSink).
    Path alertmanagerYml = home.resolve("alertmanager/alertmanager.yml");
    MailSink mail = new MailSink(AlertmanagerServer.smtpUser(alertmanagerYml), auth.secret("alertmanager_smtp_password"));
    this.mail = mail;
    AlertmanagerServer alertmanager = new AlertmanagerServer(home, run, logs, mail.relay(), auth::localize);
    this.alertmanager = alertmanager;
    scrape.put(PrometheusServer.ALERTMANAGERS, List.of(alertmanager.target()));
    PrometheusServer prometheus = new PrometheusServer(home, run, logs, scrape);
    this.prometheus = prometheus;
    try {
      PrometheusServer.render(home.resolve("prometheus/prometheus.yml"), scrape);
      AlertmanagerServer.render(alertmanagerYml, mail.relay(), auth::localize);
    } catch (LocalStackException e) {
      network.remove();
      System.err.println("beacon rehearse: " + e.getMessage());
      return EXIT_CONFIG;
    }
    if (spark != null) {
      // Whatever a worker launched (the driver, the executors) goes with the rehearsal, even if a worker was killed.
      ChildProcesses.afterStop(() -> {
        spark.driver().ifPresent(ProcessHandle::destroyForcibly);
        spark.executors().forEach(ProcessHandle::destroyForcibly);
      });
    }

    // Ctrl-C / exit: the Beacon nodes leave first, while the stores still answer; then the servers (the hook
    // of ChildProcesses stops every live child by PID: SIGTERM, then SIGKILL after 30 s).
    ChildProcesses.beforeStop(() -> {
      if (nodes.stream().noneMatch(ServerProcess::isAlive) && all.stream().noneMatch(ServerProcess::isAlive)) {
        return; // stopped already (--exit-after-smoke)
      }
      say("stopping the Beacon nodes, then the servers ...");
      ChildProcesses.stopAll(nodes);
      // The balancers' keepalived first (SIGTERM: it gives the VIP up), then whatever is left.
      ChildProcesses.stopAll(edgeServers.keepalived());
    });

    // A thread per process start: they mostly wait (each Kafka broker waits for its quorum, so all three must run at
    // once); the common pool may have a single thread on a small machine.
    ExecutorService starters = Executors.newCachedThreadPool(r -> {
      Thread thread = new Thread(r, "rehearsal-start");
      thread.setDaemon(true);
      return thread;
    });
    say("run dir %s (logs in %s)", run, logs);
    say("compose %s: %s", compose, String.join(", ", composeNodes.stream()
        .map(n -> n.service() + " [" + n.roleList() + "]").toList()));
    try {
      // Kafka (3 brokers wait for their quorum, so together) and QuestDB start while Cassandra's nodes join one by one.
      CompletableFuture<Void> kafkaReady = CompletableFuture.allOf(kafka.stream()
          .map(k -> CompletableFuture.runAsync(() -> startAndAwait(k), starters)).toArray(CompletableFuture[]::new));
      CompletableFuture<Void> questdbReady = CompletableFuture.runAsync(() -> startAndAwait(questdb), starters);
      // The edge is light and independent of the stores: its health checks mark the nodes DOWN until they answer.
      CompletableFuture<Void> edgeReady = CompletableFuture.runAsync(() -> {
        edgeServers.haproxy().forEach(this::startAndAwait);
        edgeServers.keepalived().forEach(this::startAndAwait);
        startAndAwait(nodeExporter);
        mail.start();
        startAndAwait(alertmanager);
        startAndAwait(prometheus);
      }, starters);
      // The job's jar and the Spark home (links to the jars the job's build resolved) while the stores start.
      CompletableFuture<Path> sparkJar = spark == null ? CompletableFuture.completedFuture(null)
          : CompletableFuture.supplyAsync(() -> {
            try {
              spark.prepareHome();
            } catch (IOException e) {
              throw new LocalStackException("cannot prepare the Spark home: " + e, e);
            }
            return spark.shadedJar();
          }, starters);
      say("Cassandra: 3 nodes on 127.0.0.1/.2/.3, one after the other (ring delay 5 s)");
      for (CassandraServer node : cassandra) {
        startAndAwait(node);
      }
      join(kafkaReady);
      join(questdbReady);
      join(edgeReady);
      say("stores ready: Kafka %s, Cassandra %s, QuestDB %s", bootstrap, contactPoints, questdb.httpUrl());
      // Before any client: the roles and ACLs the nodes and the job log in with (compose: cassandra-init, kafka-init).
      try {
        auth.applyCassandraRoles(home, contactPoints, line -> say("%s", line));
        auth.applyKafkaAcls(home, bootstrap, line -> say("%s", line));
      } catch (Exception e) {
        throw new LocalStackException("setting up the stores' authentication failed: " + e, e);
      }
      // All nodes together: /ready needs BEACON_CLUSTER_MIN_MEMBERS of them in the cluster.
      List<CompletableFuture<Void>> nodesReady = new ArrayList<>();
      for (int i = 0; i < nodes.size(); i++) {
        BeaconNodeServer node = nodes.get(i);
        int attempts = composeNodes.get(i).restarts() ? NODE_START_ATTEMPTS : 1;
        nodesReady.add(CompletableFuture.runAsync(() -> startNode(node, attempts), starters));
      }
      CompletableFuture.allOf(nodesReady.toArray(CompletableFuture[]::new)).join();
      awaitVip(network, edgeServers);
      // Spark after the nodes: the job needs the schema a node creates, and on a CPU-starved machine the daemons'
      // start next to the nodes' made the nodes' store connections time out (a node then exits before ready).
      if (spark != null) {
        startAndAwait(spark.master());
        CompletableFuture.allOf(spark.workers().stream().map(w -> CompletableFuture.runAsync(() -> startAndAwait(w),
            starters)).toArray(CompletableFuture[]::new)).join();
        submitJob(spark, sparkJar.join(), bootstrap, contactPoints);
      }
    } catch (CompletionException | LocalStackException e) {
      Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      System.err.println("beacon rehearse: " + cause.getMessage());
      return EXIT_FAILED;
    }
    say("all %d processes ready", all.size());
    for (int i = 0; i < nodes.size(); i++) {
      say("  %s [%s]: collector http://%s:%d  query http://%s:%d  management http://%s:%d/ready",
          nodes.get(i).name(), composeNodes.get(i).roleList(), NODE_HOST, COLLECTOR_PORT + i, NODE_HOST,
          QUERY_PORT + i, NODE_HOST, MANAGEMENT_PORT + i);
    }
    say("  edge: VIP %s held by lb%d: ingest %s, dashboard %s (certificate %s), HAProxy metrics %s",
        EdgeNetwork.VIP, network.vipHolder(), edgeServers.ingestUrl(), edgeServers.dashboardUrl(),
        edgeServers.certificate(), String.join(" ", edgeServers.haproxy().stream().map(HaproxyServer::metricsUrl).toList()));
    say("  admin: %s / %s", ADMIN_EMAIL, adminPassword);

    boolean smokeOk = true;
    if (!noSmoke) {
      try {
        smoke(composeNodes, questdb, adminPassword, edgeServers);
        // The other half of authentication: clients without the right credentials are refused.
        for (String line : auth.refusals(bootstrap, contactPoints, questdb)) {
          say("auth: %s", line);
        }
      } catch (Exception e) {
        smokeOk = false;
        System.err.println("beacon rehearse: smoke check FAILED: " + e);
      }
    }
    summary();
    boolean faultsOk = true;
    if (faults != null && smokeOk) {
      Instant faultsStart = Instant.now();
      try {
        List<RehearsalFaults.Result> results = new RehearsalFaults(new RehearsalFaults.Stack(kafka, cassandra, questdb,
            nodes, composeNodes, edgeServers, network, partitions, spark, bootstrap, contactPoints, adminPassword, auth,
            // A server restarted under a fault gets the nodes' patience: at a load average of 50-70 a killed Kafka
            // broker answered 190 s after its restart, past the 180 s of a first start.
            node -> startNode(node, NODE_START_ATTEMPTS), server -> startAndAwait(server, NODE_READY_TIMEOUT), mail),
            line -> say("%s", line))
            .run(RehearsalFaults.Fault.list(faults));
        faultsOk = results.stream().allMatch(r -> r.identity() && r.lost() == 0 && r.duplicated() == 0);
        Path report = run.resolve("faults-report.md");
        String table = RehearsalFaults.markdown(results);
        RehearsalFaults.write(report, results, String.format("%d faults in %.1f s; RSS per process at the end in the "
            + "console summary.", results.size(), seconds(faultsStart)));
        say("faults (%.1f s):%n%s", seconds(faultsStart), table);
        say("fault report: %s; every identity %s", report, faultsOk ? "holds" : "DID NOT HOLD");
      } catch (Exception e) {
        faultsOk = false;
        System.err.println("beacon rehearse: faults FAILED: " + e);
        e.printStackTrace();
      }
      summary();
    }
    smokeOk &= faultsOk;
    if (exitAfterSmoke || !smokeOk) {
      Instant stopping = Instant.now();
      say("stopping the Beacon nodes ...");
      ChildProcesses.stopAll(nodes);
      say("Beacon nodes stopped in %.1f s; stopping the servers ...", seconds(stopping));
      ChildProcesses.stopAll(edgeServers.keepalived());
      if (spark != null) {
        ChildProcesses.stopAll(spark.workers());
        ChildProcesses.stopAll(List.of(spark.master()));
      }
      List<ServerProcess> servers = new ArrayList<>(kafka);
      servers.addAll(cassandra);
      servers.add(questdb);
      servers.addAll(edgeServers.haproxy());
      servers.add(prometheus);
      servers.add(alertmanager);
      servers.add(nodeExporter);
      ChildProcesses.stopAll(servers);
      mail.close();
      network.remove();
      if (partitions != null) {
        partitions.remove();
      }
      say("everything stopped in %.1f s", seconds(stopping));
      return smokeOk ? 0 : EXIT_FAILED;
    }
    say("running; Ctrl-C stops everything");
    new CountDownLatch(1).await();
    return 0;
  }

  /**
   * The balancers as run: their HAProxy and keepalived, the public URLs on the VIP (compose's binds: each balancer
   * has a namespace of its own, so ":80" there is the VIP's port 80), the self-signed certificate of the TLS
   * frontends.
   */
  record Edge(List<HaproxyServer> haproxy, List<KeepalivedServer> keepalived, String ingestUrl, String dashboardUrl,
              Path certificate) {
  }

  /**
   * Renders and checks the edge of compose: each balancer's HAProxy environment (compose's env_file with the
   * certificate and the stats password file localized, the password read from it as deploy/lb-entrypoint.sh does),
   * the static backends file rendered from backends-dns.cfg, and each keepalived's params.
   */
  static Edge edge(Path home, Path run, Path logs, ComposeEdge.Edge compose, List<ComposeNodes.Node> nodes,
                   EdgeNetwork network) throws IOException {
    Path dir = Files.createDirectories(run.resolve("edge"));
    Path certificate = selfSignedCertificate(dir);
    Path passwordFile = dir.resolve("lb_stats_password.txt");
    Files.writeString(passwordFile, HexFormat.of().formatHex(new SecureRandom().generateSeed(12)) + "\n");
    Files.setPosixFilePermissions(passwordFile, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    Path vrrpPasswordFile = dir.resolve("lb_vrrp_password.txt");
    Files.writeString(vrrpPasswordFile, HexFormat.of().formatHex(new SecureRandom().generateSeed(4)) + "\n");
    Files.setPosixFilePermissions(vrrpPasswordFile,
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));

    Map<String, List<ComposeEdge.Server>> servers = new LinkedHashMap<>();
    for (int i = 0; i < nodes.size(); i++) {
      ComposeNodes.Node node = nodes.get(i);
      if (node.collects()) {
        servers.computeIfAbsent("BEACON_COLLECTOR_PORT", k -> new ArrayList<>())
            .add(new ComposeEdge.Server(node.service(), NODE_HOST, COLLECTOR_PORT + i, MANAGEMENT_PORT + i));
      }
      if (node.serves()) {
        servers.computeIfAbsent("BEACON_QUERY_PORT", k -> new ArrayList<>())
            .add(new ComposeEdge.Server(node.service(), NODE_HOST, QUERY_PORT + i, MANAGEMENT_PORT + i));
      }
    }
    Path backends = dir.resolve("backends-rehearsal.cfg");
    Files.writeString(backends, ComposeEdge.renderBackends(Files.readAllLines(compose.backendsDns()), servers));
    List<Path> configs = List.of(compose.haproxyMain(), backends);

    List<HaproxyServer> haproxy = new ArrayList<>();
    List<KeepalivedServer> keepalived = new ArrayList<>();
    Map<String, String> first = null;
    for (ComposeEdge.Balancer lb : compose.balancers()) {
      Map<String, String> env = new LinkedHashMap<>();
      ComposeEdge.HAPROXY_KEPT.forEach(k -> env.put(k, lb.haproxyEnv().get(k)));
      env.put("BEACON_LB_TLS_CERT", certificate.toString());
      env.put("BEACON_LB_STATS_PASSWORD_FILE", passwordFile.toString());
      env.put("BEACON_LB_VRRP_PASSWORD_FILE", vrrpPasswordFile.toString());
      env.put("BEACON_LB_STATS_PASSWORD", Files.readString(passwordFile).strip());
      HaproxyServer.check(configs, env);
      haproxy.add(new HaproxyServer(lb.service() + "-haproxy", home, run.resolve(lb.service()),
          logs.resolve(lb.service() + "-haproxy.log"), network, lb.index(), configs, env));

      Map<String, String> params = new LinkedHashMap<>();
      ComposeEdge.PARAMS_KEPT.forEach(k -> params.put(k, lb.params().get(k)));
      int peer = lb.index() == 1 ? 2 : 1;
      params.put("$SELF_IP", EdgeNetwork.balancerAddress(lb.index()));
      params.put("$PEER_IP", EdgeNetwork.balancerAddress(peer));
      params.put("$VIP", EdgeNetwork.VIP + "/24");
      keepalived.add(new KeepalivedServer(lb.service() + "-keepalived", home, run.resolve(lb.service()),
          logs.resolve(lb.service() + "-keepalived.log"), network, lb.index(), compose.keepalivedConf(), params,
          vrrpPasswordFile));
      if (first == null) {
        first = env;
      }
    }
    String ingest = "http://" + EdgeNetwork.VIP + ":" + HaproxyServer.port(first.get("BEACON_LB_INGEST_BIND"));
    String dashboard = "https://" + EdgeNetwork.VIP + ":" + HaproxyServer.port(first.get("BEACON_LB_DASHBOARD_TLS_BIND"));
    return new Edge(List.copyOf(haproxy), List.copyOf(keepalived), ingest, dashboard, certificate);
  }

  /** Submits the job in cluster mode and waits until its streaming query runs on the driver a worker launched. */
  private void submitJob(SparkCluster spark, Path jar, String bootstrap, String contactPoints) {
    Instant start = Instant.now();
    try {
      String driver = spark.submit(jar, bootstrap, contactPoints);
      say("spark: %s submitted to %s (cluster mode, supervised) in %.1f s", driver, spark.masterUrl(), seconds(start));
    } catch (IOException e) {
      throw new LocalStackException("spark-submit failed: " + e, e);
    }
    try {
      // 4 minutes were not enough at a load average of 25 on 2 cores (the first micro-batch's offsets were written,
      // its commit was not); an idle machine needs about one.
      Awaitility.await("the Spark job's streaming query").atMost(SPARK_QUERY_TIMEOUT)
          .pollInterval(Duration.ofSeconds(1)).until(spark::jobActive);
    } catch (ConditionTimeoutException e) {
      throw new LocalStackException("the Spark job did not start its query within " + SPARK_QUERY_TIMEOUT.toMinutes()
          + " minutes; see the driver's "
          + "stderr under " + spark.workers().get(0).home().getParent() + "/worker-N/driver-*", e);
    }
    say("spark: the job's query runs (driver pid %s, %d executors), %.1f s after the submit",
        spark.driver().map(p -> Long.toString(p.pid())).orElse("?"), spark.executors().size(), seconds(start));
  }

  /** A self-signed certificate for the VIP (subjectAltName), with its key in one PEM file as HAProxy's crt takes it. */
  private static Path selfSignedCertificate(Path dir) throws IOException {
    Path key = dir.resolve("key.pem");
    Path crt = dir.resolve("crt.pem");
    EdgeNetwork.run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
        "-subj", "/CN=beacon-rehearsal", "-addext", "subjectAltName=IP:" + EdgeNetwork.VIP + ",DNS:localhost",
        "-keyout", key.toString(), "-out", crt.toString());
    Path pem = dir.resolve("beacon.pem");
    Files.writeString(pem, Files.readString(crt) + Files.readString(key));
    Files.setPosixFilePermissions(pem, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    return pem;
  }

  /**
   * Waits until exactly one balancer holds the VIP and its HAProxy sees every node UP (the exporter's
   * {@code haproxy_server_status}), through the VIP itself.
   */
  private void awaitVip(EdgeNetwork network, Edge edge) {
    Instant start = Instant.now();
    String metrics = edge.haproxy().get(0).metricsUrl().replace(EdgeNetwork.balancerAddress(1), EdgeNetwork.VIP);
    HttpRequest request = HttpRequest.newBuilder(URI.create(metrics)).timeout(Duration.ofSeconds(3)).build();
    try {
      Awaitility.await("the VIP answers and its HAProxy sees every node UP").atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() -> {
            if (network.vipHolder() <= 0) {
              return false;
            }
            String body = HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body();
            return body.contains("haproxy_server_status{") && !Pattern.compile(
                "haproxy_server_status\\{proxy=\"(collector|query)\",server=\"[^\"]+\",state=\"UP\"} 0").matcher(body).find();
          });
      say("edge: VIP %s held by lb%d, every node UP behind it, %.1f s after the nodes were ready", EdgeNetwork.VIP,
          network.vipHolder(), seconds(start));
    } catch (ConditionTimeoutException | IOException e) {
      throw new LocalStackException("the VIP " + EdgeNetwork.VIP + " did not answer with every node UP: " + e, e);
    }
  }

  /** A node's environment: compose's, with its container addresses moved onto this machine's loopback. */
  static Map<String, String> nodeEnv(ComposeNodes.Node spec, int index, int size, Path run, String bootstrap,
                                     String contactPoints, QuestDbServer questdb, String adminPassword,
                                     java.util.function.UnaryOperator<String> secretFile) {
    Map<String, String> env = new LinkedHashMap<>();
    ComposeNodes.KEPT.forEach(k -> env.put(k, spec.env().get(k)));
    Map<String, String> local = new LinkedHashMap<>();
    local.put("BEACON_KAFKA_BOOTSTRAP", bootstrap);
    local.put("BEACON_CASSANDRA_CONTACT_POINTS", contactPoints);
    local.put("BEACON_QUESTDB_HTTP_URL", questdb.httpUrl());
    local.put("BEACON_QUESTDB_PG_HOST", "127.0.0.1");
    local.put("BEACON_HTTP_MANAGEMENT_HOST", NODE_HOST);
    local.put("BEACON_CLUSTER_HOST", "127.0.0.1");
    local.put("BEACON_CLUSTER_MEMBERS", "127.0.0.1:" + DISCOVERY_PORT + ".." + (DISCOVERY_PORT + size - 1));
    local.put("BEACON_CLUSTER_WORK_DIR", run.resolve(spec.service()).resolve("ignite").toString());
    local.put("BEACON_COLLECTOR_TRUSTED_PROXIES", EdgeNetwork.BALANCERS_CIDR);
    local.put("BEACON_QUERY_TRUSTED_PROXIES", EdgeNetwork.BALANCERS_CIDR);
    for (String k : List.of("BEACON_KAFKA_SASL_PASSWORD_FILE", "BEACON_CASSANDRA_PASSWORD_FILE",
        "BEACON_QUESTDB_PASSWORD_FILE", "BEACON_CLUSTER_TLS_KEY_STORE", "BEACON_CLUSTER_TLS_KEY_STORE_PASSWORD_FILE",
        "BEACON_CLUSTER_TLS_TRUST_STORE", "BEACON_CLUSTER_TLS_TRUST_STORE_PASSWORD_FILE")) {
      local.put(k, secretFile.apply(spec.env().get(k)));
    }
    // BEACON_OPTS becomes the node's heap flags (BeaconNodeServer), not an environment variable.
    if (!local.keySet().containsAll(ComposeNodes.LOCALIZED.stream().filter(k -> !k.equals("BEACON_OPTS")).toList())) {
      throw new IllegalStateException("a LOCALIZED key has no loopback value in Rehearsal.nodeEnv");
    }
    env.putAll(local);
    env.put("BEACON_HTTP_COLLECTOR_HOST", NODE_HOST);
    env.put("BEACON_HTTP_COLLECTOR_PORT", Integer.toString(COLLECTOR_PORT + index));
    env.put("BEACON_HTTP_QUERY_HOST", NODE_HOST);
    env.put("BEACON_HTTP_QUERY_PORT", Integer.toString(QUERY_PORT + index));
    env.put("BEACON_HTTP_MANAGEMENT_PORT", Integer.toString(MANAGEMENT_PORT + index));
    env.put("BEACON_QUESTDB_PG_PORT", Integer.toString(QUESTDB_PG_PORT));
    env.put("BEACON_CLUSTER_DISCOVERY_PORT", Integer.toString(DISCOVERY_PORT));
    env.put("BEACON_CLUSTER_DISCOVERY_PORT_RANGE", Integer.toString(size));
    env.put("BEACON_CLUSTER_COMMUNICATION_PORT", Integer.toString(COMMUNICATION_PORT));
    env.put("BEACON_CLUSTER_COMMUNICATION_PORT_RANGE", Integer.toString(size));
    env.put("BEACON_COLLECTOR_SPOOL_DIR", run.resolve(spec.service()).resolve("spool").toString());
    env.put("BEACON_QUERY_ADMIN_PASSWORD", adminPassword);
    return env;
  }

  /**
   * Compose restarts a node that exits ({@code restart: unless-stopped}), e.g. one whose start timed out against
   * a busy Kafka: so does the rehearsal, up to {@code attempts} starts, saying so on the console.
   */
  private void startNode(BeaconNodeServer node, int attempts) {
    for (int attempt = 1; ; attempt++) {
      try {
        startAndAwait(node, NODE_READY_TIMEOUT);
        return;
      } catch (LocalStackException e) {
        if (attempt >= attempts || node.isAlive()) {
          throw e;
        }
        restarts.incrementAndGet();
        say("%s exited before it was ready (see its log); restarting it as compose's restart policy would (%d/%d)",
            node.name(), attempt + 1, attempts);
      }
    }
  }

  private void startAndAwait(ServerProcess server) {
    startAndAwait(server, ServerProcess.DEFAULT_READY_TIMEOUT);
  }

  private void startAndAwait(ServerProcess server, Duration timeout) {
    say("%s: starting (log %s)", server.name(), server.logFile());
    synchronized (all) {
      if (!all.contains(server)) {
        all.add(server);
      }
    }
    server.start();
    server.awaitReady(timeout);
    Duration ready = server.lastReadyTime();
    synchronized (readyAt) {
      readyAt.put(server.name(), ready);
    }
    say("%s: ready in %.1f s (pid %d)", server.name(), ready.toMillis() / 1000.0, server.pid());
  }

  private static void join(CompletableFuture<Void> future) {
    future.join();
  }

  private List<String> takenPorts(int nodes) {
    List<String> taken = new ArrayList<>();
    fixedPorts(nodes).forEach((host, ports) -> ports.forEach(port -> {
      try (ServerSocket probe = new ServerSocket()) {
        probe.setReuseAddress(true);
        probe.bind(new InetSocketAddress(host, port));
      } catch (IOException e) {
        taken.add(host + ":" + port);
      }
    }));
    return taken;
  }

  /** The fixed ports the rehearsal's processes listen on, by address (RehearsalPortsTest: no two the same). */
  static Map<String, List<Integer>> fixedPorts(int nodes) {
    Map<String, List<Integer>> byHost = new LinkedHashMap<>();
    List<Integer> local = new ArrayList<>();
    for (int n = 0; n < CLUSTER_SIZE; n++) {
      local.add(KAFKA_PORT + n);
      local.add(KAFKA_CONTROLLER_PORT + n);
    }
    local.addAll(List.of(QUESTDB_HTTP_PORT, QUESTDB_PG_PORT, PrometheusServer.PORT, AlertmanagerServer.PORT,
        MailSink.PORT, NodeExporterServer.PORT, SparkCluster.MASTER_PORT,
        SparkCluster.MASTER_UI_PORT, SparkCluster.METRICS_PORT));
    for (int w = 0; w < 2; w++) {
      local.addAll(List.of(SparkCluster.WORKER_PORT + w, SparkCluster.WORKER_UI_PORT + w));
    }
    List<Integer> http = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      local.addAll(List.of(DISCOVERY_PORT + i, COMMUNICATION_PORT + i));
      http.addAll(List.of(COLLECTOR_PORT + i, QUERY_PORT + i, MANAGEMENT_PORT + i));
    }
    byHost.put("127.0.0.1", local);
    byHost.put(NODE_HOST, http);
    for (int n = 1; n <= CLUSTER_SIZE; n++) {
      byHost.computeIfAbsent("127.0.0." + n, h -> new ArrayList<>())
          .addAll(List.of(CASSANDRA_CQL_PORT, CASSANDRA_STORAGE_PORT));
    }
    return byHost;
  }

  // ---- smoke check ------------------------------------------------------------------------------------------

  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(3)).build();

  /**
   * Logs in on a serve node through the VIP's TLS dashboard frontend, creates a property, sends hits through the
   * VIP's ingest frontend (HAProxy spreads them over the collecting nodes), then waits until QuestDB holds them all
   * and a real-time report counts their users.
   */
  private void smoke(List<ComposeNodes.Node> nodes, QuestDbServer questdb, String adminPassword, Edge edge)
      throws Exception {
    Instant start = Instant.now();
    int collectors = (int) nodes.stream().filter(n -> n.ingest() && n.collects()).count();
    if (nodes.stream().noneMatch(ComposeNodes.Node::serves) || collectors == 0) {
      throw new IllegalStateException("compose has no serve node or no ingest node with a collector");
    }
    DashboardClient dashboard = DashboardClient.login(edge.dashboardUrl(), edge.certificate(), ADMIN_EMAIL, adminPassword);
    String runId = Long.toString(System.currentTimeMillis(), 36);
    String propertyId = dashboard.createProperty("rehearsal-" + runId);
    say("smoke: logged in and property %s created through %s", propertyId, edge.dashboardUrl());

    int hits = 10 * collectors;
    for (int n = 0; n < hits; n++) {
      String query = "v=2&tid=" + propertyId + "&cid=" + runId + "." + (n % 5) + "&sid=" + runId + (n % 5)
          + "&en=page_view&_rid=" + runId + "-" + n
          + "&dl=" + URLEncoder.encode("https://rehearsal.example/page/" + (n % 3), StandardCharsets.UTF_8) + "&dt=Rehearsal";
      HttpRequest request = HttpRequest.newBuilder(URI.create(edge.ingestUrl() + "/g/collect?" + query))
          .timeout(Duration.ofSeconds(10))
          .header("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36")
          .header("Content-Type", "text/plain;charset=UTF-8").POST(HttpRequest.BodyPublishers.noBody()).build();
      // A collector learns a new property on its next refresh of the properties table: retry until it knows it.
      HttpResponse<?>[] last = new HttpResponse<?>[1];
      try {
        Awaitility.await("hit " + n + " accepted through the VIP").atMost(Duration.ofSeconds(90))
            .pollInterval(Duration.ofSeconds(1)).pollDelay(Duration.ZERO).until(() -> {
              last[0] = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
              return last[0].statusCode() / 100 == 2;
            });
      } catch (ConditionTimeoutException e) {
        throw new IllegalStateException("the VIP's ingest frontend answered " + (last[0] == null ? "nothing"
            : last[0].statusCode() + ": " + last[0].body()), e);
      }
    }
    say("smoke: %d hits accepted through %s in %.1f s", hits, edge.ingestUrl(), seconds(start));

    String sql = "select count() from hits where property_id = '" + propertyId + "'";
    long rows = awaitValue(Duration.ofSeconds(90), () -> questdbCount(questdb, sql), hits);
    say("smoke: QuestDB holds %d of %d hits after %.1f s", rows, hits, seconds(start));

    long users = awaitValue(Duration.ofSeconds(60), () -> dashboard.realtimeActiveUsers(propertyId), 5);
    say("smoke: real-time report through the VIP: activeUsers = %d (5 clients sent) after %.1f s", users,
        seconds(start));
  }

  static long questdbCount(QuestDbServer questdb, String sql) {
    try {
      HttpResponse<String> r = HTTP.send(questdb.request(questdb.httpUrl() + "/exec?query="
          + URLEncoder.encode(sql, StandardCharsets.UTF_8)).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      Matcher m = Pattern.compile("\"dataset\"\\s*:\\s*\\[\\[(\\d+)").matcher(r.body());
      return m.find() ? Long.parseLong(m.group(1)) : -1;
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  interface Value {
    long get() throws Exception;
  }

  /** Polls until the value reaches {@code want}; fails with the last value after {@code timeout}. */
  static long awaitValue(Duration timeout, Value value, long want) {
    long[] last = {-1};
    try {
      Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(500)).pollDelay(Duration.ZERO)
          .until(() -> (last[0] = value.get()) >= want);
    } catch (ConditionTimeoutException e) {
      throw new IllegalStateException("expected " + want + ", last seen " + last[0] + " after " + timeout.toSeconds()
          + " s", e);
    }
    return last[0];
  }

  // ---- summary ----------------------------------------------------------------------------------------------

  private void summary() {
    say("summary (%.1f s since start):", seconds(begin));
    long total = 0;
    List<ServerProcess> processes;
    synchronized (all) {
      processes = List.copyOf(all);
    }
    for (ServerProcess p : processes) {
      long rss = rssKb(p.pid());
      total += Math.max(rss, 0);
      Duration ready = readyAt.get(p.name());
      say("  %-12s pid %-7d ready %6s  RSS %5s MB", p.name(), p.pid(),
          ready == null ? "-" : String.format("%.1f s", ready.toMillis() / 1000.0),
          rss < 0 ? "?" : Long.toString(rss / 1024));
    }
    if (spark != null) {
      List<ProcessHandle> launched = new ArrayList<>();
      spark.driver().ifPresent(launched::add);
      launched.addAll(spark.executors());
      for (ProcessHandle p : launched) {
        long rss = rssKb(p.pid());
        total += Math.max(rss, 0);
        say("  %-12s pid %-7d launched by a worker  RSS %5s MB",
            spark.driver().map(d -> d.pid() == p.pid()).orElse(false) ? "spark-driver" : "spark-exec", p.pid(),
            rss < 0 ? "?" : Long.toString(rss / 1024));
      }
    }
    say("  total RSS %d MB; Beacon node restarts during the start: %d", total / 1024, restarts.get());
    if (prometheus != null && prometheus.isAlive()) {
      try {
        say("  Prometheus %s: scrape targets by health %s", prometheus.url(), prometheus.targetHealth());
        say("  Alertmanager http://%s: %d alert mails received so far", alertmanager.target(), mail.mails().size());
      } catch (IOException e) {
        say("  Prometheus %s: targets unknown (%s)", prometheus.url(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** VmRSS of a process in kB (Linux /proc), -1 if unknown. */
  static long rssKb(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | RuntimeException e) {
      // gone, or not Linux
    }
    return -1;
  }

  private static double seconds(Instant since) {
    return Duration.between(since, Instant.now()).toMillis() / 1000.0;
  }

  private void say(String format, Object... args) {
    System.out.printf("[rehearse %6.1fs] %s%n", seconds(begin), String.format(format, args));
  }
}
